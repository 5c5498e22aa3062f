"""`rnncount grade`: a synthetic class with planted answers is graded back exactly, and bad input never crashes.

Every planted wrong answer is computed by the checker's own mistake rules (``candidates``),
every right answer by the engine (the homework's key); nothing expected is typed by hand.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rnncount.classroom.exercises import MISCONCEPTIONS, candidates
from rnncount.classroom.grade import TEACHING, ClassGrades, grade_answers, grade_csv
from rnncount.classroom.homework import problem_set
from rnncount.cli import main

ROOT = Path(__file__).resolve().parents[1]
N = 8
DIFFICULTY = "mixed"
STUDENTS = 200


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- the synthetic class


@dataclass
class Planted:
    """One student's answers as written, and what the grade must say about each."""

    student: str
    seed: str
    written: dict[int, str] = field(default_factory=dict)  # problem -> text ('' = blank; absent = no row)
    correct: dict[int, bool] = field(default_factory=dict)
    mistake: dict[int, str | None] = field(default_factory=dict)  # the checker's verdict, None when right/blank
    planted_rule: dict[int, str] = field(default_factory=dict)  # the rule a known mistake was computed by
    value: dict[int, int | None] = field(default_factory=dict)


def _formats(value: int, rng: random.Random) -> str:
    """The ways people write a number in a spreadsheet."""
    return rng.choice([str(value), f"{value:,}", f" {value} ", f"{value}.0", str(value)])


def plant_class(students: int = STUDENTS, n: int = N, difficulty: str = DIFFICULTY, seed: int = 16) -> list[Planted]:
    """A class whose every answer is planted: right, a known mistake, a close miss, nonsense, blank or missing."""
    rng = random.Random(seed)
    out = []
    for s in range(students):
        # Text seeds (student ids) and number seeds, as `rnncount homework --seed` takes them.
        text_seed = s % 3 != 0
        seed_text = f"id-{s:03d}" if text_seed else str(1000 + s)
        pset = problem_set(seed_text if text_seed else 1000 + s, n, difficulty)
        st = Planted(f"Student {s:03d}", seed_text)
        for p in pset.problems:
            ex = p.exercise
            right = p.answer
            wrong = candidates(ex.result, None if ex.target is None else p.layer - 1)
            values = {c.value for c in wrong}
            slack = max(2, right // 50)
            kind = rng.choices(["right", "mistake", "close", "nonsense", "blank", "missing"], [40, 30, 10, 8, 7, 5])[0]
            if kind == "mistake" and not wrong:
                kind = "right"
            if kind == "close":
                near = [right + d for d in range(-slack, slack + 1) if d and right + d >= 0 and right + d not in values]
                kind, value = ("close", rng.choice(near)) if near else ("right", right)
            if kind == "right":
                value = right
            elif kind == "mistake":
                rule = rng.choice(sorted({c.key for c in wrong}))
                value = rng.choice([c.value for c in wrong if c.key == rule])
                st.planted_rule[p.number] = rule
            elif kind == "nonsense":
                value = right * 7 + 3 + rng.randrange(50)
                while value in values or abs(value - right) <= slack:
                    value += 101
            if kind in ("blank", "missing"):
                st.written[p.number] = "" if kind == "blank" else None
                st.correct[p.number], st.mistake[p.number], st.value[p.number] = False, None, None
                continue
            st.written[p.number] = _formats(value, rng)
            verdict = ex.check(value)
            st.correct[p.number] = value == right
            st.mistake[p.number] = verdict.misconception
            st.value[p.number] = value
            assert verdict.correct == (value == right)
            if kind == "close":
                assert verdict.misconception == "close_miss"
            if kind == "nonsense":
                assert verdict.misconception == "unknown"
            if kind == "mistake":
                # The checker names the planted mistake, or one that gives the same number before it.
                assert st.planted_rule[p.number] in (verdict.misconception, *verdict.also)
        st.written = {k: v for k, v in st.written.items()}
        out.append(st)
    return out


@pytest.fixture(scope="module")
def klass() -> list[Planted]:
    return plant_class()


def write_long(path: Path, klass: list[Planted], shuffle: int | None = None) -> Path:
    rows = [
        [st.student, st.seed, str(k), text]
        for st in klass
        for k, text in sorted(st.written.items())
        if text is not None  # a missing answer has no row at all
    ]
    if shuffle is not None:
        # Students stay in order of first appearance; their rows are shuffled among the class's.
        head = {}
        for r in rows:
            head.setdefault(r[0], r)
        rest = [r for r in rows if head[r[0]] is not r]
        random.Random(shuffle).shuffle(rest)
        rows = list(head.values()) + rest
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "seed", "problem", "answer"])
        w.writerows(rows)
    return path


