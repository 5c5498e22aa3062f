"""Every slide of every notebook fits the screen: measured in Chromium on the exported decks.

``rnncount lecture NB --export deck.html`` runs a notebook once and cuts it into the slides lecture
mode shows (the same ``prepare_notebook``, template and CSS as the live page), with each dashboard
drawn as it starts. A deck needs no kernel to page through, so all ten notebooks are measured in a
few minutes: at 1920x1080 no slide scrolls (its content is no taller than the screen), and at
1280x720 no text on any slide, SVG labels included, is smaller than 12 px. The figures are printed.
tests/test_slides.py counts the words of the same slides without a browser.

Running the notebooks is most of the cost, and a deck is measured without a kernel: so while one
deck is measured the next ones are exported in the background, two command lines at a time, each
exactly as a test alone would run it (its own process, kernel and Jupyter directories).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from _browser import NOTEBOOKS, RUN_ALL_S, _server_env

pytestmark = pytest.mark.e2e

FULL_HD = {"width": 1920, "height": 1080}
SMALL = {"width": 1280, "height": 720}
MIN_FONT_PX = 12
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
# Known not to fit yet, each for its reason; strict, so a mark must go as soon as its notebook fits.
NOT_YET: dict[str, str] = {}


def _param(name: str) -> Any:
    reason = NOT_YET.get(name[:2])
    return pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [])


# For the current slide: how tall its content is against the screen, and what scrolls inside it.
_HEIGHT_JS = """() => {
  const s = document.querySelector('section.rn-slide.rn-current');
  // A dashboard's picture box scrolls a tall picture by design (the picture is never shrunk under 16 px).
  const inner = Array.from(s.querySelectorAll('*')).filter(e => {
    if (e.closest('.rnncount-diagram')) return false;
    const o = getComputedStyle(e).overflowY;
    return (o === 'auto' || o === 'scroll') && e.clientHeight > 0 && e.scrollHeight > e.clientHeight + 1;
  }).map(e => `${e.tagName.toLowerCase()}.${(e.className.baseVal ?? e.className).split(' ')[0]}`);
  // The content's own height: from the slide's top to the bottom of its last box, plus the bottom padding
  // (a slide that fits has scrollHeight == clientHeight whatever its content).
  const top = s.getBoundingClientRect().top - s.scrollTop;
  const bottom = Math.max(0, ...Array.from(s.children).filter(c => c.getClientRects().length)
    .map(c => c.getBoundingClientRect().bottom - top));
  const scrolls = s.scrollHeight > s.clientHeight + 1;
  const own = Math.ceil(bottom + parseFloat(getComputedStyle(s).paddingBottom));
  const content = Math.max(own, scrolls ? s.scrollHeight : 0);
  return {content, screen: s.clientHeight, inner};
}"""
# For the current slide: the smallest font on screen, in CSS pixels (an SVG label scaled as drawn).
_SMALLEST_FONT_JS = """() => {
  const s = document.querySelector('section.rn-slide.rn-current');
  let least = null, what = null;
  for (const e of s.querySelectorAll('*')) {
    const text = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!text || e.getClientRects().length === 0) continue;
    const style = getComputedStyle(e);
    if (style.visibility !== 'visible' || style.display === 'none') continue;
    let px = parseFloat(style.fontSize);
    if (e instanceof SVGElement && e.getScreenCTM()) {
      const m = e.getScreenCTM();
      px *= Math.hypot(m.b, m.d);  // the label's vertical scale on screen
    }
    if (least === null || px < least) { least = px; what = e.textContent.trim().slice(0, 40); }
  }
  // A stored SVG output is an <img>: lay its document out at the image's size and measure its labels.
  for (const img of s.querySelectorAll('img[src^="data:image/svg+xml"]')) {
    const box = img.getBoundingClientRect();
    if (!box.width) continue;
    const data = img.src.slice(img.src.indexOf(',') + 1);
    const text = img.src.includes(';base64,') ? atob(data) : decodeURIComponent(data);
    const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
    const holder = document.createElement('div');
    holder.style.cssText = `position: fixed; left: 0; top: 0; width: ${box.width}px; height: ${box.height}px;`;
    svg.setAttribute('width', box.width);
    svg.setAttribute('height', box.height);
    holder.appendChild(document.importNode(svg, true));
    document.body.appendChild(holder);
    for (const t of holder.querySelectorAll('text')) {
      if (!t.textContent.trim() || !t.getScreenCTM()) continue;
      const m = t.getScreenCTM();
      const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.b, m.d);
      if (least === null || px < least) { least = px; what = t.textContent.trim().slice(0, 40) + ' (picture)'; }
    }
    holder.remove();
  }
  return {least, what};
}"""


def export(notebook: Path, deck: Path, home: Path) -> float:
    """Write ``notebook``'s deck with the command line; returns the seconds it took."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "rnncount", "lecture", str(notebook), "--export", str(deck)],
        cwd=notebook.parent,
        env=_server_env(home),
        capture_output=True,
        text=True,
        timeout=RUN_ALL_S * 2,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return time.monotonic() - started


