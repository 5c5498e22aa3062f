"""Grade a class: every student's answers in, grades and a map of the class's mistakes out.

Each student's problem set is recomputed from their seed with
:func:`rnncount.classroom.homework.problem_set` (so ``n`` and ``difficulty`` must be the ones the
homework was given with), and every answer is checked by the same checker as
``rnncount check``: right, or the known mistake it looks like, a close miss, or no known
mistake. A blank answer is unanswered, not wrong.

The answers come as a CSV file with a header, in one of two forms:

- long: ``student,seed,problem,answer``, one row per answer;
- wide: ``student,seed,1,2,3,...``, one row per student, a column per problem
  (``Q1``, ``problem 1`` and the like also work, as spreadsheets and LMS forms write them).

Other columns (an e-mail, a time stamp) are ignored. A row that cannot be used is listed
with its line number and skipped; a file that cannot be used at all raises :class:`SpecError`.

>>> from rnncount.classroom.homework import problem_set
>>> key = problem_set("ada", n=2)
>>> rows = [("Ada", "ada", 1, str(key.problems[0].answer)), ("Ada", "ada", 2, "")]
>>> grades = grade_answers(rows, n=2)
>>> grades.students[0].score, grades.students[0].out_of, grades.problems[1].answered
(1, 2, 0)
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..core.formula import group_digits
from ..core.layers import format_shape
from ..errors import RnncountTypeError, SpecError, a_type, shown
from .exercises import MISCONCEPTIONS, Exercise, Feedback, parse_answer, parse_shape_answer
from .homework import (
    DIFFICULTIES,
    MAX_PROBLEMS,
    Problem,
    ProblemSource,
    level_of,
    read_set_code,
    set_code,
)
from .homework import _seed as homework_seed  # the exact seed rule of `rnncount homework --seed`
from .misconceptions import RECORDS

#: How to teach against each of the checker's mistakes, keyed like
#: :data:`rnncount.classroom.exercises.MISCONCEPTIONS`: read from each mistake's one record.
TEACHING: dict[str, str] = {m.key: m.teaching for m in RECORDS}

_REQUIRED = ("student", "seed")
#: Names of the column that holds the set code printed on every homework sheet.
_CODE_COLUMNS = ("set", "set code", "set_code", "code", "set-code")
_LONG = ("problem", "answer")
# Wide-form problem columns as spreadsheets and LMS forms name them: 3, Q3, q.3, Problem 3, question #3.
_PROBLEM_COLUMN = re.compile(r"^(?:q|p|problem|question|ex|exercise)?\s*[.#:]?\s*(\d{1,4})$", re.IGNORECASE)
_MAX_FILE_BYTES = 200 * 1024 * 1024


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class GradedAnswer:
    """One problem of one student: the answer (None when unanswered) and the checker's verdict."""

    problem: int
    answer: Any
    correct: bool
    mistake: str | None  # a key of MISCONCEPTIONS when wrong; None when right or unanswered
    message: str = ""  # the checker's explanation; empty when unanswered
    line: int | None = None  # where the answer was in the file

    @property
    def answered(self) -> bool:
        return self.answer is not None

    @property
    def answer_text(self) -> str:
        if self.answer is None:
            return "unanswered"
        if isinstance(self.answer, int):
            return group_digits(self.answer)
        return format_shape(self.answer) if isinstance(self.answer, (tuple, list)) else str(self.answer)

    @property
    def title(self) -> str:
        """The mistake in plain words (the checker's title), or "right" / "unanswered"."""
        if self.correct:
            return "right"
        if self.mistake is None:
            return "unanswered"
        return MISCONCEPTIONS[self.mistake].title if self.mistake in MISCONCEPTIONS else self.mistake

    def to_dict(self) -> dict[str, Any]:
        answer = self.answer
        if isinstance(answer, (tuple, list)):
            answer = format_shape(answer)
        return {"problem": self.problem, "answer": answer, "correct": self.correct, "mistake": self.mistake}


@dataclass(frozen=True)
class StudentGrade:
    """A student's graded set: one :class:`GradedAnswer` per problem, unanswered ones included."""

    student: str
    seed: int | str
    answers: tuple[GradedAnswer, ...]

    @property
    def score(self) -> int:
        return sum(a.correct for a in self.answers)

    @property
    def out_of(self) -> int:
        return len(self.answers)

    @property
    def mistakes(self) -> list[str]:
        """The keys of this student's mistakes, one per wrong answer."""
        return [a.mistake for a in self.answers if a.answered and not a.correct and a.mistake]

    def to_dict(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "seed": self.seed,
            "score": self.score,
            "out_of": self.out_of,
            "answers": [a.to_dict() for a in self.answers],
        }


@dataclass(frozen=True)
class BadRow:
    """A row (or a cell, or a header column) that was skipped, and why."""

    line: int
    message: str

    def __post_init__(self) -> None:
        # One readable line, however long the cell that caused it.
        text = " ".join(self.message.split())
        object.__setattr__(self, "message", text if len(text) <= 300 else text[:297] + "...")

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ProblemStats:
    """How one problem number went across the class."""

    problem: int
    answered: int
    right: int

    @property
    def rate(self) -> float | None:
        """Share of the answers that were right (None when nobody answered)."""
        return self.right / self.answered if self.answered else None

    def to_dict(self) -> dict[str, Any]:
        return {"problem": self.problem, "answered": self.answered, "right": self.right}


