"""Exercises that never give the answer away, and a checker that names the mistake.

Every question is an object with the same small interface:

- ``q.check(answer) -> Feedback``: right, or one plain sentence with the student's own numbers
  on what the answer looks like ("It looks as if you used the 30 timesteps as the input width i;
  i is the last number of the input shape, 5.") and never the right number.
- ``q.hint()`` (the next hint; ``q.hints()`` all of them) and ``q.solution()`` (the full
  working): only when the student asks. Displaying a question (the last line of a cell, or
  ``q.widget()``) shows the question, an answer box and *Check*, *Hint* and *Solution* buttons;
  nothing is diagnosed or solved until a button is pressed.
- ``q.verify_keras()``: asserts the answer key against real Keras 3 models; ``verify(q1, q2, ...)``
  runs it for many and prints one line, "3 exercises checked against Keras", which is how a
  notebook proves its keys under nbval without showing the student anything.

The kinds of question:

- :class:`Exercise` (spec, input shape, ``layer=``, ``ask="params"|"shape"``): a count or an
  output shape. Wrong counts are diagnosed by perturbing the model through the engine (biases
  switched off, ``i`` replaced by ``T``, the weight blocks collapsed to one, ``reset_after``
  flipped, ...) and recounting; the keys of :data:`MISCONCEPTIONS` are stable.
- :class:`Choice` (question, options, answer, ``why=``, ``feedback=`` per wrong option,
  ``proof=``): conceptual multiple choice ("which knob, doubled, more than doubles the count: h,
  i or T?"). ``proof`` is a function that computes the right option (from Keras or the engine);
  :func:`verify` runs it.
- :class:`Inverse` (a spec with a ``{symbol}`` placeholder, the count, ``unknown=``): find h from
  17,024 with i = 100. The key is every value that gives the count, found by the engine.
- :class:`Design` (a task, input shape, requirements such as ``kinds=("GRU",)``,
  ``max_params=10_000``, ``output_shape=``, and an ``example=`` that meets them): the student
  answers with a spec; any spec that meets the requirements is right.
- :class:`Ranking` (four layers or models): order them by parameter count, fewest first,
  without computing; the key comes from the engine.

>>> ex = Exercise("GRU(4, return_sequences=True) > GRU(2, return_sequences=True) > SimpleRNN(25) > Dense(1)", (30, 5))
>>> ex.check(888).misconception
'gru_reset_after'
>>> Inverse("LSTM({h})", (20, 100), 17_024, unknown="h").check(32).correct
True
"""

from __future__ import annotations

import ast
import html
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..core.engine import CountResult, LayerCount, count
from ..core.formula import group_digits
from ..core.layers import (
    MAX_SIZE,
    Bidirectional,
    Dropout,
    Embedding,
    Flatten,
    Layer,
    RepeatVector,
    format_shape,
)
from ..core.spec import format_spec, looks_numeric, parse_int, too_deep_to_parse
from ..dashboards.colours import colour as text_colour
from ..errors import RnncountTypeError, SpecError, a_type, digits, shown, too_large
from .misconceptions import (
    BY_KEY,
    RECORDS,
    Candidate,
    Misconception,
    _cell,
    _layers,
    _n,
    _recount,
    _rewrap,
    _who,
    explain,
)

#: The known mistakes and the other verdicts, keyed by their stable key, most plausible first: when two give
#: the same number, the first one wins. Each is one record (rule, sentence, title, summary, teaching).
MISCONCEPTIONS: dict[str, Misconception] = dict(BY_KEY)

#: The rules of the computed mistakes, in order of plausibility (read from the records).
RULES: dict[str, Callable[[CountResult, int], int | None]] = {m.key: m.rule for m in RECORDS if m.rule is not None}

#: Keys of the computed mistakes, in order of plausibility.
MISTAKES: tuple[str, ...] = tuple(RULES)

#: The labels of shape questions: a shape mistake is not named like the count mistake with the same key.
SHAPE_TITLES: dict[str, str] = {
    "return_sequences_shape": "return_sequences misread",
    "bidirectional_width": "one direction's width for a concatenated Bidirectional",
    "timesteps_as_features": "timesteps and features swapped in the shape",
    "unknown": "no known shape mistake",
}


def _ignore_bidirectional(result: CountResult) -> int | None:
    """The total with every Bidirectional replaced by its wrapped layer: neither doubled nor widened."""
    layers = _layers(result)
    idx = [k for k, lay in enumerate(layers) if isinstance(lay, Bidirectional)]
    if not idx:
        return None
    for k in idx:
        layers[k] = layers[k].layer.with_options(name=result.layers[k].name)
    again = _recount(layers, result.input_shape)
    return None if again is None else again.total


def candidates(result: CountResult, layer: int | None = None) -> list[Candidate]:
    """Every wrong count a known misconception gives, most plausible first.

    ``layer`` is a 0-based layer index, or None for the total.
    """
    right = result.total if layer is None else result.layers[layer].params
    out: list[Candidate] = []
    for key, rule in RULES.items():
        if layer is not None:
            value = rule(result, layer)
            if value is not None and value != right:
                out.append(Candidate(key, value, (layer,)))
            continue
        per = {k: v for k in range(len(result.layers)) if (v := rule(result, k)) is not None}
        per = {k: v for k, v in per.items() if v != result.layers[k].params}
        if not per:
            continue
        if len(per) > 1:
            total = right + sum(v - result.layers[k].params for k, v in per.items())
            out.append(Candidate(key, total, tuple(per), everywhere=True))
        for k, v in per.items():
            out.append(Candidate(key, right - result.layers[k].params + v, (k,)))
        if key == "bidirectional_not_doubled":
            ignored = _ignore_bidirectional(result)
            if ignored is not None:
                bidi = tuple(k for k, lc in enumerate(result.layers) if isinstance(lc.layer, Bidirectional))
                out.append(Candidate(key, ignored, bidi, everywhere=len(bidi) > 1, variant="ignored"))
    if layer is None and len(result.layers) > 1:
        # Least plausible, so last: a whole layer missing from the sum (often the Dense head).
        out += [Candidate("left_out_layer", right - lc.params, (k,)) for k, lc in enumerate(result.layers) if lc.params]
    return [c for c in out if c.value != right and c.value >= 0]


