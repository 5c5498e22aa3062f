"""Per-student problem sets with answer keys.

``problem_set(seed, n, difficulty)`` draws ``n`` counting problems from its own
``random.Random(seed)`` (never the global random state), so the same seed always
gives the same set and each student can get their own. A set mixes Dense,
SimpleRNN, LSTM, GRU (both ``reset_after``), Bidirectional, Embedding and stacks;
every answer comes from the engine and is the count Keras reports.

>>> s = problem_set(seed=7, n=3, difficulty="easy")
>>> [p.answer == p.exercise.expected for p in s.problems]
[True, True, True]
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from dataclasses import dataclass
from typing import Any

from ..core.kinds.conv_recurrent import ConvLSTM2D
from ..core.layers import (
    GRU,
    LAYER_TYPES,
    LSTM,
    Bidirectional,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Layer,
    RepeatVector,
    SimpleRNN,
    TimeDistributed,
)
from ..core.spec import looks_numeric, parse_int
from ..errors import RnncountTypeError, SpecError, digits, shown, too_large, type_name
from .exercises import Exercise

DIFFICULTIES = ("easy", "medium", "hard")

#: Every set of at least this many problems covers each topic once.
TOPICS = (
    "dense",
    "simple_rnn",
    "lstm",
    "gru",
    "gru_reset_after_false",
    "bidirectional",
    "embedding",
    "stack",
    "conv_lstm",
)

MAX_PROBLEMS = 1000

# Sizes per difficulty: (timesteps, features, units), kept small enough to count by hand.
_SIZES = {
    "easy": {"T": (5, 10, 20, 30, 50), "i": (1, 2, 3, 4, 5, 6), "h": (1, 2, 3, 4, 5, 6, 8), "o": (1, 2, 3)},
    "medium": {
        "T": (10, 20, 30, 50, 100),
        "i": (2, 3, 4, 5, 8, 10, 16, 20),
        "h": (4, 5, 8, 10, 16, 20, 32),
        "o": (1, 2, 5, 10),
    },
    "hard": {
        "T": (15, 30, 50, 100),
        "i": (8, 10, 16, 30, 40, 64),
        "h": (8, 12, 16, 20, 25, 30, 48, 64),
        "o": (1, 5, 10, 30),
    },
}
_VOCAB = (50, 100, 500, 1000, 5000, 10000)
_DIMS = (8, 16, 32, 50, 64, 100)
_CELLS = (SimpleRNN, LSTM, GRU)

Model = tuple[list[Layer], tuple, int | None]  # layers, input shape, 0-based layer asked about (None: total)


class _Draw:
    """Size draws for one difficulty, from the set's own random generator."""

    def __init__(self, rng: random.Random, level: str) -> None:
        self.rng = rng
        self.sizes = _SIZES[level]

    def __getattr__(self, key: str) -> int:
        return self.rng.choice(self.sizes[key])

    def cell(self, cls: type | None = None, **kw: Any) -> Layer:
        cls = cls or self.rng.choice(_CELLS)
        if cls is GRU and "reset_after" not in kw and self.rng.random() < 0.25:
            kw["reset_after"] = False
        return cls(self.h, **kw)


def _dense(rng: random.Random, level: str) -> Model:
    d = _Draw(rng, level)
    if level == "easy":
        return [Dense(d.o)], (d.i,), None
    if level == "medium":
        layers: list[Layer] = [Dense(d.h, use_bias=rng.random() > 0.2), Dense(d.o)]
        return layers, (d.i,), rng.choice([None, 1])
    if rng.random() < 0.5:
        return [Dense(d.h), Dense(d.o)], (d.T, d.i), rng.choice([None, 0])  # per timestep
    return [Flatten(), Dense(d.h), Dense(d.o)], (d.T, d.i), rng.choice([None, 1])


def _one_cell(cls: type, **options: Any) -> Any:
    def make(rng: random.Random, level: str) -> Model:
        d = _Draw(rng, level)
        if level == "easy":
            return [d.cell(cls, **options)], (d.T, d.i), None
        if level == "medium":
            extra = {"use_bias": False} if rng.random() < 0.15 else {}
            return [d.cell(cls, **options, **extra), Dense(d.o)], (d.T, d.i), rng.choice([None, 0])
        first = d.cell(cls, return_sequences=True, **options)
        layers = [first, d.cell(cls, **options), Dense(d.o)]
        return layers, (d.T, d.i), rng.choice([None, 1])

    return make


def _bidirectional(rng: random.Random, level: str) -> Model:
    d = _Draw(rng, level)
    if level == "easy":
        return [Bidirectional(d.cell())], (d.T, d.i), None
    if level == "medium":
        return [Bidirectional(d.cell()), Dense(d.o)], (d.T, d.i), rng.choice([None, 0, 1])
    merge = rng.choice(["concat", "concat", "sum", "ave", "mul"])
    layers = [Bidirectional(d.cell(return_sequences=True), merge_mode=merge), d.cell(), Dense(d.o)]
    return layers, (d.T, d.i), rng.choice([None, 1])