@dataclass(frozen=True)
class MistakeStats:
    """A mistake across the class: how many students made it, in how many answers."""

    key: str
    students: int
    answers: int

    @property
    def title(self) -> str:
        return MISCONCEPTIONS[self.key].title if self.key in MISCONCEPTIONS else self.key

    @property
    def teaching(self) -> str:
        """One sentence on how to teach against it."""
        if self.key in TEACHING:
            return TEACHING[self.key]
        return MISCONCEPTIONS[self.key].summary if self.key in MISCONCEPTIONS else ""


@dataclass
class ClassGrades:
    """A graded class: the students, the skipped rows, and the class's statistics."""

    n: int
    difficulty: str
    students: list[StudentGrade]
    bad_rows: list[BadRow] = field(default_factory=list)
    source: str = ""
    notes: list[str] = field(default_factory=list)  # warnings about the whole file, e.g. a --n that looks wrong

    @property
    def problems(self) -> list[ProblemStats]:
        answered: Counter[int] = Counter()
        right: Counter[int] = Counter()
        for s in self.students:
            for a in s.answers:
                answered[a.problem] += a.answered
                right[a.problem] += a.correct
        return [ProblemStats(k, answered[k], right[k]) for k in range(1, self.n + 1)]

    @property
    def mistake_stats(self) -> list[MistakeStats]:
        """The mistakes, ranked by how many students made them (then by answers, then the checker's order)."""
        students: Counter[str] = Counter()
        answers: Counter[str] = Counter()
        for s in self.students:
            keys = s.mistakes
            answers.update(keys)
            students.update(set(keys))
        order = {k: j for j, k in enumerate(MISCONCEPTIONS)}
        ranked = sorted(students, key=lambda k: (-students[k], -answers[k], order.get(k, len(order)), k))
        return [MistakeStats(k, students[k], answers[k]) for k in ranked]

    @property
    def mistakes(self) -> dict[str, int]:
        """Mistake key -> how many students made it at least once, most common first."""
        return {m.key: m.students for m in self.mistake_stats}

    @property
    def mean_score(self) -> float:
        return sum(s.score for s in self.students) / len(self.students) if self.students else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "students": [s.to_dict() for s in self.students],
            "problems": [p.to_dict() for p in self.problems],
            "mistakes": self.mistakes,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    # -- outputs

    def table(self) -> str:
        """The report for a terminal: a block per student, then the class."""
        return _text_report(self)

    def write_csv(self, path: str | os.PathLike[str]) -> None:
        """``student,score,out_of``, one row per student, for an LMS's grade import."""
        with open(path, "w", encoding="utf-8", newline="") as f:
            out = csv.writer(f)
            out.writerow(["student", "score", "out_of"])
            out.writerows([s.student, s.score, s.out_of] for s in self.students)

    def chart_svg(self) -> str:
        """The mistakes as a horizontal bar chart (Matplotlib), as an inline ``<svg>`` element; '' if none."""
        return _mistake_chart(self.mistake_stats)

    def html(self) -> str:
        """A self-contained HTML report: nothing is loaded from anywhere."""
        return _html_report(self)

    def write_html(self, path: str | os.PathLike[str]) -> None:
        Path(path).write_text(self.html(), encoding="utf-8")

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        return _html_body(self)


# --------------------------------------------------------------------------- reading the file


@dataclass(frozen=True)
class AnswerRow:
    """One answer as read: where it was, whose, which problem, and the text written."""

    line: int
    student: str
    seed: str
    problem: int
    answer: str
    code: str = ""  # the set code the sheet printed (the "set" column), when the file has one


@dataclass
class AnswerSheet:
    """A CSV of answers as read: its answers, the rows skipped, its form ("long" or "wide")."""

    rows: list[AnswerRow]
    bad: list[BadRow]
    form: str
    records: int  # data rows in the file, blank lines left out


