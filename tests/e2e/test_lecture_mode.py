"""Voila pages in a real browser: lecture mode's slides, and the Binder links of the README.

``rnncount lecture NOTEBOOK`` serves a notebook as slides through Voila (see the lecture section at the
end): one section per screen, keys move between them, the live dashboard fits its slide, nothing is
fetched from outside 127.0.0.1, and ``--export`` writes a deck that opens from file://. The notebook
page through JupyterLab's server (``voila/render/...``, Binder's Voila link), and the index at
Binder's JupyterLab link.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from _browser import (
    RUN_ALL_S,
    SERVER_START_S,
    Server,
    _free_port,
    _server_env,
    _wait_http,
    assert_clean,
    math_text,
    page_problems,
    poll,
    press_slider,
    shutdown_kernels,
    slider_value,
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
    on_disk = {p.name for p in notebooks_copy.glob("*.ipynb")} - {"00_index.ipynb"}
    # JupyterLab draws only the cells near the view (a windowed notebook): scroll down through the
    # index, collecting its links, until every notebook's link has been drawn or the end is reached.
    linked: set[str] = set()
    deadline = time.monotonic() + SERVER_START_S
    while True:
        hrefs = panel.locator(".jp-RenderedMarkdown a[href*='.ipynb']").evaluate_all("els => els.map(a => a.href)")
        linked |= {urlparse(h).path.rsplit("/", 1)[-1] for h in hrefs}
        at_end = panel.locator(".jp-WindowedPanel-outer").first.evaluate(
            "el => { const end = el.scrollTop + el.clientHeight >= el.scrollHeight - 2; "
            "el.scrollTop += el.clientHeight; return end; }"
        )
        if on_disk <= linked or (at_end and time.monotonic() > deadline) or time.monotonic() > deadline + 30:
            break
        page.wait_for_timeout(250)
    panel.locator(".jp-WindowedPanel-outer").first.evaluate("el => { el.scrollTop = 0; }")
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


# ---------------------------------------------------------------------------------------------
# Lecture mode: 03_lstm as slides (rnncount lecture), and its exported deck (--export)
# ---------------------------------------------------------------------------------------------

LECTURE_NB = "03_lstm.ipynb"
FULL_HD = {"width": 1920, "height": 1080}
SMALL = {"width": 1280, "height": 720}
FIRST_SLIDE_S = 120  # generous: a bound that catches a page that never shows, not a benchmark
_SLIDE_JS = "() => window.rnLecture ? window.rnLecture.current() : 0"
_HEADING_IN_VIEW_JS = """() => {
  const s = document.querySelector('section.rn-slide.rn-current');
  const h = s && s.querySelector('h1, h2');
  return h ? h.textContent.replace(/\\u00b6/g, '').trim() : null;
}"""


def _lecture_copy(notebooks_copy: Path, folder: Path) -> Path:
    """A copy of 03_lstm with tags, as the course marks its notebooks: the Setup code skipped, one
    extra slide started by the ``slide`` tag (the Setup heading and the navigation are left untagged:
    lecture mode must skip those on its own)."""
    nb = json.loads((notebooks_copy / LECTURE_NB).read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    forget = next(c for c in nb["cells"] if "".join(c["source"]).startswith("How do we know"))
    for cell, tag in ((code[0], "lecture-skip"), (forget, "slide")):  # the Setup cell; an extra slide
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if tag not in tags:  # the course may tag it already: tags must stay unique (nbformat)
            tags.append(tag)
    # Beside its own copy of the course (never in notebooks_copy: the index test lists that folder).
    path = folder / "notebooks" / LECTURE_NB
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def _expected_slides(path: Path) -> list[str | None]:
    """The slides' headings, read from the notebook: every ``#``/``##`` line of a markdown cell but
    Setup, and None for a cell tagged ``slide`` that has no heading. Inline math in a heading
    (``$h$``) is typeset: the page's text is the symbol without its dollars."""
    out: list[str | None] = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        src = "".join(cell["source"])
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "markdown" or "lecture-skip" in tags:
            continue
        lines = [
            re.sub(r"\$([^$]+)\$", r"\1", m.group(1)).strip() for m in re.finditer(r"^#{1,2}\s+(.*)$", src, flags=re.M)
        ]
        if not lines and "slide" in tags:
            out.append(None)
        out.extend(h for h in lines if h != "Setup")
    return out


