"""Quizzes for a learning management system: Moodle XML and a Canvas QTI package.

``rnncount quiz --moodle quiz.xml`` writes one Moodle *calculated* question per problem kind: the sizes
are wildcards (``{i}``, ``{h}``, ``{T}``, ...) with a range per difficulty and a list of dataset items,
the right answer is the engine's own formula (100 %), and every mistake the checker knows for that kind
is one more formula at 0 % with the checker's sentence as its feedback. Output shapes are short-answer
questions. ``rnncount quiz --qti quiz.zip`` writes the same counting questions as Canvas formula
questions (one formula, the same ranges and items) in an IMS QTI 1.2 package.

Nothing is typed twice: the right formula is the engine's formula with the sizes as wildcards, and each
mistake's formula is *fitted* to the checker's own rule (the rules compute numbers, not formulas): the
count a student with that mistake gives is a polynomial in the sizes of low degree, so its
coefficients are solved exactly (fractions) from a few points, then checked at other points and at every
dataset item against the engine. A mistake whose numbers are not such a polynomial is left out, and a
dataset item where two formulas give the same number (a student could not be told which mistake they
made, or would be marked wrong for a right number) is never written.

>>> q = quiz_questions(["lstm"], "easy", items=5)[0]
>>> q.formula
'4*({i}*{h} + {h}*{h} + {h})'
"""

from __future__ import annotations

import ast
import contextlib
import html
import io
import itertools
import math
import operator
import os
import random
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from typing import Any

from ..core.engine import CountResult, count
from ..core.layers import Bidirectional, format_shape
from ..core.spec import too_deep_to_parse
from ..errors import RnncountTypeError, SpecError, shown
from .exercises import MISCONCEPTIONS, Exercise, candidates
from .homework import DIFFICULTIES
from .misconceptions import Candidate, explain

# --------------------------------------------------------------------------- problem kinds


@dataclass(frozen=True)
class Kind:
    """A problem kind: a spec and an input shape with wildcards, and each wildcard's range per difficulty."""

    key: str
    title: str
    spec: str  # e.g. "LSTM({h})"
    input: tuple[str | int, ...]  # wildcard names or fixed sizes, e.g. ("T", "i") or ("T", 16, 16, "i")
    ranges: Mapping[str, Mapping[str, tuple[int, int]]]  # difficulty -> wildcard -> (lo, hi)
    ask: str = "params"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.ranges["easy"])

    def model(self, values: Mapping[str, int]) -> tuple[str, tuple[int, ...]]:
        spec = self.spec.format(**values)
        return spec, tuple(values[n] if isinstance(n, str) else n for n in self.input)


def _r(easy: dict[str, tuple[int, int]], medium: dict[str, tuple[int, int]], hard: dict[str, tuple[int, int]]) -> Any:
    return {"easy": easy, "medium": medium, "hard": hard}


_SEQ = _r(
    {"T": (5, 50), "i": (1, 6), "h": (1, 8)},
    {"T": (10, 100), "i": (2, 20), "h": (4, 32)},
    {"T": (15, 200), "i": (8, 64), "h": (8, 64)},
)

KINDS: tuple[Kind, ...] = (
    Kind(
        "dense",
        "Dense",
        "Dense({o})",
        ("i",),
        _r({"i": (1, 10), "o": (1, 5)}, {"i": (4, 64), "o": (2, 32)}, {"i": (16, 512), "o": (8, 256)}),
    ),
    Kind("simple_rnn", "SimpleRNN", "SimpleRNN({h})", ("T", "i"), _SEQ),
    Kind("lstm", "LSTM", "LSTM({h})", ("T", "i"), _SEQ),
    Kind("gru", "GRU (Keras 3 default, reset_after=True)", "GRU({h})", ("T", "i"), _SEQ),
    Kind("gru_reset_after_false", "GRU with reset_after=False", "GRU({h}, reset_after=False)", ("T", "i"), _SEQ),
    Kind("bidirectional", "Bidirectional LSTM", "Bidirectional(LSTM({h}))", ("T", "i"), _SEQ),
    Kind(
        "embedding",
        "Embedding",
        "Embedding({V}, {d})",
        ("T",),
        _r(
            {"T": (5, 50), "V": (10, 100), "d": (2, 16)},
            {"T": (10, 200), "V": (100, 5000), "d": (8, 64)},
            {"T": (20, 500), "V": (1000, 50000), "d": (16, 300)},
        ),
    ),
    Kind(
        "stack",
        "LSTM with a Dense head",
        "LSTM({h}) > Dense({o})",
        ("T", "i"),
        _r(
            {"T": (5, 50), "i": (1, 6), "h": (1, 8), "o": (1, 3)},
            {"T": (10, 100), "i": (2, 20), "h": (4, 32), "o": (1, 10)},
            {"T": (15, 200), "i": (8, 64), "h": (8, 64), "o": (1, 30)},
        ),
    ),
    Kind(
        "conv1d",
        "Conv1D",
        "Conv1D({f}, {k})",
        ("T", "i"),
        _r(
            {"T": (10, 50), "i": (1, 6), "f": (1, 8), "k": (2, 5)},
            {"T": (20, 100), "i": (2, 20), "f": (4, 32), "k": (2, 7)},
            {"T": (50, 200), "i": (8, 64), "f": (8, 64), "k": (3, 11)},
        ),
    ),
    Kind(
        "conv_lstm2d",
        "ConvLSTM2D on 16x16 frames",
        "ConvLSTM2D({f}, 3)",
        ("T", 16, 16, "i"),
        _r(
            {"T": (5, 20), "i": (1, 4), "f": (1, 8)},
            {"T": (10, 50), "i": (1, 16), "f": (4, 32)},
            {"T": (10, 100), "i": (3, 64), "f": (8, 64)},
        ),
    ),
    # Output shapes (short answer).
    Kind("shape_sequences", "return_sequences", "LSTM({h}, return_sequences=True)", ("T", "i"), _SEQ, "shape"),
    Kind("shape_last", "last timestep only", "GRU({h})", ("T", "i"), _SEQ, "shape"),
    Kind(
        "shape_bidirectional",
        "Bidirectional output width",
        "Bidirectional(SimpleRNN({h}, return_sequences=True))",
        ("T", "i"),
        _SEQ,
        "shape",
    ),
)