# --------------------------------------------------------------------------- feedback


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: right or not, the misconception it matches, and one sentence on why."""

    correct: bool
    misconception: str | None  # None when right; a key of MISCONCEPTIONS otherwise
    message: str
    answer: Any
    also: tuple[str, ...] = ()
    label: str | None = None  # the title, when it is not the misconception's own (shape questions)

    @property
    def title(self) -> str:
        if self.correct:
            return "Right"
        return self.label or MISCONCEPTIONS[self.misconception or "unknown"].title

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return f"✓ Right: {self.message}" if self.correct else f"✗ {self.message}"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        # The page's theme (RNNCOUNT_THEME, as for pictures): green and orange that read on it.
        colour = text_colour("right" if self.correct else "wrong")
        mark = "&#10003; Right</b>: " if self.correct else "&#10007;</b> "
        head = f"<b style='color:{colour}'>{mark}"
        return (
            f"<div class='rnncount-feedback' style='border-left:4px solid {colour};padding:2px 8px'>"
            f"{head}{html.escape(self.message)}</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "correct": self.correct,
            "misconception": self.misconception,
            "title": self.title,
            "message": self.message,
            "also": list(self.also),
        }


def parse_answer(answer: Any) -> int:
    """A parameter count from ``906``, ``"1,400"``, ``"1_400"`` or ``906.0``; SpecError if unusable."""
    if isinstance(answer, bool):
        raise SpecError(f"the answer must be a whole number of parameters, got {answer!r}")
    if isinstance(answer, int):
        value = answer
    elif isinstance(answer, float):
        if not answer.is_integer():
            raise SpecError(f"the answer must be a whole number of parameters, got {answer!r}")
        value = int(answer)
    elif isinstance(answer, str):
        text = answer.strip().replace(",", "").replace("_", "").replace(" ", "")
        if text.endswith(".0"):
            text = text[:-2]
        if not looks_numeric(text):
            raise SpecError(
                f"the answer must be a whole number of parameters, such as 906 or 1,400; got {shown(answer)}"
            )
        # One sign and the digits 0-9 only: '²', '++3' and numbers past Python's digit limit are refused.
        value = parse_int(text, "the answer", echo=shown(answer))
    else:
        # A SpecError (a ValueError), as for any other answer that cannot be read.
        raise SpecError(f"the answer must be a whole number of parameters, got {a_type(answer)}")
    if value < 0:
        raise SpecError(f"a parameter count cannot be negative, got {shown(answer)}")
    if too_large(value):
        raise SpecError(f"the answer is too large: it has {digits(value):,} digits")
    return value


#: Deepest nesting of a typed shape answer that is read (a list of shapes needs two levels).
SHAPE_DEPTH = 50


def parse_shape_answer(answer: Any) -> Any:
    """An output shape from ``(None, 30, 4)``, ``"(None, 30, 4)"``, ``"30,4"`` or a list of shapes."""
    value = answer
    if isinstance(answer, str):
        text = answer.strip()
        if text and text[0] not in "([":
            text = f"({text},)"
        try:
            if too_deep_to_parse(text, SHAPE_DEPTH):
                raise ValueError("too deeply nested")
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise SpecError(f"cannot read {shown(answer)} as a shape; write it like (None, 30, 4)") from None

    def one(s: Any) -> tuple:
        if isinstance(s, int) and not isinstance(s, bool):
            s = (s,)
        if not isinstance(s, (tuple, list)) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0) for d in s
        ):
            raise SpecError(f"cannot read {shown(answer)} as a shape; write it like (None, 30, 4)")
        if any(d is not None and d > MAX_SIZE for d in s):
            raise SpecError(f"a size in the shape {shown(answer)} is too large: at most {MAX_SIZE:,}")
        return tuple(s)

    if isinstance(value, list) and value and all(isinstance(s, (tuple, list)) for s in value):
        return [one(s) for s in value]
    return one(value)


def _shape_text(shape: Any) -> str:
    return format_shape(shape) if isinstance(shape, (tuple, list)) else str(shape)


def _with_batch(shape: Any, like: Any) -> Any:
    """Accept a shape written without Keras's batch dimension."""
    if isinstance(shape, list) and isinstance(like, list) and len(shape) == len(like):
        return [_with_batch(s, ref) for s, ref in zip(shape, like, strict=True)]
    if isinstance(shape, tuple) and isinstance(like, tuple) and len(shape) == len(like) - 1 and shape[:1] != (None,):
        return (None, *shape)
    return shape


# --------------------------------------------------------------------------- the exercise


@dataclass(frozen=True)
class Solution:
    """The worked answer, step by step, from the engine's formulas."""

    question: str
    steps: tuple[str, ...]
    answer: Any

    def __str__(self) -> str:
        return "\n".join([self.question, *[f"  {s}" for s in self.steps], f"Answer: {self._answer_text}"])

    @property
    def _answer_text(self) -> str:
        if isinstance(self.answer, str):
            return self.answer
        return group_digits(self.answer) if isinstance(self.answer, int) else format_shape(self.answer)

    def markdown(self) -> str:
        body = "\n".join(self.steps)
        return f"{self.question}\n\n```text\n{body}\n```\n\n**Answer: {self._answer_text}**"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        body = html.escape("\n".join(self.steps))
        return (
            f"<div class='rnncount-solution'><p>{html.escape(self.question)}</p><pre>{body}</pre>"
            f"<p><b>Answer: {html.escape(self._answer_text)}</b></p></div>"
        )


# --------------------------------------------------------------------------- the interface every question shares