def _setup_text(path: Path) -> list[str]:
    """Sentences of the Setup section and of the navigation cells: none may be on any slide."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    setup = next("".join(c["source"]) for c in cells if "".join(c["source"]).startswith("## Setup"))
    nav = next("".join(c["source"]) for c in cells if "<!--NAVIGATION-->" in "".join(c["source"]))
    texts = [line.strip() for line in setup.splitlines()[1:] if len(line.strip()) > 20]
    texts += [m.group(1) for m in re.finditer(r"\[([^\]]{8,})\]", nav)]
    assert texts, "no Setup/navigation text to look for"
    return texts


def _start_lecture(notebook: Path, home: Path, *args: str) -> tuple[Server, float]:
    """``rnncount lecture NOTEBOOK --port P --no-browser ARGS``; returns the server and when it started."""
    port = _free_port()
    cmd = [sys.executable, "-m", "rnncount", "lecture", str(notebook), f"--port={port}", "--no-browser", *args]
    log = home / "voila.log"
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=notebook.parent,
            env=_server_env(home),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", "", notebook.parent, log, proc)
    try:
        _wait_http(f"{server.base_url}/voila/static/voila.js", proc, log, SERVER_START_S)
    except Exception:
        stop_server(proc)
        raise
    return server, started


def _open_slides(browser: Any, server: Server, started: float, path: str = "/", viewport: dict | None = None) -> Any:
    """A page of the lecture at 1920x1080 recording every request; waits for the first slide on screen."""
    context = browser.new_context(viewport=viewport or FULL_HD, device_scale_factor=1)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.requests = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.console_errors.append(f"pageerror: {e}"))  # type: ignore[attr-defined]
    page.on("request", lambda r: page.requests.append(r.url))  # type: ignore[attr-defined]
    page.on("websocket", lambda ws: page.requests.append(ws.url))  # type: ignore[attr-defined]
    page.goto(server.base_url + path, wait_until="commit", timeout=60_000)
    page.locator("section.rn-slide.rn-current :is(h1, h2)").first.wait_for(
        state="visible", timeout=FIRST_SLIDE_S * 1000
    )
    page.first_slide_s = time.monotonic() - started  # type: ignore[attr-defined]
    return page


def _wait_finished(page: Any) -> None:
    """Every cell ran (Voila called voila_finish) and no cell failed."""
    page.locator("body.rn-finished").wait_for(state="attached", timeout=RUN_ALL_S * 1000)
    body = page.locator("body").evaluate("b => b.textContent")
    for needle in VOILA_ERRORS:
        assert needle not in body, f"lecture page shows an error: {body[body.index(needle) - 200 :][:800]!r}"
    assert_clean(page, "lecture page")


def _foreign(requests: list[str], allowed: tuple[str, ...]) -> list[str]:
    return sorted({u for u in requests if not u.startswith(allowed)})


@pytest.fixture(scope="module")
def lecture_nb(notebooks_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _lecture_copy(notebooks_copy, tmp_path_factory.mktemp("lecture-site"))


@pytest.fixture(scope="module")
def slides(lecture_nb: Path, tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Any]:
    """``rnncount lecture 03_lstm`` at 1920x1080: one page for the module (each page runs the notebook)."""
    server, started = _start_lecture(lecture_nb, tmp_path_factory.mktemp("lecture-home"))
    page = None
    try:
        page = _open_slides(browser, server, started)
        page.server = server  # type: ignore[attr-defined]
        yield page
    finally:
        if page is not None:
            page.context.close()
        stop_server(server.proc)


def test_lecture_first_slide_comes_fast(slides: Any, lecture_nb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """From ``rnncount lecture`` to the title slide on screen: measured and printed (kernel start included)."""
    took = slides.first_slide_s
    title = _expected_slides(lecture_nb)[0]
    assert slides.evaluate(_SLIDE_JS) == 1
    assert slides.evaluate(_HEADING_IN_VIEW_JS) == title
    assert slides.evaluate("() => location.hash") == "#/1"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with capsys.disabled():
        print(f"\n[lecture] rnncount lecture -> first slide on screen: {took:.1f} s (load average {load})")
    assert took < FIRST_SLIDE_S


def test_lecture_slides_and_keys(slides: Any, lecture_nb: Path, artifacts: Path) -> None:
    """Every section is a slide filling the screen; the keys move between them; the hash follows."""
    _wait_finished(slides)
    headings = _expected_slides(lecture_nb)
    assert slides.evaluate("() => rnLecture.count()") == len(headings)
    assert slides.locator("#rn-counter").inner_text().strip() == f"1 / {len(headings)}"

    def at(n: int) -> None:
        poll(
            lambda: None if slides.evaluate(_SLIDE_JS) == n else f"on slide {slides.evaluate(_SLIDE_JS)}",
            10,
            f"slide {n}",
        )
        assert slides.evaluate(_HEADING_IN_VIEW_JS) == headings[n - 1]
        assert slides.evaluate("() => location.hash") == f"#/{n}"
        assert slides.locator("#rn-counter").inner_text().strip() == f"{n} / {len(headings)}"
        # Exactly one slide in sight, and it fills the screen.
        box = slides.locator("section.rn-slide.rn-current").bounding_box()
        assert box == {"x": 0, "y": 0, **slides.viewport_size}
        assert slides.locator("section.rn-slide:not(.rn-current)").evaluate_all(
            "ss => ss.every(s => getComputedStyle(s).visibility === 'hidden')"
        )
        width = slides.locator("#rn-progress-bar").evaluate("e => e.getBoundingClientRect().width / innerWidth")
        assert abs(width - n / len(headings)) < 0.02, f"progress bar at {width:.2f} on slide {n}"

    slides.locator("body").click(position={"x": 5, "y": 5})
    slides.keyboard.press("ArrowRight")
    at(2)
    slides.keyboard.press("ArrowLeft")
    at(1)
    slides.keyboard.press("PageDown")
    at(2)
    slides.keyboard.press("Space")
    at(3)
    slides.keyboard.press("PageUp")
    at(2)
    slides.keyboard.press("End")
    at(len(headings))
    slides.keyboard.press("ArrowRight")  # past the end: stays
    at(len(headings))
    slides.keyboard.press("Home")
    at(1)
    for n in range(1, len(headings) + 1):
        slides.evaluate(f"() => rnLecture.go({n})")
        at(n)
        assert slides.evaluate(_HEADING_IN_VIEW_JS) == headings[n - 1], f"slide {n}"


def test_lecture_hides_setup_navigation_and_code(slides: Any, lecture_nb: Path) -> None:
    _wait_finished(slides)
    # innerText of hidden slides is empty: read every slide while it is on screen.
    shown = []
    for n in range(1, slides.evaluate("() => rnLecture.count()") + 1):
        slides.evaluate(f"() => rnLecture.go({n})")
        shown.append(slides.locator("section.rn-slide.rn-current").inner_text())
    text = "\n".join(shown)
    for sentence in _setup_text(lecture_nb):
        assert sentence not in text, f"Setup/navigation text on a slide: {sentence!r}"
    assert slides.locator(".rn-skip").evaluate_all("es => es.every(e => !e.offsetParent)")
    assert slides.locator(".jp-CodeMirrorEditor, .cm-editor").count() == 0, "a code editor is on a slide"
    for source in _code_sources(lecture_nb):
        for line in source.splitlines():
            line = line.strip()
            if len(line) > 25 and not line.startswith("#"):
                assert line not in text, f"code is visible on a slide: {line!r}"
    size = slides.locator(".jp-RenderedMarkdown p").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 24, f"slide text is {size}px at 1920x1080, too small to project"


def _dashboard_slide(page: Any) -> int:
    return int(page.locator("section.rn-slide:has(.rnncount-explore)").first.get_attribute("data-rn-slide") or 0)


_FITS_JS = """(s) => {
  const r = e => e.getBoundingClientRect();
  const out = [];
  if (s.scrollHeight > s.clientHeight + 1) out.push(`the slide scrolls: ${s.scrollHeight} > ${s.clientHeight}`);
  for (const sel of ['.rnncount-controls', '.rnncount-formula', '.rnncount-summary', '.rnncount-diagram']) {
    const e = s.querySelector(sel);
    if (!e) { out.push(`no ${sel}`); continue; }
    const b = r(e);
    if (b.top < 0 || b.bottom > innerHeight + 1 || b.left < 0 || b.right > innerWidth + 1)
      out.push(`${sel} is not all on screen: ${JSON.stringify(b)}`);
  }
  const pre = s.querySelector('.rnncount-summary-text');
  if (pre && pre.scrollWidth > pre.clientWidth + 1) out.push('the Keras summary is cut');
  const pic = s.querySelector('.rnncount-diagram svg, .rnncount-diagram img');
  const frame = s.querySelector('.rnncount-diagram');
  const cs = getComputedStyle(s);
  const content = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const wide = frame ? Math.round(r(frame).width) : 0;
  if (frame && wide < 0.5 * content) out.push(`the picture's box is ${wide}px of ${content}px wide`);
  // A picture taller than its box scrolls inside it (never shrunk to fit); it is never cut sideways.
  const scrolls = frame && ['auto', 'scroll'].includes(getComputedStyle(frame).overflowY);
  if (pic && frame && r(pic).right > r(frame).right + 1) out.push('the picture is cut by its box sideways');
  if (pic && frame && r(pic).bottom > r(frame).bottom + 1 && !scrolls)
    out.push('the picture is cut by its box and does not scroll');
  return out.length ? out.join('; ') : null;
}"""


def _views_state(dash: Any) -> dict[str, str]:
    return {
        "formula": dash.locator(".rnncount-formula").inner_text(),
        "summary": dash.locator(".rnncount-summary").inner_text(),
        "picture": dash.locator(".rnncount-diagram").evaluate(
            "d => { const s = d.querySelector('svg'); const i = d.querySelector('img'); "
            "return s ? s.outerHTML : (i ? i.src : ''); }"
        ),
    }


def test_lecture_dashboard_slide(slides: Any, artifacts: Path) -> None:
    """The dashboard's slide: everything on one screen; a units move changes formula, summary and picture."""
    _wait_finished(slides)
    n = _dashboard_slide(slides)
    assert n > 0, "no slide holds the dashboard"
    slides.evaluate(f"() => rnLecture.go({n})")
    section = slides.locator("section.rn-slide.rn-current")
    dash = section.locator(".rnncount-explore")
    dash.wait_for(state="visible")
    before = read_explore(dash)
    assert_views(dash, explore_expected(before), stack=False, what="lecture: dashboard as first shown")
    poll(lambda: section.evaluate(_FITS_JS), 20, "the dashboard does not fit its 1920x1080 slide")
    start = _views_state(dash)

    # A focused slider keeps its arrow keys: the slide stays, the units go up by one.
    press_slider(slides, dash.locator(".rnncount-units"), "ArrowRight", times=1)
    poll(lambda: None if slider_value(dash.locator(".rnncount-units")) == before["units"] + 1 else "units", 30, "units")
    assert slides.evaluate(_SLIDE_JS) == n, "the arrow key moved the slide instead of the focused slider"
    after = read_explore(dash)
    assert after == {**before, "units": before["units"] + 1}
    assert_views(dash, explore_expected(after), stack=False, what="lecture: after units")
    now = _views_state(dash)
    for view in ("formula", "summary", "picture"):
        assert now[view] != start[view], f"the {view} did not change with the units"
    assert_clean(slides, "lecture dashboard")
    slides.screenshot(path=str(artifacts / "lecture-03-dashboard-moved.png"))

    # Escape lets go of the slider: the arrow keys move slides again.
    slides.keyboard.press("Escape")
    slides.keyboard.press("ArrowRight")
    poll(lambda: None if slides.evaluate(_SLIDE_JS) == n + 1 else "slide", 10, "ArrowRight after Escape")


