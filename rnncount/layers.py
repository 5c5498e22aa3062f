"""Layer descriptions: shape rules and gate-named weight blocks.

Every number rnncount shows is computed from the :class:`Block` objects a layer
produces here. A block is one gate's share of one Keras weight variable, e.g. the
forget-gate columns of an LSTM's ``kernel``. Parameter counts are sums of block
sizes, the formula is read off the blocks' symbols, and the diagram draws them.

Nothing in this module imports TensorFlow or Keras.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any, ClassVar

from .errors import RnncountTypeError, SpecError, a_type, shown

Shape = tuple  # (None, T, i) style: batch first, None for an unknown size
OutputShape = Any  # a Shape, or a list of Shapes for layers that return several tensors

#: Gate letters in the order Keras stores them inside kernel, recurrent_kernel and bias.
GATES: dict[str, tuple[str, ...]] = {
    "SimpleRNN": ("h",),
    "LSTM": ("i", "f", "c", "o"),
    "GRU": ("z", "r", "h"),
}

GATE_NAMES: dict[str, dict[str, str]] = {
    "SimpleRNN": {"h": "hidden state"},
    "LSTM": {"i": "input gate", "f": "forget gate", "c": "cell candidate", "o": "output gate"},
    "GRU": {"z": "update gate", "r": "reset gate", "h": "candidate state"},
}

MERGE_MODES = ("concat", "sum", "mul", "ave", None)

#: The largest size (units, vocabulary, timesteps, ...) rnncount counts with. Far beyond any
#: model that fits in memory, and small enough that every count can be written out in full.
MAX_SIZE = 10**12

#: The activation names Keras 3 accepts as strings (``keras.activations.get``); a test checks
#: this list against Keras itself, so that a typo is caught here, with a suggestion, and never
#: reaches Keras as a traceback.
ACTIVATIONS = (
    "celu",
    "elu",
    "exponential",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
)

# Keyword arguments Keras layers accept that never change a count or a shape.
# They are accepted (so a teacher can paste real code) and passed on to Keras.
_COSMETIC = {
    "Dense": {"activation"},
    "Embedding": {"mask_zero"},
    "Dropout": {"seed"},
    "SimpleRNN": {"activation", "dropout", "recurrent_dropout", "go_backwards", "unroll"},
    "LSTM": {
        "activation",
        "recurrent_activation",
        "dropout",
        "recurrent_dropout",
        "go_backwards",
        "unroll",
        "unit_forget_bias",
    },
    "GRU": {
        "activation",
        "recurrent_activation",
        "dropout",
        "recurrent_dropout",
        "go_backwards",
        "unroll",
    },
}


@dataclass(frozen=True)
class Block:
    """One gate's share of one Keras weight variable.

    ``shape`` is the block's own shape; ``variable`` is the Keras weight it lives in
    (``kernel``, ``recurrent_kernel``, ``bias``, ``embeddings``), ``column`` is where
    its columns start in that variable's last axis, and ``row`` is the row of a
    two-row bias (GRU with ``reset_after=True``), else ``None``.
    """

    name: str
    variable: str
    gate: str | None
    role: str
    shape: tuple[int, ...]
    symbols: tuple[str, ...]
    column: int = 0
    row: int | None = None
    direction: str | None = None

    @property
    def params(self) -> int:
        return math.prod(self.shape)

    @property
    def term(self) -> str:
        """The block's size in symbols, e.g. ``i*h``."""
        return "*".join(self.symbols)

    def to_dict(self) -> dict[str, Any]:
        name = f"{self.direction}_{self.name}" if self.direction else self.name
        return {
            "name": name,
            "gate": self.gate,
            "role": self.role,
            "shape": list(self.shape),
            "params": self.params,
        }


@dataclass(frozen=True)
class Built:
    """What a layer becomes once it knows its input shape."""

    input_shape: Shape
    output_shape: OutputShape
    blocks: tuple[Block, ...]
    symbols: dict[str, int]
    gates: int = 1
    copies: int = 1  # 2 for Bidirectional

    @property
    def params(self) -> int:
        return sum(b.params for b in self.blocks)


def _fmt_shape(shape: OutputShape) -> str:
    if isinstance(shape, list):
        return "[" + ", ".join(_fmt_shape(s) for s in shape) + "]"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def format_shape(shape: OutputShape) -> str:
    """Format a shape the way Keras prints it: ``(None, 30, 5)``."""
    return _fmt_shape(shape)


