"""How long ``rnncount grade`` takes for a class: 500 students x 20 problems = 10,000 answers.

Not collected by pytest; run it and read the figures::

    python tests/benchmarks/grade_speed.py [--students 500] [--n 20] [--repeat 3]

It writes a CSV of answers (long form) for a class in which every student has their own
seed, as ``rnncount homework`` is meant to be used: about half the answers right, a quarter
a known mistake (computed by the checker's own rules), some close misses, some numbers no
mistake explains, some blank. Then it times ``rnncount grade answers.csv --n 20 --json``
through ``rnncount.cli.main`` (reading, recomputing every set, checking every answer and
writing the JSON), best of ``--repeat`` runs, each starting from empty caches. Goal: < 5 s.
A second figure is for a class that shares one seed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from rnncount.classroom.exercises import candidates
from rnncount.classroom.grade import _auto_workers
from rnncount.classroom.homework import problem_set
from rnncount.cli import main

GOAL_S = 5.0


def planted(answer: int, wrong: list[int], rng: random.Random) -> str:
    """One answer: right, a known mistake, a close miss, a number no mistake explains, or blank."""
    r = rng.random()
    if r < 0.5:
        return str(answer)
    if r < 0.75 and wrong:
        return str(rng.choice(wrong))
    if r < 0.83:
        return str(answer + rng.choice((-1, 1)))
    if r < 0.92:
        return str(answer * 3 + 17)
    return ""


def write_class(path: Path, students: int, n: int, shared_seed: bool, rng: random.Random) -> int:
    rows = 0
    known: dict[tuple, list[int]] = {}
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["student", "seed", "problem", "answer"])
        for s in range(students):
            seed = "class-2026" if shared_seed else f"s{s:04d}"
            for p in problem_set(seed, n, "mixed").problems:
                ex = p.exercise
                index = None if ex.target is None else p.layer - 1
                question = (p.spec, p.input, p.layer)
                if question not in known:
                    known[question] = [c.value for c in candidates(ex.result, index)]
                wrong = known[question]
                out.writerow([f"student {s:04d}", seed, p.number, planted(p.answer, wrong, rng)])
                rows += 1
    return rows


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_grade(path: Path, n: int, repeat: int) -> tuple[float, float]:
    """Best wall time of ``repeat`` runs, and the CPU time (this process and its workers) of that run."""
    best, cpu = float("inf"), 0.0
    for _ in range(repeat):
        sink = io.StringIO()
        c0, t0 = _cpu(), time.perf_counter()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(io.StringIO()):
            code = main(["grade", str(path), "--n", str(n), "--json"])
        wall, used = time.perf_counter() - t0, _cpu() - c0
        if code != 0:
            sys.exit(f"rnncount grade exited {code}")
        if wall < best:
            best, cpu = wall, used
    return best, cpu


def run() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=500)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        for shared, label in ((False, "every student their own seed"), (True, "the whole class on one seed")):
            path = Path(tmp) / "answers.csv"
            t0 = time.perf_counter()
            rows = write_class(path, args.students, args.n, shared, rng)
            made = time.perf_counter() - t0
            workers = _auto_workers(1 if shared else args.students)
            best, cpu = time_grade(path, args.n, args.repeat)
            mark = "ok" if best < GOAL_S else "SLOWER THAN GOAL"
            print(f"{label}: {rows:,} answers ({args.students} students x {args.n} problems) graded in {best:.2f} s")
            print(f"    best of {args.repeat}; {rows / best:,.0f} answers/s; goal < {GOAL_S:.0f} s: {mark}")
            print(f"    CPU time {cpu:.2f} s over {workers} worker process(es); load average {os.getloadavg()[0]:.1f}")
            # On a busy machine the wall time says more about the neighbours than about grading.
            print(f"    on an idle machine: about {cpu / workers:.1f} s (CPU time / workers)")
            print(f"    (writing the planted answers took {made:.1f} s, not counted)")


if __name__ == "__main__":
    run()
