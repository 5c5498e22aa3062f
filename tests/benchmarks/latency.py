"""How long a lecturer waits after moving a control of ``rnncount.explore()``.

Not collected by pytest; run it and read the figures::

    python tests/benchmarks/latency.py [--moves 120] [--naive-moves 12] [--seed 0]

For each scenario it replays the same random control changes on the dashboard and
on a naive dashboard (a fresh Keras model with default initialisers, ``model.summary()``,
and a new figure of imshow'd weights saved as PNG on every change), measuring the time
from the assignment until every view is updated (the formula, the Keras summary and the
picture's SVG markup, ready to send to the browser), and prints p50/p95 and the ratio.
tests/benchmarks/browser_latency.py measures the same in a browser, keypress to paint.
Goals: p95 <= 50 ms at default sizes, <= 150 ms at
the sliders' maxima, and at least 5x faster than the naive dashboard at the maxima.
Then 300 moves check that memory (RSS) and the number of open figures stay flat.
Some moves switch the picture's view (weights, unrolled, cell).
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import random
import sys
import time
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib

matplotlib.use("Agg")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def moves(rng: random.Random, n: int, maxima: bool, max_units: int, max_features: int) -> list[tuple[str, Any]]:
    """Random control changes: mostly sliders, sometimes a layer type or a toggle."""
    out: list[tuple[str, Any]] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.3:
            out.append(("units", rng.randint(max_units - 48, max_units) if maxima else rng.randint(1, 64)))
        elif r < 0.55:
            out.append(("features", rng.randint(max_features - 48, max_features) if maxima else rng.randint(1, 128)))
        elif r < 0.7:
            out.append(("timesteps", rng.randint(1, 100)))
        elif r < 0.76:
            out.append(("layer", rng.choice(["SimpleRNN", "LSTM", "GRU"] + ([] if maxima else ["Dense"]))))
        elif r < 0.8:
            out.append(("view", rng.choice(["weights", "unrolled", "cell"])))
        else:
            out.append(
                (rng.choice(["use_bias", "return_sequences", "reset_after", "bidirectional"]), rng.random() < 0.5)
            )
    return out


class Naive:
    """The dashboard one writes first: rebuild, summarise and imshow everything on every change."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.state = dict(state)

    def set(self, name: str, value: Any) -> None:
        import keras
        import matplotlib.pyplot as plt

        if name == "view":  # the naive dashboard has one picture
            return
        self.state[name] = value
        s = self.state
        L = keras.layers
        if s["layer"] == "Dense":
            core = L.Dense(s["units"], use_bias=s["use_bias"])
        else:
            kwargs = {"use_bias": s["use_bias"], "return_sequences": s["return_sequences"]}
            if s["layer"] == "GRU":
                kwargs["reset_after"] = s["reset_after"]
            core = getattr(L, s["layer"])(s["units"], **kwargs)
            if s["bidirectional"]:
                core = L.Bidirectional(core)
        model = keras.Sequential([keras.Input((s["timesteps"], s["features"])), core])
        lines: list[str] = []
        model.summary(print_fn=lambda text, line_break=None: lines.append(text))
        weights = model.get_weights()
        fig, axes = plt.subplots(1, len(weights), figsize=(10, 5), squeeze=False)
        for ax, w in zip(axes[0], weights, strict=True):
            ax.imshow(w.reshape(w.shape[0], -1) if w.ndim > 1 else w[None, :], aspect="auto")
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)


CPU: dict[int, list[float]] = {}