def write_wide(path: Path, klass: list[Planted], n: int = N, names: str = "{}") -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Timestamp", "Student", "Seed", *(names.format(k) for k in range(1, n + 1))])
        for st in klass:
            w.writerow(["2026-11-30", st.student, st.seed, *((st.written.get(k) or "") for k in range(1, n + 1))])
    return path


def expected_json(klass: list[Planted], n: int = N) -> dict:
    """The grade as it must come out, from the planted answers alone."""
    students = []
    answered: Counter[int] = Counter()
    right: Counter[int] = Counter()
    mistakes: Counter[str] = Counter()
    for st in klass:
        answers = []
        for k in range(1, n + 1):
            value = st.value.get(k)
            answers.append({"problem": k, "answer": value, "correct": st.correct[k], "mistake": st.mistake[k]})
            answered[k] += value is not None
            right[k] += st.correct[k]
        mistakes.update({st.mistake[k] for k in range(1, n + 1) if st.mistake[k]})
        seed = st.seed if not st.seed.isdigit() else int(st.seed)
        score = sum(st.correct.values())
        students.append({"student": st.student, "seed": seed, "score": score, "out_of": n, "answers": answers})
    problems = [{"problem": k, "answered": answered[k], "right": right[k]} for k in range(1, n + 1)]
    return {"students": students, "problems": problems, "mistakes": dict(mistakes)}


def assert_graded_exactly(data: dict, klass: list[Planted], n: int = N) -> None:
    want = expected_json(klass, n)
    assert set(data) == {"students", "problems", "mistakes"}
    assert len(data["students"]) == len(want["students"])
    for got, exp in zip(data["students"], want["students"], strict=True):
        assert got == exp, exp["student"]
    assert data["problems"] == want["problems"]
    assert data["mistakes"] == want["mistakes"]
    # Ranked by how many students made them.
    counts = list(data["mistakes"].values())
    assert counts == sorted(counts, reverse=True)


# --------------------------------------------------------------------------- the class, graded back


def test_the_planted_class_covers_every_kind_of_answer(klass):
    verdicts = Counter(m for st in klass for m in st.mistake.values() if m)
    rules = Counter(r for st in klass for r in st.planted_rule.values())
    assert len(klass) == STUDENTS
    assert {"close_miss", "unknown"} <= set(verdicts)
    # Most of the checker's computed mistakes occur in a class of 200 mixed sets.
    assert len(set(rules)) >= 9, rules
    written = [t for st in klass for t in st.written.values()]
    assert "" in written and None in written and any("," in (t or "") for t in written)
    assert sum(st.correct[k] for st in klass for k in st.correct) > 300


def test_long_form_through_the_cli_is_graded_exactly(klass, tmp_path, capsys):
    path = write_long(tmp_path / "answers.csv", klass, shuffle=3)
    code, out, err = run(capsys, "grade", str(path), "--n", str(N), "--json")
    assert (code, err) == (0, "")
    assert_graded_exactly(json.loads(out), klass)


