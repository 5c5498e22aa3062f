"""Lecture mode's command line, slide rules, templates and static widgets, without a browser.

tests/e2e/test_lecture_mode.py drives the real page (Voila) and the exported deck in Chromium.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from rnncount.cli import EXIT_USAGE, main
from rnncount.lecture.mode import (
    DATA,
    MATHJAX_JS,
    SKIP_TAG,
    SLIDE_TAG,
    TEMPLATE_DIR,
    TEMPLATE_NAME,
    count_slides,
    lecture_env,
    lecture_roles,
    prepare_notebook,
    split_sections,
    voila_command,
    widget_html,
    write_config,
)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def _md(source: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def _code(source: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = tags
    return cell


# --- the command line ----------------------------------------------------------------------------


def test_lecture_is_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["lecture", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--slide", "--export", "--dark", "--port", "--no-browser"):
        assert option in out


@pytest.mark.parametrize("path", ["no/such/notebook.ipynb", "README.md"])
def test_lecture_refuses_what_is_not_a_notebook(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lecture", path, "--no-browser"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("rnncount: error: lecture mode needs a notebook file")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("path", ["no/such/notebook.ipynb", "README.md"])
def test_export_refuses_what_is_not_a_notebook(path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lecture", path, "--export", str(tmp_path / "deck.html")]) == EXIT_USAGE
    assert "lecture mode needs a notebook file" in capsys.readouterr().err
    assert not (tmp_path / "deck.html").exists()


@pytest.mark.parametrize("bad", ["0", "-2", "two"])
def test_slide_must_count_from_one(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["lecture", "notebooks/03_lstm.ipynb", "--slide", bad])
    assert exc.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--slide" in err and len(err.strip().splitlines()) == 1


def test_voila_command_strips_code_and_uses_the_slides_template(tmp_path: Path) -> None:
    cmd = voila_command("notebooks/03_lstm.ipynb", config_dir=tmp_path, port=8123, theme="dark")
    assert cmd[0] == sys.executable and cmd[1] == "-c" and "voila.app" in cmd[2]
    assert cmd[3] == "notebooks/03_lstm.ipynb"
    for arg in (
        "--strip_sources=True",
        f"--template={TEMPLATE_NAME}",
        "--theme=dark",
        "--port=8123",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--Voila.config_file_paths={tmp_path}",
    ):
        assert arg in cmd


def test_config_hooks_the_slide_marker_in(tmp_path: Path) -> None:
    """The voila.py that lecture mode writes sets the prelaunch hook, with --slide's start."""
    write_config(tmp_path, start=4)
    namespace: dict = {"c": _Config()}
    exec(compile((tmp_path / "voila.py").read_text(), "voila.py", "exec"), namespace)  # our own file, as traitlets does
    hook = namespace["c"].VoilaConfiguration.prelaunch_hook
    nb = nbformat.v4.new_notebook(cells=[_md("# A"), _md("## B"), _md("## C"), _md("## D"), _md("## E")])
    out = hook(None, notebook=nb, cwd=".")
    assert out.metadata["rnncount_lecture"] == {"slides": 5, "start": 4}
    write_config(tmp_path, start=9)  # past the end: the last slide
    exec(compile((tmp_path / "voila.py").read_text(), "voila.py", "exec"), namespace)
    assert namespace["c"].VoilaConfiguration.prelaunch_hook(None, notebook=nb, cwd=".").metadata[
        "rnncount_lecture"
    ] == {"slides": 5, "start": 5}


class _Config:
    """Enough of traitlets' config object for ``c.X.y = value``."""

    def __getattr__(self, name: str) -> _Config:
        value = _Config()
        object.__setattr__(self, name, value)
        return value


def test_env_puts_the_package_templates_first() -> None:
    env = lecture_env(base={"JUPYTER_PATH": "/elsewhere"})
    assert env["JUPYTER_PATH"].split(os.pathsep)[0] == str(DATA)
    assert env["JUPYTER_PATH"].endswith("/elsewhere")
    assert (DATA / "voila" / "templates" / TEMPLATE_NAME / "index.html.j2").is_file()