KIND_KEYS: tuple[str, ...] = tuple(k.key for k in KINDS)
_BY_KEY = {k.key: k for k in KINDS}

#: How many dataset items a counting question gets by default: one each for a large class.
DEFAULT_ITEMS = 40
MAX_ITEMS = 100  # Moodle's own limit on dataset items


def select_kinds(topics: Sequence[str] | None) -> list[Kind]:
    """The kinds for topic names or layer kinds (``lstm``, ``GRU``, ``shape``...); all when None or empty."""
    if not topics:
        return list(KINDS)
    out: list[Kind] = []
    for topic in topics:
        word = topic.strip().lower()
        if not word:
            continue
        # A problem kind by its key, the shape questions by "shape", else every kind with that layer.
        found = [k for k in KINDS if word == k.key]
        found = found or [k for k in KINDS if word == k.ask or k.key.startswith(word + "_")]
        found = found or [k for k in KINDS if re.search(rf"\b{re.escape(word)}\(", k.spec.lower())]
        if not found:
            raise SpecError(
                f"unknown quiz topic {shown(topic)}; the topics are {', '.join(KIND_KEYS)} (or a layer kind)"
            )
        out += [k for k in found if k not in out]
    if not out:
        raise SpecError(f"no quiz topic given; the topics are {', '.join(KIND_KEYS)}")
    return out


# --------------------------------------------------------------------------- safe arithmetic


_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
}


#: Deepest nesting of a quiz formula that is evaluated (a monster's sum of terms needs a few dozen).
FORMULA_DEPTH = 200


def evaluate(formula: str, values: Mapping[str, int]) -> int:
    """A formula of ``+ - *``, whole numbers, parentheses and ``{name}`` wildcards, evaluated exactly.

    The formula is parsed with :mod:`ast` and only those nodes are evaluated (never ``eval``).
    """
    text = re.sub(r"\{([A-Za-z_]\w*)\}", r"\1", formula)

    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name) and node.id in values:
            return int(values[node.id])
        raise SpecError(f"cannot evaluate {formula!r}: only + - * on whole numbers and the sizes")

    if too_deep_to_parse(text, FORMULA_DEPTH):
        raise SpecError(f"cannot evaluate {formula!r}: it nests more than {FORMULA_DEPTH} levels deep")
    return walk(ast.parse(text, mode="eval"))


# --------------------------------------------------------------------------- formulas fitted to the checker's rules

Monomial = tuple[int, ...]
Poly = dict[Monomial, Fraction]


def _monomials(n: int, degree: int) -> list[Monomial]:
    out = [e for e in itertools.product(range(degree + 1), repeat=n) if sum(e) <= degree]
    return sorted(out, key=lambda e: (sum(e), tuple(-x for x in e)))


def _value(poly: Poly, point: Sequence[int]) -> Fraction:
    return sum((c * math.prod(p**e for p, e in zip(point, m, strict=True)) for m, c in poly.items()), Fraction(0))


def _inverse(rows: list[list[Fraction]]) -> list[list[Fraction]] | None:
    """The inverse of a square matrix over the rationals (Gauss-Jordan); None when it is singular."""
    n = len(rows)
    a = [[*row, *(Fraction(int(r == c)) for c in range(n))] for r, row in enumerate(rows)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if a[r][col] != 0), None)
        if pivot is None:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        lead = a[col][col]
        a[col] = [x / lead for x in a[col]]
        for r in range(n):
            factor = a[r][col]
            if r != col and factor != 0:
                a[r] = [x - factor * y for x, y in zip(a[r], a[col], strict=True)]
    return [row[n:] for row in a]


class Fitter:
    """Fits polynomials through one set of points: the matrices are inverted once, whatever is fitted."""

    def __init__(self, points: Sequence[Sequence[int]], degree: int = 3) -> None:
        self.points = [tuple(p) for p in points]
        self.steps: list[tuple[list[Monomial], list[list[Fraction]]]] = []
        if not self.points:
            return
        for d in range(degree + 1):
            monos = _monomials(len(self.points[0]), d)
            if len(self.points) < len(monos):
                break
            rows = [
                [Fraction(math.prod(p**e for p, e in zip(pt, m, strict=True))) for m in monos] for pt in self.points
            ]
            inverse = _inverse(rows[: len(monos)])
            if inverse is not None:
                self.steps.append((monos, inverse))

    def fit(self, values: Sequence[int], check: Sequence[tuple[Sequence[int], int]] = ()) -> Poly | None:
        """The polynomial of lowest degree through every (point, value), if it also passes ``check``."""
        for monos, inverse in self.steps:
            head = values[: len(monos)]
            coeffs = [sum((c * v for c, v in zip(row, head, strict=True)), Fraction(0)) for row in inverse]
            poly = {m: c for m, c in zip(monos, coeffs, strict=True) if c != 0}
            tests = [*zip(self.points[len(monos) :], values[len(monos) :], strict=True), *check]
            if all(_value(poly, pt) == v for pt, v in tests):
                return poly
        return None


def fit_polynomial(
    points: Sequence[Sequence[int]],
    values: Sequence[int],
    check: Sequence[tuple[Sequence[int], int]] = (),
    degree: int = 3,
) -> Poly | None:
    """The polynomial of lowest total degree (up to ``degree``) through every point, if it also passes ``check``.

    Each degree is solved exactly on as many points as it has monomials and tested on all the others.
    """
    return Fitter(points, degree).fit(values, check)