class Question:
    """What every kind of question offers: check, hints and the solution on request, a widget, a Keras proof.

    Subclasses define ``question`` (the text), ``check``, ``hints``, ``solution`` and ``verify_keras``.
    Nothing here prints: displaying a question shows its form, and only the student's buttons or calls
    (``check``, ``hint``, ``solution``) show more.
    """

    kind: ClassVar[str] = "question"
    placeholder: str = "your answer"
    title: str | None = None
    question: str = ""

    def check(self, answer: Any) -> Feedback:  # pragma: no cover - abstract
        raise NotImplementedError

    def hints(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def solution(self) -> Solution:  # pragma: no cover - abstract
        raise NotImplementedError

    def verify_keras(self) -> None:  # pragma: no cover - abstract
        """Raise AssertionError unless the answer key agrees with real Keras 3 models."""
        raise NotImplementedError

    def hint(self) -> str:
        """The next hint (the last one repeats)."""
        hints = self.hints()
        step = getattr(self, "_hint_step", 0)
        self._hint_step = step + 1
        return hints[min(step, len(hints) - 1)]

    def widget(self) -> Any:
        """A small ipywidgets form: the question, an answer box, Check, Hint and Solution buttons."""
        return exercise_widget(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        try:
            view = self.widget()
        except ImportError:  # pragma: no cover - ipywidgets ships with the package
            return {"text/plain": str(self)}
        bundle = view._repr_mimebundle_(include=include, exclude=exclude)
        if isinstance(bundle, dict):
            bundle["text/plain"] = str(self)
        return bundle

    def __str__(self) -> str:
        return self.title + ": " + self.question if self.title else self.question

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "question": self.question}


@dataclass
class Exercise(Question):
    """A model and a question about it.

    ``layer`` picks the layer asked about: a 1-based number (as in "layer 2") or a
    Keras-style name (``"gru_1"``); None asks for the whole model. ``ask`` is
    ``"params"`` (a count) or ``"shape"`` (the output shape).
    """

    kind = "exercise"

    spec: str | Sequence[Layer]
    input_shape: Any
    layer: int | str | None = None
    ask: str = "params"
    title: str | None = None
    result: CountResult = field(init=False, repr=False)
    _hint_step: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.title is not None and not isinstance(self.title, str):
            raise RnncountTypeError(f"title must be a str or None, got {a_type(self.title)}")
        self.result = count(self.spec, self.input_shape)
        if not isinstance(self.spec, str):
            self.spec = self.result.spec
        if not self.result.layers:
            raise SpecError("an exercise needs at least one layer")
        if self.ask not in ("params", "shape"):
            raise SpecError(f"ask must be 'params' or 'shape', got {shown(self.ask)}")
        self._index = self._resolve(self.layer)

    def _resolve(self, layer: int | str | None) -> int | None:
        n = len(self.result.layers)
        if layer is None:
            return None
        if isinstance(layer, str) and looks_numeric(layer):
            layer = parse_int(layer, "the layer number", echo=shown(layer))
        if isinstance(layer, int) and not isinstance(layer, bool):
            if not 1 <= layer <= n:
                raise SpecError(f"layer {shown(layer)} does not exist: the model has {n} layer(s), numbered 1 to {n}")
            return layer - 1
        if not isinstance(layer, str):
            raise RnncountTypeError(f"layer must be a layer number or a layer name, got {a_type(layer)}")
        names = [lc.name for lc in self.result.layers]
        if layer in names:
            return names.index(layer)
        listed = ", ".join(names)
        if len(listed) > 200:  # a very long stack: the first and the last names are enough
            listed = f"{listed[:100]} ... {listed[-95:]}"
        raise SpecError(f"no layer named {shown(layer)}; the layers are {listed}")

    # -- the question

    @property
    def target(self) -> LayerCount | None:
        """The layer asked about, or None for the whole model."""
        return None if self._index is None else self.result.layers[self._index]

    @property
    def expected(self) -> Any:
        """The right answer (a count, or an output shape)."""
        if self.ask == "shape":
            return self.result.output_shape if self.target is None else self.target.output_shape
        return self.result.total if self.target is None else self.target.params

    @property
    def input_text(self) -> str:
        return ",".join("None" if d is None else str(d) for d in self.result.input_shape[1:])

    @property
    def question(self) -> str:
        what = "output shape" if self.ask == "shape" else "number of parameters"
        model = f"{self.result.spec} on input {format_shape(self.result.input_shape)}"
        if self.target is None:
            scope = "the model's" if self.ask == "shape" else "the model's total"
            return f"{model}: what is {scope} {what}?"
        lc = self.target
        return f"{model}: what is the {what} of layer {self._index + 1}, {lc.name} ({lc.type})?"

    @property
    def placeholder(self) -> str:  # type: ignore[override]
        if self.ask != "shape":
            return "a whole number"

        # An example of the notation, never the answer itself.
        def accepted(shape: str) -> bool:
            try:
                return self.check(shape).correct
            except SpecError:
                return False

        return next(s for s in SHAPE_EXAMPLES if not accepted(s))

    # -- checking

    def check(self, answer: Any) -> Feedback:
        """Check an answer; raises SpecError when the answer cannot be read."""
        if self.ask == "shape":
            return self._check_shape(answer)
        value = parse_answer(answer)
        right = self.expected
        if value == right:
            return Feedback(True, None, self._right_message(), value)
        matches = [c for c in candidates(self.result, self._index) if c.value == value]
        if matches:
            best = matches[0]
            others = tuple(dict.fromkeys(c.key for c in matches[1:] if c.key != best.key))
            message = explain(self.result, best)
            if others:
                titles = " or ".join(MISCONCEPTIONS[k].title for k in others)
                message = message[:-1] + f" ({_n(value)} also fits another mistake: {titles})."
            return Feedback(False, best.key, message, value, others)
        slack = max(2, right // 50)
        if abs(value - right) <= slack:
            side = "high" if value > right else "low"
            return Feedback(
                False,
                "close_miss",
                f"{_n(value)} is close but a little too {side}; the method looks right, so redo the arithmetic "
                f"term by term ({self._formulas()}).",
                value,
            )
        return Feedback(
            False,
            "unknown",
            f"No common mistake gives {_n(value)}; count step by step ({self._formulas()}).",
            value,
        )

    def _formulas(self) -> str:
        rows = self.result.layers if self.target is None else (self.target,)
        parts = [f"{lc.name}: {lc.formula.general}" for lc in rows if lc.params]
        if self.target is None and len(rows) > 1:
            parts.append("then add the layers")
        return ", ".join(parts) or "this layer has no weights"

    def _right_message(self) -> str:
        if self.target is None:
            return f"{self.result.total_formula}" if len(self.result.layers) > 1 else self.result.layers[0].formula.text
        return self.target.formula.text

    def _check_shape(self, answer: Any) -> Feedback:
        right = self.expected
        shape = _with_batch(parse_shape_answer(answer), right)
        if shape == right:
            return Feedback(True, None, f"Keras writes it as {format_shape(right)}, with None for the batch.", shape)
        k = len(self.result.layers) - 1 if self._index is None else self._index
        layers = _layers(self.result)
        tries: list[tuple[str, str, CountResult | None]] = []
        # The recurrent layer whose return_sequences decides this shape: the last one up to layer k.
        rec = [j for j in range(k + 1) if _cell(layers[j]) is not None]
        if rec:
            j = rec[-1]
            cell = _cell(layers[j])
            flipped = _rewrap(layers[j], cell.with_options(return_sequences=not cell.return_sequences))
            who = _who(self.result, j)
            if cell.return_sequences:
                why = (
                    f"It looks as if you took {who} to return only its last timestep; with return_sequences=True "
                    "it returns every timestep, (None, T, h)."
                )
            else:
                why = (
                    f"It looks as if you took {who} to return every timestep; with return_sequences=False it "
                    "returns the last timestep only, (None, h)."
                )
            tries.append(
                (
                    "return_sequences_shape",
                    why,
                    _recount([*layers[:j], flipped, *layers[j + 1 :]], self.result.input_shape),
                )
            )
        summed = [
            lay.with_options(merge_mode="sum") if isinstance(lay, Bidirectional) and lay.merge_mode == "concat" else lay
            for lay in layers
        ]
        if summed != layers:
            tries.append(
                (
                    "bidirectional_width",
                    "It looks as if you gave the Bidirectional output the width of one direction; "
                    "merge_mode='concat' puts the forward and backward outputs side by side, 2h numbers.",
                    _recount(summed, self.result.input_shape),
                )
            )
        dims = self.result.input_shape
        if len(dims) == 3 and dims[1] != dims[2]:
            tries.append(
                (
                    "timesteps_as_features",
                    f"It looks as if you swapped the timesteps and the features; the input shape "
                    f"{format_shape(dims)} is (None, T, i), so T = {dims[1]} and i = {dims[2]}.",
                    _recount(layers, (None, dims[2], dims[1])),
                )
            )
        for key, why, again in tries:
            if again is None:
                continue
            wrong = again.layers[k].output_shape
            if wrong == shape and wrong != right:
                return Feedback(False, key, why, shape, label=SHAPE_TITLES[key])
        return Feedback(
            False,
            "unknown",
            f"No common mistake gives {_shape_text(shape)}; follow the shape layer by layer: a recurrent layer "
            "gives (None, T, h) with return_sequences=True and (None, h) without, and a Dense layer changes only "
            "the last number.",
            shape,
            label=SHAPE_TITLES["unknown"],
        )

    # -- hints and solution

    def hints(self) -> list[str]:
        """All the hints, in order; none of them gives the answer."""
        rows = self.result.layers if self.target is None else (self.target,)
        out: list[str] = []
        if self.ask == "shape":
            out.append("Shapes start with None for the batch; follow the input through each layer in turn.")
            last = len(self.result.layers) - 1 if self._index is None else self._index
            out += [_shape_hint(lc) for lc in self.result.layers[: last + 1]]
            return out
        if self.target is None and len(rows) > 1:
            out.append(
                "Count layer by layer, then add; each layer's input width i is the output width of the layer "
                "before it (T, the number of timesteps, never enters a count)."
            )
        out += [_count_hint(lc) for lc in rows]
        return out

    def solution(self) -> Solution:
        """The full by-hand working, from the engine's formulas."""
        rows = self.result.layers if self.target is None else (self.target,)
        if self.ask == "shape":
            upto = self.result.layers[: (len(self.result.layers) if self._index is None else self._index + 1)]
            steps = [
                f"{lc.name} ({lc.type}): {format_shape(lc.input_shape)} -> {format_shape(lc.output_shape)}"
                for lc in upto
            ]
            return Solution(self.question, tuple(steps), self.expected)
        steps = [_count_step(lc) for lc in rows]
        if self.target is None and len(rows) > 1:
            steps.append(f"total: {self.result.total_formula}")
        return Solution(self.question, tuple(steps), self.expected)

    # -- the proof

    def verify_keras(self) -> None:
        """Build the model in Keras 3 and check that the key accepts Keras's own count or shape."""
        model = _keras_model(self.result)
        if self.ask == "shape":
            # The last (or asked-about) layer's output: a Sequential model has no .output of its own.
            last = self.result.layers[-1] if self.target is None else self.target
            got = _keras_shape(model.get_layer(last.name).output)
        else:
            got = model.count_params() if self.target is None else model.get_layer(self.target.name).count_params()
        if not self.check(got).correct:
            raise AssertionError(f"{self}: Keras says {got}, the key says {self.expected}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "spec": self.result.spec,
            "input": self.input_text,
            "layer": None if self._index is None else self._index + 1,
            "layer_name": None if self.target is None else self.target.name,
            "ask": self.ask,
            "question": self.question,
        }


def _symbols_text(lc: LayerCount) -> str:
    symbols = lc.formula.symbols
    return ", ".join(f"{k} = {v}" for k, v in symbols.items())


def _count_hint(lc: LayerCount) -> str:
    layer = lc.layer
    head = f"{lc.name} ({lc.type})"
    if lc.params == 0:
        return f"{head}: does a {layer.kind} layer hold any weights, or does it only move numbers around?"
    if isinstance(layer, Embedding):
        return f"{head}: one row of d numbers per token id in the vocabulary V: use {lc.formula.general}."
    where = f"its input is {format_shape(lc.input_shape)}, so i is the last dimension"
    return f"{head}: {where}; use {lc.formula.general} with {_symbols_text(lc)}."


def _count_step(lc: LayerCount) -> str:
    head = f"{lc.name} ({lc.type})"
    if lc.params == 0:
        return f"{head}: no weights: 0"
    if isinstance(lc.layer, Embedding):
        return f"{head}: V = {lc.layer.input_dim}, d = {lc.layer.output_dim}: {lc.formula.text}"
    return f"{head}: input {format_shape(lc.input_shape)}, so {_symbols_text(lc)}: {lc.formula.text}"


def _shape_hint(lc: LayerCount) -> str:
    layer = lc.layer
    cell = _cell(layer)
    if cell is not None:
        seq = "every timestep" if cell.return_sequences else "the last timestep only"
        extra = " and merge_mode decides the width" if isinstance(layer, Bidirectional) else ""
        return f"{lc.name} ({lc.type}): return_sequences={cell.return_sequences} returns {seq}{extra}."
    if isinstance(layer, (Flatten, RepeatVector, Dropout, Embedding)):
        return f"{lc.name} ({lc.type}): what does a {layer.kind} do to the shape it receives?"
    return f"{lc.name} ({lc.type}): a Dense changes only the last dimension."


def diagnose(spec: str | Sequence[Layer], input_shape: Any, answer: Any, layer: int | str | None = None) -> Feedback:
    """Shortcut: ``Exercise(spec, input_shape, layer=layer).check(answer)``."""
    return Exercise(spec, input_shape, layer=layer).check(answer)


# --------------------------------------------------------------------------- the other kinds of question


def _keras_model(result: CountResult) -> Any:
    from ..bridges.keras import build_model

    return build_model(result, zeros=True)


def _keras_shape(output: Any) -> Any:
    if isinstance(output, (list, tuple)):
        return [tuple(t.shape) for t in output]
    return tuple(output.shape)


def _one_of(keys: Sequence[str]) -> str:
    return ", ".join(keys[:-1]) + " or " + keys[-1] if len(keys) > 1 else keys[0]


class Choice(Question):
    """A conceptual multiple-choice question.

    ``options`` maps a short key to its text (a list gets the keys A, B, C, ...); ``answer`` is the
    right key; ``why`` the one-sentence reason, shown after a right answer and in the solution;
    ``feedback`` maps a wrong key to one sentence (or to ``(misconception_key, sentence)``);
    ``proof`` is a function that computes the right key, from Keras or the engine, and is run only
    by :func:`verify`.
    """

    kind = "choice"
    placeholder = "one of the options"

    def __init__(
        self,
        question: str,
        options: Mapping[str, str] | Sequence[str],
        answer: str,
        *,
        why: str,
        feedback: Mapping[str, str | tuple[str, str]] | None = None,
        hints: Sequence[str] = (),
        proof: Callable[[], str] | None = None,
        title: str | None = None,
    ) -> None:
        if isinstance(options, Mapping):
            self.options = {str(k): str(v) for k, v in options.items()}
        else:
            self.options = {chr(ord("A") + n): str(text) for n, text in enumerate(options)}
        if len(self.options) < 2:
            raise SpecError("a multiple-choice question needs at least two options")
        if answer not in self.options:
            raise SpecError(f"the answer {answer!r} is not one of the options {list(self.options)}")
        self.prompt, self.answer, self.why, self.proof, self.title = question, answer, why, proof, title
        self.feedback = dict(feedback or {})
        for key, value in self.feedback.items():
            misconception = value[0] if isinstance(value, tuple) else "wrong_choice"
            if key not in self.options or key == answer or misconception not in MISCONCEPTIONS:
                raise SpecError(f"feedback for {key!r}: not a wrong option, or an unknown misconception key")
        self._hints = list(hints) or ["Try each option on a small example and see which one holds."]
        self._hint_step = 0

    @property
    def question(self) -> str:  # type: ignore[override]
        lines = [f"{k}: {text}" if k != text else k for k, text in self.options.items()]
        return self.prompt + "\n" + "\n".join(lines)

    def _read(self, answer: Any) -> str:
        text = _answer_text(answer).strip()
        for key, option in self.options.items():
            if text.lower() in (key.lower(), option.lower()):
                return key
        raise SpecError(f"choose one of {_one_of(list(self.options))}; got {shown(answer)}")

    def check(self, answer: Any) -> Feedback:
        key = self._read(answer)
        if key == self.answer:
            return Feedback(True, None, self.why, key)
        given = self.feedback.get(key)
        if isinstance(given, tuple):
            return Feedback(False, given[0], given[1], key)
        message = given or f"{key} is not the one; try it on a small example, or ask for a hint."
        return Feedback(False, "wrong_choice", message, key)

    def hints(self) -> list[str]:
        return list(self._hints)

    def solution(self) -> Solution:
        return Solution(self.prompt, (self.why,), f"{self.answer}: {self.options[self.answer]}")

    def verify_keras(self) -> None:
        if self.proof is None:
            raise AssertionError(f"{self.title or self.prompt!r}: a Choice needs proof= to be verified")
        got = self.proof()
        if got != self.answer:
            raise AssertionError(
                f"{self.title or self.prompt!r}: the proof gives {got!r}, the key says {self.answer!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "options": dict(self.options)}


class Inverse(Question):
    """Find a size from a count: ``Inverse("LSTM({h})", (20, 100), 17_024, unknown="h")``.

    The placeholder ``{unknown}`` may stand in the spec or in the input shape (``(20, "{i}")`` or
    ``"20,{i}"``). ``params`` is the model's total, or layer ``layer``'s count. The key, every
    value in ``search`` that gives the count, is found by the engine (counts never fall as a size
    grows, so a bisection finds it).
    """

    kind = "inverse"

    def __init__(
        self,
        spec: str,
        input_shape: Any,
        params: int,
        *,
        unknown: str = "h",
        layer: int | None = None,
        search: range = range(1, 100_001),
        question: str | None = None,
        title: str | None = None,
    ) -> None:
        token = "{" + unknown + "}"
        if token not in spec and token not in str(input_shape):
            raise SpecError(f"put the unknown as {token} in the spec or the input shape")
        self.spec, self.input_shape, self.params, self.unknown = spec, input_shape, int(params), unknown
        self.layer, self.title, self._prompt = layer, title, question
        self.placeholder = f"a whole number for {unknown}"
        self.values = self._solve(search)
        if not self.values:
            raise SpecError(f"no {unknown} from {search.start} to {search.stop - 1} gives {_n(self.params)}")
        self.answer = self.values[0]
        self._hint_step = 0

    def model(self, value: int) -> CountResult:
        """The model with the unknown set to ``value`` (SpecError if it cannot be built)."""
        values = {self.unknown: value}
        shape = self.input_shape
        if isinstance(shape, str):
            shape = shape.format(**values)
        elif isinstance(shape, (tuple, list)):
            shape = tuple(int(d.format(**values)) if isinstance(d, str) else d for d in shape)
        return count(self.spec.format(**values), shape)

    def _count(self, result: CountResult) -> int:
        return result.total if self.layer is None else result.layers[self.layer - 1].params

    def _value(self, x: int) -> int | None:
        try:
            return self._count(self.model(x))
        except SpecError:
            return None

    def _solve(self, search: range) -> list[int]:
        lo, hi = search.start, search.stop - 1
        while lo < hi:  # the smallest x whose count reaches params
            mid = (lo + hi) // 2
            value = self._value(mid)
            if value is not None and value >= self.params:
                hi = mid
            else:
                lo = mid + 1
        found = []
        while lo < search.stop and self._value(lo) == self.params:
            found.append(lo)
            lo += 1
        return found

    @property
    def question(self) -> str:  # type: ignore[override]
        given = self.input_shape
        dims = given.split(",") if isinstance(given, str) else given if isinstance(given, (tuple, list)) else [given]
        # Written as every other question writes a shape: the batch first, as None.
        shape = ", ".join(["None", *(str(d).strip() for d in dims)])
        what = "parameters" if self.layer is None else f"parameters in layer {self.layer}"
        default = f"{self.spec} on input ({shape}) has {_n(self.params)} {what}: what is {self.unknown}?"
        return self._prompt or default.replace("{" + self.unknown + "}", self.unknown)

    def check(self, answer: Any) -> Feedback:
        try:
            x = parse_answer(answer)
        except (SpecError, ValueError):
            raise SpecError(f"{self.unknown} is a whole number, such as 16; got {shown(answer)}") from None
        try:
            result = self.model(x)
        except SpecError as err:
            return Feedback(False, "wrong_value", f"With {self.unknown} = {x} the model cannot be built: {err}.", x)
        n = self._count(result)
        lc = result.layers[-1 if self.layer is None else self.layer - 1]
        if x in self.values:
            return Feedback(True, None, f"with {self.unknown} = {x}, {lc.formula.text}.", x)
        index = None if self.layer is None else self.layer - 1
        model = self.spec.format(**{self.unknown: x})
        mistake = next((c for c in candidates(result, index) if c.value == self.params), None)
        if mistake is not None:
            title = MISCONCEPTIONS[mistake.key].title
            return Feedback(
                False,
                mistake.key,
                f"With {self.unknown} = {x}, {model} has {_n(n)} parameters, not {_n(self.params)}; {x} gives "
                f"{_n(self.params)} only with a known mistake: {title}.",
                x,
            )
        more = n > self.params
        return Feedback(
            False,
            "wrong_value",
            f"With {self.unknown} = {x}, {model} has {_n(n)} parameters, {'more' if more else 'fewer'} than "
            f"{_n(self.params)}; try a {'smaller' if more else 'larger'} {self.unknown}.",
            x,
        )

    def hints(self) -> list[str]:
        result = self.model(self.answer)
        try:
            # The symbols that change with the unknown are not given: they would give the answer away.
            moved: CountResult | None = self.model(self.answer + 1)
        except SpecError:
            moved = None
        ks = range(len(result.layers)) if self.layer is None else [self.layer - 1]
        parts = []
        for k in ks:
            lc = result.layers[k]
            if not lc.params:
                continue
            other = moved.layers[k].formula.symbols if moved is not None else {}
            known = [f"{s} = {v}" for s, v in lc.formula.symbols.items() if s != self.unknown and other.get(s) == v]
            varies = [s for s, v in lc.formula.symbols.items() if s != self.unknown and other.get(s) != v]
            text = f"{lc.name}: {lc.formula.general}"
            if known:
                text += f" with {', '.join(known)}"
            if varies:
                text += f" ({', '.join(varies)} {'depends' if len(varies) == 1 else 'depend'} on {self.unknown})"
            parts.append(text)
        out = [f"Write the count as a formula in {self.unknown}: {'; '.join(parts)}."]
        last = result.layers[ks[-1]]
        if self.unknown == "h" and _cell(last.layer) is not None and len(parts) == 1:
            out.append(
                "It is a quadratic in h: divide by the number of weight blocks g, then solve "
                "h*h + (i + bias rows)*h = count / g, or try a round number, count, and adjust."
            )
        else:
            out.append(f"The count grows with {self.unknown}: try a value, compare, and adjust.")
        return out

    def solution(self) -> Solution:
        result = self.model(self.answer)
        lc = result.layers[-1 if self.layer is None else self.layer - 1]
        steps = [f"{self.unknown} = {self.answer}: {lc.formula.text}"]
        if self.layer is None and len(result.layers) > 1:
            steps.append(f"total: {result.total_formula}")
        return Solution(self.question, tuple(steps), self.answer)

    def verify_keras(self) -> None:
        result = self.model(self.answer)
        model = _keras_model(result)
        got = (
            model.count_params()
            if self.layer is None
            else model.get_layer(result.layers[self.layer - 1].name).count_params()
        )
        if got != self.params:
            raise AssertionError(f"{self.question!r}: Keras counts {got} with {self.unknown} = {self.answer}")

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "spec": self.spec, "unknown": self.unknown, "params": self.params}


def _answer_text(answer: Any) -> str:
    """An answer as text: ``str`` of anything, but never a failure (huge numbers, broken ``__str__``)."""
    if answer is None:
        return ""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, (int, float)):
        return shown(answer)  # repr, or "a number with N digits" past what Python will write out
    try:
        return str(answer)
    except Exception:  # a user object's broken __str__ reads as no answer
        return a_type(answer)


def _kinds(result: CountResult) -> set[str]:
    out: set[str] = set()
    for lc in result.layers:
        out.add(lc.layer.kind)
        inner = getattr(lc.layer, "layer", None)
        if isinstance(inner, Layer):
            out.add(inner.kind)
    return out


#: Shapes the answer box of a shape question shows as an example of the notation (the first that is not
#: the answer).
SHAPE_EXAMPLES: tuple[str, ...] = ("(None, 30, 4)", "(None, 7, 3)")

#: Specs a design question shows as an example of the answer's syntax, in its answer box and its text: the
#: first that does not meet the requirements, so that no example shown is itself an accepted answer.
SYNTAX_EXAMPLES: tuple[str, ...] = ("GRU(8)", "LSTM(8) > Dense(1)", "SimpleRNN(2) > Dense(3)", "Dense(1)")


class Design(Question):
    """A design task: the student answers with a spec, and any spec that meets the requirements is right.

    Requirements: ``kinds`` (layer types the model must contain), ``max_params`` and ``min_params``
    (the total, inclusive), ``output_shape`` (the model's, with None for the batch), ``max_layers``.
    ``example`` is one answer that meets them (checked on construction, and in Keras by :func:`verify`).
    The syntax example the question and its answer box show (``syntax``) is one that does *not* meet them.
    """

    kind = "design"

    def __init__(
        self,
        task: str,
        input_shape: Any,
        *,
        example: str,
        kinds: Sequence[str] = (),
        max_params: int | None = None,
        min_params: int | None = None,
        output_shape: Any = None,
        max_layers: int | None = None,
        title: str | None = None,
    ) -> None:
        self.task, self.input_shape, self.example, self.title = task, input_shape, example, title
        self.kinds, self.max_params, self.min_params = tuple(kinds), max_params, min_params
        self.output_shape = None if output_shape is None else parse_shape_answer(output_shape)
        self.max_layers = max_layers
        self._hint_step = 0
        if not self.check(example).correct:
            raise SpecError(f"the example {example!r} does not meet the requirements: {self.check(example).message}")
        self.syntax = next((s for s in SYNTAX_EXAMPLES if not self._accepts(s)), None)

    def _accepts(self, spec: str) -> bool:
        try:
            return self.check(spec).correct
        except SpecError:  # a spec that does not fit this input is not an answer either
            return False

    @property
    def placeholder(self) -> str:  # type: ignore[override]
        return f"layers, e.g. {self.syntax}" if self.syntax else "layers, separated by >"

    @property
    def requirements(self) -> list[str]:
        out = [f"contains a {k} layer" for k in self.kinds]
        if self.max_params is not None:
            out.append(f"at most {_n(self.max_params)} parameters")
        if self.min_params is not None:
            out.append(f"at least {_n(self.min_params)} parameters")
        if self.output_shape is not None:
            out.append(f"output shape {format_shape(self.output_shape)}")
        if self.max_layers is not None:
            out.append(f"at most {self.max_layers} layers")
        return out

    @property
    def question(self) -> str:  # type: ignore[override]
        needs = "; ".join(self.requirements)
        how = f"e.g. {self.syntax}" if self.syntax else "separated by >"
        return f"{self.task} Requirements: {needs}. Answer with the layers, {how}."

    def check(self, answer: Any) -> Feedback:
        text = _answer_text(answer).strip()
        if not text:
            raise SpecError("write at least one layer, e.g. GRU(8)")
        result = count(text, self.input_shape)
        if not result.layers:
            raise SpecError("write at least one layer, e.g. GRU(8)")
        n = result.total
        spec = result.spec
        missing = [k for k in self.kinds if k not in _kinds(result)]
        if missing:
            return Feedback(
                False, "requirement_unmet", f"Your model {spec} has no {missing[0]} layer; the task asks for one.", text
            )
        if self.max_layers is not None and len(result.layers) > self.max_layers:
            return Feedback(
                False,
                "requirement_unmet",
                f"Your model {spec} has {len(result.layers)} layers, more than the {self.max_layers} allowed.",
                text,
            )
        if self.output_shape is not None:
            shape = _with_batch(self.output_shape, result.output_shape)
            if result.output_shape != shape:
                return Feedback(
                    False,
                    "requirement_unmet",
                    f"Your model {spec} gives {format_shape(result.output_shape)}, but the task asks for "
                    f"{format_shape(shape)}.",
                    text,
                )
        if self.max_params is not None and n > self.max_params:
            return Feedback(
                False,
                "requirement_unmet",
                f"Your model {spec} has {_n(n)} parameters, more than the {_n(self.max_params)} allowed; fewer units "
                "shrink the h*h term fastest.",
                text,
            )
        if self.min_params is not None and n < self.min_params:
            return Feedback(
                False,
                "requirement_unmet",
                f"Your model {spec} has {_n(n)} parameters, fewer than the {_n(self.min_params)} asked for.",
                text,
            )
        how = result.total_formula if len(result.layers) > 1 else result.layers[0].formula.text
        return Feedback(True, None, f"{spec} meets every requirement: {how}.", text)

    def hints(self) -> list[str]:
        example = count(self.example, self.input_shape)
        out = [
            "Start from one layer of the right kind and write its count as a formula in its units h: "
            + ", ".join(f"{lc.type}: {lc.formula.general}" for lc in example.layers if lc.params)
            + "."
        ]
        if self.max_params is not None:
            out.append(
                f"Try a round number of units, count, and halve or double it until you are under {_n(self.max_params)}."
            )
        return out

    def _largest_units(self) -> int | None:
        """For a one-layer example: the most units that still meet the requirements."""
        example = count(self.example, self.input_shape)
        if len(example.layers) != 1 or self.max_params is None:
            return None
        layer = example.layers[0].layer
        inner = layer.inner()
        if not hasattr(inner, "units"):
            return None

        def fits(units: int) -> bool:
            try:
                return self.check(format_spec([_rewrap(layer, inner.with_options(units=units))])).correct
            except SpecError:
                return False

        lo, hi = inner.units, inner.units + 1
        while fits(hi):  # counts grow with the units: double, then bisect
            lo, hi = hi, 2 * hi
            if hi > 1_000_000:  # pragma: no cover - no upper bound in the requirements
                return None
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if fits(mid) else (lo, mid)
        return lo

    def solution(self) -> Solution:
        example = count(self.example, self.input_shape)
        how = example.total_formula if len(example.layers) > 1 else example.layers[0].formula.text
        steps = [f"for example {example.spec}: {how}"]
        most = self._largest_units()
        if most is not None:
            steps.append(f"any number of units up to {most} meets the requirements here")
        return Solution(self.question, tuple(steps), example.spec)

    def verify_keras(self) -> None:
        example = count(self.example, self.input_shape)
        model = _keras_model(example)
        n = model.count_params()
        ok = (self.max_params is None or n <= self.max_params) and (self.min_params is None or n >= self.min_params)
        if self.output_shape is not None:
            last = model.get_layer(example.layers[-1].name)
            ok = ok and _keras_shape(last.output) == _with_batch(self.output_shape, example.output_shape)
        if not ok:
            raise AssertionError(f"{self.task!r}: in Keras the example {self.example!r} has {n} parameters")

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "requirements": self.requirements}