def _embedding(rng: random.Random, level: str) -> Model:
    d = _Draw(rng, level)
    emb = Embedding(rng.choice(_VOCAB), rng.choice(_DIMS))
    if level == "easy":
        return [emb], (d.T,), None
    if level == "medium":
        return [emb, d.cell(), Dense(1)], (d.T,), rng.choice([None, 1])
    if rng.random() < 0.4:
        return [emb, Flatten(), Dense(d.h), Dense(1)], (d.T,), rng.choice([None, 2])
    layers = [emb, Bidirectional(d.cell(return_sequences=True)), d.cell(), Dense(1)]
    return layers, (d.T,), rng.choice([None, 2])


def _stack(rng: random.Random, level: str) -> Model:
    d = _Draw(rng, level)
    if level == "easy":
        return [d.cell(return_sequences=True), d.cell(), Dense(d.o)], (d.T, d.i), rng.choice([None, 1])
    if level == "medium":
        n = rng.choice([3, 4])
        layers: list[Layer] = [d.cell(return_sequences=True) for _ in range(n - 1)]
        layers += [d.cell(), Dense(1)]
        return layers, (d.T, d.i), rng.choice([None, None, rng.randrange(len(layers))])
    if rng.random() < 0.4:
        # Encoder-decoder: a vector repeated into a sequence, one Dense per timestep.
        layers = [d.cell(), RepeatVector(d.T), d.cell(return_sequences=True), TimeDistributed(Dense(d.o))]
        return layers, (d.T, d.i), rng.choice([None, 2, 3])
    layers = [d.cell(return_sequences=True), Dropout(0.2), d.cell(return_sequences=True), d.cell()]
    layers += [Dense(d.h), Dense(1)]
    return layers, (d.T, d.i), None


def _conv_lstm(rng: random.Random, level: str) -> Model:
    # ConvLSTM2D on small frames: an LSTM whose products are 3x3 convolutions, 4*(9*i*f + 9*f*f + f).
    d = _Draw(rng, level)
    frames = (d.T, 8, 8, rng.choice((1, 3)) if level == "easy" else d.i)
    if level == "easy":
        return [ConvLSTM2D(d.h, 3)], frames, None
    if level == "medium":
        layers: list[Layer] = [ConvLSTM2D(d.h, 3, padding="same", return_sequences=True), ConvLSTM2D(d.h, 3)]
        return layers, frames, rng.choice([None, 0, 1])
    layers = [ConvLSTM2D(d.h, 3, return_sequences=True), ConvLSTM2D(d.h, 3), Flatten(), Dense(d.o)]
    return layers, frames, rng.choice([None, 1, 3])


_GENERATORS = {
    "dense": _dense,
    "simple_rnn": _one_cell(SimpleRNN),
    "lstm": _one_cell(LSTM),
    "gru": _one_cell(GRU, reset_after=True),
    "gru_reset_after_false": _one_cell(GRU, reset_after=False),
    "bidirectional": _bidirectional,
    "embedding": _embedding,
    "stack": _stack,
    "conv_lstm": _conv_lstm,
}

_KERAS_NAMES = re.compile(r"\b(" + "|".join(LAYER_TYPES) + r")\(")
_PREFIX = r"layers.\1("


def keras_code(exercise: Exercise) -> str:
    """The Keras 3 code of an exercise's model: ``keras.Input`` and ``layers.X(...)`` lines."""
    shape = exercise.result.input_shape[1:]
    dims = ", ".join("None" if s is None else str(s) for s in shape)
    dims = f"({dims},)" if len(shape) == 1 else f"({dims})"
    first = exercise.result.layers[0].layer
    dtype = ', dtype="int32"' if isinstance(first, Embedding) else ""
    lines = ["model = keras.Sequential([", f"    keras.Input(shape={dims}{dtype}),"]
    # Explicit names, as Keras 3 code should have them: the summary then reads the same every run.
    named = [lc.layer.with_options(name=lc.name).spec() for lc in exercise.result.layers]
    lines += [f"    {_KERAS_NAMES.sub(_PREFIX, spec)}," for spec in named]
    lines.append("])")
    return "\n".join(lines)