def _read_text(source: str | os.PathLike[str] | TextIO) -> tuple[str, str]:
    """The file's text and a name for messages; SpecError (one line) when it cannot be read."""
    if hasattr(source, "read"):
        text = source.read()
        return (text if isinstance(text, str) else text.decode("utf-8-sig")), getattr(source, "name", "the answers")
    if not isinstance(source, (str, os.PathLike)):
        raise RnncountTypeError(f"the answers must be a path or an open file, got {a_type(source)}")
    path = Path(source)
    name = str(source)
    try:
        if path.stat().st_size > _MAX_FILE_BYTES:
            raise SpecError(f"{name} is too large for a file of answers ({path.stat().st_size:,} bytes)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"cannot read {name}: no such file") from None
    except IsADirectoryError:
        raise SpecError(f"cannot read {name}: it is a folder, not a CSV file") from None
    except PermissionError:
        raise SpecError(f"cannot read {name}: permission denied") from None
    except OSError as err:
        raise SpecError(f"cannot read {name}: {err.strerror or err}") from None
    if b"\x00" in data[:65536]:
        raise SpecError(f"cannot read {name}: it is not a text (CSV) file")
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError:
        # Spreadsheets on Windows save "CSV" in their own code page; every byte is a Latin-1 character.
        return data.decode("latin-1"), name


def _dialect(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if "," in first:
        return ","
    for sep in (";", "\t"):  # spreadsheets in many locales write ';', some exports use tabs
        if sep in first:
            return sep
    return ","


def _problem_number(name: str) -> int | None:
    m = _PROBLEM_COLUMN.match(name.strip())
    return int(m.group(1)) if m else None


def read_answers(source: str | os.PathLike[str] | TextIO, n: int) -> AnswerSheet:
    """Read a CSV of answers (long or wide form) into rows; SpecError when the file is unusable."""
    text, name = _read_text(source)
    if not text.strip():
        raise SpecError(f"{name} is empty: expected a header such as student,seed,problem,answer")
    # strict: a stray quote is an error with its line number, not a field that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text), strict=True)
    try:
        header: list[str] | None = None
        while header is None:
            row = next(reader, None)
            if row is None:
                raise SpecError(f"{name} has no header")
            if any(c.strip() for c in row):
                header = row
        header_line = reader.line_num
        columns = [c.strip().lower() for c in header]
        dupes = sorted({c for c in columns if c and columns.count(c) > 1})
        if dupes:
            raise SpecError(f"{name}: the header names column {dupes[0]!r} twice")
        missing = [c for c in _REQUIRED if c not in columns]
        if missing:
            raise SpecError(
                f"{name}: the header has no {' and no '.join(repr(c) for c in missing)} column; expected "
                f"student,seed,problem,answer (one row per answer) or student,seed,1,2,3,... (one row per student)"
            )
        at = {c: columns.index(c) for c in columns if c}
        numbered = {
            k: p
            for k, c in enumerate(header)
            if columns[k] not in (*_REQUIRED, *_LONG, *_CODE_COLUMNS) and (p := _problem_number(c)) is not None
        }
        if all(c in columns for c in _LONG):
            return _read_long(reader, at, len(header), name)
        if numbered:
            return _read_wide(reader, at, numbered, header, header_line, n, name)
        lacking = [c for c in _LONG if c not in columns]
        raise SpecError(
            f"{name}: the header has no {' and no '.join(repr(c) for c in lacking)} column (one row per answer: "
            f"student,seed,problem,answer) and no problem-number columns (one row per student: student,seed,1,2,3)"
        )
    except csv.Error as err:
        raise SpecError(f"cannot read {name} as CSV (line {reader.line_num}): {err}") from None


def _width_problem(row: list[str], width: int, line: int) -> BadRow | None:
    """A row must have the header's fields; extra fields may only be empty (spreadsheets pad rows)."""
    if len(row) < width:
        return BadRow(line, f"{len(row)} fields but the header has {width}: a column is missing")
    if any(c.strip() for c in row[width:]):
        return BadRow(
            line,
            f"{len(row)} fields but the header has {width} (a number such as 1,400 needs quotes, or write 1400)",
        )
    return None


def _read_long(reader: Any, at: dict[str, int], width: int, name: str) -> AnswerSheet:
    code_column = next((c for c in _CODE_COLUMNS if c in at), None)
    rows: list[AnswerRow] = []
    bad: list[BadRow] = []
    records = 0
    for row in reader:
        if not any(c.strip() for c in row):
            continue
        records += 1
        line = reader.line_num
        problem = _width_problem(row, width, line)
        if problem is not None:
            bad.append(problem)
            continue
        student, seed, number, answer = (row[at[c]].strip() for c in ("student", "seed", "problem", "answer"))
        code = row[at[code_column]].strip() if code_column else ""
        k = _int(number)
        if k is None:
            bad.append(BadRow(line, f"{student or '?'}: the problem number must be a whole number, got {number!r}"))
            continue
        rows.append(AnswerRow(line, student, seed, k, answer, code))
    return AnswerSheet(rows, bad, "long", records)


def _read_wide(
    reader: Any, at: dict[str, int], numbered: dict[int, int], header: list[str], header_line: int, n: int, name: str
) -> AnswerSheet:
    bad: list[BadRow] = []
    keep: dict[int, int] = {}
    seen: dict[int, str] = {}
    for k, p in numbered.items():
        if not 1 <= p <= n:
            bad.append(
                BadRow(
                    header_line,
                    f"column {header[k].strip()!r}: problem {p} is outside the set (problems 1 to {n}); its answers "
                    f"are skipped (was the homework given with --n {p} or more?)",
                )
            )
        elif p in seen:
            raise SpecError(f"{name}: problem {p} has two columns, {seen[p]!r} and {header[k].strip()!r}")
        else:
            keep[k] = p
            seen[p] = header[k].strip()
    width = len(header)
    code_column = next((c for c in _CODE_COLUMNS if c in at), None)
    rows: list[AnswerRow] = []
    students: dict[str, int] = {}
    records = 0
    for row in reader:
        if not any(c.strip() for c in row):
            continue
        records += 1
        line = reader.line_num
        problem = _width_problem(row, width, line)
        if problem is not None:
            bad.append(problem)
            continue
        student, seed = row[at["student"]].strip(), row[at["seed"]].strip()
        # Checked here once per row, not once per cell: one line in the list of skipped rows.
        if not student:
            bad.append(BadRow(line, "no student name"))
            continue
        if not seed:
            bad.append(BadRow(line, f"{student}: no seed (use the seed the homework was given with)"))
            continue
        if student in students:
            bad.append(BadRow(line, f"{student}: a second row for this student (first on line {students[student]})"))
            continue
        students[student] = line
        code = row[at[code_column]].strip() if code_column else ""
        rows += [AnswerRow(line, student, seed, p, row[k].strip(), code) for k, p in keep.items()]
    return AnswerSheet(rows, bad, "wide", records)


def _cell(value: Any) -> str:
    """A value of a row given in Python, as the text a CSV cell would hold (never a failure)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return shown(value)  # huge numbers are described, not written out
    try:
        return str(value)
    except Exception:  # a broken __str__
        return a_type(value)


def _int(text: str) -> int | None:
    t = text.strip()
    if t.endswith(".0"):
        t = t[:-2]
    # Only one sign and the digits 0-9 ('²'.isdigit() is true, and int('²') fails).
    return int(t) if re.fullmatch(r"[+-]?[0-9]{1,19}", t) else None


# --------------------------------------------------------------------------- grading


class _Grader:
    """Problem sets and checker verdicts, each computed once per distinct question.

    The checker's work depends only on the question (spec, input, layer asked, kind of
    answer) and the number written, so identical questions (a class sharing a seed, or the
    small easy problems many sets have in common) are checked once.
    """

    def __init__(self, n: int, difficulty: str) -> None:
        self.n = n
        self.difficulty = difficulty
        self.sets: dict[int | str, ProblemSource] = {}
        self.exercises: dict[tuple[Any, ...], Exercise] = {}
        self.verdicts: dict[tuple[Any, ...], Feedback] = {}

    def problem(self, seed: int | str, number: int) -> Problem:
        # Problem k of a set depends only on the seed, k and its difficulty: nothing else of the set is drawn.
        source = self.sets.get(seed)
        if source is None:
            source = self.sets[seed] = ProblemSource(seed)
        return source.problem(number, level_of(number, self.n, self.difficulty))

    def check(self, problem: Problem, text: str) -> Feedback:
        """The checker's verdict; SpecError (the checker's own words) when the answer cannot be read."""
        ex = problem.exercise
        value: Any = parse_shape_answer(text) if ex.ask == "shape" else parse_answer(text)
        question = (ex.result.spec, ex.input_text, problem.layer, ex.ask)
        verdict = self.verdicts.get((*question, repr(value)))
        if verdict is None:
            # One Exercise per distinct question, so whatever the checker keeps about a question serves all.
            ex = self.exercises.setdefault(question, ex)
            verdict = self.verdicts[(*question, repr(value))] = ex.check(text)
        return verdict


def _check_options(n: int, difficulty: str, workers: Any = None) -> None:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)):
        raise RnncountTypeError(f"workers must be a whole number of processes or None, got {a_type(workers)}")
    if workers is not None and workers < 1:
        raise SpecError(f"workers must be at least 1, got {shown(workers)}")
    if difficulty not in (*DIFFICULTIES, "mixed"):
        raise SpecError(f"difficulty must be easy, medium, hard or mixed, got {shown(difficulty)}")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_PROBLEMS:
        raise SpecError(f"the number of problems must be from 1 to {MAX_PROBLEMS}, got {shown(n)}")


def grade_answers(
    rows: Iterable[AnswerRow | tuple[str, Any, Any, Any]],
    n: int = 10,
    difficulty: str = "mixed",
    workers: int | None = None,
) -> ClassGrades:
    """Grade answers given as rows ``(student, seed, problem, answer)`` (or :class:`AnswerRow`).

    ``n`` and ``difficulty`` must be what the homework was given with. Rows that cannot be
    used are in the result's ``bad_rows``; a row number is its 1-based position here.
    """
    _check_options(n, difficulty, workers)
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
        raise RnncountTypeError(f"grade_answers() takes rows (student, seed, problem, answer), got {a_type(rows)}")
    norm: list[AnswerRow] = []
    bad: list[BadRow] = []
    for j, row in enumerate(rows, start=1):
        if isinstance(row, AnswerRow):
            norm.append(row)
            continue
        if not isinstance(row, (tuple, list)) or len(row) != 4:
            bad.append(BadRow(j, f"expected a row (student, seed, problem, answer), got {a_type(row)} {shown(row)}"))
            continue
        student, seed, problem, answer = (_cell(v) for v in row)
        number = row[2] if type(row[2]) is int else _int(problem)
        if number is None or not 0 < number <= MAX_PROBLEMS:
            bad.append(BadRow(j, f"the problem number must be a whole number from 1, got {shown(row[2])}"))
            continue
        norm.append(AnswerRow(j, student.strip(), seed.strip(), number, answer.strip()))
    return _grade(norm, bad, n, difficulty, workers=workers)


def grade_csv(
    source: str | os.PathLike[str] | TextIO,
    n: int | None = None,
    difficulty: str | None = None,
    workers: int | None = None,
) -> ClassGrades:
    """Read and grade a CSV of answers (long or wide form); SpecError when the file is unusable.

    ``n`` and ``difficulty`` are read from the set codes of the sheets (a *set* column) when the file has
    them; without codes they default to 10 and mixed. The grading refuses (SpecError, one line) when the
    answers fit another set size or difficulty far better than the one given: grades of zero for a class
    that answered another set are never written. ``workers``: processes for the checker's work (None:
    chosen from the class's size and the machine).
    """
    _check_options(10 if n is None else n, "mixed" if difficulty is None else difficulty, workers)
    if hasattr(source, "read"):
        text, _ = _read_text(source)
        source = _Named(text, str(getattr(source, "name", "the answers")))
    name = str(getattr(source, "name", source))
    first = read_answers(source, MAX_PROBLEMS)
    if not first.records:
        raise SpecError(f"{name} has a header but no answers")
    coded, bad_codes = _set_from_codes(first.rows, n, difficulty, name)
    explicit = n is not None or difficulty is not None or coded is not None
    n, difficulty = coded or (10 if n is None else n, "mixed" if difficulty is None else difficulty)
    sheet = read_answers(source, n)
    bad = sheet.bad + [b for b in bad_codes if b.line not in {x.line for x in sheet.bad}]
    rows = [r for r in sheet.rows if r.line not in {b.line for b in bad_codes}]
    if coded is None:
        _refuse_if_another_set_fits(rows, n, difficulty, explicit)
    grades = _grade(rows, bad, n, difficulty, source=name, workers=workers)
    last = max((r.problem for r in sheet.rows if r.answer and 1 <= r.problem <= n), default=n)
    if coded is None and last < n and (difficulty == "mixed" or last < n // 2):
        # A mixed set of n problems is not the start of a longer one: grading with a wrong --n marks most answers
        # wrong.
        grades.notes.append(
            f"no answer is to a problem after {last}, but --n is {n}: if the homework had {_plural(last, 'problem')}, "
            f"grade with --n {last}"
        )
    if not grades.students:
        raise SpecError(f"none of the {sheet.records} rows of {name} could be graded (see the lines listed above)")
    return grades


class _Named(io.StringIO):
    """An open file's text, readable twice, with the file's name."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name

    def read(self, size: int | None = -1) -> str:
        self.seek(0)
        return super().read(size)