class Ranking(Question):
    """Order models by their parameter count, fewest first, without computing them.

    ``items``: specs (all on ``input_shape``) or ``(spec, input_shape)`` pairs, lettered A, B, C, ...
    The key comes from the engine; two items with the same count are refused.
    """

    kind = "ranking"
    placeholder = "letters, fewest first"

    def __init__(
        self,
        items: Sequence[str | tuple[str, Any]],
        input_shape: Any = None,
        *,
        question: str | None = None,
        title: str | None = None,
    ) -> None:
        self.items: dict[str, tuple[str, Any]] = {}
        for n, item in enumerate(items):
            spec, shape = (item, input_shape) if isinstance(item, str) else item
            self.items[chr(ord("A") + n)] = (spec, shape)
        if len(self.items) < 2:
            raise SpecError("a ranking needs at least two items")
        self.results = {k: count(spec, shape) for k, (spec, shape) in self.items.items()}
        totals = [r.total for r in self.results.values()]
        if len(set(totals)) != len(totals):
            raise SpecError("two items of a ranking have the same count; choose items that differ")
        self.answer = sorted(self.results, key=lambda k: self.results[k].total)
        self.title, self._prompt = title, question
        self._hint_step = 0

    def _item(self, key: str) -> str:
        result = self.results[key]
        return f"{result.spec} on {format_shape(result.input_shape)}"

    @property
    def question(self) -> str:  # type: ignore[override]
        head = self._prompt or "Order these by their number of parameters, fewest first, without computing them."
        return head + "\n" + "\n".join(f"{k}: {self._item(k)}" for k in self.items)

    def _read(self, answer: Any) -> list[str]:
        if isinstance(answer, (list, tuple)):
            letters = [_answer_text(a).strip().upper() for a in answer]
        else:
            tokens = re.findall(r"[A-Za-z]+", _answer_text(answer))
            letters = [c.upper() for c in tokens[0]] if len(tokens) == 1 else [t.upper() for t in tokens]
        if sorted(letters) != sorted(self.items):
            raise SpecError(
                f"write the letters {_one_of(list(self.items))} once each, fewest parameters first, "
                f"e.g. {' '.join(reversed(list(self.items)))}; got {shown(answer)}"
            )
        return letters

    def check(self, answer: Any) -> Feedback:
        order = self._read(answer)
        text = " ".join(order)
        if order == self.answer:
            counts = " < ".join(f"{k} ({_n(self.results[k].total)})" for k in order)
            return Feedback(True, None, f"{counts}.", text)
        placed = sum(a == b for a, b in zip(order, self.answer, strict=True))
        first, second = next(
            (a, b) for a, b in itertools.pairwise(order) if self.results[a].total > self.results[b].total
        )
        return Feedback(
            False,
            "wrong_order",
            f"{placed} of {len(order)} are in the right place; you put {first} ({self.results[first].spec}) before "
            f"{second} ({self.results[second].spec}), but {first} has more parameters.",
            text,
        )

    def hints(self) -> list[str]:
        return [
            "Look at the largest term first: for a recurrent layer it is g*h*h, with g = 4 for an LSTM, 3 for a GRU "
            "and 1 for a SimpleRNN; Bidirectional doubles everything.",
            "Then the input term g*i*h; the timesteps T never count.",
        ]

    def solution(self) -> Solution:
        steps = [f"{k}: {self._item(k)}: {_total_text(self.results[k])}" for k in self.answer]
        return Solution(self.question, tuple(steps), " < ".join(self.answer))

    def verify_keras(self) -> None:
        counts = {k: _keras_model(r).count_params() for k, r in self.results.items()}
        if sorted(counts, key=counts.get) != self.answer:
            raise AssertionError(f"{self.question!r}: Keras orders them {sorted(counts, key=counts.get)}")

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "items": {k: self._item(k) for k in self.items}}