def timed(setter: Any, sequence: list[tuple[str, Any]]) -> list[float]:
    """Wall-clock milliseconds per move; the process's CPU milliseconds go to CPU[id(result)].

    On a shared machine the wall clock includes waiting for a core; the CPU time does not.
    """
    out, cpu = [], []
    for name, value in sequence:
        start, start_cpu = time.perf_counter(), time.process_time()
        setter(name, value)
        out.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    CPU[id(out)] = cpu
    return out


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=120, help="control changes per scenario (ours)")
    parser.add_argument("--naive-moves", type=int, default=12, help="control changes per scenario (naive)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import matplotlib.pyplot as plt

    import rnncount
    from rnncount.dashboards.panels import MODELS

    rng = random.Random(args.seed)
    w = rnncount.explore()
    max_units, max_features = w.controls["units"].max, w.controls["features"].max
    print(f"rnncount.explore(): units 1..{max_units}, features 1..{max_features}; python {sys.version.split()[0]}")
    print(f"matplotlib {matplotlib.__version__}, cpu count {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")

    def ours(name: str, value: Any) -> None:
        w.controls[name].value = value

    # Warm up both (first Keras calls, fonts, caches of code paths), outside the measurements.
    for name, value in moves(rng, 10, False, max_units, max_features):
        ours(name, value)
    naive = Naive({k: c.value for k, c in w.controls.items()})
    naive.set("units", 8)

    results = {}
    slowest: dict[str, list[tuple[float, tuple[str, Any]]]] = {}
    for scenario, maxima in (("default sizes", False), ("slider maxima", True)):
        # Start the scenario from its sizes, so the first move is like the others.
        if maxima:
            ours("units", max_units)
            ours("features", max_features)
        sequence = moves(rng, args.moves, maxima, max_units, max_features)
        start_state = {k: c.value for k, c in w.controls.items()}
        ours_ms = timed(ours, sequence)
        slowest[scenario] = sorted(zip(ours_ms, sequence, strict=True), key=lambda pair: -pair[0])[:3]
        naive = Naive(start_state)
        naive_ms = timed(naive.set, sequence[: args.naive_moves])
        results[scenario] = (ours_ms, naive_ms)

    print()
    print(f"load average after the runs: {os.getloadavg()[0]:.2f}")
    print(
        f"{'scenario':<16}{'dashboard':<11}{'moves':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}"
        f"{'cpu p50':>10}{'cpu p95':>10}"
    )
    for scenario, (ours_ms, naive_ms) in results.items():
        for who, ms in (("rnncount", ours_ms), ("naive", naive_ms)):
            cpu = CPU[id(ms)]
            print(
                f"{scenario:<16}{who:<11}{len(ms):>6}{percentile(ms, 0.5):>10.1f}{percentile(ms, 0.95):>10.1f}"
                f"{max(ms):>10.1f}{percentile(cpu, 0.5):>10.1f}{percentile(cpu, 0.95):>10.1f}"
            )
    print("(ms: wall clock from the assignment until every view is updated; cpu: this process's CPU time)")
    print()
    goals = {"default sizes": 50.0, "slider maxima": 150.0}
    for scenario, (ours_ms, naive_ms) in results.items():
        p50 = percentile(naive_ms, 0.5) / percentile(ours_ms, 0.5)
        p95 = percentile(naive_ms, 0.95) / percentile(ours_ms, 0.95)
        ok = "ok" if percentile(ours_ms, 0.95) <= goals[scenario] else "MISSED"
        print(
            f"{scenario}: naive/rnncount = {p50:.1f}x at p50, {p95:.1f}x at p95; "
            f"goal p95 <= {goals[scenario]:.0f} ms: {ok}"
        )
    for scenario, worst in slowest.items():
        moves_text = ", ".join(f"{name}={value} {ms:.1f} ms" for ms, (name, value) in worst)
        print(f"{scenario}: slowest moves: {moves_text}")
    print(f"model cache: {len(MODELS)} summaries, {MODELS.hits} hits, {MODELS.misses} misses")

    # Memory: 300 moves over the whole range must not grow RSS by 50 MB nor leave figures open.
    for name, value in moves(rng, 20, True, max_units, max_features):
        ours(name, value)
    gc.collect()
    rss0, figs0 = rss_mb(), len(plt.get_fignums())
    mixed = [
        m
        for pair in zip(
            moves(rng, 150, False, max_units, max_features), moves(rng, 150, True, max_units, max_features), strict=True
        )
        for m in pair
    ]
    start = time.perf_counter()
    for name, value in mixed:
        ours(name, value)
    elapsed = time.perf_counter() - start
    gc.collect()
    rss1, figs1 = rss_mb(), len(plt.get_fignums())
    print(
        f"300 moves (half at maxima) in {elapsed:.1f} s: RSS {rss0:.0f} -> {rss1:.0f} MB "
        f"(growth {rss1 - rss0:+.1f} MB, goal <= 50), open pyplot figures {figs0} -> {figs1}, "
        f"picture {len(w.picture_svg) / 1000:.0f} kB of SVG, model cache {len(MODELS)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