# Two exports at once: each is mostly one busy core (its kernel importing TensorFlow and running cells).
EXPORTS_AT_ONCE = max(1, min(2, os.cpu_count() or 1))


def _prefetch(request: pytest.FixtureRequest) -> list[str]:
    """The notebooks this process will measure, in order, when it runs the whole module; else none.

    Under pytest-xdist's ``--dist loadscope`` (the README's command) or ``loadfile`` one worker runs
    every test of this module; with ``--dist load`` and several workers nobody knows which tests
    this worker gets, so each deck is exported only when its test asks for it.
    """
    workers = getattr(request.config, "workerinput", {}).get("workercount", 1)
    if workers > 1 and getattr(request.config.option, "dist", "no") not in ("loadscope", "loadfile"):
        return []
    return [
        item.callspec.params["name"]
        for item in request.session.items
        if getattr(item, "module", None) is request.module
        and hasattr(item, "callspec")
        and "name" in item.callspec.params
    ]


@pytest.fixture(scope="module")
def decks(
    request: pytest.FixtureRequest, notebooks_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], tuple[Path, float]]]:
    """``decks(name)``: the exported deck of ``name`` and the seconds its export took, waiting for it if need be."""
    out = tmp_path_factory.mktemp("decks")
    pool = ThreadPoolExecutor(max_workers=EXPORTS_AT_ONCE, thread_name_prefix="export")
    started: dict[str, Future[float]] = {}

    def start(name: str) -> Future[float]:
        if name not in started:
            deck, home = out / f"{name}.html", out / f"home-{name.removesuffix('.ipynb')}"
            started[name] = pool.submit(export, notebooks_copy / name, deck, home)
        return started[name]

    for name in _prefetch(request):
        start(name)

    def get(name: str) -> tuple[Path, float]:
        return out / f"{name}.html", start(name).result()

    try:
        yield get
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _open(browser: Any, deck: Path, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    page.goto(deck.as_uri())
    page.wait_for_function("() => window.rnLecture && window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise.then(() => document.fonts.ready).then(() => true)")
    return page


def _visit(page: Any, n: int) -> None:
    page.evaluate(f"() => rnLecture.go({n})")
    page.wait_for_function(f"() => rnLecture.current() === {n}")


@pytest.mark.parametrize("name", [_param(n) for n in NAMES])
def test_every_slide_fits(
    name: str, decks: Callable[[str], tuple[Path, float]], browser: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """At 1920x1080 no slide of ``name`` scrolls; at 1280x720 no text on it is under 12 px."""
    waited = time.monotonic()
    deck, took = decks(name)
    started = time.monotonic()
    waited = started - waited

    page = _open(browser, deck, FULL_HD)
    try:
        count = page.evaluate("() => rnLecture.count()")
        assert count > 1, f"{name}: the deck has {count} slides"
        heights = []
        for n in range(1, count + 1):
            _visit(page, n)
            heights.append(page.evaluate(_HEIGHT_JS))
    finally:
        page.context.close()
    page = _open(browser, deck, SMALL)
    try:
        fonts = []
        for n in range(1, count + 1):
            _visit(page, n)
            fonts.append(page.evaluate(_SMALLEST_FONT_JS))
    finally:
        page.context.close()

    tallest = max(range(count), key=lambda k: heights[k]["content"])
    smallest = min((k for k in range(count) if fonts[k]["least"] is not None), key=lambda k: fonts[k]["least"])
    with capsys.disabled():
        print(
            f"\n[slides] {name}: {count} slides; tallest slide {tallest + 1}, {heights[tallest]['content']} px"
            f" of {heights[tallest]['screen']} at 1920x1080; smallest text {fonts[smallest]['least']:.1f} px"
            f" (slide {smallest + 1}, {fonts[smallest]['what']!r}) at 1280x720; export {took:.0f} s"
            f" ({waited:.0f} s waited for), measuring {time.monotonic() - started:.0f} s"
        )
    scrolls = [
        f"slide {k + 1}: {h['content']} px of {h['screen']}"
        + (f", scrolling inside {', '.join(h['inner'])}" if h["inner"] else "")
        for k, h in enumerate(heights)
        if h["content"] > h["screen"] + 1 or h["inner"]
    ]
    assert not scrolls, f"{name}: slides that do not fit 1920x1080: " + "; ".join(scrolls)
    small = [
        f"slide {k + 1}: {f['least']:.1f} px ({f['what']!r})"
        for k, f in enumerate(fonts)
        if f["least"] is not None and f["least"] < MIN_FONT_PX
    ]
    assert not small, f"{name}: text under {MIN_FONT_PX} px at 1280x720: " + "; ".join(small)
