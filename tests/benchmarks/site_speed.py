"""How big the browser edition is and how fast it answers, in headless Chromium on 127.0.0.1.

    python tests/benchmarks/site_speed.py [--site DIR] [--moves 50] [--warm 3]

Builds the site with ``rnncount site build`` (or measures the one in ``--site``), serves a copy of it
with a static server on 127.0.0.1 and prints:

- the site's size on disk, and what a first visit of a notebook downloads: as sent by this server,
  and compressed as a static host serves it (gzip, level 6, every file but the zip archives and
  wheels, which are compressed already);
- the time from opening a notebook to its dashboard shown (Run All Cells included), cold (an empty
  browser cache, a new Pyodide) and warm (the browser's cache filled by the earlier visits), with
  the steps on the way: JupyterLab's notebook shown, the kernel ready, the dashboard drawn;
- the Pyodide kernel's own start in a bare page (no JupyterLab): Pyodide with the site's packages,
  then the imports the kernel makes; what is left of a warm visit is JupyterLab's;
- key press to all three views updated (formula, summary table, picture), p50 and p95 over the moves
  of the units slider, one ArrowRight at a time.

The copy differs from the site only in exposing JupyterLab's app to the page (for its state) and
in the bare page. No request is routed through the test browser, which would switch its HTTP cache
off; instead every host name but 127.0.0.1 fails to resolve, and any request to another address is
reported. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO))

from _browser import _NOTEBOOK_STATE_JS, CHROMIUM, CHROMIUM_ARGS, run_all_cells_and_wait, slider_value  # noqa: E402
from test_site import VIEWPORT, StaticServer  # noqa: E402

import rnncount  # noqa: E402
from rnncount.site.build import PRELOAD  # noqa: E402

# Every host name but 127.0.0.1 fails to resolve, so nothing can leave the machine; the requests are
# still seen (and reported) by the browser context.
_LOCAL_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"

NOTEBOOK = "02_simple_rnn.ipynb"
PRECOMPRESSED = (".zip", ".whl", ".png", ".ico", ".gz", ".woff2")

# All three views show the count of the stack: the summary's total line, the formula's total and the
# picture's label of the recurrent layer.
_UPDATED_JS = """([total, layer]) => {
  const d = document.querySelector('.rnncount-explore');
  if (!d) return false;
  const flat = s => (s || '').replace(/[\\s,\\u2009\\u202f]/g, '');
  const summary = flat(d.querySelector('.rnncount-summary').textContent);
  const formula = flat(d.querySelector('.rnncount-formula').textContent);
  const picture = flat([...d.querySelectorAll('.rnncount-diagram svg text')].map(t => t.textContent).join(' '));
  return summary.includes('Totalparams:' + total + '(') && formula.includes('=' + total)
      && picture.includes(layer + 'params');
}"""


def compressed_size(path: Path) -> int:
    data = path.read_bytes()
    if path.suffix in PRECOMPRESSED:
        return len(data)
    return len(gzip.compress(data, compresslevel=6))


_STATE = "(" + _NOTEBOOK_STATE_JS.strip() + ")()"
_IDLE_JS = f"() => {{ const s = {_STATE}; return !!s && s.status === 'idle'; }}"
_DONE_JS = f"() => {{ const s = {_STATE}; return !!s && s.pending === 0 && s.running === 0 && s.status === 'idle'; }}"
_DASHBOARD_JS = "() => !!document.querySelector('.rnncount-explore .rnncount-diagram svg.rnncount-picture')"


def _wait(pg: object, js: str) -> None:
    # Polled every 50 ms so that the figures are not rounded up to a coarse polling step.
    pg.wait_for_function(js, polling=50, timeout=180_000)  # type: ignore[attr-defined]


def open_to_dashboard(context: object, base: str) -> dict[str, float]:
    """Seconds from opening the notebook to: JupyterLab shown, the kernel ready, the dashboard drawn (Run All)."""
    pg = context.new_page()  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    pg.goto(f"{base}/notebooks/index.html?path={NOTEBOOK}", wait_until="domcontentloaded")
    _wait(pg, "() => !!window.jupyterapp && !!document.querySelector('.jp-Notebook .jp-Cell')")
    shown = time.perf_counter() - t0
    _wait(pg, _IDLE_JS)
    kernel = time.perf_counter() - t0
    pg.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    pg.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
    _wait(pg, _DASHBOARD_JS)
    dashboard = time.perf_counter() - t0
    _wait(pg, _DONE_JS)
    pg.close()
    return {"notebook shown": shown, "kernel ready": kernel, "dashboard": dashboard}


# The Pyodide kernel's own start outside JupyterLite: Pyodide with the site's preloaded packages, then
# the imports the kernel makes before it answers (piplite, then pyodide_kernel, which imports IPython).
_FLOOR_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>kernel start</title></head>
<body><script>
const t0 = performance.now(); window.marks = {};
const w = new Worker("floor.mjs", {type: "module"});
w.onmessage = e => { window.marks[e.data] = (performance.now() - t0) / 1000; };
</script></body></html>"""
_FLOOR_JS = """const { loadPyodide } = await import("./static/pyodide/pyodide.mjs");
const py = await loadPyodide({ indexURL: "./static/pyodide/", packages: PACKAGES });
postMessage("Pyodide and its packages");
await py.runPythonAsync("import piplite.piplite"); postMessage("piplite");
await py.runPythonAsync("import pyodide_kernel"); postMessage("IPython and pyodide_kernel");
await py.runPythonAsync("import rnncount.dashboards, ipywidgets"); postMessage("rnncount and ipywidgets");
"""


