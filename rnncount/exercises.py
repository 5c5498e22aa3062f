"""Exercises that say which mistake a wrong answer looks like.

An :class:`Exercise` is a model (a spec and an input shape) and a question: the
parameter count of one layer, of the whole model, or an output shape.
``check(answer)`` returns :class:`Feedback`: right, or the misconception the number
matches, with a one-line explanation of the right reasoning (never the number).

Every misconception is computed, not stored: the model is perturbed through the
engine (biases switched off, ``i`` replaced by ``T``, the gates collapsed to one,
``reset_after`` flipped, the Bidirectional wrapper unwrapped, ...) and recounted.

>>> ex = Exercise("GRU(4, return_sequences=True) > GRU(2, return_sequences=True) > SimpleRNN(25) > Dense(1)", (30, 5))
>>> ex.check(888).misconception
'gru_reset_after'
"""

from __future__ import annotations

import ast
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .engine import CountResult, LayerCount, count
from .errors import SpecError
from .formula import group_digits
from .layers import (
    GRU,
    LSTM,
    Bidirectional,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Layer,
    RepeatVector,
    TimeDistributed,
    _Recurrent,
    format_shape,
)


@dataclass(frozen=True)
class Misconception:
    """A known mistake: a key, a short title, and what the right reasoning is."""

    key: str
    title: str
    summary: str


#: The known mistakes, most plausible first: when two give the same number, the first one wins.
MISCONCEPTIONS: dict[str, Misconception] = {
    m.key: m
    for m in (
        Misconception(
            "gru_reset_after",
            "GRU reset_after arithmetic",
            "Keras 3's GRU defaults to reset_after=True: two bias vectors per gate, g*(i*h + h*h + 2h)",
        ),
        Misconception("forgot_bias", "forgot the bias", "every unit of a Dense layer and every gate has a bias"),
        Misconception(
            "forgot_gates",
            "forgot the gate multiplier g",
            "an LSTM has g = 4 weight blocks (i, f, c, o), a GRU g = 3 (z, r, h)",
        ),
        Misconception(
            "wrong_gate_count",
            "LSTM and GRU gate counts mixed up",
            "g is 4 for LSTM (i, f, c, o), 3 for GRU (z, r, h) and 1 for SimpleRNN (no gates)",
        ),
        Misconception(
            "pytorch_double_bias",
            "PyTorch's double bias",
            "PyTorch keeps bias_ih and bias_hh; Keras's SimpleRNN, LSTM and reset_after=False GRU keep one",
        ),
        Misconception(
            "timesteps_as_features",
            "timesteps used as features",
            "i is the number of features per timestep (the last dimension); T never enters a count",
        ),
        Misconception(
            "bidirectional_not_doubled",
            "Bidirectional not doubled",
            "Bidirectional holds a forward and a backward copy of the layer: twice the weights",
        ),
        Misconception(
            "bidirectional_width",
            "Bidirectional width not passed on",
            "with merge_mode='concat' the next layer receives 2h features, not h",
        ),
        Misconception(
            "output_weights",
            "output weights counted inside the recurrent layer",
            "a Keras recurrent layer holds kernel, recurrent_kernel and bias only; W_y belongs to the next Dense",
        ),
        Misconception(
            "weights_per_timestep",
            "weights counted once per timestep",
            "the same weights serve every timestep (weight sharing); T never multiplies a count",
        ),
        Misconception(
            "return_sequences",
            "return_sequences thought to change the count",
            "return_sequences changes the output shape only; the same weights serve every timestep",
        ),
        Misconception(
            "return_sequences_shape",
            "return_sequences misread",
            "return_sequences=True gives (None, T, h), every timestep; False gives (None, h), the last one",
        ),
        Misconception(
            "left_out_layer",
            "a layer left out of the total",
            "the total adds up every layer that has weights, the Dense head included",
        ),
        Misconception("close_miss", "close miss", "the method looks right; an arithmetic slip"),
        Misconception("unknown", "no known mistake", "no common mistake gives this number"),
    )
}

#: Keys of the computed mistakes, in order of plausibility.
MISTAKES: tuple[str, ...] = tuple(
    k for k in MISCONCEPTIONS if k not in ("close_miss", "unknown", "return_sequences_shape", "left_out_layer")
)


# --------------------------------------------------------------------------- helpers