@dataclass(frozen=True)
class Problem:
    """One problem of a set: an exercise about a parameter count, with its answer."""

    number: int
    difficulty: str
    topic: str
    exercise: Exercise

    @property
    def spec(self) -> str:
        return self.exercise.result.spec

    @property
    def input(self) -> str:
        return self.exercise.input_text

    @property
    def layer(self) -> int | None:
        """The layer asked about, 1-based (None: the whole model)."""
        lc = self.exercise.target
        return None if lc is None else self.exercise.result.layers.index(lc) + 1

    @property
    def answer(self) -> int:
        return int(self.exercise.expected)

    @property
    def question(self) -> str:
        lc = self.exercise.target
        if lc is None:
            return "How many parameters does this model have in total?"
        return f"How many parameters does layer {self.layer} (`{lc.name}`, {lc.type}) have?"

    @property
    def check_command(self) -> str:
        layer = f" --layer {self.layer}" if self.layer else ""
        return f'rnncount check "{self.spec}" --input {self.input}{layer} --answer N'

    def to_dict(self, answers: bool = False) -> dict[str, Any]:
        lc = self.exercise.target
        out: dict[str, Any] = {
            "number": self.number,
            "difficulty": self.difficulty,
            "topic": self.topic,
            "spec": self.spec,
            "input": self.input,
            "layer": self.layer,
            "layer_name": None if lc is None else lc.name,
            "question": self.question,
            "answer": self.answer,
        }
        if answers:
            out["solution"] = list(self.exercise.solution().steps)
        return out

    def markdown(self) -> str:
        return "\n".join(
            [
                f"## Problem {self.number} ({self.difficulty})",
                "",
                "```python",
                keras_code(self.exercise),
                "```",
                "",
                self.question,
                "",
                f"Check your answer: `{self.check_command}`",
            ]
        )


@dataclass(frozen=True)
class ProblemSet:
    """A deterministic set of problems; ``markdown()`` for students, ``answers=True`` for the key."""

    seed: int | str
    difficulty: str
    problems: tuple[Problem, ...]

    @property
    def code(self) -> str:
        """The set code printed on the sheet: ``rnncount grade`` reads it to grade the sheet as this set."""
        return set_code(self.seed, len(self.problems), self.difficulty)

    def to_dict(self, answers: bool = False) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "difficulty": self.difficulty,
            "set_code": self.code,
            "problems": [p.to_dict(answers) for p in self.problems],
        }

    def to_json(self, answers: bool = False) -> str:
        return json.dumps(self.to_dict(answers), indent=2)

    def markdown(self, answers: bool = False) -> str:
        out = [
            "# Homework: counting parameters",
            "",
            f"Seed `{self.seed}`, {len(self.problems)} problems, difficulty: {self.difficulty}.",
            "",
            f"Set code: `{self.code}`. Hand in your answers with your seed and this code (the *set* column).",
            "",
            "Count the parameters as Keras 3 does (`model.count_params()`). Input shapes leave out the batch.",
            "",
        ]
        for p in self.problems:
            out += [p.markdown(), ""]
        if answers:
            out += ["# Answer key", ""]
            for p in self.problems:
                sol = p.exercise.solution()
                out += [f"## Problem {p.number}: {p.answer:,}", "", "```text", *sol.steps, "```", ""]
        return "\n".join(out).rstrip() + "\n"

    def __str__(self) -> str:
        return self.markdown()

    def _repr_markdown_(self) -> str:
        return self.markdown()


def _levels(n: int, difficulty: str) -> list[str]:
    return [level_of(k, n, difficulty) for k in range(1, n + 1)]


