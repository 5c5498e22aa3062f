"""The repository is ruff-clean: lint and format, with the settings in pyproject.toml."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    if find_spec("ruff") is None:
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail("ruff is not installed (pip install -e '.[test]')", pytrace=False)
        pytest.skip("ruff is not installed")
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ruff_check() -> None:
    proc = _ruff("check", "--output-format=concise")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-1000:]


def test_ruff_format() -> None:
    proc = _ruff("format", "--check")
    assert proc.returncode == 0, "files ruff would reformat (run: ruff format .):\n" + proc.stdout[-4000:]
