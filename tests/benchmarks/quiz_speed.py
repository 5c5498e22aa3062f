"""How long `rnncount quiz` takes: fitting each kind's mistake formulas, then drawing its dataset items.

Run from the repository root::

    python tests/benchmarks/quiz_speed.py [--items 40]

Prints, per difficulty, the time to build every question of the full quiz (the first run includes
fitting the formulas, which is done once per process) and the size of the Moodle XML and the QTI package.
"""

from __future__ import annotations

import argparse
import time

from rnncount.classroom import quiz


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=quiz.DEFAULT_ITEMS)
    args = parser.parse_args()
    for difficulty in ("easy", "medium", "hard"):
        start = time.perf_counter()
        questions = quiz.quiz_questions(None, difficulty, items=args.items)
        built = time.perf_counter() - start
        xml, package = quiz.moodle_xml(questions), quiz.qti_zip(questions)
        print(
            f"{difficulty:6s}: {len(questions)} questions, {args.items} items each, built in {built:.2f} s; "
            f"Moodle XML {len(xml.encode()) / 1024:.0f} KiB, QTI package {len(package) / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    main()