def _cell(layer: Layer) -> _Recurrent | None:
    """The recurrent cell of a layer (unwrapping Bidirectional), or None."""
    if isinstance(layer, Bidirectional):
        return layer.layer
    return layer if isinstance(layer, _Recurrent) else None


def _dense(layer: Layer) -> Dense | None:
    if isinstance(layer, TimeDistributed):
        return layer.layer
    return layer if isinstance(layer, Dense) else None


def _rewrap(layer: Layer, inner: Layer) -> Layer:
    if isinstance(layer, (Bidirectional, TimeDistributed)):
        return layer.with_options(layer=inner)
    return inner


def _layers(result: CountResult) -> list[Layer]:
    return [lc.layer for lc in result.layers]


def _recount(layers: Sequence[Layer], input_shape: Any) -> CountResult | None:
    try:
        return count(list(layers), input_shape[1:])
    except SpecError:
        return None


def _with_layer(result: CountResult, k: int, new: Layer) -> int | None:
    """Layer k's count after replacing it with ``new``.

    Layer k sees the same input whatever it is, so it alone is recounted on that input
    (recounting the whole stack for every layer made checking quadratic in the layers).
    """
    return _with_layer_on(new, result.layers[k].input_shape)


def _timesteps(lc: LayerCount) -> int | None:
    shape = lc.input_shape
    return shape[1] if len(shape) == 3 else None


# --------------------------------------------------------------------------- the perturbations
# Each rule gives layer k's count as a student with that misconception would compute it,
# by changing the model and recounting it with the engine; None when it does not apply.


def _rule_forgot_bias(result: CountResult, k: int) -> int | None:
    layer = result.layers[k].layer
    inner = _cell(layer) or _dense(layer)
    if inner is None or not inner.use_bias:
        return None
    return _with_layer(result, k, _rewrap(layer, inner.with_options(use_bias=False)))


def _rule_gru_reset_after(result: CountResult, k: int) -> int | None:
    layer = result.layers[k].layer
    cell = _cell(layer)
    if not isinstance(cell, GRU) or not cell.use_bias:
        return None
    return _with_layer(result, k, _rewrap(layer, cell.with_options(reset_after=not cell.reset_after)))