def _set_from_codes(
    rows: list[AnswerRow], n: int | None, difficulty: str | None, name: str
) -> tuple[tuple[int, str] | None, list[BadRow]]:
    """The set (n, difficulty) the sheets' codes name, and the rows whose code is not their seed's.

    SpecError when the codes name different sets, or a set other than the ``n`` or ``difficulty`` given.
    """
    bad: list[BadRow] = []
    sets: dict[tuple[int, str], str] = {}
    for row in rows:
        if not row.code:
            continue
        read = read_set_code(row.code)
        try:
            seed = homework_seed(row.seed) if row.seed else None
        except SpecError:
            seed = None
        if read is None:
            bad.append(BadRow(row.line, f"{row.student or '?'}: {row.code!r} is not a set code (such as 10x-4kq2)"))
            continue
        if seed is not None and set_code(seed, *read) != row.code.strip().lower():
            bad.append(
                BadRow(
                    row.line,
                    f"{row.student or '?'}: the set code {row.code.strip()} is not the code of seed {row.seed}'s set; "
                    "check the seed and the code on the sheet",
                )
            )
            continue
        sets.setdefault(read, row.code.strip())
    if not sets:
        return None, bad
    if len(sets) > 1:
        (a, ca), (b, cb) = list(sets.items())[:2]
        raise SpecError(
            f"{name}: the set codes name different sets ({ca}: {a[0]} problems, {a[1]}; {cb}: {b[0]} problems, "
            f"{b[1]}); grade each set's answers on its own"
        )
    ((found, code),) = sets.items()
    if (n is not None and n != found[0]) or (difficulty is not None and difficulty != found[1]):
        raise SpecError(
            f"{name}: the sheets' set code {code} is of a set of {found[0]} problems ({found[1]}), not "
            f"--n {n or found[0]} --difficulty {difficulty or found[1]}; leave --n and --difficulty out"
        )
    return found, bad