def kernel_floor(context: object, base: str) -> dict[str, float]:
    """Seconds from a bare page's start to each step of the kernel's own start (no JupyterLab around it)."""
    pg = context.new_page()  # type: ignore[attr-defined]
    pg.goto(f"{base}/floor.html")
    pg.wait_for_function("() => 'rnncount and ipywidgets' in window.marks", polling=50, timeout=180_000)
    marks = pg.evaluate("window.marks")
    pg.close()
    return marks


def _stage(site: Path, dest: Path) -> None:
    """A copy of the site that exposes JupyterLab's app to the page (for its state) and has the floor page.

    The copy is served as is: routing requests through the test browser would switch off its HTTP cache,
    and a warm visit would not be warm.
    """
    shutil.copytree(site, dest)
    config_path = dest / "jupyter-lite.json"
    config = json.loads(config_path.read_text())
    config["jupyter-config-data"]["exposeAppInBrowser"] = "true"
    config_path.write_text(json.dumps(config))
    (dest / "floor.html").write_text(_FLOOR_HTML)
    (dest / "floor.mjs").write_text(_FLOOR_JS.replace("PACKAGES", json.dumps(list(PRELOAD))))


def _row(figures: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f} s" for k, v in figures.items())


def key_to_views(context: object, base: str, moves: int) -> list[float]:
    """Milliseconds from each ArrowRight on the units slider to all three views showing the new count."""
    pg = context.new_page()  # type: ignore[attr-defined]
    pg.goto(f"{base}/notebooks/index.html?path={NOTEBOOK}", wait_until="domcontentloaded")
    _wait(pg, "() => !!window.jupyterapp")
    _wait(pg, _IDLE_JS)
    run_all_cells_and_wait(pg)
    dash = pg.locator(".rnncount-explore").first
    dash.scroll_into_view_if_needed()
    slider = dash.locator(".rnncount-units")
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    features = slider_value(dash.locator(".rnncount-features"))
    timesteps = slider_value(dash.locator(".rnncount-timesteps"))
    head = slider_value(dash.locator(".rnncount-head"))
    times = []
    for _ in range(moves):
        units = slider_value(slider) + 1
        result = rnncount.count(f"SimpleRNN({units}) > Dense({head})", (timesteps, features))
        t0 = time.perf_counter()
        handle.press("ArrowRight")
        pg.wait_for_function(_UPDATED_JS, arg=[result.total, result.layers[0].params], polling="raf", timeout=60_000)
        times.append((time.perf_counter() - t0) * 1000)
    pg.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one now)")
    parser.add_argument("--moves", type=int, default=50)
    parser.add_argument("--warm", type=int, default=3, help="warm visits (the best is reported)")
    args = parser.parse_args()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average before: {load} on {os.cpu_count()} cores")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "rnncount", "site", "build", str(site)], check=True)
            print(f"build: {time.perf_counter() - t0:.1f} s")
        files = [p for p in site.rglob("*") if p.is_file()]
        print(f"site on disk: {sum(p.stat().st_size for p in files) / 1e6:.1f} MB in {len(files)} files")
        served = Path(tmp) / "served"
        _stage(site, served)
        server = StaticServer(served)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, _LOCAL_ONLY]
                )
                outside: list[str] = []
                ours = (f"{server.base}/", "data:", "blob:")
                context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
                context.on("request", lambda r: None if r.url.startswith(ours) else outside.append(r.url))
                fetched: set[str] = set()
                prefix = f"{server.base}/"
                context.on("requestfinished", lambda r: fetched.add(r.url.split("?")[0].split("#")[0]))
                cold = open_to_dashboard(context, server.base)
                paths = {u[len(prefix) :] for u in fetched if u.startswith(prefix)}
                local = [served / (p or "index.html") for p in paths]
                local = [p if p.is_file() else p / "index.html" for p in local]
                local = [p for p in local if p.is_file()]
                raw = sum(p.stat().st_size for p in local)
                packed = sum(compressed_size(p) for p in local)
                print(
                    f"first visit of {NOTEBOOK}: {len(local)} files, {raw / 1e6:.1f} MB as sent here, "
                    f"{packed / 1e6:.1f} MB compressed as a static host serves it"
                )
                print(f"open to dashboard, cold: {cold['dashboard']:.1f} s ({_row(cold)})")
                warm = [open_to_dashboard(context, server.base) for _ in range(args.warm)]
                best = min(warm, key=lambda w: w["dashboard"])
                print(
                    f"open to dashboard, warm cache: {best['dashboard']:.1f} s, best of {len(warm)} "
                    f"({_row(best)}; all: {[round(w['dashboard'], 1) for w in warm]})"
                )
                floor = kernel_floor(context, server.base)
                print(f"the kernel's own start in a bare page, warm cache: {_row(floor)}")
                times = key_to_views(context, server.base, args.moves)
                q = statistics.quantiles(times, n=20)
                print(
                    f"key press to all three views updated, {len(times)} moves: p50 {statistics.median(times):.0f} ms,"
                    f" p95 {q[18]:.0f} ms, max {max(times):.0f} ms"
                )
                print(f"requests to other hosts: {len(outside)} {sorted(set(outside))[:5]}")
                context.close()
                browser.close()
        finally:
            server.proc.terminate()
            server.proc.wait(timeout=10)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