def poly_text(poly: Poly, names: Sequence[str], wildcard: Callable[[str], str]) -> str:
    """``4*{i}*{h} + 4*{h}*{h} + 4*{h}``: the polynomial with its variables written by ``wildcard``."""
    terms = []
    for mono in sorted(poly, key=lambda e: (-sum(e), tuple(-x for x in e))):
        c = poly[mono]
        factors = [wildcard(n) for n, e in zip(names, mono, strict=True) for _ in range(e)]
        if c.denominator != 1:
            factors.insert(0, f"{c.numerator}/{c.denominator}" if c > 0 else f"{-c.numerator}/{c.denominator}")
        elif abs(c) != 1 or not factors:
            factors.insert(0, str(abs(c.numerator)))
        term = "*".join(factors)
        terms.append(("- " if c < 0 else "+ ") + term)
    if not terms:
        return "0"
    text = " ".join(terms)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


# --------------------------------------------------------------------------- one question


@dataclass(frozen=True)
class Distractor:
    """A wrong formula at 0 %: the checker's mistake key, its formula and its feedback (with wildcards)."""

    key: str
    formula: str
    feedback: str
    canvas_formula: str


@dataclass(frozen=True)
class QuizQuestion:
    """A counting question with wildcards (Moodle calculated, Canvas formula) or a fixed shape question."""

    kind: Kind
    difficulty: str
    names: tuple[str, ...]
    ranges: dict[str, tuple[int, int]]
    text: str  # HTML with {name} wildcards
    formula: str  # the right answer, Moodle syntax
    canvas_formula: str
    general_feedback: str  # HTML with {name} wildcards and {=...} formulas
    distractors: tuple[Distractor, ...]
    items: tuple[dict[str, int], ...]
    # Shape questions: the concrete values, the accepted answers and the wrong ones with their feedback.
    accepted: tuple[str, ...] = ()
    wrong: tuple[tuple[str, str, str], ...] = ()  # (answer, mistake key, feedback)
    answers: tuple[int, ...] = field(default=(), repr=False)  # the engine's count per item

    @property
    def name(self) -> str:
        return f"rnncount {self.kind.key} ({self.difficulty})"


_SENTINEL_BASE = 100_003


def _sentinels(kind: Kind) -> dict[str, int]:
    """Large, distinct values that cannot be confused with the spec's own constants; T the largest."""
    names = kind.names
    values = {n: _SENTINEL_BASE + 10 * j for j, n in enumerate(n for n in names if n != "T")}
    if "T" in names:
        values["T"] = 9_000_011
    return values


def _templated(text: str, sentinels: Mapping[str, int], wildcard: Callable[[str], str]) -> str:
    for name, value in sorted(sentinels.items(), key=lambda kv: -len(str(kv[1]))):
        # Whole numbers only: not part of a longer number, nor of one written with digit groups (1,000,003).
        text = re.sub(rf"(?<!\d)(?<!\d,){value}(?!\d)(?!,\d)", wildcard(name), text)
    return text


def _moodle(name: str) -> str:
    return "{" + name + "}"


def _canvas(name: str) -> str:
    return "[" + name + "]"


def _target(result: CountResult) -> int:
    return result.total


def _slot(c: Candidate) -> tuple[Any, ...]:
    return (c.key, c.layers, c.everywhere, c.variant)


def _fit_points(kind: Kind, n: int, rng: random.Random) -> list[dict[str, int]]:
    """Points to fit on: sizes from 2 to 40 (a kernel of at most 7, timesteps from 50), all distinct."""
    out: list[dict[str, int]] = []
    while len(out) < n:
        point = {}
        for name in kind.names:
            lo, hi = {"T": (50, 140), "k": (2, 7)}.get(name, (2, 40))
            point[name] = rng.randint(lo, hi)
        if len(set(point.values())) == len(point) and point not in out:
            out.append(point)
    return out


def _engine(kind: Kind, values: Mapping[str, int]) -> tuple[int, dict[tuple[Any, ...], tuple[Candidate, int]]]:
    """The engine's answer and every known mistake's number (first candidate per slot) at one point."""
    spec, shape = kind.model(values)
    result = count(spec, shape)
    slots: dict[tuple[Any, ...], tuple[Candidate, int]] = {}
    for c in candidates(result):
        slots.setdefault(_slot(c), (c, c.value))
    return _target(result), slots


def _numbers_template(sentences: list[str], fitter: Fitter, names: Sequence[str]) -> str | None:
    """One sentence for every point: its numbers as wildcards or formulas fitted over the points (None: cannot)."""
    number = re.compile(r"\d[\d,]*\d|\d")
    skeletons = {number.sub("#", s) for s in sentences}
    if len(skeletons) != 1:
        return None
    columns = list(zip(*[[int(x.replace(",", "")) for x in number.findall(s)] for s in sentences], strict=True))
    rendered = []
    for column in columns:
        if len(set(column)) == 1:
            rendered.append(f"{column[0]:,}")
            continue
        poly = fitter.fit(list(column))
        if poly is None:
            return None
        simple = [n for n, e in zip(names, next(iter(poly)), strict=True) if e == 1]
        if len(poly) == 1 and poly[next(iter(poly))] == 1 and sum(next(iter(poly))) == 1:
            rendered.append(_moodle(simple[0]))
        else:
            rendered.append("{=" + poly_text(poly, names, _moodle) + "}")
    parts = next(iter(skeletons)).split("#")
    return "".join(p + (rendered[j] if j < len(rendered) else "") for j, p in enumerate(parts))