def _rule_forgot_gates(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    if lc.built.gates <= 1:
        return None
    # Keep only the first gate's blocks: the count with g forced to 1.
    first = lc.blocks[0].gate
    return sum(b.params for b in lc.blocks if b.gate == first)


def _rule_wrong_gate_count(result: CountResult, k: int) -> int | None:
    # The recurrent layers mixed up: LSTM's formula (g = 4) used for a SimpleRNN or a GRU,
    # and an LSTM counted with three gate blocks, like a GRU with one bias row.
    layer = result.layers[k].layer
    cell = _cell(layer)
    if cell is None:
        return None
    common = {"use_bias": cell.use_bias, "return_sequences": cell.return_sequences, "return_state": cell.return_state}
    swapped = GRU(cell.units, reset_after=False, **common) if isinstance(cell, LSTM) else LSTM(cell.units, **common)
    return _with_layer(result, k, _rewrap(layer, swapped))


def _rule_pytorch(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    if _cell(lc.layer) is None:
        return None
    from .pytorch import torch_params

    return torch_params(lc)


def _rule_timesteps(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    t = _timesteps(lc)
    if t is None or lc.params == 0 or isinstance(lc.layer, Embedding):
        return None
    layer = lc.layer.with_options(name=None)
    again = _recount([layer], (None, t, t))
    return None if again is None else again.total


def _rule_bidi_not_doubled(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    if not isinstance(lc.layer, Bidirectional):
        return None
    again = _recount([lc.layer.layer.with_options(name=None)], lc.input_shape)
    return None if again is None else again.total


def _rule_bidi_width(result: CountResult, k: int) -> int | None:
    # Every earlier concat Bidirectional merged by "sum" instead: same weights, width h, not 2h.
    if result.layers[k].params == 0:
        return None
    summed = _summed_inputs(result)
    if summed[k] is None:
        return None
    return _with_layer_on(result.layers[k].layer, summed[k])


_summed_cache: list[Any] = [None, None]  # [result, its summed inputs]: the rule asks once per layer


def _summed_inputs(result: CountResult) -> list[Any]:
    """Each layer's input once every earlier concat Bidirectional merges by "sum" (None: none earlier).

    One pass over the stack for all layers, instead of a recount per layer.
    """
    if _summed_cache[0] is result:
        return _summed_cache[1]
    out: list[Any] = []
    shape: Any = result.input_shape
    changed = False
    for lc in result.layers:
        out.append(shape if changed and not isinstance(shape, list) else None)
        layer = lc.layer
        if isinstance(layer, Bidirectional) and layer.merge_mode == "concat":
            layer = layer.with_options(merge_mode="sum", name=None)
            changed = True
        if isinstance(shape, list):
            shape = lc.output_shape
            continue
        try:
            shape = layer.build(shape).output_shape
        except SpecError:
            out += [None] * (len(result.layers) - len(out))
            break
    _summed_cache[:] = [result, out]
    return out


def _with_layer_on(layer: Layer, input_shape: Any) -> int | None:
    again = _recount([layer.with_options(name=None)], input_shape)
    return None if again is None else again.layers[0].params


def _rule_output_weights(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    if _cell(lc.layer) is None:
        return None
    h = lc.built.symbols["h"]
    # The textbook cell's output y_t = W_y h_t + b_y: a Dense(h) on the state, per direction.
    extra = count([Dense(h)], (h,)).total
    return lc.params + lc.built.copies * extra


def _rule_weights_per_timestep(result: CountResult, k: int) -> int | None:
    # The unrolled picture of an RNN read as T copies of the weights. A layer that returns
    # sequences is left to the return_sequences rule, which explains that case.
    lc = result.layers[k]
    t = _timesteps(lc)
    if t is None or t < 2 or lc.params == 0:
        return None
    cell = _cell(lc.layer)
    if cell is not None and cell.return_sequences:
        return None
    if cell is None and _dense(lc.layer) is None:
        return None
    return lc.params * t


def _rule_return_sequences(result: CountResult, k: int) -> int | None:
    lc = result.layers[k]
    t = _timesteps(lc)
    if t is None or lc.params == 0:
        return None
    cell = _cell(lc.layer)
    if cell is not None:
        # Weights thought to be repeated for every returned timestep.
        return lc.params * t if cell.return_sequences else None
    dense = _dense(lc.layer)
    if (
        dense is None
        or k == 0
        or not any(getattr(_cell(x.layer), "return_sequences", False) for x in result.layers[:k])
    ):
        return None
    # A Dense after return_sequences=True counted as if it saw the whole flattened sequence.
    again = _recount([Flatten(), dense.with_options(name=None)], lc.input_shape)
    return None if again is None else again.total


RULES: dict[str, Callable[[CountResult, int], int | None]] = {
    "gru_reset_after": _rule_gru_reset_after,
    "forgot_bias": _rule_forgot_bias,
    "forgot_gates": _rule_forgot_gates,
    "wrong_gate_count": _rule_wrong_gate_count,
    "pytorch_double_bias": _rule_pytorch,
    "timesteps_as_features": _rule_timesteps,
    "bidirectional_not_doubled": _rule_bidi_not_doubled,
    "bidirectional_width": _rule_bidi_width,
    "output_weights": _rule_output_weights,
    "weights_per_timestep": _rule_weights_per_timestep,
    "return_sequences": _rule_return_sequences,
}


@dataclass(frozen=True)
class Candidate:
    """A wrong number some misconception produces, and where (``layers``: indexes, empty = nowhere special)."""

    key: str
    value: int
    layers: tuple[int, ...]
    everywhere: bool = False
    variant: str = ""


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
    """The verdict on one answer: right or not, the misconception it matches, and why."""

    correct: bool
    misconception: str | None  # None when right; a key of MISCONCEPTIONS otherwise
    message: str
    answer: Any
    also: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        if self.correct:
            return "Right"
        return MISCONCEPTIONS[self.misconception or "unknown"].title

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = "✓" if self.correct else "✗"
        head = "Right" if self.correct else f"Not quite ({self.title})"
        return f"{mark} {head}: {self.message}"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.correct else "#b35900"
        mark = "&#10003;" if self.correct else "&#10007;"
        head = "Right" if self.correct else f"Not quite &mdash; {html.escape(self.title)}"
        return (
            f"<div class='rnncount-feedback' style='border-left:4px solid {colour};padding:2px 8px'>"
            f"<b style='color:{colour}'>{mark} {head}</b>: {html.escape(self.message)}</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "correct": self.correct,
            "misconception": self.misconception,
            "title": self.title,
            "message": self.message,
            "also": list(self.also),
        }


def _where(result: CountResult, c: Candidate, layer_question: bool) -> str:
    if layer_question or len(result.layers) == 1:
        return ""
    names = ", ".join(f"{result.layers[k].name} ({result.layers[k].type})" for k in c.layers)
    return f" in each of {names}" if c.everywhere else f" in {names}"


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "AEFHILMNORSX" else f"a {word}"


def _explain(result: CountResult, c: Candidate, layer_question: bool) -> str:
    """One line: what the number looks like, and the right reasoning (in symbols, no answer)."""
    lc = result.layers[c.layers[0]]
    where = _where(result, c, layer_question)
    general = lc.formula.general
    if len(c.layers) > 1:
        general = f"e.g. {lc.name} is {general}"
    cell = _cell(lc.layer)
    if c.key == "forgot_bias":
        return (
            f"the bias looks left out{where}: with use_bias=True (the default) every unit and gate has a bias, "
            f"so {general if len(c.layers) > 1 else lc.name + ' is ' + general}"
        )
    if c.key == "gru_reset_after":
        if isinstance(cell, GRU) and cell.reset_after:
            return (
                f"that is the reset_after=False count{where}; Keras 3's GRU defaults to reset_after=True, which "
                f"keeps an input and a recurrent bias per gate: {general}"
            )
        return (
            f"that is the default reset_after=True count{where}, but this GRU sets reset_after=False: one bias "
            f"per gate, {general}"
        )
    if c.key == "forgot_gates":
        gates = ", ".join(cell.gates) if cell else ""
        kind = _article(cell.kind if cell else lc.type)
        return (
            f"the gate multiplier looks missing{where}: {kind} has g = {lc.built.gates} "
            f"weight blocks ({gates}), each with its own kernels and bias, so multiply by g: {general}"
        )
    if c.key == "wrong_gate_count":
        counted = "three gate blocks (g = 3, like a GRU)" if isinstance(cell, LSTM) else "the LSTM formula (g = 4)"
        if lc.built.gates > 1 and cell is not None:
            has = f"{_article(cell.kind)} has g = {lc.built.gates} weight blocks ({', '.join(cell.gates)})"
        else:
            has = "a SimpleRNN has no gates (g = 1)"
        return f"that looks counted with {counted}{where}, but {has}; so {general}"
    if c.key == "weights_per_timestep":
        return (
            f"the weights look counted once per timestep{where}: the same weights are applied at every "
            f"timestep (weight sharing), so T never multiplies a count: {general}"
        )
    if c.key == "pytorch_double_bias":
        return (
            f"that is PyTorch's count{where} (two bias vectors per gate, bias_ih and bias_hh); "
            f"Keras's {lc.type} keeps one: {general}"
        )
    if c.key == "timesteps_as_features":
        return (
            f"the timesteps T look used as the input width i{where}: i is the number of features per timestep "
            "(the last dimension of the input); T never enters a parameter count"
        )
    if c.key == "bidirectional_not_doubled":
        if c.variant == "ignored":
            return (
                "the Bidirectional wrapper looks ignored: it holds a forward and a backward copy (twice the "
                "weights), and with merge_mode='concat' the next layer receives 2h features"
            )
        return (
            f"only one direction looks counted{where}: Bidirectional holds a forward and a backward copy "
            f"of the layer, so {general}"
        )
    if c.key == "bidirectional_width":
        return (
            f"the layer after a Bidirectional looks counted with i = h{where}: merge_mode='concat' joins "
            f"both directions, so the next layer receives 2h features; then {general}"
        )
    if c.key == "output_weights":
        return (
            f"output weights W_y (h*h + h) look counted inside {lc.name}: a Keras recurrent layer holds "
            f"only kernel, recurrent_kernel and bias ({general}); output weights belong to the next Dense"
        )
    if c.key == "return_sequences":
        if cell is not None:
            return (
                f"the weights look multiplied by the timesteps{where}: return_sequences=True changes only the "
                f"output shape; the same weights serve every timestep, so {general}"
            )
        return (
            f"{lc.name} looks counted on the whole flattened sequence: after return_sequences=True a Dense is "
            f"applied per timestep with the same weights, so i is the last dimension only: {general}"
        )
    if c.key == "left_out_layer":
        return (
            f"that is the total without {lc.name} ({lc.type}); every layer with weights counts, "
            f"so add {lc.name}'s {general} too"
        )
    return MISCONCEPTIONS[c.key].summary  # pragma: no cover


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
        if not text.lstrip("+-").isdigit():
            raise SpecError(f"the answer must be a whole number of parameters, such as 906 or 1,400; got {answer!r}")
        value = int(text)
    else:
        raise SpecError(f"the answer must be a whole number of parameters, got {answer!r}")
    if value < 0:
        raise SpecError(f"a parameter count cannot be negative, got {answer!r}")
    return value


def parse_shape_answer(answer: Any) -> Any:
    """An output shape from ``(None, 30, 4)``, ``"(None, 30, 4)"``, ``"30,4"`` or a list of shapes."""
    value = answer
    if isinstance(answer, str):
        text = answer.strip()
        if text and text[0] not in "([":
            text = f"({text},)"
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise SpecError(f"cannot read {answer!r} as a shape; write it like (None, 30, 4)") from None

    def one(s: Any) -> tuple:
        if isinstance(s, int) and not isinstance(s, bool):
            s = (s,)
        if not isinstance(s, (tuple, list)) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0) for d in s
        ):
            raise SpecError(f"cannot read {answer!r} as a shape; write it like (None, 30, 4)")
        return tuple(s)

    if isinstance(value, list) and value and all(isinstance(s, (tuple, list)) for s in value):
        return [one(s) for s in value]
    return one(value)


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


@dataclass
class Exercise:
    """A model and a question about it.

    ``layer`` picks the layer asked about: a 1-based number (as in "layer 2") or a
    Keras-style name (``"gru_1"``); None asks for the whole model. ``ask`` is
    ``"params"`` (a count) or ``"shape"`` (the output shape).
    """

    spec: str | Sequence[Layer]
    input_shape: Any
    layer: int | str | None = None
    ask: str = "params"
    title: str | None = None
    result: CountResult = field(init=False, repr=False)
    _hint_step: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self.result = count(self.spec, self.input_shape)
        if not isinstance(self.spec, str):
            self.spec = self.result.spec
        if not self.result.layers:
            raise SpecError("an exercise needs at least one layer")
        if self.ask not in ("params", "shape"):
            raise SpecError(f"ask must be 'params' or 'shape', got {self.ask!r}")
        self._index = self._resolve(self.layer)

    def _resolve(self, layer: int | str | None) -> int | None:
        n = len(self.result.layers)
        if layer is None:
            return None
        if isinstance(layer, str) and layer.strip().lstrip("+-").isdigit():
            layer = int(layer)
        if isinstance(layer, int) and not isinstance(layer, bool):
            if not 1 <= layer <= n:
                raise SpecError(f"layer {layer} does not exist: the model has {n} layer(s), numbered 1 to {n}")
            return layer - 1
        names = [lc.name for lc in self.result.layers]
        if layer in names:
            return names.index(layer)
        raise SpecError(f"no layer named {layer!r}; the layers are {', '.join(names)}")

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

    def __str__(self) -> str:
        return self.title + ": " + self.question if self.title else self.question

    # -- checking

    def check(self, answer: Any) -> Feedback:
        """Check an answer; raises SpecError when the answer cannot be read."""
        if self.ask == "shape":
            return self._check_shape(answer)
        value = parse_answer(answer)
        right = self.expected
        layer_question = self.target is not None
        if value == right:
            return Feedback(True, None, self._right_message(), value)
        matches = [c for c in candidates(self.result, self._index) if c.value == value]
        if matches:
            best = matches[0]
            others = tuple(dict.fromkeys(c.key for c in matches[1:] if c.key != best.key))
            message = _explain(self.result, best, layer_question)
            if others:
                titles = "; ".join(MISCONCEPTIONS[k].title for k in others)
                message += f" (the same number also comes from: {titles})"
            return Feedback(False, best.key, message, value, others)
        slack = max(2, right // 50)
        if abs(value - right) <= slack:
            side = "high" if value > right else "low"
            return Feedback(
                False,
                "close_miss",
                f"close, but a little too {side}: the method looks right; redo the arithmetic term by term "
                f"({self._formulas()})",
                value,
            )
        return Feedback(
            False,
            "unknown",
            f"no common mistake gives this number; count step by step: {self._formulas()}",
            value,
        )

    def _formulas(self) -> str:
        rows = self.result.layers if self.target is None else (self.target,)
        parts = [f"{lc.name}: {lc.formula.general}" for lc in rows if lc.params]
        if self.target is None:
            parts.append("then add the layers")
        return "; ".join(parts) or "this layer has no weights"

    def _right_message(self) -> str:
        if self.target is None:
            return f"{self.result.total_formula}" if len(self.result.layers) > 1 else self.result.layers[0].formula.text
        return self.target.formula.text

    def _check_shape(self, answer: Any) -> Feedback:
        right = self.expected
        shape = _with_batch(parse_shape_answer(answer), right)
        if shape == right:
            return Feedback(True, None, f"Keras writes it as {format_shape(right)}, with None for the batch", shape)
        k = len(self.result.layers) - 1 if self._index is None else self._index
        layers = _layers(self.result)
        tries: list[tuple[str, str, CountResult | None]] = []
        # The recurrent layer whose return_sequences decides this shape: the last one up to layer k.
        rec = [j for j in range(k + 1) if _cell(layers[j]) is not None]
        if rec:
            j = rec[-1]
            cell = _cell(layers[j])
            flipped = _rewrap(layers[j], cell.with_options(return_sequences=not cell.return_sequences))
            tries.append(
                (
                    "return_sequences_shape",
                    "return_sequences decides the shape: True gives (None, T, h), every timestep; False gives "
                    "(None, h), the last one",
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
                    "Bidirectional with merge_mode='concat' joins the two directions: its width is 2h",
                    _recount(summed, self.result.input_shape),
                )
            )
        dims = self.result.input_shape
        if len(dims) == 3 and dims[1] != dims[2]:
            tries.append(
                (
                    "timesteps_as_features",
                    "the input is (None, T, i): timesteps first, features last",
                    _recount(layers, (None, dims[2], dims[1])),
                )
            )
        for key, why, again in tries:
            if again is None:
                continue
            wrong = again.layers[k].output_shape
            if wrong == shape and wrong != right:
                return Feedback(False, key, why, shape)
        return Feedback(
            False,
            "unknown",
            "follow the shape layer by layer: a recurrent layer gives (None, T, h) with return_sequences=True, "
            "else (None, h); Dense changes only the last dimension",
            shape,
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

    def hint(self) -> str:
        """The next hint (the last one repeats)."""
        hints = self.hints()
        text = hints[min(self._hint_step, len(hints) - 1)]
        self._hint_step += 1
        return text

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

    # -- notebook display

    def widget(self) -> Any:
        """A small ipywidgets form: answer box, Check, Hint and Solution buttons (imports ipywidgets)."""
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

    def to_dict(self) -> dict[str, Any]:
        return {
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


# --------------------------------------------------------------------------- widget


def exercise_widget(ex: Exercise) -> Any:
    """The ipywidgets form for an exercise. Callbacks only assign trait values (nothing is printed)."""
    import ipywidgets as w

    question = w.HTML(f"<b>{html.escape(ex.title or 'Exercise')}</b>: {html.escape(ex.question)}")
    placeholder = "(None, 30, 4)" if ex.ask == "shape" else "a whole number"
    box = w.Text(placeholder=placeholder, description="Answer:", layout=w.Layout(width="16em"))
    check = w.Button(description="Check", button_style="primary", layout=w.Layout(width="7em"))
    hint = w.Button(description="Hint", layout=w.Layout(width="7em"))
    solution = w.Button(description="Solution", layout=w.Layout(width="7em"))
    feedback = w.HTML()
    hints = w.HTML()
    worked = w.HTML()
    shown: list[str] = []

    def on_check(_: Any = None) -> None:
        try:
            feedback.value = ex.check(box.value)._repr_html_()
        except SpecError as err:
            feedback.value = f"<span style='color:#b35900'>{html.escape(str(err))}</span>"

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
    form = w.VBox([question, w.HBox([box, check, hint, solution]), feedback, hints, worked])
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


def _cmd_check(args: Any) -> int:
    from .cli import EXIT_OK, EXIT_WRONG

    ex = Exercise(args.spec, args.input, layer=args.layer, ask=args.ask)
    feedback = ex.check(args.answer)
    print(feedback)
    return EXIT_OK if feedback.correct else EXIT_WRONG


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
    "Candidate",
    "Exercise",
    "Feedback",
    "Misconception",
    "Solution",
    "add_check_command",
    "candidates",
    "diagnose",
    "exercise_widget",
    "parse_answer",
    "parse_shape_answer",
]
