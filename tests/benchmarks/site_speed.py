"""How big the browser edition is and how fast it answers, in headless Chromium on 127.0.0.1.

    python tests/benchmarks/site_speed.py [--site DIR] [--moves 50]

Builds the site with ``rnncount site build`` (or measures the one in ``--site``), serves it with a
static server on 127.0.0.1 and prints:

- the site's size on disk, and what a first visit of a notebook downloads: as sent by this server,
  and compressed as a static host serves it (gzip, level 6, every file but the zip archives and
  wheels, which are compressed already);
- the time from opening a notebook to its dashboard shown (Run All Cells included), cold (an empty
  browser cache, a new Pyodide) and warm (the browser's cache filled by the cold visit);
- key press to all three views updated (formula, summary table, picture), p50 and p95 over the moves
  of the units slider, one ArrowRight at a time.

Any request to another address than 127.0.0.1 is refused and reported. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO))

from _browser import CHROMIUM, CHROMIUM_ARGS, run_all_cells_and_wait, slider_value, wait_until  # noqa: E402
from test_site import StaticServer, site_context  # noqa: E402

import rnncount  # noqa: E402

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


def open_to_dashboard(context: object, server: StaticServer) -> float:
    """Seconds from opening the notebook to its dashboard's picture on screen (Run All Cells included)."""
    pg = context.new_page()  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    pg.goto(f"{server.base}/notebooks/index.html?path={NOTEBOOK}", wait_until="domcontentloaded")
    pg.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible", timeout=120_000)
    pg.wait_for_function("() => !!window.jupyterapp", timeout=120_000)
    wait_until(pg, lambda s: s and s["status"] == "idle", 120, "the kernel")
    run_all_cells_and_wait(pg)
    pg.locator(".rnncount-explore .rnncount-diagram svg.rnncount-picture").first.wait_for(
        state="visible", timeout=120_000
    )
    elapsed = time.perf_counter() - t0
    pg.close()
    return elapsed


def key_to_views(context: object, server: StaticServer, moves: int) -> list[float]:
    """Milliseconds from each ArrowRight on the units slider to all three views showing the new count."""
    pg = context.new_page()  # type: ignore[attr-defined]
    pg.goto(f"{server.base}/notebooks/index.html?path={NOTEBOOK}", wait_until="domcontentloaded")
    pg.wait_for_function("() => !!window.jupyterapp", timeout=120_000)
    wait_until(pg, lambda s: s and s["status"] == "idle", 120, "the kernel")
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
        server = StaticServer(site)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                outside: list[str] = []
                context = site_context(browser, server, outside)
                fetched: set[str] = set()
                prefix = f"{server.base}/"
                context.on("requestfinished", lambda r: fetched.add(r.url.split("?")[0].split("#")[0]))
                cold = open_to_dashboard(context, server)
                paths = {u[len(prefix) :] for u in fetched if u.startswith(prefix)}
                local = [site / (p or "index.html") for p in paths]
                local = [p if p.is_file() else p / "index.html" for p in local]
                local = [p for p in local if p.is_file()]
                raw = sum(p.stat().st_size for p in local)
                packed = sum(compressed_size(p) for p in local)
                print(
                    f"first visit of {NOTEBOOK}: {len(local)} files, {raw / 1e6:.1f} MB as sent here, "
                    f"{packed / 1e6:.1f} MB compressed as a static host serves it"
                )
                print(f"open to dashboard, cold: {cold:.1f} s")
                warm = [open_to_dashboard(context, server) for _ in range(2)]
                print(f"open to dashboard, warm cache: {min(warm):.1f} s (best of {len(warm)}; {warm})")
                times = key_to_views(context, server, args.moves)
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


if __name__ == "__main__":
    main()