@cache
def _fitted(kind_key: str) -> tuple[tuple[tuple[Any, ...], str, str, str], ...]:
    """Per mistake of a kind: (slot, Moodle formula, Canvas formula, feedback), fitted to the engine's rules.

    A slot is (mistake key, layers, everywhere, variant): one wrong number of :func:`candidates`.
    """
    kind = _BY_KEY[kind_key]
    names = kind.names
    rng = random.Random(f"rnncount-quiz-fit/{kind.key}")
    points = _fit_points(kind, len(_monomials(len(names), 3)) + 12, rng)
    found: dict[tuple[Any, ...], list[tuple[dict[str, int], int, str]]] = {}
    for point in points:
        spec, shape = kind.model(point)
        result = count(spec, shape)
        _, slots = _engine(kind, point)
        for slot, (c, value) in slots.items():
            found.setdefault(slot, []).append((point, value, explain(result, c)))
    out: list[tuple[tuple[Any, ...], str, str, str]] = []
    seen: list[Poly] = []
    fitter = Fitter([[p[n] for n in names] for p in points])
    right = fitter.fit([_engine(kind, p)[0] for p in points])
    for slot, rows in found.items():
        if len(rows) < len(points):  # the mistake does not apply everywhere in the ranges: leave it out
            continue
        poly = fitter.fit([v for _, v, _ in rows])
        if poly is None or poly == right or poly in seen:
            continue
        seen.append(poly)
        feedback = _numbers_template([s for _, _, s in rows], fitter, names)
        if feedback is None:
            record = MISCONCEPTIONS[slot[0]]
            feedback = f"It looks like this mistake: {record.title}; {record.summary}."
        out.append((slot, poly_text(poly, names, _moodle), poly_text(poly, names, str), feedback))
    return tuple(out)


def _right_formula(kind: Kind) -> tuple[str, str, str]:
    """The engine's formula with the sizes as wildcards: (Moodle formula, Canvas formula, by-hand line)."""
    sentinels = _sentinels(kind)
    spec, shape = kind.model(sentinels)
    result = count(spec, shape)
    parts = [lc.formula.numbers for lc in result.layers if lc.params]
    numbers = parts[0] if len(parts) == 1 else " + ".join(f"({p})" for p in parts)
    general = " + ".join(lc.formula.general for lc in result.layers if lc.params)
    moodle = _templated(numbers, sentinels, _moodle)
    canvas = _templated(numbers, sentinels, str)
    line = f"{general} = {moodle}"
    return moodle, canvas, line


def _code(kind: Kind, wildcard: Callable[[str], str]) -> str:
    """The Keras 3 code of the kind's model with the sizes as wildcards."""
    from .homework import keras_code

    sentinels = _sentinels(kind)
    spec, shape = kind.model(sentinels)
    return _templated(keras_code(Exercise(spec, shape)), sentinels, wildcard)


def _draw(kind: Kind, difficulty: str, rng: random.Random, ranges: Mapping[str, tuple[int, int]]) -> dict[str, int]:
    return {n: rng.randint(*ranges[n]) for n in kind.names}