def test_env_names_the_theme_for_the_kernel() -> None:
    """``--dark`` reaches the kernel as RNNCOUNT_THEME=dark: its pictures use the dark palette."""
    assert lecture_env(base={}, theme="dark")["RNNCOUNT_THEME"] == "dark"
    assert lecture_env(base={"RNNCOUNT_THEME": "dark"}, theme="light")["RNNCOUNT_THEME"] == "light"
    assert lecture_env(base={})["RNNCOUNT_THEME"] == "light"


# --- which cell starts a slide, which is skipped -------------------------------------------------


def test_headings_and_tags_start_slides() -> None:
    cells = [
        _md("# Title\n\nintro"),
        _md("<!--NAVIGATION-->\n[next](04_gru.ipynb)"),
        _md("## Setup\n\nRun this cell first."),
        _code("import keras"),
        _md("## Idea\n\ntext"),
        _code("1 + 1"),
        _md("### a sub-heading stays on its slide"),
        _md("no heading, but tagged", tags=[SLIDE_TAG]),
        _code("x = 2", tags=[SKIP_TAG]),
        _md("## Hidden section", tags=[SKIP_TAG]),
        _code("hidden()"),
        _md("## Last\n#not a heading"),
    ]
    roles = ["slide", "skip", "skip", "skip", "slide", "", "", "slide", "skip", "skip", "skip", "slide"]
    assert lecture_roles(cells) == roles
    assert count_slides(cells) == 4


def test_cells_before_the_first_heading_open_a_slide() -> None:
    nb = nbformat.v4.new_notebook(cells=[_code("print(1)"), _md("## A"), _md("text")])
    prepare_notebook(nb)
    assert [c.metadata["rnncount_lecture"] for c in nb.cells] == ["slide", "slide", ""]
    assert nb.metadata["rnncount_lecture"]["slides"] == 2


def test_a_heading_inside_a_cell_starts_a_slide() -> None:
    source = "## One\n\ntext $$a\n## not a heading inside math\n$$\n```\n# nor inside code\n```\n## Two\nmore\n# Three"
    assert [p.splitlines()[0] for p in split_sections(source)] == ["## One", "## Two", "# Three"]
    nb = nbformat.v4.new_notebook(cells=[_md(source), _code("1")])
    prepare_notebook(nb)
    assert [c.metadata["rnncount_lecture"] for c in nb.cells] == ["slide", "slide", "slide", ""]
    assert len({c.id for c in nb.cells}) == 4
    nbformat.validate(nb)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_course_notebooks_hide_setup_and_navigation(path: Path) -> None:
    """Every course notebook: a title slide, no Setup or navigation shown, the code still all runs."""
    nb = nbformat.read(path, as_version=4)
    code_before = [c.source for c in nb.cells if c.cell_type == "code"]
    prepare_notebook(nb)
    roles = [c.metadata["rnncount_lecture"] for c in nb.cells]
    shown = [c for c, r in zip(nb.cells, roles, strict=True) if r != "skip"]
    assert shown and shown[0].source.startswith("# "), "the first slide is the notebook's title"
    for cell in shown:
        assert "<!--NAVIGATION-->" not in cell.source
        assert not re.match(r"##\s+Setup\b", cell.source)
    assert [c.source for c in nb.cells if c.cell_type == "code"] == code_before, "every code cell still runs"
    # A slide per #/## heading (outside code fences) but Setup and those of cells tagged to be
    # skipped, and per cell tagged "slide" that opens with none.
    slides = 0
    for c in nbformat.read(path, as_version=4).cells:
        if c.cell_type != "markdown" or SKIP_TAG in c.metadata.get("tags", []):
            continue
        prose = re.sub(r"^```.*?^```", "", c.source, flags=re.M | re.S)
        lines = [line for line in prose.splitlines() if re.match(r"#{1,2}\s", line)]
        heads = [line for line in lines if not re.match(r"##\s+Setup\b", line)]
        slides += len(heads) or (SLIDE_TAG in c.metadata.get("tags", []) and not lines)
    assert nb.metadata["rnncount_lecture"]["slides"] == slides


