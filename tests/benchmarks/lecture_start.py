"""How long a lecturer waits from ``rnncount lecture NOTEBOOK`` to slides on the projector.

Not collected by pytest; run it and read the figures::

    python tests/benchmarks/lecture_start.py [--runs 3] [notebooks/03_lstm.ipynb]

Each run starts ``rnncount lecture`` (Voila, a fresh kernel), opens the page in Chromium
(launched beforehand, as a lecturer's browser is already open) at 1920x1080, and prints the
seconds from the command to: the server answering, the first slide on screen, and every cell
run (TensorFlow imported, the dashboards live); then, on the dashboard's slide, the picture's
width and the rendered height of its smallest label (goal: at least 16 px at 1920x1080). Goal: first
slide within 10 s. The machine's
load average is printed with each run: on a shared machine the figures follow it.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RNNCOUNT_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_PICTURE_JS = """() => {
  const s = document.querySelector('section.rn-slide:has(.rnncount-explore)');
  if (!s) return null;
  rnLecture.go(Number(s.dataset.rnSlide));
  const hs = Array.from(s.querySelectorAll('.rnncount-diagram svg text'))
    .map(t => t.getBoundingClientRect().height).filter(h => h > 0);
  const svg = s.querySelector('.rnncount-diagram svg');
  return [hs.length ? Math.min(...hs) : 0, svg ? svg.getBoundingClientRect().width : 0];
}"""


def one_run(browser: object, notebook: Path) -> tuple[float, float, float, tuple[float, float] | None]:
    port = _free_port()
    page = browser.new_page(viewport={"width": 1920, "height": 1080})  # type: ignore[attr-defined]
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnncount", "lecture", str(notebook), f"--port={port}", "--no-browser"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if proc.poll() is not None:
                    raise RuntimeError("rnncount lecture exited") from None
                time.sleep(0.05)
        up = time.monotonic() - started
        page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
        page.locator("section.rn-slide.rn-current :is(h1, h2)").first.wait_for(state="visible", timeout=180_000)
        first = time.monotonic() - started
        page.locator("body.rn-finished").wait_for(state="attached", timeout=600_000)
        done = time.monotonic() - started
        dashboard = page.locator("section.rn-slide:has(.rnncount-explore) .rnncount-diagram svg text").first
        try:
            dashboard.wait_for(state="attached", timeout=30_000)
        except Exception:  # a notebook without a dashboard: no picture to measure
            return up, first, done, None
        sizes = page.evaluate(_PICTURE_JS)
        return up, first, done, tuple(sizes) if sizes else None
    finally:
        page.close()
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", default=str(REPO / "notebooks" / "03_lstm.ipynb"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    firsts = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            for k in range(args.runs):
                up, first, done, sizes = one_run(browser, Path(args.notebook))
                firsts.append(first)
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                print(
                    f"run {k + 1}: server up {up:5.1f} s   first slide {first:5.1f} s   "
                    f"every cell run {done:5.1f} s   (load average {load}; {os.cpu_count()} cores)",
                    flush=True,
                )
                if sizes:
                    print(
                        f"       dashboard slide: picture {sizes[1]:.0f} px wide of 1920, "
                        f"smallest label {sizes[0]:.1f} px tall (goal: 16 px)",
                        flush=True,
                    )
        finally:
            browser.close()
    print(f"first slide: median {statistics.median(firsts):.1f} s, worst {max(firsts):.1f} s (goal: 10 s)")


if __name__ == "__main__":
    main()