def _ranges(kind: Kind, difficulty: str, overrides: Mapping[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    ranges = dict(kind.ranges[difficulty])
    for name, (lo, hi) in overrides.items():
        if name in ranges:
            ranges[name] = (lo, hi)
    return ranges


def _picture(kind: Kind, values: Mapping[str, int]) -> str:
    from ..pictures.drawing import to_svg

    spec, shape = kind.model(values)
    return to_svg(spec, shape)


def _example(ranges: Mapping[str, tuple[int, int]]) -> dict[str, int]:
    return {n: (lo + hi) // 2 for n, (lo, hi) in ranges.items()}


def _counting_question(
    kind: Kind, difficulty: str, items: int, seed: int | str, overrides: Mapping[str, tuple[int, int]], picture: bool
) -> QuizQuestion:
    names = kind.names
    ranges = _ranges(kind, difficulty, overrides)
    moodle, canvas, line = _right_formula(kind)
    fitted = _fitted(kind.key)
    rng = random.Random(f"rnncount-quiz/{seed}/{kind.key}/{difficulty}/{sorted(ranges.items())}")
    space = math.prod(hi - lo + 1 for lo, hi in ranges.values())
    chosen: list[dict[str, int]] = []
    answers: list[int] = []
    tried: set[tuple[int, ...]] = set()
    for _ in range(items * 60):
        if len(chosen) >= items or len(tried) >= space:
            break
        values = _draw(kind, difficulty, rng, ranges)
        key = tuple(values[n] for n in names)
        if key in tried:
            continue
        tried.add(key)
        try:
            right, slots = _engine(kind, values)
        except SpecError:
            continue
        if evaluate(moodle, values) != right:  # pragma: no cover - the engine's own formula, checked anyway
            raise AssertionError(f"{kind.key}: the formula {moodle} gives another count at {values}")
        wrong = [evaluate(f, values) for _, f, _, _ in fitted]
        # Every formula's number is the engine's own at this item, and no two of them coincide.
        if any(slot not in slots or slots[slot][1] != v for (slot, *_), v in zip(fitted, wrong, strict=True)):
            continue
        if len({right, *wrong}) != 1 + len(wrong):
            continue
        chosen.append(values)
        answers.append(right)
    if not chosen:
        raise SpecError(
            f"{kind.key}: no item in the ranges {_ranges_text(ranges)} keeps the right answer and every mistake apart; "
            "widen the ranges"
        )
    code = _code(kind, _moodle)
    dims = [_moodle(n) if isinstance(n, str) else str(n) for n in kind.input]
    input_text = "(None, " + ", ".join(dims) + ("" if len(dims) > 1 else ",") + ")"
    text = (
        f"<p>How many parameters does this Keras 3 model have in total (<code>model.count_params()</code>)?</p>"
        f"<pre><code>{html.escape(code)}</code></pre><p>The input shape is {input_text}, the batch first.</p>"
    )
    general = f"<p>By hand: {html.escape(line)} = {{={moodle}}}</p>"
    if picture:
        example = _example(ranges)
        sizes = ", ".join(f"{n} = {example[n]}" for n in names)
        general += f"<p>The weight blocks, drawn for {sizes}:</p>{_picture(kind, example)}"
    distractors = tuple(Distractor(slot[0], f, fb, cf) for slot, f, cf, fb in fitted)
    return QuizQuestion(
        kind,
        difficulty,
        names,
        ranges,
        text,
        moodle,
        canvas,
        general,
        distractors,
        tuple(chosen),
        answers=tuple(answers),
    )


def _ranges_text(ranges: Mapping[str, tuple[int, int]]) -> str:
    return ", ".join(f"{n} = {lo}..{hi}" for n, (lo, hi) in ranges.items())


def shape_writings(shape: tuple[Any, ...]) -> list[str]:
    """The ways ``rnncount check`` accepts an output shape: with or without the batch, with or without spaces."""
    full = format_shape(shape)
    out = [full, full.replace(" ", "")]
    if shape[:1] == (None,) and len(shape) > 1:
        rest = ", ".join(str(d) for d in shape[1:])
        out += [f"({rest})", f"({rest})".replace(" ", ""), rest, rest.replace(" ", "")]
        if len(shape) == 2:
            out = [w for w in out if w not in (f"({rest})", f"({rest})".replace(" ", ""))] + [f"({rest},)"]
    return list(dict.fromkeys(out))


def _wrong_shapes(result: CountResult) -> list[tuple[Any, ...]]:
    """Shapes the shape mistakes give: return_sequences flipped, one direction's width, T and i swapped."""
    from .misconceptions import _cell, _rewrap

    layers = [lc.layer for lc in result.layers]
    out: list[tuple[Any, ...]] = []
    last = layers[-1]
    cell = _cell(last)
    tries: list[tuple[list[Any], Any]] = []
    if cell is not None:
        flipped = _rewrap(last, cell.with_options(return_sequences=not cell.return_sequences))
        tries.append(([*layers[:-1], flipped], result.input_shape))
    if isinstance(last, Bidirectional) and last.merge_mode == "concat":
        tries.append(([*layers[:-1], last.with_options(merge_mode="sum")], result.input_shape))
    dims = result.input_shape
    if len(dims) == 3 and dims[1] != dims[2]:
        tries.append((layers, (None, dims[2], dims[1])))
    for stack, shape in tries:
        try:
            again = count(stack, shape[1:])
        except SpecError:
            continue
        out.append(again.output_shape)
    return out


def _shape_questions(
    kind: Kind, difficulty: str, n: int, seed: int | str, overrides: Mapping[str, tuple[int, int]], picture: bool
) -> list[QuizQuestion]:
    ranges = _ranges(kind, difficulty, overrides)
    rng = random.Random(f"rnncount-quiz/{seed}/{kind.key}/{difficulty}/{sorted(ranges.items())}")
    out: list[QuizQuestion] = []
    seen: set[tuple[int, ...]] = set()
    for _ in range(n * 60):
        if len(out) >= n:
            break
        values = _draw(kind, difficulty, rng, ranges)
        key = tuple(values[k] for k in kind.names)
        if key in seen or values.get("T") == values.get("i"):
            continue
        seen.add(key)
        spec, shape = kind.model(values)
        ex = Exercise(spec, shape, ask="shape")
        right = ex.expected
        accepted = tuple(shape_writings(right))
        wrong: list[tuple[str, str, str]] = []
        for other in _wrong_shapes(ex.result):
            fb = ex.check(format_shape(other))
            if fb.correct or fb.misconception == "unknown":
                continue
            writing = format_shape(other)
            if writing not in accepted and all(writing != w for w, _, _ in wrong):
                wrong.append((writing, fb.misconception or "unknown", fb.message))
        code = html.escape(_code(kind, _moodle).format(**values))
        text = (
            f"<p>What is the output shape of this Keras 3 model, with None for the batch?</p>"
            f"<pre><code>{code}</code></pre><p>The input shape is {html.escape(format_shape(ex.result.input_shape))}."
            "</p>"
        )
        steps = "; ".join(ex.solution().steps)
        general = f"<p>{html.escape(steps)}</p>"
        if picture:
            general += _picture(kind, values)
        out.append(
            QuizQuestion(
                kind,
                difficulty,
                kind.names,
                ranges,
                text,
                "",
                "",
                general,
                (),
                (values,),
                accepted,
                tuple(wrong),
            )
        )
    if not out:
        raise SpecError(f"{kind.key}: no shape question fits the ranges {_ranges_text(ranges)}")
    return out


def parse_range(text: str) -> tuple[str, tuple[int, int]]:
    """``h=4:32`` -> ("h", (4, 32)); SpecError (one line) when it cannot be used."""
    m = re.fullmatch(r"\s*([A-Za-z]\w*)\s*=\s*(\d{1,7})\s*(?::|\.\.|-)\s*(\d{1,7})\s*", text)
    if not m:
        raise SpecError(f"a range is written NAME=LO:HI, e.g. h=4:32; got {shown(text)}")
    name, lo, hi = m.group(1), int(m.group(2)), int(m.group(3))
    if lo > hi:
        raise SpecError(f"the range {name}={lo}:{hi} is empty: {lo} is more than {hi}")
    if lo < 1:
        raise SpecError(f"the range {name}={lo}:{hi} starts below 1; sizes are at least 1")
    return name, (lo, hi)


def quiz_questions(
    topics: Sequence[str] | None = None,
    difficulty: str = "medium",
    *,
    items: int = DEFAULT_ITEMS,
    seed: int | str = 0,
    ranges: Mapping[str, tuple[int, int]] | Iterable[str] = (),
    shapes: int = 3,
    picture: bool = True,
) -> list[QuizQuestion]:
    """The quiz's questions: one counting question per kind (``items`` dataset items) and ``shapes`` per shape kind.

    ``ranges`` overrides a wildcard's range for every kind that has it (``{"h": (4, 32)}`` or ``["h=4:32"]``).
    """
    if difficulty not in DIFFICULTIES:
        raise SpecError(f"difficulty must be easy, medium or hard, got {shown(difficulty)}")
    if isinstance(items, bool) or not isinstance(items, int):
        raise RnncountTypeError(f"items must be a whole number, got {shown(items)}")
    if not 1 <= items <= MAX_ITEMS:
        raise SpecError(f"items must be from 1 to {MAX_ITEMS} (Moodle's limit), got {items}")
    if isinstance(shapes, bool) or not isinstance(shapes, int) or not 0 <= shapes <= 20:
        raise SpecError(f"shapes must be a whole number from 0 to 20, got {shown(shapes)}")
    overrides = dict(parse_range(r) for r in ranges) if not isinstance(ranges, Mapping) else dict(ranges)
    kinds = select_kinds(topics)
    known = {n for k in kinds for n in k.names}
    for name, (lo, hi) in overrides.items():
        if name not in known:
            raise SpecError(f"no chosen question has a size {shown(name)}; the sizes are {', '.join(sorted(known))}")
        if lo > hi:
            raise SpecError(f"the range {name}={lo}:{hi} is empty: {lo} is more than {hi}")
    out: list[QuizQuestion] = []
    for kind in kinds:
        if kind.ask == "shape":
            if shapes:
                out += _shape_questions(kind, difficulty, shapes, seed, overrides, picture)
        else:
            out.append(_counting_question(kind, difficulty, items, seed, overrides, picture))
    if not out:
        raise SpecError("the quiz has no questions: choose a counting topic or ask for shape questions")
    return out


# --------------------------------------------------------------------------- Moodle XML


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _text(tag: str, value: str, html_format: bool = True, indent: str = "    ") -> str:
    fmt = ' format="html"' if html_format else ""
    return f"{indent}<{tag}{fmt}>\n{indent}  <text>{_cdata(value)}</text>\n{indent}</{tag}>\n"


def _moodle_calculated(q: QuizQuestion, number: int) -> str:
    out = ['  <question type="calculated">\n']
    out.append(f"    <name>\n      <text>{html.escape(f'{number:02d} {q.name}')}</text>\n    </name>\n")
    out.append(_text("questiontext", q.text))
    out.append(_text("generalfeedback", q.general_feedback))
    out.append("    <defaultgrade>1</defaultgrade>\n    <penalty>0.3333333</penalty>\n    <hidden>0</hidden>\n")
    out.append("    <synchronize>0</synchronize>\n    <single>0</single>\n    <answernumbering>abc</answernumbering>\n")
    out.append("    <shuffleanswers>0</shuffleanswers>\n")
    answers = [("100", q.formula, "Right.")] + [("0", d.formula, d.feedback) for d in q.distractors]
    for fraction, formula, feedback in answers:
        out.append(f'    <answer fraction="{fraction}">\n      <text>{html.escape(formula)}</text>\n')
        out.append("      <tolerance>0</tolerance>\n      <tolerancetype>2</tolerancetype>\n")
        out.append(
            "      <correctanswerformat>1</correctanswerformat>\n      <correctanswerlength>0</correctanswerlength>\n"
        )
        out.append(_text("feedback", html.escape(feedback), indent="      "))
        out.append("    </answer>\n")
    out.append("    <unitgradingtype>0</unitgradingtype>\n    <unitpenalty>0.1000000</unitpenalty>\n")
    out.append("    <showunits>3</showunits>\n    <unitsleft>0</unitsleft>\n")
    out.append("    <dataset_definitions>\n")
    for name in q.names:
        lo, hi = q.ranges[name]
        out.append("      <dataset_definition>\n")
        out.append("        <status>\n          <text>private</text>\n        </status>\n")
        out.append(f"        <name>\n          <text>{name}</text>\n        </name>\n")
        out.append("        <type>calculated</type>\n")
        out.append("        <distribution>\n          <text>uniform</text>\n        </distribution>\n")
        out.append(f"        <minimum>\n          <text>{lo}</text>\n        </minimum>\n")
        out.append(f"        <maximum>\n          <text>{hi}</text>\n        </maximum>\n")
        out.append("        <decimals>\n          <text>0</text>\n        </decimals>\n")
        out.append(f"        <itemcount>{len(q.items)}</itemcount>\n        <dataset_items>\n")
        for j, item in enumerate(q.items, start=1):
            out.append(
                f"          <dataset_item>\n            <number>{j}</number>\n            <value>{item[name]}</value>\n"
                "          </dataset_item>\n"
            )
        out.append(f"        </dataset_items>\n        <number_of_items>{len(q.items)}</number_of_items>\n")
        out.append("      </dataset_definition>\n")
    out.append("    </dataset_definitions>\n  </question>\n")
    return "".join(out)


def _moodle_shortanswer(q: QuizQuestion, number: int) -> str:
    values = q.items[0]
    label = ", ".join(f"{n} = {values[n]}" for n in q.names)
    out = ['  <question type="shortanswer">\n']
    out.append(f"    <name>\n      <text>{html.escape(f'{number:02d} {q.name}: {label}')}</text>\n    </name>\n")
    out.append(_text("questiontext", q.text))
    out.append(_text("generalfeedback", q.general_feedback))
    out.append("    <defaultgrade>1</defaultgrade>\n    <penalty>0.3333333</penalty>\n    <hidden>0</hidden>\n")
    out.append("    <usecase>0</usecase>\n")
    answers = [("100", a, "Right.") for a in q.accepted] + [("0", a, fb) for a, _, fb in q.wrong]
    for fraction, answer, feedback in answers:
        out.append(f'    <answer fraction="{fraction}" format="moodle_auto_format">\n')
        out.append(f"      <text>{html.escape(answer)}</text>\n")
        out.append(_text("feedback", html.escape(feedback), indent="      "))
        out.append("    </answer>\n")
    out.append("  </question>\n")
    return "".join(out)


def moodle_xml(questions: Sequence[QuizQuestion], category: str = "rnncount") -> str:
    """The questions as a Moodle XML question file (import it under Question bank > Import > Moodle XML)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    out.append(
        f'  <question type="category">\n    <category>\n      <text>$course$/top/{html.escape(category)}</text>\n'
        "    </category>\n  </question>\n"
    )
    for number, q in enumerate(questions, start=1):
        out.append(_moodle_shortanswer(q, number) if q.kind.ask == "shape" else _moodle_calculated(q, number))
    out.append("</quiz>\n")
    return "".join(out)


# --------------------------------------------------------------------------- Canvas QTI 1.2


def _meta(fields: Mapping[str, str]) -> str:
    rows = "".join(
        f"<qtimetadatafield><fieldlabel>{k}</fieldlabel><fieldentry>{html.escape(v)}</fieldentry></qtimetadatafield>"
        for k, v in fields.items()
    )
    return f"<itemmetadata><qtimetadata>{rows}</qtimetadata></itemmetadata>"


def _mattext(value: str) -> str:
    return f'<material><mattext texttype="text/html">{html.escape(value)}</mattext></material>'


def _canvas_text(text: str) -> str:
    """Moodle's {name} wildcards as Canvas's [name]; {=formula} (Moodle only) left out."""
    text = re.sub(r"\{=[^{}]*(?:\{[^{}]*\}[^{}]*)*\}", "", text)
    return re.sub(r"\{([A-Za-z_]\w*)\}", r"[\1]", text)


def _canvas_general(q: QuizQuestion) -> str:
    rows = "".join(
        f"<li>{html.escape(MISCONCEPTIONS[d.key].title)}: {html.escape(d.canvas_formula)}</li>" for d in q.distractors
    )
    extra = f"<p>Answers that match a known mistake (Canvas marks them wrong without naming it):</p><ul>{rows}</ul>"
    return _canvas_text(q.general_feedback.replace(" = {=" + q.formula + "}", "")) + (extra if rows else "")


def _qti_calculated(q: QuizQuestion, number: int) -> str:
    ident = f"rnncount_{number:02d}_{q.kind.key}"
    vars_xml = "".join(
        f'<var name="{n}" scale="0"><min>{q.ranges[n][0]}</min><max>{q.ranges[n][1]}</max></var>' for n in q.names
    )
    sets = "".join(
        f'<var_set ident="{ident}_{j}">'
        + "".join(f'<var name="{n}">{item[n]}</var>' for n in q.names)
        + f"<answer>{answer}</answer></var_set>"
        for j, (item, answer) in enumerate(zip(q.items, q.answers, strict=True), start=1)
    )
    return (
        f'<item ident="{ident}" title="{html.escape(q.name)}">'
        + _meta({"question_type": "calculated_question", "points_possible": "1.0"})
        + "<presentation>"
        + _mattext(_canvas_text(q.text))
        + '<response_str ident="response1" rcardinality="Single"><render_fib fibtype="Decimal">'
        '<response_label ident="answer1"/></render_fib></response_str></presentation>'
        '<resprocessing><outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>'
        '<respcondition title="correct"><conditionvar><other/></conditionvar>'
        '<setvar varname="SCORE" action="Set">100</setvar></respcondition>'
        '<respcondition title="incorrect"><conditionvar><not><other/></not></conditionvar>'
        '<setvar varname="SCORE" action="Set">0</setvar></respcondition></resprocessing>'
        "<itemproc_extension><calculated><answer_tolerance>0</answer_tolerance>"
        f'<formulas decimal_places="0"><formula>{html.escape(q.canvas_formula)}</formula></formulas>'
        f"<vars>{vars_xml}</vars><var_sets>{sets}</var_sets></calculated></itemproc_extension>"
        f'<itemfeedback ident="general_fb"><flow_mat>{_mattext(_canvas_general(q))}</flow_mat></itemfeedback>'
        "</item>"
    )


def _qti_shortanswer(q: QuizQuestion, number: int) -> str:
    ident = f"rnncount_{number:02d}_{q.kind.key}"
    conditions = "".join(f'<varequal respident="response1">{html.escape(a)}</varequal>' for a in q.accepted)
    return (
        f'<item ident="{ident}" title="{html.escape(q.name)}">'
        + _meta({"question_type": "short_answer_question", "points_possible": "1.0"})
        + "<presentation>"
        + _mattext(q.text)
        + '<response_str ident="response1" rcardinality="Single"><render_fib>'
        '<response_label ident="answer1" rshuffle="No"/></render_fib></response_str></presentation>'
        '<resprocessing><outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>'
        f'<respcondition continue="No"><conditionvar>{conditions}</conditionvar>'
        '<setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing>'
        f'<itemfeedback ident="general_fb"><flow_mat>{_mattext(q.general_feedback)}</flow_mat></itemfeedback>'
        "</item>"
    )


QTI_NAMESPACE = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"


def qti_assessment(questions: Sequence[QuizQuestion], title: str = "rnncount quiz") -> str:
    items = "".join(
        _qti_shortanswer(q, n) if q.kind.ask == "shape" else _qti_calculated(q, n)
        for n, q in enumerate(questions, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<questestinterop xmlns="{QTI_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{QTI_NAMESPACE} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd">\n'
        f'<assessment ident="rnncount_quiz" title="{html.escape(title)}">'
        + _meta({"cc_maxattempts": "1"})
        + f'<section ident="root_section">{items}</section></assessment>\n</questestinterop>\n'
    )


QTI_PATH = "rnncount_quiz/rnncount_quiz.xml"


def qti_manifest() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest identifier="rnncount_quiz_manifest" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        "<metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>\n"
        "<organizations/>\n<resources>\n"
        f'<resource identifier="rnncount_quiz" type="imsqti_xmlv1p2" href="{QTI_PATH}">'
        f'<file href="{QTI_PATH}"/></resource>\n'
        "</resources>\n</manifest>\n"
    )


def qti_zip(questions: Sequence[QuizQuestion], title: str = "rnncount quiz") -> bytes:
    """The Canvas package: ``imsmanifest.xml`` and the QTI 1.2 assessment, zipped (fixed dates: same bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("imsmanifest.xml", qti_manifest()), (QTI_PATH, qti_assessment(questions, title))):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data.encode("utf-8"))
    return buf.getvalue()


# --------------------------------------------------------------------------- writing files


def write_files(files: Sequence[tuple[str | os.PathLike[str], bytes]]) -> None:
    """Write every file whole or none: each goes to a temporary file beside it, then all are renamed.

    SpecError (one line) when a path cannot be written; no temporary file is left behind.
    """
    staged: list[tuple[str, str]] = []
    try:
        for path, _ in files:
            target = os.fspath(path)
            folder = os.path.dirname(os.path.abspath(target))
            if os.path.isdir(target):
                raise SpecError(f"cannot write {target}: it is a folder")
            if not os.path.isdir(folder):
                raise SpecError(f"cannot write {target}: the folder {folder} does not exist")
        umask = os.umask(0)
        os.umask(umask)
        for path, data in files:
            target = os.fspath(path)
            try:
                fd, tmp = tempfile.mkstemp(
                    prefix=".rnncount-", suffix=".part", dir=os.path.dirname(os.path.abspath(target))
                )
                staged.append((tmp, target))
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; a quiz is an ordinary file
            except OSError as err:
                raise SpecError(f"cannot write {target}: {err.strerror or err}") from None
        for tmp, target in staged:
            try:
                os.replace(tmp, target)
            except OSError as err:
                raise SpecError(f"cannot write {target}: {err.strerror or err}") from None
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _cmd_quiz(args: Any) -> bool:
    """Build the quiz, then write every file asked for; nothing is written unless all of it could be built."""
    if not args.moodle and not args.qti:
        raise SpecError("say where to write the quiz: --moodle quiz.xml and/or --qti quiz.zip")
    topics = [t for part in (args.topics or []) for t in part.split(",")]
    questions = quiz_questions(
        topics,
        args.difficulty,
        items=args.items,
        seed=args.seed,
        ranges=args.range or (),
        shapes=args.shapes,
        picture=not args.no_picture,
    )
    files = []
    if args.moodle:
        files.append((args.moodle, moodle_xml(questions).encode("utf-8")))
    if args.qti:
        files.append((args.qti, qti_zip(questions)))
    write_files(files)
    counting = sum(q.kind.ask != "shape" for q in questions)
    print(f"{counting} counting and {len(questions) - counting} shape questions ({args.difficulty})")
    for path, _ in files:
        print(f"Wrote {path}")
    return True


def add_quiz_command(sub: Any) -> None:
    """Register ``rnncount quiz``."""
    p = sub.add_parser(
        "quiz",
        help="write a quiz for Moodle (XML, calculated questions) or Canvas (QTI package, formula questions)",
        description=(
            "Write a quiz, e.g.: rnncount quiz --moodle quiz.xml --qti quiz.zip --difficulty medium. "
            "Each problem kind is one question whose sizes are drawn from ranges; in Moodle every known mistake "
            "is a wrong answer with its own feedback. Exit status 0 when written, 2 when the options cannot be used "
            "(nothing is written then)."
        ),
    )
    p.add_argument("--moodle", metavar="QUIZ.xml", help="write Moodle XML (Question bank > Import > Moodle XML format)")
    p.add_argument(
        "--qti", metavar="QUIZ.zip", help="write a QTI 1.2 package for Canvas (Settings > Import > QTI .zip)"
    )
    p.add_argument(
        "--difficulty", "-d", choices=DIFFICULTIES, default="medium", help="the sizes' ranges (default medium)"
    )
    p.add_argument(
        "--topics",
        "-t",
        action="append",
        metavar="TOPIC[,TOPIC]",
        help=f"problem kinds or layer kinds to include (default all): {', '.join(KIND_KEYS)}, or e.g. GRU, shape",
    )
    p.add_argument(
        "--items", "-n", type=int, default=DEFAULT_ITEMS, help=f"dataset items per question (default {DEFAULT_ITEMS})"
    )
    p.add_argument("--shapes", type=int, default=3, help="short-answer shape questions per shape kind (default 3)")
    p.add_argument("--range", "-r", action="append", metavar="NAME=LO:HI", help="override a size's range, e.g. h=4:32")
    p.add_argument("--seed", "-s", default="0", help="the items drawn (the same seed gives the same quiz)")
    p.add_argument("--no-picture", action="store_true", help="leave the weights picture out of the feedback")
    p.set_defaults(func=_cmd_quiz)


__all__ = [
    "DEFAULT_ITEMS",
    "KINDS",
    "KIND_KEYS",
    "Distractor",
    "Kind",
    "QuizQuestion",
    "add_quiz_command",
    "evaluate",
    "fit_polynomial",
    "moodle_xml",
    "parse_range",
    "qti_assessment",
    "qti_manifest",
    "qti_zip",
    "quiz_questions",
    "select_kinds",
    "shape_writings",
    "write_files",
]