def _total_text(result: CountResult) -> str:
    return result.total_formula if len(result.layers) > 1 else result.layers[0].formula.text


def verify(*questions: Question, quiet: bool = False) -> None:
    """Check every question's answer key against real Keras 3 models; print one line that shows nothing else.

    Raises AssertionError at the first key that disagrees (a fault of the course, not of the student).
    Returns None, so that a notebook cell ending in ``verify(...)`` displays only that line.
    """
    for q in questions:
        q.verify_keras()
    n = len(questions)
    if not quiet:
        print(f"{n} exercise{'' if n == 1 else 's'} checked against Keras")


# --------------------------------------------------------------------------- widget


def exercise_widget(ex: Question) -> Any:
    """The ipywidgets form of a question. Callbacks only assign trait values (nothing is printed).

    A :class:`Choice` gets radio buttons (none selected); every other kind a text box. Feedback,
    hints and the solution appear only when their button is pressed.
    """
    import ipywidgets as w

    from ..dashboards.a11y import script_widget

    text = html.escape(ex.question).replace("\n", "<br>")
    question = w.HTML(f"<b>{html.escape(ex.title or 'Exercise')}</b>: {text}")
    if isinstance(ex, Choice):
        box: Any = w.RadioButtons(
            options=[(f"{k}: {t}" if k != t else k, k) for k, t in ex.options.items()],
            value=None,
            layout=w.Layout(width="auto"),
            tooltip="your answer: choose one",
        )
        question = w.HTML(f"<b>{html.escape(ex.title or 'Exercise')}</b>: {html.escape(ex.prompt)}")
    else:
        # The description is the box's <label>: its accessible name; the tooltip says what to type.
        box = w.Text(
            placeholder=ex.placeholder,
            description="Answer:",
            layout=w.Layout(width="22em"),
            tooltip=f"your answer, e.g. {ex.placeholder}" if ex.placeholder else "your answer",
        )
    check = w.Button(
        description="Check", button_style="primary", layout=w.Layout(width="7em"), tooltip="check your answer"
    )
    hint = w.Button(description="Hint", layout=w.Layout(width="7em"), tooltip="show the next hint")
    solution = w.Button(description="Solution", layout=w.Layout(width="7em"), tooltip="show the worked solution")
    # Feedback, hints and the solution are polite live regions (rnncount.dashboards.a11y sets the
    # role in the page), so a screen reader reads what a button press showed.
    feedback = w.HTML()
    feedback.add_class("rnncount-live-feedback")
    hints = w.HTML()
    hints.add_class("rnncount-live-hints")
    worked = w.HTML()
    worked.add_class("rnncount-live-worked")
    shown: list[str] = []

    def on_check(_: Any = None) -> None:
        if box.value is None:
            feedback.value = f"<span style='color:{text_colour('wrong')}'>Choose an option first.</span>"
            return
        try:
            feedback.value = ex.check(box.value)._repr_html_()
        except SpecError as err:
            feedback.value = f"<span style='color:{text_colour('wrong')}'>{html.escape(str(err))}</span>"

    def on_hint(_: Any = None) -> None:
        all_hints = ex.hints()
        if len(shown) < len(all_hints):
            shown.append(all_hints[len(shown)])
        hints.value = "<ol>" + "".join(f"<li>{html.escape(h)}</li>" for h in shown) + "</ol>"

    def on_solution(_: Any = None) -> None:
        worked.value = ex.solution()._repr_html_()

    check.on_click(on_check)
    hint.on_click(on_hint)
    solution.on_click(on_solution)
    buttons = w.HBox([check, hint, solution])
    rows = [question, box, buttons] if isinstance(ex, Choice) else [question, w.HBox([box, check, hint, solution])]
    form = w.VBox([*rows, feedback, hints, worked, script_widget()])
    form.add_class("rnncount-exercise")
    # Handles for tests and for teachers who want to drive the form from code.
    form.parts = {
        "answer": box,
        "check": check,
        "hint": hint,
        "solution": solution,
        "feedback": feedback,
        "hints": hints,
        "worked": worked,
    }
    return form


