"""What a Binder session costs: the environment's size on disk and a notebook kernel's peak memory.

mybinder.org guarantees 1 GB of RAM per session. Run from the repository root::

    python tests/benchmarks/binder_footprint.py [--venv PATH] [notebooks/02_simple_rnn.ipynb ...]

For each notebook: run it top to bottom on a fresh kernel, then move its first dashboard's sliders
50 times in the same kernel (a lecture's worth), sampling the kernel's resident memory (RSS)
every 50 ms. Prints the peak after the run and after the slider moves. With ``--venv``, also prints
the size of that environment (e.g. one built from binder/requirements.txt).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

MOVES = """
import rnncount.dashboards.widgets as _w
_dash = next(v for v in list(globals().values()) if isinstance(v, (_w.Explorer, _w.StackExplorer)))
_controls = [c for k, c in _dash.controls.items() if k in ("units", "features", "timesteps")]
for _k in range(50):
    _c = _controls[_k % len(_controls)]
    _c.value = min(_c.max, 1 + (_c.value * 7 + _k) % 128)
"""


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(0.05)


def measure(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    # The last dashboard cell's value stays in `_`; keep every dashboard reachable as a global.
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "rnncount.explore" in cell.source and not cell.source.startswith("_dash"):
            cell.source = f"_dash_{k} = " + cell.source.strip() + f"\n_dash_{k}"
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("MPLBACKEND", None)
    with client.setup_kernel(env=env):
        sampler = Sampler(client.km.provisioner.process.pid)
        sampler.start()
        t0 = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        run_s = time.perf_counter() - t0
        after_run = sampler.peak
        has_dash = any("rnncount.explore" in c.source for c in nb.cells if c.cell_type == "code")
        if has_dash:
            moves = nbformat.v4.new_code_cell(MOVES)
            nb.cells.append(moves)
            client.execute_cell(moves, len(nb.cells) - 1)
        time.sleep(0.3)
        sampler.stop.set()
        sampler.join()
    extra = f", after 50 slider moves {sampler.peak / 2**20:,.0f} MiB" if has_dash else ""
    print(f"{path.name}: ran in {run_s:.1f} s; kernel peak RSS {after_run / 2**20:,.0f} MiB{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--venv", type=Path, help="an environment to measure on disk (du -sk)")
    args = parser.parse_args()
    if args.venv:
        kib = int(subprocess.run(["du", "-sk", str(args.venv)], capture_output=True, text=True).stdout.split()[0])
        print(f"environment {args.venv}: {kib / 2**20:.2f} GiB on disk")
    default = ("02_simple_rnn.ipynb", "06_stacks_and_monsters.ipynb")
    notebooks = args.notebooks or [Path("notebooks", n) for n in default]
    for path in notebooks:
        measure(path)


if __name__ == "__main__":
    sys.exit(main())
