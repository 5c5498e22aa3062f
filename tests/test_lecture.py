"""Lecture mode's command line and template, without a browser (tests/e2e/ drives the real page)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rnncount.cli import EXIT_USAGE, main
from rnncount.lecture import TEMPLATE_NAME, lecture_env, voila_command, write_template


def test_lecture_is_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["lecture", "--help"])
    assert exc.value.code == 0
    assert "notebooks/02_simple_rnn.ipynb" in capsys.readouterr().out


@pytest.mark.parametrize("path", ["no/such/notebook.ipynb", "README.md"])
def test_lecture_refuses_what_is_not_a_notebook(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lecture", path, "--no-browser"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("rnncount: error: lecture mode needs a notebook file")
    assert len(err.strip().splitlines()) == 1


def test_voila_command_strips_code_and_uses_the_lecture_template(tmp_path: Path) -> None:
    cmd = voila_command("notebooks/02_simple_rnn.ipynb", port=8123, open_browser=False, theme="dark")
    assert cmd[1:4] == ["-m", "voila", "notebooks/02_simple_rnn.ipynb"]
    for arg in ("--strip_sources=True", f"--template={TEMPLATE_NAME}", "--theme=dark", "--port=8123", "--no-browser"):
        assert arg in cmd


def test_template_extends_voilas_lab_template(tmp_path: Path) -> None:
    root = write_template(tmp_path)
    folder = root / "voila" / "templates" / TEMPLATE_NAME
    assert json.loads((folder / "conf.json").read_text())["base_template"] == "lab"
    index = (folder / "index.html.j2").read_text()
    assert "extends 'voila/templates/lab/index.html.j2'" in index
    assert "font-size" in index
    env = lecture_env(root, base={"JUPYTER_PATH": "/elsewhere"})
    assert env["JUPYTER_PATH"].split(os.pathsep)[0] == str(root)
    assert env["JUPYTER_PATH"].endswith("/elsewhere")
