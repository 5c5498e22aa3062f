"""Time and peak memory of the pictures for stacks of 1 to 1,000 layers (not collected by pytest).

    python tests/benchmarks/picture_cost.py [--repeat 3]

Prints, for each stack size and each entry point (``to_svg``, ``diagram``, ``draw`` and the
unrolled view), the median wall time and the tracemalloc peak of one call. Goal: a
1,000-layer stack under 2 s and 50 MB. Time is measured without tracemalloc (it slows
Python down several times), the peak in a separate run with it.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

import rnncount
from rnncount.pictures.drawing import diagram, draw, to_svg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    diagram("Dense(2)", (3,))  # imports, fonts
    print(f"{'layers':>6} {'entry point':<10} {'median ms':>10} {'peak MB':>8}")
    for n in (1, 12, 100, 1000):
        layers = [rnncount.Dense(2) for _ in range(n)]
        result = rnncount.count(layers, (3,))
        recurrent = [rnncount.LSTM(4, return_sequences=True) for _ in range(n - 1)] + [rnncount.LSTM(3)]
        for name, make in [
            ("to_svg", lambda layers=layers: to_svg(layers, (3,))),
            ("diagram", lambda layers=layers: diagram(layers, (3,))),
            ("draw", lambda result=result: draw(Figure(), result)),
            ("unrolled", lambda recurrent=recurrent: to_svg(recurrent, (20, 3), view="unrolled")),
        ]:
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                make()
                times.append(time.perf_counter() - start)
            tracemalloc.start()
            make()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"{n:>6} {name:<10} {1000 * statistics.median(times):>10.0f} {peak / 2**20:>8.1f}")


if __name__ == "__main__":
    main()
