"""The HTML report of ``rnncount grade`` in a real browser: complete, readable, and self-contained.

A class with planted answers (right ones from the homework's key, wrong ones computed by the
checker's own mistake rules) is graded through ``rnncount.cli.main``; Chromium opens the report
from disk while every request it makes is recorded: the only one must be the report itself.
The screenshot is ``artifacts/e2e/grade_report.png``.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pytest

from rnncount.classroom.exercises import MISCONCEPTIONS, candidates
from rnncount.classroom.homework import problem_set
from rnncount.cli import main

pytestmark = pytest.mark.e2e

N = 8


def _class_csv(path: Path, students: int = 40) -> None:
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["student", "seed", "problem", "answer"])
        for s in range(students):
            for p in problem_set(f"id-{s:02d}", N).problems:
                ex = p.exercise
                wrong = candidates(ex.result, None if ex.target is None else p.layer - 1)
                r = rng.random()
                if r < 0.45 and wrong:
                    answer = str(rng.choice(wrong).value)
                elif r < 0.55:
                    answer = ""
                else:
                    answer = str(p.answer)
                out.writerow([f"Student {s:02d}", f"id-{s:02d}", p.number, answer])


def test_the_report_renders_with_nothing_fetched(page: Any, artifacts: Path, tmp_path: Path, capsys) -> None:
    answers, report = tmp_path / "answers.csv", tmp_path / "report.html"
    _class_csv(answers)
    assert main(["grade", str(answers), "--n", str(N), "--html", str(report), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mistakes"], "the planted class must have mistakes to draw"

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.context.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size({"width": 1366, "height": 900})  # a laptop
    page.goto(report.as_uri(), wait_until="load")
    page.wait_for_timeout(300)

    # Nothing but the report itself: no font, script, stylesheet or image from anywhere.
    assert set(requests) == {report.as_uri()}, requests
    assert page.console_errors == []

    chart = page.locator(".chart svg")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 500 and box["height"] > 150
    labels = chart.locator("text").all_text_contents()
    for key in data["mistakes"]:
        assert MISCONCEPTIONS[key].title in labels, key
    # Labels readable at a laptop's width: the chart's type is at least 12 px on screen.
    size = chart.locator("text").first.evaluate("t => t.getBoundingClientRect().height")
    assert size >= 12

    mistake_rows = page.locator("table.mistakes tr")
    assert mistake_rows.count() == len(data["mistakes"]) + 1
    first = mistake_rows.nth(1).locator("td")
    top = next(iter(data["mistakes"]))
    assert first.nth(0).inner_text().endswith(top) and int(first.nth(1).inner_text()) == data["mistakes"][top]
    assert len(first.nth(3).inner_text()) > 40  # the teaching sentence

    problem_rows = page.locator("table.problems tr")
    assert problem_rows.count() == N + 1
    for k, p in enumerate(data["problems"], start=1):
        cells = problem_rows.nth(k).locator("td").all_inner_texts()
        assert [int(c) for c in cells[:3]] == [p["problem"], p["answered"], p["right"]]
    assert page.locator("table.students tr").count() == len(data["students"]) + 1

    # Nothing wider than the window, on a laptop and in a narrow window (the chart and the table then stack).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / "grade_report.png"), full_page=False)
    page.set_viewport_size({"width": 760, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    table = page.locator("table.problems").bounding_box()
    assert table is not None and table["y"] > chart.bounding_box()["y"] + chart.bounding_box()["height"] - 1