# --- templates and assets ------------------------------------------------------------------------


def test_templates_link_nothing_outside() -> None:
    """No CDN in our templates: Voila's own lab template links Font Awesome on jsdelivr."""
    for path in [*TEMPLATE_DIR.iterdir(), *(DATA / "nbconvert" / "templates").rglob("*.j2")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), f"{path.name} links outside"
    index = (TEMPLATE_DIR / "index.html.j2").read_text()
    assert "extends 'nbconvert/templates/lab/index.html.j2'" in index
    assert "cell_generator(nb, kernel_id)" in index  # streamed: first slides show while later cells run
    assert json.loads((TEMPLATE_DIR / "conf.json").read_text())["base_template"] == "lab"


def test_mathjax_is_shipped_whole() -> None:
    """The deck's MathJax is one file with every TeX extension (nothing loaded later) and its licence."""
    text = MATHJAX_JS.read_text(encoding="utf-8")
    assert len(text) > 1_000_000 and "</script" not in text.lower()
    assert "Apache License" in (MATHJAX_JS.parent / "LICENSE").read_text()


def test_package_data_ships_the_templates() -> None:
    """pyproject.toml's package data covers every file lecture mode reads."""
    import tomllib

    settings = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = settings["package-data"]["rnncount.lecture"]
    package = DATA.parent
    files = [p for p in DATA.rglob("*") if p.is_file()]
    assert files
    for p in files:
        rel = p.relative_to(package).as_posix()
        assert any(Path(rel).match(pat) or rel.startswith(pat.split("**")[0]) for pat in patterns), rel


# --- static widgets for the deck -----------------------------------------------------------------


def test_widget_html_draws_what_a_dashboard_shows() -> None:
    import rnncount

    dash = rnncount.explore(layer="LSTM", units=4, features=5, timesteps=30, head=1)
    try:
        out = widget_html(dash)
        for cls in ("rnncount-explore", "rnncount-formula", "rnncount-summary", "rnncount-diagram", "rnncount-units"):
            assert cls in out, cls
        assert dash.summary_text.splitlines()[0].strip() in out.replace("&quot;", '"')
        assert "units h" in out and ">4<" in out
        assert 'rn-static-chosen">LSTM' in out
        assert "<img" in out or "<svg" in out
        assert ">layer<" not in out, "a control hidden in the live dashboard shows in the deck"
    finally:
        dash.close()


def test_the_deck_draws_pictures_in_the_theme_of_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--export --dark`` runs the kernel with RNNCOUNT_THEME=dark: the deck's picture is drawn dark."""
    import rnncount

    monkeypatch.setenv("RNNCOUNT_THEME", "dark")
    dash = rnncount.explore(layer="GRU", units=3, features=2)
    try:
        out = widget_html(dash)
        assert 'data-theme="dark"' in out and 'data-theme="light"' not in out
    finally:
        dash.close()


def test_export_needs_no_kernel_to_refuse(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ipynb"
    shutil.copy(REPO / "README.md", bad)
    assert main(["lecture", str(bad), "--export", str(tmp_path / "deck.html")]) == EXIT_USAGE


def test_lines_of_links_are_left_off_slides() -> None:
    """A line made only of links (the course's way around) is noise on a slide; links in a sentence stay."""
    links = "[Run this notebook on Binder](../README.md#run-on-binder) · [All notebooks](00_index.ipynb)"
    nb = nbformat.v4.new_notebook(cells=[_md(f"# Title\n\n{links}\n\nSee [x](y) here.")])
    prepare_notebook(nb)
    assert nb.cells[0].source == "# Title\n\n\nSee [x](y) here."