def test_wide_form_is_graded_the_same(klass, tmp_path, capsys):
    path = write_wide(tmp_path / "wide.csv", klass, names="Q{}")
    code, out, err = run(capsys, "grade", str(path), "--n", str(N), "--difficulty", DIFFICULTY, "--json")
    assert (code, err) == (0, "")
    assert_graded_exactly(json.loads(out), klass)


def test_each_answer_carries_the_checkers_own_words(klass):
    grades = grade_answers(
        [(st.student, st.seed, k, t) for st in klass[:40] for k, t in st.written.items() if t is not None], n=N
    )
    for st, graded in zip(klass[:40], grades.students, strict=True):
        pset = problem_set(int(st.seed) if st.seed.isdigit() else st.seed, N, DIFFICULTY)
        for a in graded.answers:
            if a.answered:
                fb = pset.problems[a.problem - 1].exercise.check(a.answer)
                assert (a.message, a.mistake) == (fb.message, fb.misconception)
                assert a.title == (MISCONCEPTIONS[a.mistake].title if a.mistake else "right")
            else:
                assert (a.message, a.mistake, a.correct) == ("", None, False)


def test_the_text_report_shows_scores_mistakes_and_teaching(klass, tmp_path, capsys):
    sub = klass[:30]
    code, out, err = run(capsys, "grade", str(write_long(tmp_path / "a.csv", sub)), "--n", str(N))
    assert (code, err) == (0, "")
    want = expected_json(sub)
    for s in want["students"]:
        assert f"{s['student']} (seed {s['seed']}): {s['score']}/{N}" in out
    for key, students in want["mistakes"].items():
        m = MISCONCEPTIONS[key]
        assert re.search(rf"^  {students} students? \(\d+ answers?\): {re.escape(m.title)} \[{key}\]$", out, re.M), key
        assert TEACHING[key] in out
    # A wrong answer's line gives the checker's title (and, for a known mistake, its explanation).
    st = next(s for s in sub if any(m not in (None, "close_miss", "unknown") for m in s.mistake.values()))
    k = next(k for k, m in st.mistake.items() if m not in (None, "close_miss", "unknown"))
    assert f"  problem {k}: {st.value[k]:,}, {MISCONCEPTIONS[st.mistake[k]].title}: " in out
    for p in want["problems"]:
        rate = f"{p['right'] / p['answered']:.0%}" if p["answered"] else "-"
        assert re.search(rf"^\s+{p['problem']}\s+{p['answered']}\s+{p['right']}\s+{re.escape(rate)}$", out, re.M)