_PICTURE_SIZES_JS = """(s) => {
  const hs = Array.from(s.querySelectorAll('.rnncount-diagram svg text'))
    .map(t => t.getBoundingClientRect().height).filter(h => h > 0);
  const svg = s.querySelector('.rnncount-diagram svg');
  return {least: hs.length ? Math.min(...hs) : null, labels: hs.length,
          width: svg ? svg.getBoundingClientRect().width : 0, viewport: innerWidth,
          slideScrolls: s.scrollHeight > s.clientHeight + 1};
}"""


def test_lecture_picture_labels_readable_from_the_back(slides: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """On the dashboard's slide at 1920x1080 the picture spans over half the page's width and its
    smallest label (the rendered height of every SVG <text>) is at least 16 px tall; the slide itself
    does not scroll (a taller picture scrolls inside its box)."""
    _wait_finished(slides)
    slides.evaluate(f"() => rnLecture.go({_dashboard_slide(slides)})")
    section = slides.locator("section.rn-slide.rn-current")
    section.locator(".rnncount-diagram svg text").first.wait_for(state="visible")
    sizes = section.evaluate(_PICTURE_SIZES_JS)
    least, width, viewport = sizes["least"], sizes["width"], sizes["viewport"]
    with capsys.disabled():
        print(
            f"\n[lecture] dashboard slide at 1920x1080: smallest of {sizes['labels']} picture labels {least:.1f} px,"
            f" picture {width:.0f} px wide of {viewport} px ({width / viewport:.0%})"
        )
    assert sizes["labels"] > 10, "the picture has no labels to measure"
    assert least is not None and least >= 16, f"the smallest picture label is {least:.1f} px tall"
    assert width >= 0.5 * viewport, f"the picture is {width:.0f} px wide, under half of the {viewport} px page"
    assert not sizes["slideScrolls"], "the dashboard's slide scrolls at 1920x1080"


def test_lecture_fills_a_small_screen_and_reload_keeps_the_slide(slides: Any) -> None:
    """At 1280x720 a slide still fills the screen, type scaled down; a reload comes back to the same slide."""
    _wait_finished(slides)
    slides.set_viewport_size(SMALL)
    try:
        slides.evaluate("() => rnLecture.go(3)")
        box = slides.locator("section.rn-slide.rn-current").bounding_box()
        assert box == {"x": 0, "y": 0, "width": SMALL["width"], "height": SMALL["height"]}
        size = slides.locator("section.rn-current .jp-RenderedMarkdown p").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert 16 <= size < 24, f"slide text is {size}px at 1280x720"
        assert slides.evaluate("() => location.hash") == "#/3"
        heading = slides.evaluate(_HEADING_IN_VIEW_JS)
        slides.reload(wait_until="commit")
        slides.locator("section.rn-slide.rn-current :is(h1, h2)").first.wait_for(
            state="visible", timeout=FIRST_SLIDE_S * 1000
        )
        poll(
            lambda: None if slides.evaluate(_SLIDE_JS) == 3 else f"slide {slides.evaluate(_SLIDE_JS)}",
            RUN_ALL_S,
            "reload",
        )
        assert slides.evaluate(_HEADING_IN_VIEW_JS) == heading
        _wait_finished(slides)
        assert slides.evaluate(_SLIDE_JS) == 3
    finally:
        slides.set_viewport_size(FULL_HD)


def test_lecture_fetches_nothing_from_outside(slides: Any) -> None:
    """Every request of the page (scripts, styles, fonts, MathJax, the kernel's websockets): 127.0.0.1."""
    _wait_finished(slides)
    # Font Awesome (the icons of buttons) comes from Voila's own bundle: load it, its request is checked below.
    faces = slides.evaluate(
        "async () => { await document.fonts.load('900 16px \"Font Awesome 5 Free\"');"
        " return Array.from(document.fonts).filter(f => f.family.includes('Font Awesome 5 Free'))"
        ".map(f => f.status); }"
    )
    assert "loaded" in faces, f"Font Awesome did not load: {faces}"
    host = slides.server.base_url.split("//", 1)[1]
    foreign = _foreign(slides.requests, (f"http://{host}/", f"ws://{host}/", "data:", "blob:"))
    assert not foreign, f"requests outside 127.0.0.1: {foreign}"
    assert any("/voila/static/" in u for u in slides.requests)
    # MathJax typesets after the page has finished loading, in its own time: wait for its first formula.
    poll(
        lambda: None if slides.locator("mjx-container").count() > 0 else "no mjx-container yet",
        60,
        "MathJax to typeset the slides",
    )


def _three_slides(page: Any, artifacts: Path, name: str) -> list[Path]:
    paths = []
    for n, what in ((1, "title"), (2, "equations"), (_dashboard_slide(page), "dashboard")):
        page.evaluate(f"() => rnLecture.go({n})")
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        if what == "dashboard":
            page.locator("section.rn-current .rnncount-explore").wait_for(state="visible")
        page.locator("section.rn-current mjx-container").first.wait_for(state="attached") if what != "title" else None
        path = artifacts / f"{name}-{n:02d}-{what}.png"
        page.screenshot(path=str(path))
        paths.append(path)
    return paths


def test_lecture_screenshots_light(slides: Any, artifacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _wait_finished(slides)
    paths = _three_slides(slides, artifacts, "lecture-03-light")
    with capsys.disabled():
        print("\n[lecture] screenshots: " + ", ".join(str(p) for p in paths))


def test_lecture_dark_opens_at_slide(
    lecture_nb: Path,
    tmp_path_factory: pytest.TempPathFactory,
    browser: Any,
    artifacts: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--dark --slide N``: opens at slide N, dark for every view (text, dashboard, pictures)."""
    headings = _expected_slides(lecture_nb)
    # A slide near the end that has a heading (not the last: --slide N must be honoured, not clamped).
    n = max(k for k, h in enumerate(headings[:-1], start=1) if h is not None)
    server, started = _start_lecture(lecture_nb, tmp_path_factory.mktemp("lecture-dark"), "--dark", f"--slide={n}")
    page = None
    try:
        page = _open_slides(browser, server, started)
        poll(
            lambda: None if page.evaluate(_SLIDE_JS) == n else f"slide {page.evaluate(_SLIDE_JS)}", RUN_ALL_S, "--slide"
        )
        assert page.evaluate(_HEADING_IN_VIEW_JS) == headings[n - 1]
        assert page.evaluate("() => location.hash") == f"#/{n}"
        _wait_finished(page)
        assert page.evaluate(_SLIDE_JS) == n
        background = page.locator("section.rn-current").evaluate("e => getComputedStyle(e).backgroundColor")
        assert sum(map(int, re.findall(r"\d+", background)[:3])) < 120, f"the slide is {background}, not dark"
        color = page.locator("section.rn-current h2").first.evaluate("e => getComputedStyle(e).color")
        assert sum(map(int, re.findall(r"\d+", color)[:3])) > 380, f"headings are {color} on a dark slide"
        paths = _three_slides(page, artifacts, "lecture-03-dark")
        # The kernel draws the pictures with the dark palette (RNNCOUNT_THEME=dark): no CSS inversion.
        page.evaluate(f"() => rnLecture.go({_dashboard_slide(page)})")
        pic = page.locator("section.rn-current .rnncount-diagram svg.rnncount-picture").first
        pic.wait_for(state="visible")
        assert pic.get_attribute("data-theme") == "dark", "the dashboard's picture is not drawn for a dark page"
        pictures = page.evaluate(
            "() => Array.from(document.querySelectorAll('svg.rnncount-picture, .jp-OutputArea-output img'))"
            ".map(p => [p.dataset.theme || p.tagName, getComputedStyle(p).filter])"
        )
        assert pictures and all(f == "none" for _, f in pictures), f"a picture is inverted by CSS: {pictures}"
        assert all(t == "dark" for t, _ in pictures if t != "IMG"), f"a picture is drawn light: {pictures}"
        background = pic.evaluate("p => p.querySelector('rect').getAttribute('fill')")
        assert sum(int(background[k : k + 2], 16) for k in (1, 3, 5)) < 120, f"the picture's background is {background}"
        with capsys.disabled():
            print("\n[lecture] dark screenshots: " + ", ".join(str(p) for p in paths))
    finally:
        if page is not None:
            page.context.close()
        stop_server(server.proc)


def test_exported_deck_opens_from_file(
    slides: Any, lecture_nb: Path, tmp_path: Path, browser: Any, artifacts: Path
) -> None:
    """``rnncount lecture 03 --export deck.html``: a file:// deck, every slide, the dashboard as it starts."""
    deck = tmp_path / "deck.html"
    env = _server_env(tmp_path / "home")
    proc = subprocess.run(
        [sys.executable, "-m", "rnncount", "lecture", str(lecture_nb), "--export", str(deck)],
        cwd=lecture_nb.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_ALL_S * 2,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    headings = _expected_slides(lecture_nb)

    # What the live page shows at the notebook's starting values.
    _wait_finished(slides)
    slides.reload(wait_until="commit")
    _wait_finished(slides)
    slides.evaluate(f"() => rnLecture.go({_dashboard_slide(slides)})")
    live = slides.locator("section.rn-current .rnncount-explore")
    live.wait_for(state="visible")
    live_summary = live.locator(".rnncount-summary").inner_text()
    live_formula = math_text(live.locator(".rnncount-formula"))

    context = browser.new_context(viewport=FULL_HD, device_scale_factor=1)
    try:
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(deck.as_uri())
        page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0", timeout=60_000)
        assert page.evaluate("() => rnLecture.count()") == len(headings)
        for n, heading in enumerate(headings, start=1):
            if n > 1:
                page.keyboard.press("ArrowRight")
            poll(lambda n=n: None if page.evaluate(_SLIDE_JS) == n else "slide", 10, f"deck slide {n}")
            assert page.evaluate(_HEADING_IN_VIEW_JS) == heading
            current = page.locator("section.rn-slide.rn-current")
            assert current.is_visible() and current.inner_text().strip()
        n = _dashboard_slide(page)
        page.evaluate(f"() => rnLecture.go({n})")
        dash = page.locator("section.rn-current .rnncount-explore")
        assert dash.locator(".rnncount-summary").inner_text() == live_summary
        assert math_text(dash.locator(".rnncount-formula")) == live_formula
        assert dash.locator(".rnncount-diagram img, .rnncount-diagram svg").first.is_visible()
        page.screenshot(path=str(artifacts / "lecture-03-deck-dashboard.png"))
        assert not errors, errors
        foreign = _foreign(requests, ("file://", "data:", "blob:"))
        assert not foreign, f"the deck fetches {foreign}"
    finally:
        context.close()