#: How many students' answers are compared with other set sizes and difficulties.
PROBE_STUDENTS = 8


def _refuse_if_another_set_fits(rows: list[AnswerRow], n: int, difficulty: str, explicit: bool) -> None:
    """SpecError when the answers are right far more often for another (n, difficulty) than for the one given.

    A right answer is a number the set's problem has as its count; under the wrong set size or difficulty,
    problems change, and right answers can only match by chance. So when another set makes clearly more of
    the answers right, the answers are that set's, and grading them as this one would write wrong grades.
    """
    students: dict[str, list[AnswerRow]] = {}
    for row in rows:
        usable = row.answer and row.student and row.seed and 1 <= row.problem <= MAX_PROBLEMS
        if usable and (row.student in students or len(students) < PROBE_STUDENTS):
            students.setdefault(row.student, []).append(row)
    table: list[tuple[int, dict[str, bool]]] = []  # (problem, right at each difficulty)
    sources: dict[int | str, ProblemSource] = {}
    for mine in students.values():
        try:
            seed = homework_seed(mine[0].seed)
        except SpecError:
            continue
        source = sources.setdefault(seed, ProblemSource(seed))
        for row in mine:
            try:
                value = parse_answer(row.answer)
            except ValueError:
                continue
            table.append((row.problem, {lv: source.problem(row.problem, lv).answer == value for lv in DIFFICULTIES}))
    if not table:
        return
    last = max(k for k, _ in table)

    def right(n2: int, d2: str) -> int:
        return sum(hit[level_of(k, n2, d2)] for k, hit in table if k <= n2)

    given = right(n, difficulty) if last <= n else right(max(n, last), difficulty)
    if given >= 0.9 * len(table):
        return
    sizes = range(last, min(MAX_PROBLEMS, max(3 * last, n, last + 10)) + 1)
    options = [(right(n2, "mixed"), -abs(n2 - last), n2, "mixed") for n2 in sizes]
    options += [(right(last, d2), 0, max(n, last), d2) for d2 in DIFFICULTIES]
    best, _, n2, d2 = max(options)
    if best - given >= max(3, 0.1 * len(table)) and best >= 0.5 * len(table):
        given_text = (
            f"--n {n} --difficulty {difficulty}" if explicit else f"the default --n {n} --difficulty {difficulty}"
        )
        raise SpecError(
            f"the answers fit a homework of --n {n2} --difficulty {d2} ({best} of {len(table)} sampled answers "
            f"right) far better than {given_text} ({given} of {len(table)}); grade with --n {n2} --difficulty {d2}, "
            "or add the set code printed on every sheet as a 'set' column"
        )


