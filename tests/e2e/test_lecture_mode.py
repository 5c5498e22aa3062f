"""Voila pages in a real browser: lecture mode, and the Binder links of the README.

``rnncount lecture NOTEBOOK`` serves a notebook through Voila: the page must render the explanations
and a live dashboard, hide every code cell, use projector-sized type, and update the formula, the
summary and the picture when a slider moves (keyboard again). The same page through JupyterLab's
server (``voila/render/...``, Binder's Voila link), and the index at Binder's JupyterLab link.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from _browser import (
    RUN_ALL_S,
    SERVER_START_S,
    Server,
    assert_clean,
    page_problems,
    poll,
    press_slider,
    shutdown_kernels,
    slider_value,
    start_lecture,
    stop_server,
    wait_for_current_document,
    wait_for_lab_restored,
    wait_for_wired_link,
    wait_until,
)
from _dashboards import assert_views, explore_expected, read_explore

pytestmark = pytest.mark.e2e

NOTEBOOK = "02_simple_rnn.ipynb"
VOILA_ERRORS = ("There was an error when executing cell", "Traceback (most recent call last)")


@pytest.fixture(scope="module")
def lecture(notebooks_copy: Path, tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Server]:
    server = start_lecture(notebooks_copy / NOTEBOOK, tmp_path_factory.mktemp("lecture-home"))
    try:
        yield server
    finally:
        stop_server(server.proc)


def _code_sources(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def check_voila_page(
    page: Any, url: str, notebook: Path, artifacts: Path, name: str, *, projector: bool, typeset: bool = True
) -> None:
    """Open a Voila page of ``notebook``: no error, no code, a live dashboard that follows the keyboard.

    ``typeset=False`` accepts the formula as LaTeX source when MathJax cannot load (checked the same way).
    """
    page.goto(url, wait_until="domcontentloaded", timeout=120_000)
    dash = page.locator(".rnncount-explore").first
    dash.wait_for(state="visible", timeout=RUN_ALL_S * 1000)

    body = page.locator("body").inner_text()
    for needle in VOILA_ERRORS:
        assert needle not in body, f"Voila page shows an error: {body[body.index(needle) - 200 :][:800]!r}"
    problems = page_problems(page)
    assert not problems, "\n".join(problems)

    # The explanations are there, the code is not: no editor, and no line of any code cell in the text.
    assert page.locator("h1").first.inner_text().strip(), "the notebook's title is missing"
    assert page.locator(".jp-CodeMirrorEditor, .cm-editor").count() == 0, "a code editor is visible"
    for source in _code_sources(notebook):
        for line in source.splitlines():
            line = line.strip()
            if len(line) > 25 and not line.startswith("#"):
                assert line not in body, f"code is visible in the Voila page: {line!r}"

    if projector:  # lecture mode: the explanations' body text is at least 20 px
        size = page.locator(".jp-RenderedMarkdown p").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 20, f"lecture text is {size}px, too small to project"

    before = read_explore(dash)
    first = explore_expected(before)
    assert_views(dash, first, stack=False, what=f"{name}: dashboard as first shown", require_typeset=typeset)
    page.screenshot(path=str(artifacts / f"{name}-top.png"))

    press_slider(page, dash.locator(".rnncount-units"), "ArrowRight", times=1)
    poll(lambda: None if slider_value(dash.locator(".rnncount-units")) == before["units"] + 1 else "units", 20, "units")
    after = read_explore(dash)
    assert after == {**before, "units": before["units"] + 1}
    assert_views(dash, explore_expected(after), stack=False, what=f"{name}: after units", require_typeset=typeset)

    press_slider(page, dash.locator(".rnncount-features"), "ArrowRight", times=1)
    poll(
        lambda: None if slider_value(dash.locator(".rnncount-features")) == before["features"] + 1 else "features",
        20,
        "features",
    )
    after = read_explore(dash)
    assert after == {**before, "units": before["units"] + 1, "features": before["features"] + 1}
    assert_views(dash, explore_expected(after), stack=False, what=f"{name}: after features", require_typeset=typeset)

    problems = page_problems(page)
    assert not problems, "\n".join(problems)
    dash.screenshot(path=str(artifacts / f"{name}-dashboard.png"))


def test_lecture_mode(lecture: Server, page: Any, artifacts: Path, notebooks_copy: Path) -> None:
    """``rnncount lecture notebooks/02_simple_rnn.ipynb``: big type, no code, live dashboard."""
    check_voila_page(page, lecture.base_url + "/", notebooks_copy / NOTEBOOK, artifacts, "lecture", projector=True)


def test_binder_voila_url(lab: Server, page: Any, artifacts: Path, notebooks_copy: Path) -> None:
    """The README's Binder Voila link, ``?urlpath=voila/render/notebooks/...``, served by JupyterLab's server."""
    url = lab.url(f"/voila/render/notebooks/{NOTEBOOK}")
    # Served this way, Voila takes MathJax from a CDN, which this offline machine cannot reach (Binder can).
    check_voila_page(page, url, notebooks_copy / NOTEBOOK, artifacts, "binder-voila", projector=False, typeset=False)
    shutdown_kernels(lab)


def test_binder_lab_url_opens_the_index(lab: Server, page: Any, artifacts: Path, notebooks_copy: Path) -> None:
    """The README's Binder link, ``?urlpath=lab/tree/notebooks/00_index.ipynb``: the index opens and links work.

    Every step waits for a state of JupyterLab (restored, document current, kernel idle, link wired),
    never for a fixed time, so a busy machine makes the test slower, not red.
    """
    page.goto(lab.url("/lab/tree/notebooks/00_index.ipynb"), wait_until="domcontentloaded", timeout=60_000)
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".jp-RenderedMarkdown h1").first.wait_for(state="visible", timeout=SERVER_START_S * 1000)
    wait_for_lab_restored(page)
    wait_for_current_document(page, "notebooks/00_index.ipynb")
    hrefs = panel.locator(".jp-RenderedMarkdown a[href*='.ipynb']").evaluate_all("els => els.map(a => a.href)")
    linked = {urlparse(h).path.rsplit("/", 1)[-1] for h in hrefs}
    on_disk = {p.name for p in notebooks_copy.glob("*.ipynb")} - {"00_index.ipynb"}
    assert on_disk <= linked, f"the index does not link {sorted(on_disk - linked)}"
    assert linked <= on_disk | {"00_index.ipynb"}, f"the index links missing notebooks {sorted(linked - on_disk)}"
    # Following a link opens that notebook in JupyterLab, as a reader would: once the index's kernel
    # is connected and JupyterLab has wired the link (a click before that follows the raw href).
    wait_until(page, lambda s: s and s["status"] == "idle", SERVER_START_S, "the index's kernel to be idle")
    link = panel.locator(".jp-RenderedMarkdown a[href*='02_simple_rnn.ipynb']").first
    wait_for_wired_link(link)
    link.click()
    wait_for_current_document(page, f"notebooks/{NOTEBOOK}")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").first.wait_for(
        state="visible", timeout=SERVER_START_S * 1000
    )
    assert_clean(page, "00_index")
    page.screenshot(path=str(artifacts / "binder-lab-index.png"))
    shutdown_kernels(lab)