def _got(value: Any) -> str:
    """``'8' (a str)``: the value, cut short, and its type, for a wrong-type message."""
    return f"{shown(value)} ({a_type(value)})"


def _check_positive_int(layer: str, what: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RnncountTypeError(f"{layer}: {what} must be a positive whole number, got {_got(value)}")
    if value <= 0:
        raise SpecError(f"{layer}: {what} must be a positive whole number, got {shown(value)}")
    if value > MAX_SIZE:
        raise SpecError(f"{layer}: {what} is too large: at most {MAX_SIZE:,}, got {shown(value)}")


def _check_bool(layer: str, what: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise RnncountTypeError(f"{layer}: {what} must be True or False, got {_got(value)}")


def _check_fraction(layer: str, what: str, value: Any, *, one: bool = True) -> None:
    """A rate from 0 to 1 (``one=False``: 1 itself excluded)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RnncountTypeError(f"{layer}: {what} must be a number from 0 to 1, got {_got(value)}")
    if not (0 <= value <= 1 if one else 0 <= value < 1):
        upto = "to 1" if one else "up to (not including) 1"
        raise SpecError(f"{layer}: {what} must be a number from 0 {upto}, got {shown(value)}")


def _check_activation(layer: str, what: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise RnncountTypeError(f"{layer}: {what} must be the name of an activation such as 'relu', got {_got(value)}")
    if value not in ACTIVATIONS:
        close = difflib.get_close_matches(value.lower(), ACTIVATIONS, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else " (e.g. 'relu', 'tanh', 'sigmoid', 'softmax', 'linear')"
        raise SpecError(f"{layer}: {what} {shown(value)} is not an activation Keras knows{hint}")


def _check_seed(layer: str, what: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise RnncountTypeError(f"{layer}: {what} must be a whole number or None, got {_got(value)}")
    if abs(value) > MAX_SIZE:
        raise SpecError(f"{layer}: {what} is too large: at most {MAX_SIZE:,}, got {shown(value)}")


# How each cosmetic option is checked, so that what Keras would refuse is refused here, in one line.
_OPTION_CHECKS = {
    "activation": _check_activation,
    "recurrent_activation": _check_activation,
    "dropout": _check_fraction,
    "recurrent_dropout": _check_fraction,
    "go_backwards": _check_bool,
    "unroll": _check_bool,
    "unit_forget_bias": _check_bool,
    "mask_zero": _check_bool,
    "seed": _check_seed,
}


def _check_name_and_extra(layer: Layer) -> None:
    kind = layer.kind
    name = getattr(layer, "name", None)
    if name is not None:
        if not isinstance(name, str):
            raise RnncountTypeError(f"{kind}: name must be a string such as 'encoder', got {_got(name)}")
        # Any text Keras takes (a model loaded from a file may name a layer 'output-layer');
        # spec strings ask for an identifier, which their parser checks.
        if not name.strip() or "/" in name:
            raise SpecError(f"{kind}: name must be a non-empty text without '/', such as 'encoder', got {shown(name)}")
    extra = getattr(layer, "extra", None)
    if extra is None:
        return
    if not isinstance(extra, dict):
        raise RnncountTypeError(
            f"{kind}: extra holds Keras options as a dict, e.g. {{'activation': 'relu'}}, got {_got(extra)}"
        )
    allowed = cosmetic_options(kind)
    for key, value in extra.items():
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise SpecError(f"{kind}: unknown option {shown(key)} in extra (known: {known})")
        _OPTION_CHECKS[key](kind, key, value)


class Layer:
    """Base class of the layers rnncount knows.

    Subclasses are dataclasses; ``build(input_shape)`` returns a :class:`Built` or
    raises :class:`SpecError` with a teaching message.
    """

    kind: ClassVar[str] = "Layer"
    keras_base_name: ClassVar[str] = "layer"
    recurrent: ClassVar[bool] = False
    name: str | None

    @property
    def type_name(self) -> str:
        return self.kind

    def __post_init__(self) -> None:
        # Layers built from Python (not only from spec strings) are checked as they are made.
        _check_name_and_extra(self)
        self.validate()

    def validate(self) -> None:
        """Raise SpecError if the arguments cannot make a layer."""

    def build(self, input_shape: Shape) -> Built:  # pragma: no cover - abstract
        raise NotImplementedError

    def spec(self) -> str:
        """The layer written as a spec string, e.g. ``LSTM(32, return_sequences=True)``."""
        args: list[str] = []
        for f in fields(self):  # type: ignore[arg-type]
            if f.name in ("name", "extra"):
                continue
            value = getattr(self, f.name)
            text = value.spec() if isinstance(value, Layer) else repr(value)
            if f.default is MISSING:
                args.append(text)
            elif value != f.default:
                args.append(f"{f.name}={text}")
        args += [f"{k}={v!r}" for k, v in (getattr(self, "extra", None) or {}).items()]
        if self.name:
            args.append(f"name={self.name!r}")
        return f"{self.kind}({', '.join(args)})"

    def __str__(self) -> str:
        return self.spec()

    def with_options(self, **changes: Any) -> Layer:
        """A copy with some arguments changed."""
        known = [f.name for f in fields(self)]  # type: ignore[arg-type]
        unknown = [key for key in changes if key not in known]
        if unknown:
            raise RnncountTypeError(f"{self.kind} has no option {shown(unknown[0])} (options: {', '.join(known)})")
        return replace(self, **changes)  # type: ignore[type-var]  # replace() runs the checks again


def _needs_width(kind: str, input_shape: Shape) -> int:
    """The last dimension of the input, which sets the size of a kernel."""
    last = input_shape[-1]
    if last is None:
        raise SpecError(
            f"{kind} needs a known input width (the last dimension) but receives "
            f"{format_shape(input_shape)}; the kernel's size depends on it"
        )
    return last


@dataclass(eq=True)
class Dense(Layer):
    """Dense(o): kernel (i, o) and bias (o,); on (T, i) it is applied per timestep."""

    units: int
    use_bias: bool = True
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    kind: ClassVar[str] = "Dense"
    keras_base_name: ClassVar[str] = "dense"

    def validate(self) -> None:
        _check_positive_int(self.kind, "units", self.units)
        _check_bool(self.kind, "use_bias", self.use_bias)

    def build(self, input_shape: Shape) -> Built:
        if len(input_shape) < 2:
            raise SpecError(f"{self.kind} needs an input with a batch and a width, got {format_shape(input_shape)}")
        i = _needs_width(self.kind, input_shape)
        o = self.units
        blocks = [Block("W", "kernel", None, "kernel", (i, o), ("i", "o"))]
        if self.use_bias:
            blocks.append(Block("b", "bias", None, "bias", (o,), ("o",)))
        out = (*input_shape[:-1], o)
        return Built(tuple(input_shape), out, tuple(blocks), {"i": i, "o": o})


@dataclass(eq=True)
class Embedding(Layer):
    """Embedding(V, d): one d-vector per token id; output (None, T, d)."""

    input_dim: int
    output_dim: int
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    kind: ClassVar[str] = "Embedding"
    keras_base_name: ClassVar[str] = "embedding"

    def validate(self) -> None:
        _check_positive_int(self.kind, "input_dim (the vocabulary size V)", self.input_dim)
        _check_positive_int(self.kind, "output_dim (the vector size d)", self.output_dim)

    def build(self, input_shape: Shape) -> Built:
        if len(input_shape) != 2:
            raise SpecError(
                f"Embedding takes token ids shaped (None, T) but receives {format_shape(input_shape)}; "
                "give the input as the sequence length only, e.g. 100"
            )
        v, d = self.input_dim, self.output_dim
        blocks = (Block("E", "embeddings", None, "embeddings", (v, d), ("V", "d")),)
        return Built(tuple(input_shape), (input_shape[0], input_shape[1], d), blocks, {"V": v, "d": d})


@dataclass(eq=True)
class Flatten(Layer):
    """Flatten(): (None, T, i) -> (None, T*i); no weights."""

    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    kind: ClassVar[str] = "Flatten"
    keras_base_name: ClassVar[str] = "flatten"

    def build(self, input_shape: Shape) -> Built:
        rest = input_shape[1:]
        width = None if any(d is None for d in rest) else math.prod(rest)
        return Built(tuple(input_shape), (input_shape[0], width), (), {})


@dataclass(eq=True)
class Dropout(Layer):
    """Dropout(rate): zeroes a fraction of its inputs while training; no weights."""

    rate: float = 0.5
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    kind: ClassVar[str] = "Dropout"
    keras_base_name: ClassVar[str] = "dropout"

    def validate(self) -> None:
        _check_fraction(self.kind, "rate", self.rate, one=False)

    def build(self, input_shape: Shape) -> Built:
        return Built(tuple(input_shape), tuple(input_shape), (), {})


@dataclass(eq=True)
class RepeatVector(Layer):
    """RepeatVector(n): (None, k) -> (None, n, k), the bridge of an encoder-decoder."""

    n: int
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    kind: ClassVar[str] = "RepeatVector"
    keras_base_name: ClassVar[str] = "repeat_vector"

    def validate(self) -> None:
        _check_positive_int(self.kind, "n (how many times to repeat)", self.n)

    def build(self, input_shape: Shape) -> Built:
        if len(input_shape) != 2:
            raise SpecError(
                f"RepeatVector needs a vector (None, k) but receives {format_shape(input_shape)}; "
                "it turns one vector into a sequence, so put it after a layer that returns a vector"
            )
        return Built(tuple(input_shape), (input_shape[0], self.n, input_shape[1]), (), {})


@dataclass(eq=True)
class _Recurrent(Layer):
    units: int
    use_bias: bool = True
    return_sequences: bool = False
    return_state: bool = False
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    recurrent: ClassVar[bool] = True

    def validate(self) -> None:
        _check_positive_int(self.kind, "units", self.units)
        _check_bool(self.kind, "use_bias", self.use_bias)
        _check_bool(self.kind, "return_sequences", self.return_sequences)
        _check_bool(self.kind, "return_state", self.return_state)

    @property
    def gates(self) -> tuple[str, ...]:
        return GATES[self.kind]

    def _bias_blocks(self, h: int, gate: str, col: int) -> list[Block]:
        return [Block(f"b_{gate}", "bias", gate, "bias", (h,), ("h",), column=col)]

    def _blocks(self, i: int) -> list[Block]:
        h = self.units
        blocks: list[Block] = []
        # Keras concatenates the gates along the last axis of each variable, so the
        # blocks are listed gate by gate with their column offsets.
        for k, gate in enumerate(self.gates):
            col = k * h
            blocks.append(Block(f"W_x{gate}", "kernel", gate, "input kernel", (i, h), ("i", "h"), column=col))
            blocks.append(
                Block(f"W_h{gate}", "recurrent_kernel", gate, "recurrent kernel", (h, h), ("h", "h"), column=col)
            )
            if self.use_bias:
                blocks.extend(self._bias_blocks(h, gate, col))
        return blocks

    def state_count(self) -> int:
        return 1

    def build(self, input_shape: Shape) -> Built:
        if len(input_shape) != 3:
            raise SpecError(f"{self.kind} needs a sequence (None, T, i) but receives {format_shape(input_shape)}")
        i = _needs_width(self.kind, input_shape)
        h = self.units
        batch, t = input_shape[0], input_shape[1]
        out: OutputShape = (batch, t, h) if self.return_sequences else (batch, h)
        if self.return_state:
            out = [out] + [(batch, h)] * self.state_count()
        return Built(tuple(input_shape), out, tuple(self._blocks(i)), {"i": i, "h": h}, gates=len(self.gates))


@dataclass(eq=True)
class SimpleRNN(_Recurrent):
    """SimpleRNN(h): h_t = tanh(x_t W_x + h_{t-1} W_h + b); i*h + h*h + h weights."""

    kind: ClassVar[str] = "SimpleRNN"
    keras_base_name: ClassVar[str] = "simple_rnn"


@dataclass(eq=True)
class LSTM(_Recurrent):
    """LSTM(h): four gate blocks (i, f, c, o); 4*(i*h + h*h + h) weights."""

    kind: ClassVar[str] = "LSTM"
    keras_base_name: ClassVar[str] = "lstm"

    def state_count(self) -> int:
        return 2  # h and c


@dataclass(eq=True)
class GRU(_Recurrent):
    """GRU(h): three gate blocks (z, r, h); with reset_after=True (the default) a second bias row."""

    reset_after: bool = True

    kind: ClassVar[str] = "GRU"
    keras_base_name: ClassVar[str] = "gru"

    def validate(self) -> None:
        super().validate()
        _check_bool(self.kind, "reset_after", self.reset_after)

    def _bias_blocks(self, h: int, gate: str, col: int) -> list[Block]:
        if not self.reset_after:
            return super()._bias_blocks(h, gate, col)
        # reset_after=True keeps the input bias and the recurrent bias apart:
        # Keras stores them as the two rows of a (2, 3h) bias.
        return [
            Block(f"b_x{gate}", "bias", gate, "bias", (h,), ("h",), column=col, row=0),
            Block(f"b_h{gate}", "bias", gate, "recurrent bias", (h,), ("h",), column=col, row=1),
        ]


RECURRENT = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}


@dataclass(eq=True)
class Bidirectional(Layer):
    """Bidirectional(layer): a forward and a backward copy; twice the weights."""

    layer: _Recurrent
    merge_mode: str | None = "concat"
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    kind: ClassVar[str] = "Bidirectional"
    keras_base_name: ClassVar[str] = "bidirectional"
    recurrent: ClassVar[bool] = True

    @property
    def type_name(self) -> str:
        return f"Bidirectional({self.layer.kind})"

    @property
    def return_sequences(self) -> bool:
        return self.layer.return_sequences

    @property
    def units(self) -> int:
        return self.layer.units

    def validate(self) -> None:
        if not isinstance(self.layer, Layer):
            raise RnncountTypeError(f"Bidirectional wraps a recurrent layer such as LSTM(32), got {_got(self.layer)}")
        if not isinstance(self.layer, _Recurrent):
            raise SpecError(f"Bidirectional wraps a recurrent layer (SimpleRNN, LSTM or GRU), not {self.layer.kind}")
        if self.merge_mode is not None and not isinstance(self.merge_mode, str):
            raise RnncountTypeError(
                f"Bidirectional: merge_mode must be 'concat', 'sum', 'mul', 'ave' or None, got {_got(self.merge_mode)}"
            )
        if self.merge_mode not in MERGE_MODES:
            raise SpecError(
                f"Bidirectional: merge_mode must be one of 'concat', 'sum', 'mul', 'ave' or None, "
                f"got {shown(self.merge_mode)}"
            )
        if self.layer.return_state:
            raise SpecError("Bidirectional: return_state on the wrapped layer is not supported here")
        self.layer.validate()

    def build(self, input_shape: Shape) -> Built:
        try:
            inner = self.layer.build(input_shape)
        except SpecError as err:
            raise SpecError(str(err).replace(self.layer.kind, self.type_name, 1)) from None
        blocks = tuple(replace(b, direction=d) for d in ("forward", "backward") for b in inner.blocks)
        out = inner.output_shape
        if self.merge_mode == "concat":
            out = (*out[:-1], 2 * out[-1])
        elif self.merge_mode is None:
            out = [out, out]  # two separate tensors, one per direction
        return Built(tuple(input_shape), out, blocks, inner.symbols, gates=inner.gates, copies=2)


@dataclass(eq=True)
class TimeDistributed(Layer):
    """TimeDistributed(Dense(o)): the same Dense applied at every timestep."""

    layer: Dense
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    kind: ClassVar[str] = "TimeDistributed"
    keras_base_name: ClassVar[str] = "time_distributed"

    @property
    def type_name(self) -> str:
        return f"TimeDistributed({self.layer.kind})"

    def validate(self) -> None:
        if not isinstance(self.layer, Layer):
            raise RnncountTypeError(f"TimeDistributed wraps a layer such as Dense(1), got {_got(self.layer)}")
        if not isinstance(self.layer, Dense):
            raise SpecError(f"TimeDistributed here wraps a Dense layer, not {self.layer.kind}")

    def build(self, input_shape: Shape) -> Built:
        if len(input_shape) != 3:
            raise SpecError(
                f"TimeDistributed(Dense) needs a sequence (None, T, i) but receives {format_shape(input_shape)}"
            )
        inner = self.layer.build(input_shape)
        return Built(tuple(input_shape), inner.output_shape, inner.blocks, inner.symbols)


LAYER_TYPES: dict[str, type[Layer]] = {
    cls.kind: cls
    for cls in (Dense, Embedding, Flatten, Dropout, RepeatVector, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed)
}


def cosmetic_options(kind: str) -> set[str]:
    """Keyword arguments accepted for ``kind`` that change neither counts nor shapes."""
    return _COSMETIC.get(kind, set())