def _grade(
    rows: list[AnswerRow],
    bad: list[BadRow],
    n: int,
    difficulty: str,
    source: str = "",
    workers: int | None = None,
) -> ClassGrades:
    # First the cheap checks, row by row, in file order; then the checker's work, grouped by seed.
    seeds: dict[str, tuple[int | str, int]] = {}
    slots: dict[str, dict[int, AnswerRow]] = {}
    for row in rows:
        who = f"{row.student}, problem {row.problem}" if row.student else f"problem {row.problem}"
        if not row.student:
            bad.append(BadRow(row.line, "no student name"))
            continue
        if not row.seed:
            bad.append(BadRow(row.line, f"{row.student}: no seed (use the seed the homework was given with)"))
            continue
        if not 1 <= row.problem <= n:
            hint = f"; was the homework given with --n {row.problem}?" if row.problem > n else ""
            bad.append(BadRow(row.line, f"{who}: outside the set (problems 1 to {n}){hint}"))
            continue
        try:
            seed = homework_seed(row.seed)
        except SpecError as err:  # one student's unusable seed ('²', 5,000 digits) skips that row, not the class
            bad.append(BadRow(row.line, f"{who}: {err}"))
            continue
        first = seeds.setdefault(row.student, (seed, row.line))
        if first[0] != seed:
            bad.append(BadRow(row.line, f"{row.student}: seed {seed!r} here but {first[0]!r} on line {first[1]}"))
            continue
        if row.answer and (why := _unreadable(row.answer)):
            bad.append(BadRow(row.line, f"{who}: {why}"))
            continue
        mine = slots.setdefault(row.student, {})
        if row.problem in mine:
            bad.append(BadRow(row.line, f"{who}: answered twice (first on line {mine[row.problem].line})"))
            continue
        mine[row.problem] = row
    groups: dict[int | str, list[AnswerRow]] = {}
    for who, mine in slots.items():
        groups.setdefault(seeds[who][0], []).extend(r for r in mine.values() if r.answer)
    work = [(seed, [(r.problem, r.answer) for r in group]) for seed, group in groups.items()]
    verdicts: dict[tuple[str, int], tuple[Any, ...]] = {}
    for (_, group), results in zip(groups.items(), _run_checks(work, n, difficulty, workers), strict=True):
        verdicts.update(((r.student, r.problem), v) for r, v in zip(group, results, strict=True))
    students = []
    for who, mine in slots.items():
        graded = []
        for k in range(1, n + 1):
            row = mine.get(k)
            if row is None or not row.answer:
                graded.append(GradedAnswer(k, None, False, None, "", None if row is None else row.line))
                continue
            v = verdicts[who, k]
            if not v[0]:
                bad.append(BadRow(row.line, f"{who}, problem {k}: {v[1]}"))
                graded.append(GradedAnswer(k, None, False, None, "", row.line))
                continue
            graded.append(GradedAnswer(k, *v[1:], line=row.line))
        students.append(StudentGrade(who, seeds[who][0], tuple(graded)))
    bad.sort(key=lambda b: b.line)
    return ClassGrades(n, difficulty, students, bad, source)


def _unreadable(text: str) -> str | None:
    """Why an answer is neither a count nor a shape (the checker's words), or None when it reads as one."""
    try:
        parse_answer(text)
    except ValueError as err:  # SpecError, or Python's own limit on the digits of an int
        try:
            parse_shape_answer(text)
        except ValueError:
            return str(err) if isinstance(err, SpecError) else f"cannot read {text[:20]!r}... as a number"
    return None


Work = list[tuple[int | str, list[tuple[int, str]]]]


def _check_work(n: int, difficulty: str, work: Work) -> list[list[tuple[Any, ...]]]:
    """For each seed's answers: ``(True, answer, correct, mistake, message)``, or ``(False, why)`` if unreadable."""
    import gc

    grader = _Grader(n, difficulty)
    out = []
    # The checker allocates many small, short-lived objects and no cycles worth collecting; pausing the
    # cyclic collector while it runs saves about a tenth of the time.
    paused = gc.isenabled()
    gc.disable()
    try:
        for seed, items in work:
            results: list[tuple[Any, ...]] = []
            for number, text in items:
                try:
                    fb = grader.check(grader.problem(seed, number), text)
                except ValueError as err:  # the checker's SpecError, or an answer Python cannot read as an int
                    results.append((False, str(err)))
                    continue
                mistake = None if fb.correct else fb.misconception or "unknown"
                results.append((True, fb.answer, fb.correct, mistake, fb.message))
            out.append(results)
    finally:
        if paused:
            gc.enable()
    return out


#: Below this many distinct seeds a class is graded in this process: starting workers would cost more.
PARALLEL_MIN_SEEDS = 48


def _auto_workers(seeds: int) -> int:
    import multiprocessing
    import sys
    import threading

    if seeds < PARALLEL_MIN_SEEDS or sys.platform != "linux":
        return 1
    # fork is the only start method that costs nothing to start, and it is safe only in a process
    # without other threads (a Jupyter kernel has some; so does TensorFlow once imported).
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    if "tensorflow" in sys.modules:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, 8, seeds // (PARALLEL_MIN_SEEDS // 2)))


def _run_checks(work: Work, n: int, difficulty: str, workers: int | None) -> list[list[tuple[Any, ...]]]:
    """The checker's verdicts for every seed's answers, in worker processes when the class is large.

    Each distinct seed needs its own problem set and its own checks, so a large class of
    individual seeds is CPU work that splits cleanly across processes; the results are the same
    either way (tests compare them).
    """
    # Never more processes than seeds to check, however many were asked for.
    workers = _auto_workers(len(work)) if workers is None else max(1, min(workers, len(work)))
    if workers == 1 or len(work) < 2:
        return _check_work(n, difficulty, work)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Small interleaved chunks: the seeds' sets differ in cost, so the workers finish close together.
    parts = min(len(work), workers * 16)
    chunks = [work[j::parts] for j in range(parts)]
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            done = list(pool.map(_check_work, [n] * parts, [difficulty] * parts, chunks))
    except (OSError, BrokenProcessPool):
        return _check_work(n, difficulty, work)
    out: list[list[tuple[Any, ...]]] = [[] for _ in work]
    for j, results in enumerate(done):
        for m, r in enumerate(results):
            out[j + m * parts] = r
    return out