def level_of(number: int, n: int, difficulty: str) -> str:
    """The difficulty of problem ``number`` (1-based) of a set of ``n``: mixed sets go from easy to hard."""
    if difficulty in DIFFICULTIES:
        return difficulty
    return DIFFICULTIES[(number - 1) * 3 // n]


class ProblemSource:
    """Every problem a seed can give: problem k at a difficulty, the same whatever the size of the set.

    The topics come in rounds (each round every topic once, in an order drawn from ``random.Random(seed)``),
    and problem k is drawn from its own generator, seeded by the seed, k and the difficulty, so a set of 8
    and a set of 10 share their first problems. Problem k is never a repeat of an earlier problem of the
    same topic and difficulty (those are the only ones it could repeat), whichever of them the set holds.
    """

    def __init__(self, seed: int | str) -> None:
        self.seed = seed
        self._rng = random.Random(seed)
        self._topics: list[str] = []
        self._memo: dict[tuple[int, str], Problem] = {}

    def topic(self, number: int) -> str:
        while len(self._topics) < number:
            self._topics += self._rng.sample(TOPICS, len(TOPICS))
        return self._topics[number - 1]

    def problem(self, number: int, level: str) -> Problem:
        found = self._memo.get((number, level))
        if found is not None:
            return found
        topic = self.topic(number)
        # Earlier problems first (iteratively: a long set would otherwise recurse deeply).
        earlier = [j for j in range(1, number) if self.topic(j) == topic]
        for j in earlier:
            if (j, level) not in self._memo:
                self.problem(j, level)
        avoid = {_key(self._memo[j, level].exercise) for j in earlier}
        rng = random.Random(f"rnncount-homework/{self.seed!r}/{number}/{level}")
        for _attempt in range(50):
            layers, shape, index = _GENERATORS[topic](rng, level)
            exercise = Exercise(layers, shape, layer=None if index is None else index + 1)
            if _key(exercise) not in avoid:
                break
        problem = self._memo[number, level] = Problem(number, level, topic, exercise)
        return problem


def _key(exercise: Exercise) -> tuple[str, str, int | None]:
    return (exercise.result.spec, exercise.input_text, exercise.layer if isinstance(exercise.layer, int) else None)


def set_code(seed: int | str, n: int, difficulty: str) -> str:
    """A short code for the set a seed, a size and a difficulty give, e.g. ``8x-k3fq``.

    It says how many problems the set has and its difficulty (e, m, h, or x for mixed), and its last four
    letters check the seed: ``rnncount grade`` reads it from the answers and grades each sheet as its set.
    """
    digest = hashlib.sha256(f"rnncount-set\x00{seed!r}\x00{n}\x00{difficulty}".encode()).digest()
    check = base64.b32encode(digest).decode("ascii").lower()[:4]
    return f"{n}{_LETTERS[difficulty]}-{check}"


_LETTERS = {"easy": "e", "medium": "m", "hard": "h", "mixed": "x"}
SET_CODE = re.compile(r"^\s*(\d{1,4})([emhx])-([a-z2-7]{4})\s*$", re.IGNORECASE)


def read_set_code(text: str) -> tuple[int, str] | None:
    """``8x-k3fq`` -> (8, "mixed"); None when the text is not a set code."""
    m = SET_CODE.match(text)
    if not m:
        return None
    letter = m.group(2).lower()
    return int(m.group(1)), next(d for d, c in _LETTERS.items() if c == letter)


def problem_set(seed: int | str, n: int = 10, difficulty: str = "mixed") -> ProblemSet:
    """``n`` problems for a seed; the same arguments give the same set, and problem k is the same for any n.

    (In a mixed set the difficulty of problem k depends on n: easy first, hard last.)
    """
    if difficulty not in (*DIFFICULTIES, "mixed"):
        raise SpecError(f"difficulty must be easy, medium, hard or mixed, got {shown(difficulty)}")
    if isinstance(n, bool) or not isinstance(n, int):
        raise RnncountTypeError(f"the number of problems must be a whole number, got {type_name(n)}")
    if not 1 <= n <= MAX_PROBLEMS:
        raise SpecError(f"the number of problems must be from 1 to {MAX_PROBLEMS}, got {shown(n)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, str)):
        raise RnncountTypeError(f"the seed must be a whole number or a text (e.g. a student id), got {type_name(seed)}")
    if isinstance(seed, int) and too_large(seed):
        raise SpecError(f"the seed is too large: it has {digits(seed):,} digits")
    source = ProblemSource(seed)
    problems = tuple(source.problem(k, level_of(k, n, difficulty)) for k in range(1, n + 1))
    return ProblemSet(seed, difficulty, problems)


def _seed(text: str) -> int | str:
    """A seed from the command line: a whole number (digits 0-9, one sign) or else a text."""
    # Text that only looks like a number ('²', '++3', 5,000 digits) is refused, not used as a text seed.
    return parse_int(text, "the seed") if looks_numeric(text) else text


def _cmd_homework(args: Any) -> bool:
    pset = problem_set(_seed(args.seed), args.n, args.difficulty)
    print(pset.to_json(args.answers) if args.json else pset.markdown(args.answers), end="" if not args.json else "\n")
    return True


def add_homework_command(sub: Any) -> None:
    """Register ``rnncount homework``."""
    p = sub.add_parser(
        "homework",
        help="print a problem set (the same seed always gives the same set)",
        description=(
            "Print a problem set of parameter counts, e.g.: rnncount homework --seed 42 --n 10. "
            "Give each student their own seed (a number or a text such as a student id)."
        ),
    )
    p.add_argument("--seed", "-s", required=True, help="a number or a text; the same seed gives the same set")
    p.add_argument("--n", "-n", type=int, default=10, help="how many problems (default 10)")
    p.add_argument("--difficulty", "-d", choices=[*DIFFICULTIES, "mixed"], default="mixed", help="default: mixed")
    p.add_argument("--json", action="store_true", help="print the set as JSON")
    p.add_argument("--answers", action="store_true", help="add the answer key with worked solutions")
    p.set_defaults(func=_cmd_homework)


__all__ = [
    "DIFFICULTIES",
    "TOPICS",
    "Problem",
    "ProblemSet",
    "ProblemSource",
    "add_homework_command",
    "keras_code",
    "level_of",
    "problem_set",
    "read_set_code",
    "set_code",
]