# --------------------------------------------------------------------------- command line


def _cmd_check(args: Any) -> bool:
    """Print the verdict; True when right. The command line maps the verdict to its exit status."""
    ex = Exercise(args.spec, args.input, layer=args.layer, ask=args.ask)
    feedback = ex.check(args.answer)
    print(feedback)
    return feedback.correct


def add_check_command(sub: Any) -> None:
    """Register ``rnncount check``."""
    p = sub.add_parser(
        "check",
        help="check a parameter count or an output shape and say which mistake a wrong one looks like",
        description=(
            "Check your count, e.g.: rnncount check 'LSTM(4) > Dense(1)' --input 30,5 --answer 165, "
            "or an output shape: rnncount check 'LSTM(4, return_sequences=True)' --input 30,5 --ask shape "
            "--answer '(None, 30, 4)'. "
            "Exit status 0 when right, 1 when wrong, 2 when the answer or the spec cannot be used."
        ),
    )
    p.add_argument("spec", help="layers separated by '>', e.g. \"LSTM(32) > Dense(1)\"")
    p.add_argument("--input", "-i", required=True, metavar="SHAPE", help="the input without the batch, e.g. 30,5")
    p.add_argument(
        "--answer", "-a", required=True, metavar="N|SHAPE", help="your parameter count, or your shape with --ask shape"
    )
    p.add_argument(
        "--ask",
        choices=("params", "shape"),
        default="params",
        help="what the answer is: the parameter count (default) or the output shape, e.g. '(None, 30, 4)'",
    )
    p.add_argument(
        "--layer", "-l", metavar="K|NAME", default=None, help="ask about layer K (1 = first) or the layer NAME"
    )
    p.set_defaults(func=_cmd_check)


__all__ = [
    "MISCONCEPTIONS",
    "MISTAKES",
    "RULES",
    "SHAPE_TITLES",
    "Candidate",
    "Choice",
    "Design",
    "Exercise",
    "Feedback",
    "Inverse",
    "Misconception",
    "Question",
    "Ranking",
    "Solution",
    "add_check_command",
    "candidates",
    "diagnose",
    "exercise_widget",
    "parse_answer",
    "parse_shape_answer",
    "verify",
]