# --------------------------------------------------------------------------- reports


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def _plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def _text_report(g: ClassGrades) -> str:
    from ..core.text import grid

    out = [
        f"Grades: {_plural(len(g.students), 'student')}, {_plural(g.n, 'problem')} each (difficulty: {g.difficulty})"
    ]
    out.append("")
    for s in g.students:
        out.append(f"{s.student} (seed {s.seed}): {s.score}/{s.out_of}")
        for a in s.answers:
            if a.correct:
                continue
            if not a.answered:
                out.append(f"  problem {a.problem}: unanswered")
            elif a.mistake in ("close_miss", "unknown"):
                out.append(f"  problem {a.problem}: {a.answer_text}, {a.title}")
            else:
                out.append(f"  problem {a.problem}: {a.answer_text}, {a.title}: {a.message}")
    out += ["", f"Class: mean score {g.mean_score:.1f}/{g.n}", ""]
    rows = [(str(p.problem), str(p.answered), str(p.right), _percent(p.rate)) for p in g.problems]
    out += grid(("Problem", "Answered", "Right", "Success"), rows, right=(0, 1, 2, 3))
    stats = g.mistake_stats
    out.append("")
    if not stats:
        out.append("No mistakes: every answer given was right.")
    else:
        out.append("Mistakes, by how many students made them:")
        for m in stats:
            out.append(f"  {_plural(m.students, 'student')} ({_plural(m.answers, 'answer')}): {m.title} [{m.key}]")
            out.append(f"      Teach: {m.teaching}")
    if g.bad_rows:
        out += ["", f"Skipped {_plural(len(g.bad_rows), 'row')} that could not be graded (listed on stderr)."]
    return "\n".join(out)


def _mistake_chart(stats: list[MistakeStats]) -> str:
    if not stats:
        return ""
    import matplotlib
    from matplotlib.figure import Figure

    labels = [m.title.replace("$", r"\$") for m in stats][::-1]
    values = [m.students for m in stats][::-1]
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "rnncount-grade", "font.size": 13}):
        fig = Figure(figsize=(8, 0.42 * len(stats) + 0.9), layout="constrained")
        ax = fig.add_subplot()
        colours = ["#b35900" if m.key not in ("close_miss", "unknown") else "#8a8a8a" for m in stats][::-1]
        bars = ax.barh(range(len(values)), values, color=colours, height=0.65)
        ax.bar_label(bars, padding=4, fontsize=12)
        ax.set_yticks(range(len(values)), labels)
        ax.set_xlabel("students who made the mistake")
        ax.set_xlim(0, max(values) * 1.15)
        ax.spines[["top", "right"]].set_visible(False)
        ax.xaxis.get_major_locator().set_params(integer=True)
        buf = io.StringIO()
        # No metadata: the same class gives the same bytes, and the page names no outside address.
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    # Inline: drop the XML prolog and doctype; the <svg> element itself is kept whole.
    svg = svg[svg.index("<svg") :]
    return svg.replace("<svg ", '<svg role="img" aria-label="Bar chart: students per mistake" ', 1)


_CSS = """
.rnncount-grade{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2328;
line-height:1.45;max-width:1280px;margin:0 auto}
.rnncount-grade h1{font-size:1.7em;margin:.2em 0}
.rnncount-grade h2{font-size:1.25em;margin:1.2em 0 .4em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
.rnncount-grade .top{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:32px;align-items:start}
@media (max-width:900px){.rnncount-grade .top{grid-template-columns:minmax(0,1fr)}}
.rnncount-grade table{border-collapse:collapse;margin:.4em 0}
.rnncount-grade th,.rnncount-grade td{padding:4px 10px;border-bottom:1px solid #e5e8eb;text-align:left;
vertical-align:top}
.rnncount-grade th{background:#f6f8fa}
.rnncount-grade .num{text-align:right;font-variant-numeric:tabular-nums}
.rnncount-grade .bar{display:inline-block;height:.8em;background:#1a7f37;vertical-align:middle;margin-right:6px;
border-radius:2px}
.rnncount-grade .bar.low{background:#b35900}
.rnncount-grade .muted{color:#59636e;font-size:1.05em}
.rnncount-grade .chart svg{width:100%;height:auto}
.rnncount-grade code{background:#f6f8fa;padding:0 4px;border-radius:4px}
.rnncount-grade .bad{color:#b35900}
.rnncount-grade td.rate{white-space:nowrap}
"""


