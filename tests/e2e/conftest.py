"""Real-browser test harness: JupyterLab (or Voila) on 127.0.0.1, driven by Debian's Chromium via Playwright.

Nothing here downloads a browser: Playwright is pointed at the system Chromium (``/usr/bin/chromium``,
or ``RNNCOUNT_CHROMIUM``). Outside CI a missing Chromium or Playwright skips these tests; in CI
(``CI=true``) it fails them, so a green CI run always means the browser tests ran.

Every server gets a free port, a random token and its own temporary copy of the notebooks and
Jupyter directories, so two pytest-xdist workers never share anything.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, NOTEBOOKS, Server, start_lab, stop_server, unavailable


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable('Playwright for Python is not installed (pip install -e ".[test]")')
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def notebooks_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of notebooks/ (running them writes outputs and checkpoints)."""
    if not NOTEBOOKS.is_dir():
        pytest.fail(f"{NOTEBOOKS} is missing", pytrace=False)
    # Laid out as in the repository (and on Binder): <root>/notebooks/NN_name.ipynb.
    dest = tmp_path_factory.mktemp("site") / "notebooks"
    shutil.copytree(NOTEBOOKS, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest


@pytest.fixture(scope="session")
def lab(notebooks_copy: Path, tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Server]:
    """A JupyterLab server for this worker, always shut down at the end."""
    server = start_lab(notebooks_copy.parent, tmp_path_factory.mktemp("lab-home"))
    try:
        yield server
    finally:
        stop_server(server.proc, server.url("/api/shutdown"))


@pytest.fixture
def page(browser: Any, artifacts: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser tab (own context) that records console errors and page crashes."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, device_scale_factor=1)
    context.set_default_timeout(30_000)
    pg = context.new_page()
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.console_errors.append(f"pageerror: {e}"))  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            with contextlib.suppress(Exception):
                pg.screenshot(path=str(artifacts / f"FAILED-{request.node.name}.png"), full_page=True)
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    rep = yield
    if rep.when == "call":
        item.rep_call = rep  # type: ignore[attr-defined]
    return rep
