"""How long a lecturer waits, in a real browser, after pressing a key on a dashboard's units slider.

Not collected by pytest; run it and read the figures::

    python tests/benchmarks/browser_latency.py [--moves 60] [--warmup 5] [--headed]

It starts JupyterLab (as the browser tests do: its own port, token and settings), opens a
notebook with two ``rnncount.explore()`` dashboards, one at the default sizes (LSTM, 32 units,
100 features) and one at the sliders' maxima (1,024 features, units climbing to 1,024), and
drives Debian's Chromium with Playwright. For every move it presses the right arrow on the
focused units handle and measures, inside the page, from the keydown event until the formula
(typeset by MathJax), the Keras summary and the SVG picture all show the new setting's numbers,
and the browser has painted that frame. The expected numbers come from ``rnncount.count`` and
the expected picture labels from ``rnncount.pictures.drawing.to_svg``, computed here. Every setting is
new (the kernel's summary cache never helps). Goal: p95 <= 150 ms at both sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    normalize_math,
    open_notebook,
    run_all_cells_and_wait,
    slider_value,
    start_lab,
    stop_server,
)
from _dashboards import explore_expected, read_explore  # noqa: E402

SCENARIOS = (
    ("default sizes", "rnncount.explore()"),
    # Units start low enough that every measured move (up to the maximum, 1024) is a new setting.
    ("slider maxima", "rnncount.explore(units={units}, features=1024)"),
)

# Armed before each key press: the keydown time, then a MutationObserver on the dashboard that
# checks the three views after every change and, once all show the new numbers, waits for the
# next animation frame (the frame that shows them) and records the time.
_ARM_JS = """(dash, want) => {
  const norm = s => s.replace(/[\\u22c5\\u00d7\\u00b7]/g, '*').replace(/\\u2212/g, '-')
                     .replace(/[\\s,\\u2009\\u202f]/g, '');
  const state = {t0: null, t1: null, formula: null, summary: null, picture: null};
  window.__rnncountLatency = state;
  const checks = {
    formula: () => {
      const math = [...dash.querySelectorAll('.rnncount-formula mjx-assistive-mml, .rnncount-formula math')];
      const formula = norm(math.map(e => e.textContent).join(' '));
      return math.length > 0 && want.formula.every(f => formula.includes(f));
    },
    summary: () => ((dash.querySelector('.rnncount-summary') || {}).textContent || '').includes(want.summary),
    picture: () => {
      const svg = dash.querySelector('.rnncount-diagram svg.rnncount-picture');
      return !!svg && [...svg.querySelectorAll('text')].map(t => t.textContent).join('\\u0001') === want.picture;
    },
  };
  const done = () => {
    const now = performance.now();
    for (const [name, check] of Object.entries(checks)) {
      if (state[name] === null && check()) state[name] = now;
    }
    return state.formula !== null && state.summary !== null && state.picture !== null;
  };
  const keydown = e => { if (state.t0 === null) state.t0 = e.timeStamp; };
  document.addEventListener('keydown', keydown, {capture: true, once: true});
  const observer = new MutationObserver(() => {
    if (state.t0 === null || state.t1 !== null || !done()) return;
    observer.disconnect();
    requestAnimationFrame(() => { state.t1 = performance.now(); });
  });
  observer.observe(dash, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def expected(state: dict[str, Any]) -> dict[str, Any]:
    """What the three views must show for the dashboard's control values."""
    from rnncount.core.formula import group_digits
    from rnncount.pictures.drawing import to_svg

    result = explore_expected(state)
    root = ET.fromstring(to_svg(result, view="weights"))
    texts = ["".join(t.itertext()) for t in root.iter() if t.tag.rsplit("}", 1)[-1] == "text"]
    return {
        "formula": [normalize_math(f"{lc.formula.numbers}={lc.params}") for lc in result.layers if lc.params],
        "summary": f"Total params: {group_digits(result.total)}",
        "picture": "\u0001".join(texts),
        "total": result.total,
    }


def notebook(maxima_units: int) -> dict[str, Any]:
    cells = ["import rnncount"] + [code.format(units=maxima_units) for _, code in SCENARIOS]
    return {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src}
            for src in cells
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def measure(page: Any, dash: Any, moves: int, warmup: int) -> dict[str, list[float]]:
    """Milliseconds from keydown to the painted frame showing all three views updated, per move (``all``),
    and to the first change of the page showing each view updated."""
    units = dash.locator(".rnncount-units")
    handle = units.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    out: dict[str, list[float]] = {"all": [], "formula": [], "summary": [], "picture": []}
    for k in range(warmup + moves):
        state = read_explore(dash)
        target = {**state, "units": state["units"] + 1}
        want = expected(target)
        dash.evaluate(_ARM_JS, want)
        handle.focus()
        handle.press("ArrowRight")
        page.wait_for_function("() => window.__rnncountLatency.t1 !== null", timeout=60_000, polling="raf")
        timing = page.evaluate("() => window.__rnncountLatency")
        if slider_value(units) != target["units"]:
            raise AssertionError(f"the units slider shows {slider_value(units)}, expected {target['units']}")
        if k >= warmup:
            out["all"].append(timing["t1"] - timing["t0"])
            for view in ("formula", "summary", "picture"):
                out[view].append(timing[view] - timing["t0"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=60, help="measured key presses per scenario (>= 50)")
    parser.add_argument("--warmup", type=int, default=5, help="key presses before measuring")
    parser.add_argument("--headed", action="store_true", help="show the browser window")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    maxima_units = 1024 - args.moves - args.warmup
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="rnncount-latency-") as tmp:
        root, home = Path(tmp) / "site", Path(tmp) / "home"
        root.mkdir()
        (root / "latency.ipynb").write_text(json.dumps(notebook(maxima_units)), encoding="utf-8")
        server = start_lab(root, home)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=not args.headed, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
                page = context.new_page()
                start = time.perf_counter()
                open_notebook(page, server, "latency.ipynb")
                run_all_cells_and_wait(page)
                print(f"JupyterLab up and both dashboards shown in {time.perf_counter() - start:.0f} s")
                for k, (scenario, _code) in enumerate(SCENARIOS):
                    dash = page.locator(".rnncount-explore").nth(k)
                    results[scenario] = measure(page, dash, args.moves, args.warmup)
                    final = read_explore(dash)
                    print(f"{scenario}: {args.moves} moves, last setting {explore_expected(final).spec}")
                context.close()
                browser.close()
        finally:
            stop_server(server.proc, server.url("/api/shutdown"))

    print()
    print(f"load average after the runs: {os.getloadavg()[0]:.2f}, cpu count {os.cpu_count()}")
    print(f"{'scenario':<16}{'shown':<10}{'moves':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for scenario, parts in results.items():
        for part, ms in parts.items():
            p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
            print(f"{scenario:<16}{part:<10}{len(ms):>6}{p50:>10.1f}{p95:>10.1f}{max(ms):>10.1f}")
    print("(ms from the keydown on the units slider; all: until formula, summary and picture show the new numbers,")
    print(" painted; formula/summary/picture: until the page holds that view's new numbers)")
    for scenario, parts in results.items():
        ok = "ok" if percentile(parts["all"], 0.95) <= 150 else "MISSED"
        print(f"{scenario}: goal p95 <= 150 ms: {ok}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