def _html_body(g: ClassGrades) -> str:
    e = html.escape
    stats = g.mistake_stats
    if stats:
        chart = f"<div class='chart'>{g.chart_svg()}</div>"
    else:
        chart = "<p>No mistakes: every answer given was right.</p>"
    rows = ""
    for p in g.problems:
        width = 0 if p.rate is None else round(p.rate * 100)
        low = " low" if p.rate is not None and p.rate < 0.5 else ""
        rows += (
            f"<tr><td class='num'>{p.problem}</td><td class='num'>{p.answered}</td><td class='num'>{p.right}</td>"
            f"<td class='rate'><span class='bar{low}' style='width:{width}px'></span>{_percent(p.rate)}</td></tr>"
        )
    parts = [
        f"<style>{_CSS}</style><div class='rnncount-grade'>",
        "<h1>Class report: counting parameters</h1>",
        f"<p class='muted'>{_plural(len(g.students), 'student')}, {_plural(g.n, 'problem')} each "
        f"(difficulty: {e(g.difficulty)}); "
        f"mean score {g.mean_score:.1f} / {g.n}.</p>",
        "<div class='top'><section><h2>Mistakes, by how many students made them</h2>",
        chart,
        "</section><section><h2>Problems</h2>",
        "<table class='problems'><tr><th class='num'>Problem</th><th class='num'>Answered</th>"
        f"<th class='num'>Right</th><th>Success</th></tr>{rows}</table>",
        "</section></div>",
    ]
    if stats:
        rows = "".join(
            f"<tr><td>{e(m.title)}<br><code>{e(m.key)}</code></td><td class='num'>{m.students}</td>"
            f"<td class='num'>{m.answers}</td><td>{e(m.teaching)}</td></tr>"
            for m in stats
        )
        parts += [
            "<h2>How to teach against each mistake</h2>",
            "<table class='mistakes'><tr><th>Mistake</th><th class='num'>Students</th><th class='num'>Answers</th>"
            f"<th>How to teach against it</th></tr>{rows}</table>",
        ]
    rows = ""
    for s in g.students:
        wrong = [a for a in s.answers if a.answered and not a.correct]
        blank = [a.problem for a in s.answers if not a.answered]
        notes = "; ".join(f"{a.problem}: {e(a.title)}" for a in wrong)
        if blank:
            notes += ("; " if notes else "") + "unanswered: " + ", ".join(map(str, blank))
        rows += (
            f"<tr><td>{e(s.student)}</td><td>{e(str(s.seed))}</td><td class='num'>{s.score} / {s.out_of}</td>"
            f"<td>{notes}</td></tr>"
        )
    parts += [
        "<h2>Students</h2>",
        "<table class='students'><tr><th>Student</th><th>Seed</th><th class='num'>Score</th>"
        f"<th>Wrong (problem: mistake)</th></tr>{rows}</table>",
    ]
    if g.bad_rows:
        items = "".join(f"<li>{e(str(b))}</li>" for b in g.bad_rows)
        parts += [f"<h2>Skipped rows ({len(g.bad_rows)})</h2>", f"<ul class='bad'>{items}</ul>"]
    parts.append("</div>")
    return "\n".join(parts)


def _html_report(g: ClassGrades) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        # Nothing may be fetched: no scripts, styles, fonts or images from anywhere.
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        "<title>Class report: counting parameters</title></head>\n<body style='margin:24px 16px'>\n"
        f"{_html_body(g)}\n</body></html>\n"
    )


# --------------------------------------------------------------------------- command line


def _cmd_grade(args: Any) -> bool:
    """Grade and print; True when graded (a file that cannot be graded raises SpecError)."""
    import sys

    grades = grade_csv(args.answers, args.n, args.difficulty)
    # The files first: a refusal to write them must be the only line on stderr (exit status 2).
    if args.csv:
        _write(grades.write_csv, args.csv)
    if args.html:
        _write(grades.write_html, args.html)
    for b in grades.bad_rows:
        print(f"rnncount grade: skipped {b}", file=sys.stderr)
    for note in grades.notes:
        print(f"rnncount grade: note: {note}", file=sys.stderr)
    print(grades.to_json() if args.json else grades.table())
    if not args.json:
        for what, path in (("grades", args.csv), ("report", args.html)):
            if path:
                print(f"Wrote the {what} to {path}")
    return True


def _write(writer: Any, path: str) -> None:
    try:
        writer(path)
    except OSError as err:
        raise SpecError(f"cannot write {path}: {err.strerror or err}") from None


def add_grade_command(sub: Any) -> None:
    """Register ``rnncount grade``."""
    p = sub.add_parser(
        "grade",
        help="grade a class's homework answers (CSV) and rank the mistakes the class made",
        description=(
            "Grade every student's answers, e.g.: rnncount grade answers.csv --n 10. The CSV has a header: "
            "student,seed,problem,answer (one row per answer) or student,seed,1,2,3,... (one row per student). "
            "Each set is recomputed from the student's seed; with a 'set' column holding the set code every sheet "
            "prints, --n and --difficulty are read from it, else they must be what the homework was "
            "given with. A blank answer is unanswered; a row that cannot be used is listed on stderr and skipped. "
            "Exit status 0 when graded, 2 when the file cannot be used."
        ),
    )
    p.add_argument("answers", metavar="ANSWERS.csv", help="the answers: a CSV file with a header")
    p.add_argument(
        "--n",
        "-n",
        type=int,
        default=None,
        help="how many problems the homework had (default: read from the set codes, else 10)",
    )
    p.add_argument(
        "--difficulty",
        "-d",
        choices=[*DIFFICULTIES, "mixed"],
        default=None,
        help="the difficulty the homework was given with (default: read from the set codes, else mixed)",
    )
    p.add_argument("--json", action="store_true", help="print the grades as JSON")
    p.add_argument("--csv", metavar="GRADES.csv", help="also write student,score,out_of for an LMS")
    p.add_argument("--html", metavar="REPORT.html", help="also write a self-contained HTML report with a chart")
    p.set_defaults(func=_cmd_grade)


__all__ = [
    "TEACHING",
    "AnswerRow",
    "AnswerSheet",
    "BadRow",
    "ClassGrades",
    "GradedAnswer",
    "MistakeStats",
    "ProblemStats",
    "StudentGrade",
    "add_grade_command",
    "grade_answers",
    "grade_csv",
    "read_answers",
]