def test_grades_csv_and_html_report(klass, tmp_path, capsys):
    sub = klass[:60]
    grades_csv, report = tmp_path / "grades.csv", tmp_path / "report.html"
    argv = ["grade", str(write_long(tmp_path / "a.csv", sub)), "--n", str(N), "--csv", str(grades_csv)]
    code, out, err = run(capsys, *argv, "--html", str(report), "--json")
    assert (code, err) == (0, "")
    want = expected_json(sub)
    assert json.loads(out) == want
    with grades_csv.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [["student", "score", "out_of"]] + [
        [s["student"], str(s["score"]), str(N)] for s in want["students"]
    ]
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 1
    # Self-contained: no scripts, no stylesheets, fonts or images from anywhere (the SVG namespaces are names only).
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\((?!#)", page, re.I)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls  # XML namespaces
    for key, students in want["mistakes"].items():
        assert f"<code>{key}</code></td><td class='num'>{students}</td>" in page
        assert MISCONCEPTIONS[key].title in page  # the chart's labels and the table's
    for p in want["problems"]:
        assert f"<td class='num'>{p['problem']}</td><td class='num'>{p['answered']}</td>" in page
    # The text report says where the files went.
    code, out, _ = run(capsys, *argv)
    assert f"Wrote the grades to {grades_csv}" in out


def test_a_large_class_graded_in_worker_processes_matches_one_process(tmp_path):
    rows = []
    for s in range(64):
        for p in problem_set(f"w{s}", 3, "easy").problems:
            rows.append((f"s{s}", f"w{s}", p.number, str(p.answer + (s % 4) * (p.number - 1))))
    one = grade_answers(rows, n=3, difficulty="easy", workers=1)
    two = grade_answers(rows, n=3, difficulty="easy", workers=2)
    assert one.to_dict() == two.to_dict()
    assert [s.answers for s in one.students] == [s.answers for s in two.students]
    assert sum(s.score for s in one.students) == 64 + 2 * 16  # s % 4 == 0: all right; else only problem 1


def test_a_class_sharing_one_seed(tmp_path, capsys):
    key = problem_set("week-3", 5, "medium")
    path = tmp_path / "a.csv"
    path.write_text(
        "student,seed,problem,answer\n"
        + "".join(
            f"s{j},week-3,{p.number},{p.answer if j % 2 else p.answer + 1}\n" for j in range(10) for p in key.problems
        ),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "grade", str(path), "--n", "5", "--difficulty", "medium", "--json")
    data = json.loads(out)
    assert code == 0 and [s["score"] for s in data["students"]] == [0, 5] * 5
    assert data["problems"] == [{"problem": k, "answered": 10, "right": 5} for k in range(1, 6)]


# --------------------------------------------------------------------------- teaching sentences


def test_every_checker_mistake_has_a_teaching_sentence():
    assert set(TEACHING) == set(MISCONCEPTIONS)
    for key, text in TEACHING.items():
        assert text.endswith(".") and text.count(". ") == 0 and len(text) < 260, key


def test_grade_copies_none_of_the_checkers_words():
    source = (ROOT / "rnncount" / "classroom" / "grade.py").read_text(encoding="utf-8")
    for m in MISCONCEPTIONS.values():
        # Short titles ("close miss") are ordinary words; longer ones and the summaries are the checker's text.
        assert m.summary not in source and (len(m.title) < 20 or m.title not in source), m.key


def test_everyone_right_means_no_mistakes(tmp_path, capsys):
    key = problem_set(9, 3)
    path = tmp_path / "a.csv"
    path.write_text("student,seed,1,2,3\nAda,9," + ",".join(str(p.answer) for p in key.problems) + "\n")
    code, out, _ = run(capsys, "grade", str(path), "--n", "3", "--html", str(tmp_path / "r.html"))
    assert code == 0 and "Ada (seed 9): 3/3" in out and "No mistakes" in out
    assert "<svg" not in (tmp_path / "r.html").read_text() and "No mistakes" in (tmp_path / "r.html").read_text()


# --------------------------------------------------------------------------- bad input


def _answers(seed: int | str = 5, n: int = 3) -> list[int]:
    return [p.answer for p in problem_set(seed, n).problems]


def grade_text(tmp_path: Path, capsys, text: str, *extra: str, n: int = 3, encoding: str = "utf-8"):
    path = tmp_path / "answers.csv"
    path.write_bytes(text.encode(encoding))
    return run(capsys, "grade", str(path), "--n", str(n), "--json", *extra)


def _one_line_exit_2(code: int, out: str, err: str) -> None:
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("rnncount: error: ") and "Traceback" not in err


def test_bad_rows_are_listed_with_their_line_and_the_rest_is_graded(tmp_path, capsys):
    a = _answers()
    text = (
        "student,seed,problem,answer\n"
        f"ann,5,1,{a[0]}\n"  # line 2: right
        "ann,5,2,lots\n"  # line 3: not a number
        f"ann,5,7,{a[0]}\n"  # line 4: outside the set
        f"ann,5,1,{a[0]}\n"  # line 5: duplicate
        "ann,5\n"  # line 6: a column missing
        f"ann,5,3,{a[2]},extra\n"  # line 7: an extra field (an unquoted comma)
        "ann,6,3,1\n"  # line 8: another seed for ann
        ",5,3,1\n"  # line 9: no student
        "bob,,1,1\n"  # line 10: no seed
        "bob,5,x,1\n"  # line 11: problem not a number
        "ann,5,3,-4\n"  # line 12: negative
        "\n"  # a blank line is no row at all
        f"ann,5,3,{a[2]}\n"  # line 14: right
    )
    code, out, err = grade_text(tmp_path, capsys, text)
    assert code == 0
    data = json.loads(out)
    assert [s["student"] for s in data["students"]] == ["ann"]
    assert data["students"][0]["score"] == 2
    assert data["students"][0]["answers"][1] == {"problem": 2, "answer": None, "correct": False, "mistake": None}
    lines = err.splitlines()
    assert all(line.startswith("rnncount grade: skipped line ") for line in lines)
    skipped = [int(re.match(r"rnncount grade: skipped line (\d+):", line).group(1)) for line in lines]
    assert skipped == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "whole number" in lines[0] and "outside the set (problems 1 to 3)" in lines[1] and "--n 7" in lines[1]
    assert "answered twice (first on line 2)" in lines[2] and "a column is missing" in lines[3]
    assert "needs quotes" in lines[4] and "on line 2" in lines[5] and "no student" in lines[6]
    assert "no seed" in lines[7] and "problem number" in lines[8] and "negative" in lines[9]
    # Line 12's answer was unreadable, so line 14 is ann's answer to problem 3, not a duplicate.


def test_hostile_cells_are_bad_rows_not_crashes(tmp_path, capsys):
    a = _answers()
    huge = "9" * 5000
    text = (
        "student,seed,problem,answer\n"
        f"ann,5,1,{huge}\n"  # more digits than Python reads as an int
        f"ann,5,{huge},1\n"
        f"ann,5,2,{'x' * 3000}\n"
        "ann,5,3,(None; 3)\n"
        f"ann,5,1,{a[0]}\n"
    )
    code, out, err = grade_text(tmp_path, capsys, text)
    assert code == 0 and json.loads(out)["students"][0]["score"] == 1
    lines = err.splitlines()
    assert [ln.split(":")[1] for ln in lines] == [
        " skipped line 2",
        " skipped line 3",
        " skipped line 4",
        " skipped line 5",
    ]
    assert all(len(ln) < 400 for ln in lines) and "Traceback" not in err


def test_a_blank_answer_is_unanswered_not_wrong(tmp_path, capsys):
    a = _answers()
    code, out, err = grade_text(
        tmp_path, capsys, f"student,seed,problem,answer\nann,5,1,\nann,5,2,  \nann,5,3,{a[2]}\n"
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["students"][0]["score"] == 1 and data["mistakes"] == {}
    assert [p["answered"] for p in data["problems"]] == [0, 0, 1]


def test_wide_form_bad_cells_and_rows(tmp_path, capsys):
    a = _answers()
    text = (
        "student,seed,1,2,3,4\n"  # line 1: problem 4 is outside a set of 3
        f"ann,5,{a[0]},abc,{a[2]},\n"  # line 2: one bad cell; the others count
        f"ann,5,{a[0]},{a[1]},{a[2]},\n"  # line 3: ann again
        f"bob,5,{a[0]},,\n"  # line 4: a column short
        f"cy,5,{a[0]},{a[1]},{a[2]},9\n"  # line 5: all right; the answer to problem 4 is ignored
    )
    code, out, err = grade_text(tmp_path, capsys, text)
    assert code == 0
    data = json.loads(out)
    assert [(s["student"], s["score"]) for s in data["students"]] == [("ann", 2), ("cy", 3)]
    skipped = [int(re.match(r"rnncount grade: skipped line (\d+):", line).group(1)) for line in err.splitlines()]
    assert skipped == [1, 2, 3, 4]
    assert "column '4': problem 4 is outside the set" in err and "ann, problem 2" in err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("", "is empty"),
        ("\n\n", "is empty"),
        ("student,seed,problem,answer\n", "no answers"),
        ("student,problem,answer\nann,1,5\n", "no 'seed' column"),
        ("name,seed,problem,answer\nann,5,1,5\n", "no 'student' column"),
        ("student,seed,answer\nann,5,5\n", "no 'problem' column"),
        ("student,seed,problem,answer,problem\nann,5,1,5,1\n", "twice"),
        ("student,seed,1,Q1\nann,5,1,1\n", "two columns"),
        ("student,seed,problem,answer\nann,5,1,lots\nbob,5,9,1\n", "none of the 2 rows"),
        ('student,seed,problem,answer\nann,5,1,"5\n', "CSV"),
    ],
)
def test_an_unusable_file_exits_2_with_one_line(tmp_path, capsys, content, says):
    code, out, err = grade_text(tmp_path, capsys, content)
    if "none of" in says:
        # The skipped rows are listed first, then the one line that ends it.
        err = err.splitlines()[-1] + "\n"
    _one_line_exit_2(code, out, err)
    assert says in err


def test_unreadable_files_exit_2_with_one_line(tmp_path, capsys):
    _one_line_exit_2(*run(capsys, "grade", str(tmp_path / "nope.csv")))
    _one_line_exit_2(*run(capsys, "grade", str(tmp_path)))
    binary = tmp_path / "x.xlsx"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary\x00\xff")
    code, out, err = run(capsys, "grade", str(binary))
    _one_line_exit_2(code, out, err)
    assert "not a text" in err
    code, out, err = run(capsys, "grade", str(tmp_path / "nope.csv"), "--n", "0")
    _one_line_exit_2(code, out, err)
    out_dir = tmp_path / "no" / "such" / "dir" / "g.csv"
    path = tmp_path / "ok.csv"
    path.write_text("student,seed,1,2,3\nann,5," + ",".join(map(str, _answers())) + "\n")
    code, out, err = run(capsys, "grade", str(path), "--n", "3", "--csv", str(out_dir))
    _one_line_exit_2(code, out, err)
    assert "cannot write" in err


def test_spreadsheet_exports_semicolons_latin1_and_a_bom(tmp_path, capsys):
    a = _answers()
    code, out, err = grade_text(tmp_path, capsys, f"Student;Seed;Problem;Answer\nJosé;5;1;{a[0]}\n", encoding="latin-1")
    assert code == 0 and "skipped" not in err and json.loads(out)["students"][0]["student"] == "José"
    code, out, err = grade_text(tmp_path, capsys, f'\ufeffstudent,seed,Problem 1\nZoë,5,"{a[0]:,}"\n')
    assert code == 0 and "skipped" not in err and json.loads(out)["students"][0]["score"] == 1


def test_hostile_names_are_escaped_in_the_report(tmp_path, capsys):
    a = _answers()
    name = '<script>alert("x")</script>'
    path = tmp_path / "a.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["student", "seed", "1"], [name, "5", a[0] + 1]])
    code, _, _ = run(capsys, "grade", str(path), "--n", "3", "--html", str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text()
    assert code == 0 and "<script" not in page and "&lt;script&gt;" in page


def test_a_wrong_n_is_pointed_out(tmp_path, capsys):
    a = _answers(n=3)
    path = tmp_path / "a.csv"
    path.write_text("student,seed,1,2,3\nann,5," + ",".join(map(str, a)) + "\n")
    code, out, err = run(capsys, "grade", str(path), "--n", "6")
    assert code == 0 and "ann (seed 5):" in out
    note = "no answer is to a problem after 3, but --n is 6: if the homework had 3 problems, grade with --n 3"
    assert err == f"rnncount grade: note: {note}\n"
    code, out, err = run(capsys, "grade", str(path), "--n", "3")
    assert (code, err) == (0, "") and "ann (seed 5): 3/3" in out


def test_python_api_and_the_text_file_object():
    a = _answers()
    grades = grade_csv(io.StringIO(f"student,seed,problem,answer\nann,5,1,{a[0]}\n"), n=3)
    assert isinstance(grades, ClassGrades) and grades.students[0].score == 1
    assert grades.problems[0].rate == 1.0 and grades.problems[1].rate is None
    assert "ann (seed 5): 1/3" in str(grades) and "<svg" not in grades._repr_html_()


def test_grade_is_listed_in_the_help(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "grade" in out
    code, out, _ = run(capsys, "grade", "--help")
    assert code == 0 and "student,seed,problem,answer" in out


# --------------------------------------------------------------------------- the README's loop


def test_the_readmes_teacher_loop_runs_as_written(tmp_path, capsys, monkeypatch):
    """The README's CSV, graded by the README's `rnncount grade` line, prints the README's ranking."""
    import shlex

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## For teachers") :]
    section = section[: section.index("\n## ", 1)]
    sample = re.search(r"```csv\n(.*?)```", section, re.S).group(1)
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    commands = [shlex.split(line)[1:] for line in section.splitlines() if line.startswith("rnncount ")]
    assert [c[0] for c in commands] == ["homework", "homework", "grade"]
    (tmp_path / "answers.csv").write_text(sample, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for argv in commands:
        code, out, err = run(capsys, *argv)
        assert (code, err) == (0, ""), argv
    # The printed ranking is the one the README shows, and every file it names was written.
    lines = out.splitlines()
    for line in shown.splitlines():
        assert line in lines, line
    assert (tmp_path / "grades.csv").read_text().startswith("student,score,out_of")
    assert "<svg" in (tmp_path / "report.html").read_text()
    assert (ROOT / "docs" / "grade_report.png").is_file()


def test_shape_questions_are_graded_like_check_ask_shape(tmp_path, capsys, monkeypatch):
    """Should a problem set ask for an output shape, the answer is read and checked as `check --ask shape` does."""
    import rnncount.classroom.grade as grade_module
    from rnncount.classroom.exercises import Exercise
    from rnncount.classroom.homework import Problem

    spec = "LSTM(4, return_sequences=True) > Dense(1)"
    shape_question = Exercise(spec, (30, 5), layer=1, ask="shape")

    class WithAShapeQuestion(grade_module.ProblemSource):
        def problem(self, number: int, level: str) -> Problem:
            if number == 1:
                return Problem(1, level, "shape", shape_question)
            return super().problem(number, level)

    monkeypatch.setattr(grade_module, "ProblemSource", WithAShapeQuestion)
    right = shape_question.expected
    wrong = Exercise("LSTM(4) > Dense(1)", (30, 5), layer=1, ask="shape").expected  # return_sequences misread
    rows = [("a", 5, 1, str(right)), ("b", 5, 1, str(wrong)), ("c", 5, 1, "30, 4"), ("d", 5, 1, "(None, 7)")]
    grades = grade_answers(rows, n=3)
    got = [(s.student, s.answers[0].correct, s.answers[0].mistake) for s in grades.students]
    verdicts = [shape_question.check(t) for *_, t in rows]
    want = [(s, fb.correct, fb.misconception) for (s, *_), fb in zip(rows, verdicts, strict=True)]
    assert got == want
    assert got[0][1] and got[1][2] == "return_sequences_shape" and got[2][1]  # written without the batch
    assert grades.to_dict()["students"][0]["answers"][0]["answer"] == "(None, 30, 4)"


# --------------------------------------------------------------------------- sets and grading that cannot mismatch


def _class_csvs(tmp_path: Path, n: int, difficulty: str = "mixed", code: bool = False) -> dict[str, Path]:
    """A small class that answered its sets of n problems perfectly, in both CSV forms."""
    sets = [problem_set(seed, n, difficulty) for seed in (5, 6, 7, "ada")]
    extra = ["set"] if code else []
    wide = [["student", "seed", *extra, *map(str, range(1, n + 1))]]
    long = [["student", "seed", *extra, "problem", "answer"]]
    for s in sets:
        mine = [s.code] if code else []
        wide.append([f"st-{s.seed}", str(s.seed), *mine, *(str(p.answer) for p in s.problems)])
        long += [[f"st-{s.seed}", str(s.seed), *mine, str(p.number), str(p.answer)] for p in s.problems]
    out = {}
    for form, rows in (("wide", wide), ("long", long)):
        path = out[form] = tmp_path / f"{form}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return out


@pytest.mark.parametrize("form", ["wide", "long"])
def test_a_set_graded_without_its_n_is_refused_in_one_line_not_written_as_zeros(tmp_path, capsys, form):
    path = _class_csvs(tmp_path, 8)[form]
    grades = tmp_path / "grades.csv"
    code, out, err = run(capsys, "grade", str(path), "--json", "--csv", str(grades))
    _one_line_exit_2(code, out, err)
    assert "--n 8 --difficulty mixed" in err and "set code" in err
    assert not grades.exists()
    # With the right n it is graded right.
    code, out, err = run(capsys, "grade", str(path), "--n", "8", "--json", "--csv", str(grades))
    assert code == 0 and err == ""
    assert {(s["score"], s["out_of"]) for s in json.loads(out)["students"]} == {(8, 8)}


@pytest.mark.parametrize("form", ["wide", "long"])
def test_the_set_code_column_grades_each_sheet_as_its_set_without_n(tmp_path, capsys, form):
    path = _class_csvs(tmp_path, 8, code=True)[form]
    code, out, err = run(capsys, "grade", str(path), "--json")
    assert code == 0 and err == ""
    assert {(s["score"], s["out_of"]) for s in json.loads(out)["students"]} == {(8, 8)}
    (tmp_path / "hard").mkdir()
    hard = _class_csvs(tmp_path / "hard", 6, "hard", code=True)[form]
    code, out, err = run(capsys, "grade", str(hard))
    assert code == 0 and err == "" and "6 problems each (difficulty: hard)" in out
    # A --n or --difficulty that the codes contradict is refused, not used.
    code, out, err = run(capsys, "grade", str(path), "--n", "10")
    _one_line_exit_2(code, out, err)
    assert "set code" in err and "8 problems" in err


def test_a_set_code_that_is_not_its_seeds_is_a_bad_row(tmp_path, capsys):
    right = problem_set(5, 3)
    path = tmp_path / "a.csv"
    path.write_text(
        "student,seed,set,1,2,3\n"
        f"ann,5,{right.code}," + ",".join(str(p.answer) for p in right.problems) + "\n"
        f"bob,6,{right.code},1,2,3\n"
    )
    code, out, err = run(capsys, "grade", str(path))
    assert code == 0 and "ann (seed 5): 3/3" in out and "bob" not in out
    assert f"line 3: bob: the set code {right.code} is not the code of seed 6's set" in err


def test_codes_of_two_different_sets_are_refused(tmp_path, capsys):
    a, b = problem_set(5, 3), problem_set(6, 4)
    path = tmp_path / "a.csv"
    path.write_text(f"student,seed,set,problem,answer\nann,5,{a.code},1,1\nbob,6,{b.code},1,1\n")
    code, out, err = run(capsys, "grade", str(path))
    _one_line_exit_2(code, out, err)
    assert "different sets" in err


def test_a_poor_class_graded_with_its_own_n_is_not_refused(tmp_path, capsys):
    """Wrong answers are not evidence of another set: only right ones are."""
    path = tmp_path / "a.csv"
    rows = ["student,seed,1,2,3,4,5,6,7,8"]
    for seed in range(5, 11):
        rows.append(f"s{seed},{seed}," + ",".join(str(p.answer + 1) for p in problem_set(seed, 8).problems))
    path.write_text("\n".join(rows) + "\n")
    code, out, _ = run(capsys, "grade", str(path), "--n", "8")
    assert code == 0 and "mean score 0.0/8" in out
