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
import re
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any, ClassVar

from ..errors import RnncountTypeError, SpecError, a_type, shown

Shape = tuple  # (None, T, i) style: batch first, None for an unknown size
OutputShape = Any  # a Shape, or a list of Shapes for layers that return several tensors

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
    trainable: bool = True  # False for BatchNormalization's moving mean and variance
    group: str | None = None  # the sub-layer that owns the variable (a cell of StackedRNNCells)

    @property
    def params(self) -> int:
        return math.prod(self.shape)

    @property
    def term(self) -> str:
        """The block's size in symbols, e.g. ``i*h``."""
        return "*".join(self.symbols)

    def to_dict(self) -> dict[str, Any]:
        name = f"{self.direction}_{self.name}" if self.direction else self.name
        if self.group:
            name = f"{self.group}_{name}"
        return {
            "name": name,
            "gate": self.gate,
            "role": self.role,
            "shape": list(self.shape),
            "params": self.params,
            "trainable": self.trainable,
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
    #: Sub-layers counted one after the other (a Bidirectional with its own backward layer,
    #: StackedRNNCells): the formula is the sum of theirs.
    parts: tuple[Built, ...] = ()

    @property
    def params(self) -> int:
        return sum(b.params for b in self.blocks)

    @property
    def trainable_params(self) -> int:
        return sum(b.params for b in self.blocks if b.trainable)

    @property
    def non_trainable_params(self) -> int:
        return sum(b.params for b in self.blocks if not b.trainable)


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


def _check_positive_number(layer: str, what: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RnncountTypeError(f"{layer}: {what} must be a number, got {_got(value)}")
    if not 0 < value < 1e6:
        raise SpecError(f"{layer}: {what} must be a small positive number, got {shown(value)}")


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
    "trainable": _check_bool,
    "momentum": _check_fraction,
    "epsilon": _check_positive_number,
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


def keras_snake_case(name: str) -> str:
    """Keras's default layer name for a class: ``SimpleRNN`` -> ``simple_rnn``, ``ConvLSTM2D`` -> ``conv_lstm2d``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


@dataclass(frozen=True)
class BlockStyle:
    """How one weight block (a gate's share, or a whole variable) is named and coloured."""

    name: str  # "forget gate"
    title: str  # "forget gate f", the picture's label
    color: str  # Okabe-Ito, readable by colour-blind viewers and on a projector


#: Every layer kind, by its Keras class name, in the order the classes are defined.
LAYER_TYPES: dict[str, type[Layer]] = {}


class Layer:
    """Base class of the layers rnncount knows: each subclass is the one description of its kind.

    Subclasses are dataclasses whose fields are the Keras arguments that change a count or a
    shape. ``build(input_shape)`` returns a :class:`Built` (the output shape and the weight
    blocks) or raises :class:`SpecError` with a teaching message. Class attributes say the rest:
    how a spec writes the kind, its blocks' names and colours, how Keras builds it and reads it
    back (:meth:`to_keras`, :meth:`from_keras`), and its PyTorch twin (``torch``). Every public
    subclass registers itself in :data:`LAYER_TYPES` under its Keras class name.
    """

    kind: ClassVar[str] = "Layer"
    keras_base_name: ClassVar[str] = "layer"
    recurrent: ClassVar[bool] = False
    #: "one" tensor in; "list" for merge layers (Concatenate, Add, ...), which join several;
    #: "attention" for layers called with a query and a value (and a key).
    inputs: ClassVar[str] = "one"
    #: Keras's positional parameters, in order; None: the fields without a default.
    positional: ClassVar[tuple[str, ...] | None] = None
    #: Fields a spec may not give (inherited options this kind does not take).
    hidden_fields: ClassVar[tuple[str, ...]] = ()
    #: Fields that hold a layer, or a list of layers: a spec writes them as nested layers.
    layer_fields: ClassVar[tuple[str, ...]] = ()
    #: Wraps another layer; a wrapper cannot itself be wrapped by a wrapper.
    wrapper: ClassVar[bool] = False
    #: A spec shown when arguments are missing ('' for ``Kind(32)``).
    example: ClassVar[str] = ""
    #: Keras options that change neither a count nor a shape (accepted and passed on to Keras).
    cosmetic: ClassVar[frozenset[str]] = frozenset()
    #: Why the kind cannot be written in a spec at all ('' if it can).
    spec_refusal: ClassVar[str] = ""
    #: The kind never has weights, whatever its input.
    no_weights: ClassVar[bool] = False
    #: Block styles by gate letter (None for a layer without gates).
    styles: ClassVar[dict[str | None, BlockStyle]] = {}
    #: The torch.nn twin (e.g. "nn.LSTM"), or None; ``torch_note`` says why there is none.
    torch: ClassVar[str | None] = None
    torch_note: ClassVar[str] = ""
    name: str | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            cls.kind = cls.__name__
            cls.keras_base_name = keras_snake_case(cls.__name__)
            LAYER_TYPES[cls.kind] = cls

    # -- how a spec writes the kind

    @classmethod
    def spec_keywords(cls) -> tuple[str, ...]:
        """The arguments a spec may give by name (besides ``name`` and the cosmetic options)."""
        return tuple(f.name for f in fields(cls) if f.name not in ("name", "extra", *cls.hidden_fields))  # type: ignore[arg-type]

    @classmethod
    def spec_positional(cls) -> tuple[str, ...]:
        """The arguments a spec may give by position, in Keras's order."""
        if cls.positional is not None:
            return cls.positional
        return tuple(f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING)  # type: ignore[arg-type]

    @classmethod
    def spec_required(cls) -> tuple[str, ...]:
        """The arguments a spec must give."""
        return tuple(f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING)  # type: ignore[arg-type]

    @classmethod
    def spec_example(cls) -> str:
        return cls.example or f"{cls.kind}(32)"

    @classmethod
    def style(cls, gate: str | None) -> BlockStyle | None:
        """The name, title and colour of the blocks of one gate (None: not styled)."""
        return cls.styles.get(gate)

    @property
    def type_name(self) -> str:
        return self.kind

    def unwrap(self) -> Layer:
        """The plain layer every consumer treats this one as: ``RNN(LSTMCell(4))`` is ``LSTM(4)``.

        A wrapper that adds something of its own (Bidirectional's two copies, TimeDistributed's
        time axis) stays itself; :meth:`inner` gives the layer it wraps.
        """
        return self

    def inner(self) -> Layer:
        """The layer whose blocks, gates and colours this one carries: the wrapped layer, unwrapped."""
        return self.unwrap()

    # -- Keras (the bridge passes ``keras.layers`` in, so nothing here imports Keras)

    def keras_arguments(self) -> dict[str, Any]:
        """The Keras constructor's arguments for this layer (the fields carry Keras's own names)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in self.spec_keywords()}  # type: ignore[arg-type]

    def keras_zeros(self) -> dict[str, Any]:
        """Initialisers that skip random draws, for display models that only need the shapes."""
        return {}

    def to_keras(self, layers: Any, name: str | None, zeros: bool, make: Any) -> Any:
        """The Keras 3 layer; ``make(layer, name)`` builds a nested rnncount layer the same way."""
        named = {"name": name} if name else {}
        init = self.keras_zeros() if zeros else {}
        return getattr(layers, self.kind)(**self.keras_arguments(), **named, **dict(self.extra or {}), **init)

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        """The rnncount layer for a Keras layer of this class (None: options the formula does not know).

        ``read(k)`` reads a nested Keras layer; ``extra`` holds the flags every layer keeps (trainable).
        """
        config = klayer.get_config()
        if config.get("data_format") not in (None, "channels_last") and "data_format" not in cls.spec_keywords():
            return None  # options that move axes the formula does not know
        kwargs = {}
        for name in cls.spec_keywords():
            if name not in config:
                continue
            value = config[name]
            kwargs[name] = tuple(value) if isinstance(value, list) else value
        return cls(**kwargs, name=getattr(klayer, "name", None), extra=extra)

    def __post_init__(self) -> None:
        # Layers built from Python (not only from spec strings) are checked as they are made.
        _check_name_and_extra(self)
        self.validate()

    def validate(self) -> None:
        """Raise SpecError if the arguments cannot make a layer."""

    def build(self, input_shape: Shape) -> Built:  # pragma: no cover - abstract
        raise NotImplementedError

    def build_many(self, input_shapes: list[Shape]) -> Built:
        """Build on several input tensors (merge and attention layers override this)."""
        if len(input_shapes) == 1:
            return self.build(input_shapes[0])
        raise SpecError(f"{self.kind} takes one input tensor, got {len(input_shapes)}")

    def shape_note(self, built: Built) -> str:
        """One sentence on what the layer does to the shape ('' to let the engine say it)."""
        return ""

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

    styles: ClassVar[dict[str | None, BlockStyle]] = {None: BlockStyle("kernel and bias", "", "#56718C")}
    torch: ClassVar[str | None] = "nn.Linear"

    cosmetic: ClassVar[frozenset[str]] = frozenset({"activation"})

    units: int
    use_bias: bool = True
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def keras_zeros(self) -> dict[str, Any]:
        return dict.fromkeys(("kernel_initializer", "bias_initializer"), "zeros")

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

    example: ClassVar[str] = "Embedding(10000, 100)"

    styles: ClassVar[dict[str | None, BlockStyle]] = {None: BlockStyle("embeddings", "", "#8C6BB1")}
    torch: ClassVar[str | None] = "nn.Embedding"

    cosmetic: ClassVar[frozenset[str]] = frozenset({"mask_zero"})

    input_dim: int
    output_dim: int
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def keras_zeros(self) -> dict[str, Any]:
        return {"embeddings_initializer": "zeros"}

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

    no_weights: ClassVar[bool] = True

    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def build(self, input_shape: Shape) -> Built:
        rest = input_shape[1:]
        width = None if any(d is None for d in rest) else math.prod(rest)
        return Built(tuple(input_shape), (input_shape[0], width), (), {})


@dataclass(eq=True)
class Dropout(Layer):
    """Dropout(rate): zeroes a fraction of its inputs while training; no weights."""

    positional: ClassVar[tuple[str, ...] | None] = ("rate",)

    no_weights: ClassVar[bool] = True

    cosmetic: ClassVar[frozenset[str]] = frozenset({"seed"})

    rate: float = 0.5
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def validate(self) -> None:
        _check_fraction(self.kind, "rate", self.rate, one=False)

    def build(self, input_shape: Shape) -> Built:
        return Built(tuple(input_shape), tuple(input_shape), (), {})


@dataclass(eq=True)
class RepeatVector(Layer):
    """RepeatVector(n): (None, k) -> (None, n, k), the bridge of an encoder-decoder."""

    example: ClassVar[str] = "RepeatVector(30)"

    no_weights: ClassVar[bool] = True

    n: int
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

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

    def keras_zeros(self) -> dict[str, Any]:
        # Zero initialisers skip the random (and, for recurrent kernels, orthogonal) draws.
        return {"kernel_initializer": "zeros", "recurrent_initializer": "zeros", "bias_initializer": "zeros"}

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        if getattr(klayer, "go_backwards", False):
            extra = {**extra, "go_backwards": True}  # tells a Bidirectional's backward layer from its forward one
        return super().from_keras(klayer, read, extra)

    def validate(self) -> None:
        _check_positive_int(self.kind, "units", self.units)
        _check_bool(self.kind, "use_bias", self.use_bias)
        _check_bool(self.kind, "return_sequences", self.return_sequences)
        _check_bool(self.kind, "return_state", self.return_state)

    #: Gate letters in the order Keras stores them inside kernel, recurrent_kernel and bias.
    gates: ClassVar[tuple[str, ...]] = ()

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

    gates: ClassVar[tuple[str, ...]] = ("h",)
    styles: ClassVar[dict[str | None, BlockStyle]] = {"h": BlockStyle("hidden state", "hidden state h", "#009E73")}
    torch: ClassVar[str | None] = "nn.RNN"
    torch_gates: ClassVar[tuple[str, ...]] = ("h",)

    cosmetic: ClassVar[frozenset[str]] = frozenset(
        {"activation", "dropout", "go_backwards", "recurrent_dropout", "unroll"}
    )


@dataclass(eq=True)
class LSTM(_Recurrent):
    """LSTM(h): four weight blocks (gates i, f, o and the candidate c); 4*(i*h + h*h + h) weights."""

    gates: ClassVar[tuple[str, ...]] = ("i", "f", "c", "o")
    styles: ClassVar[dict[str | None, BlockStyle]] = {
        "i": BlockStyle("input gate", "input gate i", "#0072B2"),
        "f": BlockStyle("forget gate", "forget gate f", "#E69F00"),
        "c": BlockStyle("cell candidate", "candidate c̃", "#009E73"),
        "o": BlockStyle("output gate", "output gate o", "#CC79A7"),
    }
    torch: ClassVar[str | None] = "nn.LSTM"
    torch_gates: ClassVar[tuple[str, ...]] = ("i", "f", "g", "o")  # PyTorch calls the candidate g

    cosmetic: ClassVar[frozenset[str]] = frozenset(
        {
            "activation",
            "dropout",
            "go_backwards",
            "recurrent_activation",
            "recurrent_dropout",
            "unit_forget_bias",
            "unroll",
        }
    )

    def keras_zeros(self) -> dict[str, Any]:
        init = super().keras_zeros()
        if "unit_forget_bias" not in self.extra:
            init["unit_forget_bias"] = False  # else the forget-gate bias starts at ones
        return init

    def state_count(self) -> int:
        return 2  # h and c


@dataclass(eq=True)
class GRU(_Recurrent):
    """GRU(h): three weight blocks (gates z, r, candidate h); reset_after=True (the default) adds a bias row."""

    gates: ClassVar[tuple[str, ...]] = ("z", "r", "h")
    styles: ClassVar[dict[str | None, BlockStyle]] = {
        "z": BlockStyle("update gate", "update gate z", "#0072B2"),
        "r": BlockStyle("reset gate", "reset gate r", "#E69F00"),
        "h": BlockStyle("candidate state", "candidate h̃", "#009E73"),
    }
    torch: ClassVar[str | None] = "nn.GRU"
    torch_gates: ClassVar[tuple[str, ...]] = ("r", "z", "n")  # reset first; PyTorch's n is h̃

    cosmetic: ClassVar[frozenset[str]] = frozenset(
        {"activation", "dropout", "go_backwards", "recurrent_activation", "recurrent_dropout", "unroll"}
    )

    reset_after: bool = True

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


#: The recurrent layers a cell belongs to, and the dashboards' choice of recurrent kinds.
RECURRENT: dict[str, type[_Recurrent]] = {cls.kind: cls for cls in (SimpleRNN, LSTM, GRU)}


@dataclass(eq=True)
class _Cell(Layer):
    """One step of a recurrent layer (``LSTMCell(4)``); it counts only inside ``RNN(...)``."""

    units: int
    use_bias: bool = True
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    #: The recurrent layer made of this cell.
    layer_class: ClassVar[type[_Recurrent]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if hasattr(cls, "layer_class"):
            cls.styles = cls.layer_class.styles  # the same blocks, so the same names and colours

    def validate(self) -> None:
        _check_positive_int(self.kind, "units", self.units)
        _check_bool(self.kind, "use_bias", self.use_bias)

    def as_layer(
        self, return_sequences: bool = False, return_state: bool = False, extra: dict | None = None
    ) -> _Recurrent:
        """The recurrent layer with this cell: the same weight blocks, options and activations."""
        options = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("name", "extra")}
        merged = {k: v for k, v in self.extra.items() if k in self.layer_class.cosmetic} | dict(extra or {})
        return self.layer_class(**options, return_sequences=return_sequences, return_state=return_state, extra=merged)

    def keras_zeros(self) -> dict[str, Any]:
        return self.as_layer().keras_zeros()

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        cell = super().from_keras(klayer, read, {})
        return None if cell is None else replace(cell, name=None)  # a cell is named after its RNN

    def build(self, input_shape: Shape) -> Built:
        raise SpecError(f"{self.kind} is one timestep of a recurrent layer; wrap it: RNN({self.spec()})")


@dataclass(eq=True)
class SimpleRNNCell(_Cell):
    """The cell of a SimpleRNN: RNN(SimpleRNNCell(h)) has the blocks of SimpleRNN(h)."""

    cosmetic: ClassVar[frozenset[str]] = frozenset({"activation", "dropout", "recurrent_dropout"})

    layer_class: ClassVar[type[_Recurrent]] = SimpleRNN


@dataclass(eq=True)
class LSTMCell(_Cell):
    """The cell of an LSTM: RNN(LSTMCell(h)) has the blocks of LSTM(h)."""

    cosmetic: ClassVar[frozenset[str]] = frozenset(
        {"activation", "dropout", "recurrent_activation", "recurrent_dropout", "unit_forget_bias"}
    )

    layer_class: ClassVar[type[_Recurrent]] = LSTM


@dataclass(eq=True)
class GRUCell(_Cell):
    """The cell of a GRU: RNN(GRUCell(h)) has the blocks of GRU(h)."""

    cosmetic: ClassVar[frozenset[str]] = frozenset(
        {"activation", "dropout", "recurrent_activation", "recurrent_dropout"}
    )

    reset_after: bool = True

    layer_class: ClassVar[type[_Recurrent]] = GRU

    def validate(self) -> None:
        super().validate()
        _check_bool(self.kind, "reset_after", self.reset_after)


@dataclass(eq=True)
class StackedRNNCells(Layer):
    """Several cells run one after the other at each timestep; each cell's i is the width of the one before."""

    layer_fields: ClassVar[tuple[str, ...]] = ("cells",)

    example: ClassVar[str] = "StackedRNNCells([LSTMCell(8), GRUCell(4)])"

    cells: list
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_keras(self, layers: Any, name: str | None, zeros: bool, make: Any) -> Any:
        cells = [make(c, f"{name}_{k}" if name else None) for k, c in enumerate(self.cells)]
        return layers.StackedRNNCells(cells, **({"name": name} if name else {}), **self.extra)

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        cells = [read(c) for c in klayer.cells]
        return None if None in cells else cls(cells)

    def validate(self) -> None:
        if not isinstance(self.cells, (list, tuple)) or not self.cells:
            raise SpecError("StackedRNNCells takes a list of cells, e.g. StackedRNNCells([LSTMCell(8), GRUCell(4)])")
        for cell in self.cells:
            if not isinstance(cell, _Cell):
                what = cell.kind if isinstance(cell, Layer) else repr(cell)
                raise SpecError(f"StackedRNNCells holds cells (SimpleRNNCell, LSTMCell, GRUCell), not {what}")

    def spec(self) -> str:
        inner = ", ".join(c.spec() for c in self.cells)
        name = f", name={self.name!r}" if self.name else ""
        return f"StackedRNNCells([{inner}]{name})"

    def build(self, input_shape: Shape) -> Built:
        raise SpecError(f"StackedRNNCells is one timestep of a recurrent layer; wrap it: RNN({self.spec()})")


@dataclass(eq=True)
class RNN(Layer):
    """RNN(cell): a recurrent layer made of a cell; the same weights as the layer of that cell."""

    torch_note: ClassVar[str] = (
        "PyTorch's nn.RNN, nn.LSTM and nn.GRU stack layers of one kind (num_layers), not cells of different kinds"
    )

    layer_fields: ClassVar[tuple[str, ...]] = ("cell",)

    example: ClassVar[str] = "RNN(LSTMCell(32))"

    cosmetic: ClassVar[frozenset[str]] = frozenset({"go_backwards", "unroll"})

    cell: Layer
    return_sequences: bool = False
    return_state: bool = False
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    recurrent: ClassVar[bool] = True

    def to_keras(self, layers: Any, name: str | None, zeros: bool, make: Any) -> Any:
        cell = make(self.cell, f"{name}_cell" if name else None)
        named = {"name": name} if name else {}
        return layers.RNN(
            cell, return_sequences=self.return_sequences, return_state=self.return_state, **named, **self.extra
        )

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        cell = read(klayer.cell)
        if cell is None:
            return None
        if getattr(klayer, "go_backwards", False):
            extra = {**extra, "go_backwards": True}
        return cls(cell, klayer.return_sequences, klayer.return_state, name=klayer.name, extra=extra)

    @property
    def type_name(self) -> str:
        return f"RNN({self.cell.kind})"

    @property
    def cells(self) -> list[_Cell]:
        return list(self.cell.cells) if isinstance(self.cell, StackedRNNCells) else [self.cell]

    @property
    def units(self) -> int:
        return self.cells[-1].units

    def unwrap(self) -> Layer:
        """One cell: the recurrent layer of that cell (``RNN(LSTMCell(4))`` is ``LSTM(4)``); stacked cells stay."""
        if len(self.cells) != 1:
            return self
        return self.cells[0].as_layer(self.return_sequences, self.return_state, extra=self.extra)

    def validate(self) -> None:
        if not isinstance(self.cell, (_Cell, StackedRNNCells)):
            what = self.cell.kind if isinstance(self.cell, Layer) else repr(self.cell)
            raise SpecError(f"RNN wraps a cell (SimpleRNNCell, LSTMCell, GRUCell or StackedRNNCells), not {what}")
        _check_bool(self.kind, "return_sequences", self.return_sequences)
        _check_bool(self.kind, "return_state", self.return_state)
        self.cell.validate()

    def build(self, input_shape: Shape) -> Built:
        if len(input_shape) != 3:
            raise SpecError(f"{self.type_name} needs a sequence (None, T, i) but receives {format_shape(input_shape)}")
        cells = self.cells
        if len(cells) == 1:
            return self.unwrap().build(input_shape)
        batch, t = input_shape[0], input_shape[1]
        width = _needs_width(self.type_name, input_shape)
        parts, blocks, states = [], [], []
        for k, cell in enumerate(cells):
            layer = cell.as_layer()
            part = layer.build((batch, t, width))
            parts.append(part)
            blocks += [replace(b, group=f"cell_{k}") for b in part.blocks]
            states += [(batch, cell.units)] * layer.state_count()
            width = cell.units
        out: OutputShape = (batch, t, width) if self.return_sequences else (batch, width)
        if self.return_state:
            out = [out, *states]
        return Built(tuple(input_shape), out, tuple(blocks), parts[0].symbols, gates=parts[0].gates, parts=tuple(parts))

    def shape_note(self, built: Built) -> str:
        if len(self.cells) > 1:
            return "the cells run one after the other at each timestep; each cell's i is the width of the one before"
        return ""


def _recurrent_like(layer: Any) -> bool:
    return isinstance(layer, (_Recurrent, RNN))


def _go_backwards(layer: Layer) -> bool:
    return bool((getattr(layer, "extra", None) or {}).get("go_backwards", False))


def _first(shape: OutputShape) -> Shape:
    return shape[0] if isinstance(shape, list) else shape


@dataclass(eq=True)
class Bidirectional(Layer):
    """Bidirectional(layer): a forward and a backward copy; twice the weights.

    ``backward_layer`` gives the backward direction its own layer (its own kind, units
    and options); the count is then the forward layer's plus the backward layer's.
    """

    layer_fields: ClassVar[tuple[str, ...]] = ("layer", "backward_layer")
    wrapper: ClassVar[bool] = True

    example: ClassVar[str] = "Bidirectional(LSTM(32))"

    layer: Layer
    merge_mode: str | None = "concat"
    backward_layer: Layer | None = None
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    recurrent: ClassVar[bool] = True

    def inner(self) -> Layer:
        return self.layer.unwrap()

    def to_keras(self, layers: Any, name: str | None, zeros: bool, make: Any) -> Any:
        base = name or "bidirectional"
        inner = make(self.layer, f"{base}_{self.layer.keras_base_name}")
        back = self.backward_layer
        kwargs = {} if back is None else {"backward_layer": make(back, f"{base}_backward_{back.keras_base_name}")}
        named = {"name": name} if name else {}
        return layers.Bidirectional(inner, merge_mode=self.merge_mode, **named, **kwargs, **self.extra)

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        fwd, bwd = read(klayer.forward_layer), read(klayer.backward_layer)
        if fwd is None or bwd is None:
            return None
        fwd, bwd = replace(fwd, name=None), replace(bwd, name=None)
        fwd.extra, bwd.extra = {}, {"go_backwards": True}
        # Keras makes the backward layer a copy unless one was given; one that differs is counted on its own.
        own = bwd != fwd
        return cls(fwd, klayer.merge_mode, backward_layer=bwd if own else None, name=klayer.name, extra=extra)

    @property
    def type_name(self) -> str:
        if self.backward_layer is not None and self.backward_layer.type_name != self.layer.type_name:
            return f"Bidirectional({self.layer.type_name}, {self.backward_layer.type_name})"
        return f"Bidirectional({self.layer.type_name})"

    @property
    def return_sequences(self) -> bool:
        return self.layer.return_sequences

    @property
    def return_state(self) -> bool:
        return self.layer.return_state

    @property
    def units(self) -> int:
        return self.layer.units

    def validate(self) -> None:
        if not isinstance(self.layer, Layer):
            raise RnncountTypeError(f"Bidirectional wraps a recurrent layer such as LSTM(32), got {_got(self.layer)}")
        if self.merge_mode is not None and not isinstance(self.merge_mode, str):
            raise RnncountTypeError(
                f"Bidirectional: merge_mode must be 'concat', 'sum', 'mul', 'ave' or None, got {_got(self.merge_mode)}"
            )
        for what, layer in (("layer", self.layer), ("backward_layer", self.backward_layer)):
            if layer is None and what == "backward_layer":
                continue
            if not _recurrent_like(layer):
                kind = layer.kind if isinstance(layer, Layer) else repr(layer)
                raise SpecError(
                    f"Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU or RNN), not {kind}"
                    + ("" if what == "layer" else " (in backward_layer)")
                )
            layer.validate()
        if self.merge_mode not in MERGE_MODES:
            raise SpecError(
                f"Bidirectional: merge_mode must be one of 'concat', 'sum', 'mul', 'ave' or None, "
                f"got {shown(self.merge_mode)}"
            )
        back = self.backward_layer
        if back is not None:
            for option in ("return_sequences", "return_state"):
                if getattr(back, option) != getattr(self.layer, option):
                    raise SpecError(
                        f"Bidirectional: the forward and backward layers must have the same {option} "
                        f"(forward {getattr(self.layer, option)}, backward {getattr(back, option)})"
                    )
            if _go_backwards(back) == _go_backwards(self.layer):
                raise SpecError(
                    "Bidirectional: the backward layer must read the sequence the other way: "
                    "give it go_backwards=True (and the forward layer go_backwards=False)"
                )

    def build(self, input_shape: Shape) -> Built:
        built = []
        for layer in (self.layer, self.backward_layer or self.layer):
            try:
                built.append(layer.build(input_shape))
            except SpecError as err:
                raise SpecError(str(err).replace(layer.type_name, self.type_name, 1)) from None
        fwd, bwd = built
        blocks = tuple(replace(b, direction="forward") for b in fwd.blocks) + tuple(
            replace(b, direction="backward") for b in bwd.blocks
        )
        out_f, out_b = _first(fwd.output_shape), _first(bwd.output_shape)
        if self.merge_mode == "concat":
            last = None if out_f[-1] is None or out_b[-1] is None else out_f[-1] + out_b[-1]
            out: OutputShape = (*out_f[:-1], last)
        elif self.merge_mode is None:
            out = [out_f, out_b]  # two separate tensors, one per direction
        else:
            if out_f != out_b:
                raise SpecError(
                    f"{self.type_name}: merge_mode={self.merge_mode!r} needs both directions to give the same "
                    f"shape, but they give {format_shape(out_f)} and {format_shape(out_b)}; use merge_mode='concat'"
                )
            out = out_f
        if self.return_state:
            states = [*fwd.output_shape[1:], *bwd.output_shape[1:]]
            out = [*out, *states] if isinstance(out, list) else [out, *states]
        if self.backward_layer is None and not fwd.parts:
            return Built(tuple(input_shape), out, blocks, fwd.symbols, gates=fwd.gates, copies=2)
        return Built(tuple(input_shape), out, blocks, fwd.symbols, gates=fwd.gates, parts=(fwd, bwd))


@dataclass(eq=True)
class TimeDistributed(Layer):
    """TimeDistributed(layer): the same layer (and weights) applied at every timestep."""

    layer_fields: ClassVar[tuple[str, ...]] = ("layer",)
    wrapper: ClassVar[bool] = True

    example: ClassVar[str] = "TimeDistributed(Dense(1))"

    layer: Layer
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def inner(self) -> Layer:
        return self.layer.unwrap()

    def to_keras(self, layers: Any, name: str | None, zeros: bool, make: Any) -> Any:
        inner = make(self.layer, f"{name}_{self.layer.keras_base_name}" if name else None)
        return layers.TimeDistributed(inner, **({"name": name} if name else {}), **self.extra)

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        inner = read(klayer.layer)
        return None if inner is None else cls(replace(inner, name=None), name=klayer.name, extra=extra)

    @property
    def type_name(self) -> str:
        return f"TimeDistributed({self.layer.type_name})"

    def validate(self) -> None:
        if not isinstance(self.layer, Layer):
            raise RnncountTypeError(f"TimeDistributed wraps a layer such as Dense(1), got {_got(self.layer)}")
        if not isinstance(self.layer, Layer) or isinstance(self.layer, (_Cell, StackedRNNCells)):
            what = self.layer.kind if isinstance(self.layer, Layer) else repr(self.layer)
            raise SpecError(f"TimeDistributed wraps a layer such as Dense(8) or Conv2D(8, 3), not {what}")
        if self.layer.inputs != "one":
            raise SpecError(f"TimeDistributed wraps a layer of one input, not {self.layer.kind}")
        self.layer.validate()

    def build(self, input_shape: Shape) -> Built:
        if len(input_shape) < 3:
            raise SpecError(
                f"{self.type_name} needs a sequence (None, T, ...) but receives {format_shape(input_shape)}"
            )
        inner = self.layer.build((input_shape[0], *input_shape[2:]))
        if isinstance(inner.output_shape, list):
            raise SpecError(f"{self.type_name}: the wrapped layer returns several tensors, which it cannot stack")
        out = (input_shape[0], input_shape[1], *inner.output_shape[1:])
        return Built(
            tuple(input_shape), out, inner.blocks, inner.symbols, gates=inner.gates, copies=inner.copies,
            parts=inner.parts,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The layers tutorials put around recurrent layers: convolutions, pooling, normalisation,
# attention, merging and reshaping.


def _int_tuple(layer: str, what: str, value: Any, rank: int) -> tuple[int, ...]:
    """Keras's int-or-tuple arguments (kernel_size=3 or (3,)) as a tuple of ``rank`` positive ints."""
    values = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(values, (tuple, list)) or len(values) != rank:
        raise SpecError(f"{layer}: {what} must be a positive whole number or {rank} of them, got {value!r}")
    for v in values:
        _check_positive_int(layer, what, v)
    return tuple(values)


def _require_rank(kind: str, input_shape: Shape, rank: int) -> None:
    """A 1D layer takes (None, T, c), a 2D one (None, height, width, c); anything else is refused."""
    if len(input_shape) != rank + 2:
        want = "(None, T, c)" if rank == 1 else "(None, height, width, c)"
        raise SpecError(f"{kind} needs an input shaped {want} but receives {format_shape(input_shape)}")


def _choice(layer: str, what: str, value: Any, options: tuple[str, ...]) -> None:
    if value not in options:
        raise SpecError(f"{layer}: {what} must be one of {', '.join(map(repr, options))}, got {value!r}")


def _window_length(kind: str, n: int | None, span: int, stride: int, padding: str, what: str) -> int | None:
    """How many positions a window of ``span`` steps taken ``stride`` at a time finds along ``n``."""
    if n is None:
        return None
    if padding == "valid":
        if n < span:
            raise SpecError(
                f"{kind}: the input is only {n} steps long but the {what} spans {span}; "
                "use a smaller window or padding='same'"
            )
        return (n - span) // stride + 1
    return -(-n // stride)  # 'same' and 'causal' pad, so only the stride shortens it


def _rate(layer: str, rate: Any) -> None:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise SpecError(f"{layer}: rate must be a number from 0 up to (not including) 1, got {rate!r}")


@dataclass(eq=True)
class _Conv(Layer):
    positional: ClassVar[tuple[str, ...] | None] = ("filters", "kernel_size", "strides", "padding")
    filters: int
    kernel_size: Any
    strides: Any = 1
    padding: str = "valid"
    dilation_rate: Any = 1
    groups: int = 1
    use_bias: bool = True
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    rank: ClassVar[int] = 1
    paddings: ClassVar[tuple[str, ...]] = ("valid", "same", "causal")

    styles: ClassVar[dict[str | None, BlockStyle]] = {None: BlockStyle("kernel and bias", "", "#3F7F93")}

    def keras_zeros(self) -> dict[str, Any]:
        return dict.fromkeys(("kernel_initializer", "bias_initializer"), "zeros")

    def validate(self) -> None:
        _check_positive_int(self.kind, "filters", self.filters)
        k = _int_tuple(self.kind, "kernel_size", self.kernel_size, self.rank)
        s = _int_tuple(self.kind, "strides", self.strides, self.rank)
        d = _int_tuple(self.kind, "dilation_rate", self.dilation_rate, self.rank)
        del k
        _choice(self.kind, "padding", self.padding, self.paddings)
        _check_positive_int(self.kind, "groups", self.groups)
        _check_bool(self.kind, "use_bias", self.use_bias)
        if max(s) > 1 and max(d) > 1:
            raise SpecError(f"{self.kind}: strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it)")
        if self.filters % self.groups:
            raise SpecError(f"{self.kind}: filters ({self.filters}) must divide evenly into groups ({self.groups})")

    def build(self, input_shape: Shape) -> Built:
        rank = self.rank
        _require_rank(self.kind, input_shape, rank)
        i = _needs_width(self.kind, input_shape)
        if i % self.groups:
            raise SpecError(f"{self.kind}: the input's {i} channels must divide evenly into groups ({self.groups})")
        k = _int_tuple(self.kind, "kernel_size", self.kernel_size, rank)
        s = _int_tuple(self.kind, "strides", self.strides, rank)
        d = _int_tuple(self.kind, "dilation_rate", self.dilation_rate, rank)
        dims = tuple(
            _window_length(self.kind, n, dd * (kk - 1) + 1, ss, self.padding, "kernel")
            for n, kk, ss, dd in zip(input_shape[1:-1], k, s, d, strict=True)
        )
        f = self.filters
        ksym = ("k",) if rank == 1 else ("kh", "kw")
        isym = "i" if self.groups == 1 else "i/groups"
        symbols = dict(zip(ksym, k, strict=True)) | {isym: i // self.groups, "f": f}
        blocks = [Block("W", "kernel", None, "kernel", (*k, i // self.groups, f), (*ksym, isym, "f"))]
        if self.use_bias:
            blocks.append(Block("b", "bias", None, "bias", (f,), ("f",)))
        return Built(tuple(input_shape), (input_shape[0], *dims, f), tuple(blocks), symbols)

    def shape_note(self, built: Built) -> str:
        if self.rank == 1:
            return (
                "one k x i kernel per filter slides along the timesteps; the output has f channels, "
                "and the length shrinks with padding='valid' or strides > 1"
            )
        return "one kh x kw x i kernel per filter slides over the image; the output has f channels"


@dataclass(eq=True)
class Conv1D(_Conv):
    """Conv1D(f, k): a k-step window over the sequence; kernel (k, i, f) and bias (f,)."""

    example: ClassVar[str] = "Conv1D(32, 3)"

    cosmetic: ClassVar[frozenset[str]] = frozenset({"activation"})


@dataclass(eq=True)
class Conv2D(_Conv):
    """Conv2D(f, k): a kh x kw window over an image (in TimeDistributed, over each frame)."""

    example: ClassVar[str] = "Conv2D(32, 3)"

    cosmetic: ClassVar[frozenset[str]] = frozenset({"activation"})

    rank: ClassVar[int] = 2
    paddings: ClassVar[tuple[str, ...]] = ("valid", "same")


@dataclass(eq=True)
class _Pool(Layer):
    positional: ClassVar[tuple[str, ...] | None] = ("pool_size", "strides", "padding")
    pool_size: Any = 2
    strides: Any = None
    padding: str = "valid"
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    rank: ClassVar[int] = 1
    op: ClassVar[str] = "largest"

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        layer = super().from_keras(klayer, read, extra)
        if layer is not None and layer.strides in (layer.pool_size, None):
            layer = replace(layer, strides=None)  # Keras fills in the default stride, the pool size
        return layer

    def validate(self) -> None:
        _int_tuple(self.kind, "pool_size", self.pool_size, self.rank)
        if self.strides is not None:
            _int_tuple(self.kind, "strides", self.strides, self.rank)
        _choice(self.kind, "padding", self.padding, ("valid", "same"))

    def build(self, input_shape: Shape) -> Built:
        _require_rank(self.kind, input_shape, self.rank)
        p = _int_tuple(self.kind, "pool_size", self.pool_size, self.rank)
        s = p if self.strides is None else _int_tuple(self.kind, "strides", self.strides, self.rank)
        dims = tuple(
            _window_length(self.kind, n, pp, ss, self.padding, "pool")
            for n, pp, ss in zip(input_shape[1:-1], p, s, strict=True)
        )
        return Built(tuple(input_shape), (input_shape[0], *dims, input_shape[-1]), (), {})

    def shape_note(self, built: Built) -> str:
        return f"keeps the {self.op} value of each window: shorter, same channels; no weights"


@dataclass(eq=True)
class MaxPooling1D(_Pool):
    """MaxPooling1D(p): the largest value of each window of p timesteps; no weights."""

    no_weights: ClassVar[bool] = True


@dataclass(eq=True)
class AveragePooling1D(_Pool):
    """AveragePooling1D(p): the mean of each window of p timesteps; no weights."""

    no_weights: ClassVar[bool] = True

    op: ClassVar[str] = "mean"


@dataclass(eq=True)
class MaxPooling2D(_Pool):
    """MaxPooling2D(p): the largest value of each p x p window of an image; no weights."""

    no_weights: ClassVar[bool] = True

    rank: ClassVar[int] = 2


@dataclass(eq=True)
class AveragePooling2D(_Pool):
    """AveragePooling2D(p): the mean of each p x p window of an image; no weights."""

    no_weights: ClassVar[bool] = True

    rank: ClassVar[int] = 2
    op: ClassVar[str] = "mean"


@dataclass(eq=True)
class _GlobalPool(Layer):
    keepdims: bool = False
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    rank: ClassVar[int] = 1
    op: ClassVar[str] = "largest"

    def validate(self) -> None:
        _check_bool(self.kind, "keepdims", self.keepdims)

    def build(self, input_shape: Shape) -> Built:
        _require_rank(self.kind, input_shape, self.rank)
        middle = (1,) * self.rank if self.keepdims else ()
        return Built(tuple(input_shape), (input_shape[0], *middle, input_shape[-1]), (), {})

    def shape_note(self, built: Built) -> str:
        where = "all timesteps" if self.rank == 1 else "the whole image"
        return f"one number per channel, the {self.op} over {where}; no weights"


@dataclass(eq=True)
class GlobalMaxPooling1D(_GlobalPool):
    """GlobalMaxPooling1D(): (None, T, c) -> (None, c), the largest value over time."""

    no_weights: ClassVar[bool] = True


@dataclass(eq=True)
class GlobalAveragePooling1D(_GlobalPool):
    """GlobalAveragePooling1D(): (None, T, c) -> (None, c), the mean over time."""

    no_weights: ClassVar[bool] = True

    op: ClassVar[str] = "mean"


@dataclass(eq=True)
class GlobalMaxPooling2D(_GlobalPool):
    """GlobalMaxPooling2D(): (None, H, W, c) -> (None, c)."""

    no_weights: ClassVar[bool] = True

    rank: ClassVar[int] = 2


@dataclass(eq=True)
class GlobalAveragePooling2D(_GlobalPool):
    """GlobalAveragePooling2D(): (None, H, W, c) -> (None, c)."""

    no_weights: ClassVar[bool] = True

    rank: ClassVar[int] = 2
    op: ClassVar[str] = "mean"


def _axis_size(kind: str, input_shape: Shape, axis: Any) -> tuple[int, int]:
    """(the normalised axis, its size) for an int axis that is not the batch."""
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise SpecError(f"{kind}: axis must be a whole number, got {axis!r}")
    rank = len(input_shape)
    if not -rank <= axis < rank or axis % rank == 0:
        raise SpecError(f"{kind}: axis {axis} is not a feature axis of an input of rank {rank}")
    size = input_shape[axis]
    if size is None:
        raise SpecError(f"{kind} needs a known size on axis {axis}; its weights have one value per position there")
    return axis % rank, size


@dataclass(eq=True)
class BatchNormalization(Layer):
    """BatchNormalization(): gamma and beta (trainable), moving mean and variance (not trained), c each."""

    torch_note: ClassVar[str] = (
        "nn.BatchNorm1d keeps the moving mean and variance as buffers, not parameters, which rnncount does not port yet"
    )

    positional: ClassVar[tuple[str, ...] | None] = ("axis",)

    cosmetic: ClassVar[frozenset[str]] = frozenset({"epsilon", "momentum"})

    axis: int = -1
    center: bool = True
    scale: bool = True
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    styles: ClassVar[dict[str | None, BlockStyle]] = {None: BlockStyle("scale, shift and statistics", "", "#8F6A3F")}

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        if klayer.get_config().get("renorm"):
            return None  # batch renormalisation adds weights the formula does not know
        return super().from_keras(klayer, read, extra)

    def validate(self) -> None:
        if isinstance(self.axis, bool) or not isinstance(self.axis, int):
            raise SpecError(f"{self.kind}: axis must be a whole number, got {self.axis!r}")
        _check_bool(self.kind, "center", self.center)
        _check_bool(self.kind, "scale", self.scale)

    def build(self, input_shape: Shape) -> Built:
        _, c = _axis_size(self.kind, input_shape, self.axis)
        blocks = []
        if self.scale:
            blocks.append(Block("gamma", "gamma", None, "scale", (c,), ("c",)))
        if self.center:
            blocks.append(Block("beta", "beta", None, "shift", (c,), ("c",)))
        blocks += [
            Block("mean", "moving_mean", None, "moving mean", (c,), ("c",), trainable=False),
            Block("var", "moving_variance", None, "moving variance", (c,), ("c",), trainable=False),
        ]
        return Built(tuple(input_shape), tuple(input_shape), tuple(blocks), {"c": c})

    def shape_note(self, built: Built) -> str:
        return (
            "same shape; per channel a learned scale and shift, plus a running mean and variance that are not trained"
        )


@dataclass(eq=True)
class LayerNormalization(Layer):
    """LayerNormalization(): a scale (gamma) and a shift (beta) per feature."""

    positional: ClassVar[tuple[str, ...] | None] = ("axis",)

    cosmetic: ClassVar[frozenset[str]] = frozenset({"epsilon"})

    axis: Any = -1
    center: bool = True
    scale: bool = True
    rms_scaling: bool = False
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    styles: ClassVar[dict[str | None, BlockStyle]] = {None: BlockStyle("scale and shift", "", "#8F6A3F")}

    def keras_arguments(self) -> dict[str, Any]:
        kwargs = super().keras_arguments()
        if not self.rms_scaling:
            kwargs.pop("rms_scaling")  # an option Keras only takes as a keyword of its own
        return kwargs

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        layer = super().from_keras(klayer, read, extra)
        if layer is not None and isinstance(layer.axis, tuple) and len(layer.axis) == 1:
            layer = replace(layer, axis=layer.axis[0])  # Keras keeps the axis as a list once built
        return layer

    def validate(self) -> None:
        axes = self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, int) for a in axes):
            raise SpecError(f"{self.kind}: axis must be a whole number or a list of them, got {self.axis!r}")
        for what in ("center", "scale", "rms_scaling"):
            _check_bool(self.kind, what, getattr(self, what))

    def build(self, input_shape: Shape) -> Built:
        axes = self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]
        found = sorted(_axis_size(self.kind, input_shape, a) for a in axes)
        shape = tuple(size for _, size in found)
        symbols = {"c": shape[0]} if len(shape) == 1 else {f"c{k + 1}": n for k, n in enumerate(shape)}
        sym = tuple(symbols)
        blocks = []
        if self.scale or self.rms_scaling:
            blocks.append(Block("gamma", "gamma", None, "scale", shape, sym))
        if self.center and not self.rms_scaling:
            blocks.append(Block("beta", "beta", None, "shift", shape, sym))
        return Built(tuple(input_shape), tuple(input_shape), tuple(blocks), symbols)

    def shape_note(self, built: Built) -> str:
        return "same shape; each timestep's features are normalised, then scaled (gamma) and shifted (beta)"


def _attention_shapes(kind: str, shapes: list[Shape]) -> tuple[Shape, Shape, Shape]:
    if not 2 <= len(shapes) <= 3:
        raise SpecError(f"{kind} takes a query and a value (and optionally a key), got {len(shapes)} inputs")
    q, v = shapes[0], shapes[1]
    k = shapes[2] if len(shapes) == 3 else v
    for what, s in (("query", q), ("value", v), ("key", k)):
        if isinstance(s, list) or len(s) < 3:
            raise SpecError(f"{kind}: the {what} must be a sequence (None, T, d), got {format_shape(s)}")
    return q, v, k


@dataclass(eq=True)
class MultiHeadAttention(Layer):
    """MultiHeadAttention(H, k): query, key and value projections per head, and an output projection."""

    torch_note: ClassVar[str] = (
        "nn.MultiheadAttention packs the query, key and value projections into one in_proj_weight, "
        "which rnncount does not port"
    )

    positional: ClassVar[tuple[str, ...] | None] = ("num_heads", "key_dim", "value_dim")

    example: ClassVar[str] = "MultiHeadAttention(2, 16)"

    cosmetic: ClassVar[frozenset[str]] = frozenset({"dropout"})

    num_heads: int
    key_dim: int
    value_dim: int | None = None
    use_bias: bool = True
    output_shape: Any = None
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    inputs: ClassVar[str] = "attention"

    styles: ClassVar[dict[str | None, BlockStyle]] = {None: BlockStyle("projections", "", "#7A5195")}

    def keras_zeros(self) -> dict[str, Any]:
        return dict.fromkeys(("kernel_initializer", "bias_initializer"), "zeros")

    def validate(self) -> None:
        _check_positive_int(self.kind, "num_heads", self.num_heads)
        _check_positive_int(self.kind, "key_dim", self.key_dim)
        if self.value_dim is not None:
            _check_positive_int(self.kind, "value_dim", self.value_dim)
        _check_bool(self.kind, "use_bias", self.use_bias)
        if self.output_shape is not None:
            values = self.output_shape if isinstance(self.output_shape, (tuple, list)) else (self.output_shape,)
            if not values:
                raise SpecError(f"{self.kind}: output_shape must be a positive whole number or a tuple of them")
            for v in values:
                _check_positive_int(self.kind, "output_shape", v)

    def build(self, input_shape: Shape) -> Built:
        return self.build_many([input_shape, input_shape])  # self-attention: query = value = key

    def build_many(self, input_shapes: list[Shape]) -> Built:
        q, v, k = _attention_shapes(self.kind, input_shapes)
        d_q, d_v, d_k = (_needs_width(self.kind, s) for s in (q, v, k))
        heads, kd = self.num_heads, self.key_dim
        vd = self.value_dim or kd
        if self.output_shape is None:
            out_dims: tuple[int, ...] = (d_q,)
        elif isinstance(self.output_shape, (tuple, list)):
            out_dims = tuple(self.output_shape)
        else:
            out_dims = (self.output_shape,)
        osym = ("o",) if len(out_dims) == 1 else tuple(f"o{n + 1}" for n in range(len(out_dims)))
        symbols = {"d_q": d_q, "d_k": d_k, "d_v": d_v, "H": heads, "k": kd, "v": vd} | dict(
            zip(osym, out_dims, strict=True)
        )
        b = self.use_bias
        spec = [
            ("query", (d_q, heads, kd), ("d_q", "H", "k"), (heads, kd), ("H", "k")),
            ("key", (d_k, heads, kd), ("d_k", "H", "k"), (heads, kd), ("H", "k")),
            ("value", (d_v, heads, vd), ("d_v", "H", "v"), (heads, vd), ("H", "v")),
            ("attention_output", (heads, vd, *out_dims), ("H", "v", *osym), out_dims, osym),
        ]
        blocks = []
        for part, kshape, ksym, bshape, bsym in spec:
            blocks.append(Block(f"W_{part}", f"{part}/kernel", None, f"{part} projection", kshape, ksym))
            if b:
                blocks.append(Block(f"b_{part}", f"{part}/bias", None, f"{part} bias", bshape, bsym))
        out = (*q[:-1], *out_dims)
        return Built(tuple(q), out, tuple(blocks), symbols)

    def shape_note(self, built: Built) -> str:
        return (
            "each of H heads projects the query and key to k numbers and the value to v; the output projection "
            "brings the H*v back to the query's width (or output_shape)"
        )


@dataclass(eq=True)
class Attention(Layer):
    """Attention(): dot-product attention; one scalar weight with use_scale=True (two with score_mode='concat')."""

    positional: ClassVar[tuple[str, ...] | None] = ("use_scale", "score_mode")

    cosmetic: ClassVar[frozenset[str]] = frozenset({"dropout"})

    use_scale: bool = False
    score_mode: str = "dot"
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    inputs: ClassVar[str] = "attention"

    styles: ClassVar[dict[str | None, BlockStyle]] = {None: BlockStyle("score scale", "", "#7A5195")}

    def validate(self) -> None:
        _check_bool(self.kind, "use_scale", self.use_scale)
        _choice(self.kind, "score_mode", self.score_mode, ("dot", "concat"))

    def build(self, input_shape: Shape) -> Built:
        return self.build_many([input_shape, input_shape])

    def _check(self, q: Shape, k: Shape) -> None:
        if q[-1] is not None and k[-1] is not None and q[-1] != k[-1]:
            raise SpecError(
                f"{self.kind}: the query's width {q[-1]} must equal the key's {k[-1]}: scores are dot products"
            )

    def build_many(self, input_shapes: list[Shape]) -> Built:
        q, v, k = _attention_shapes(self.kind, input_shapes)
        self._check(q, k)
        blocks = []
        if self.use_scale:
            blocks.append(Block("scale", "scale", None, "scale", (), ("1",)))
        if self.score_mode == "concat":
            blocks.append(Block("w", "concat_score_weight", None, "score weight", (), ("1",)))
        return Built(tuple(q), (*q[:-1], v[-1]), tuple(blocks), {"1": 1})

    def shape_note(self, built: Built) -> str:
        return "for every query step, a weighted mean of the value steps: (None, T_q, d_v)"


@dataclass(eq=True)
class AdditiveAttention(Attention):
    """AdditiveAttention(): Bahdanau-style scores; a scale vector of d weights with use_scale=True."""

    hidden_fields: ClassVar[tuple[str, ...]] = ("score_mode",)  # Attention's option, not this one's
    positional: ClassVar[tuple[str, ...] | None] = ("use_scale",)

    cosmetic: ClassVar[frozenset[str]] = frozenset({"dropout"})

    use_scale: bool = True

    def validate(self) -> None:
        _check_bool(self.kind, "use_scale", self.use_scale)
        _choice(self.kind, "score_mode", self.score_mode, ("dot",))

    def build_many(self, input_shapes: list[Shape]) -> Built:
        q, v, k = _attention_shapes(self.kind, input_shapes)
        self._check(q, k)
        d = _needs_width(self.kind, q)
        blocks = (Block("scale", "scale", None, "scale", (d,), ("d",)),) if self.use_scale else ()
        return Built(tuple(q), (*q[:-1], v[-1]), blocks, {"d": d})

    def spec(self) -> str:
        text = super().spec()
        return text.replace(", score_mode='dot'", "")


def _merge_hint(kind: str, input_shape: Any) -> SpecError:
    return SpecError(
        f"{kind} joins several tensors but receives one, {format_shape(input_shape)}; in a stack it can only follow "
        "a layer that returns several (return_state=True, or Bidirectional with merge_mode=None); otherwise build "
        "the model with the functional API and use rnncount.explain"
    )


@dataclass(eq=True)
class Concatenate(Layer):
    """Concatenate(): tensors side by side along an axis (the last by default); no weights."""

    positional: ClassVar[tuple[str, ...] | None] = ("axis",)

    no_weights: ClassVar[bool] = True

    axis: int = -1
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    inputs: ClassVar[str] = "list"

    def validate(self) -> None:
        if isinstance(self.axis, bool) or not isinstance(self.axis, int):
            raise SpecError(f"{self.kind}: axis must be a whole number, got {self.axis!r}")

    def build(self, input_shape: Shape) -> Built:
        raise _merge_hint(self.kind, input_shape)

    def build_many(self, input_shapes: list[Shape]) -> Built:
        if len(input_shapes) < 2:
            raise SpecError(f"{self.kind} needs at least two tensors, got {len(input_shapes)}")
        rank = len(input_shapes[0])
        if any(len(s) != rank for s in input_shapes) or not -rank <= self.axis < rank or self.axis % rank == 0:
            raise SpecError(
                f"{self.kind}: cannot join {', '.join(map(format_shape, input_shapes))} along axis {self.axis}"
            )
        axis = self.axis % rank
        out: list[Any] = []
        for d in range(rank):
            dims = [s[d] for s in input_shapes]
            if d == axis:
                out.append(None if None in dims else sum(dims))
                continue
            known = {x for x in dims if x is not None}
            if len(known) > 1:
                raise SpecError(
                    f"{self.kind}: the tensors {', '.join(map(format_shape, input_shapes))} differ outside "
                    f"axis {self.axis}, so they cannot be put side by side"
                )
            out.append(known.pop() if known else None)
        return Built(tuple(input_shapes[0]), tuple(out), (), {})

    def shape_note(self, built: Built) -> str:
        return "the inputs side by side: their widths along the axis add up; no weights"


@dataclass(eq=True)
class _Elementwise(Layer):
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    inputs: ClassVar[str] = "list"
    op: ClassVar[str] = "sum"
    exactly: ClassVar[int | None] = None

    def build(self, input_shape: Shape) -> Built:
        raise _merge_hint(self.kind, input_shape)

    def build_many(self, input_shapes: list[Shape]) -> Built:
        n = len(input_shapes)
        if n < 2 or (self.exactly and n != self.exactly):
            want = f"exactly {self.exactly}" if self.exactly else "at least two"
            raise SpecError(f"{self.kind} needs {want} tensors, got {n}")
        out = list(input_shapes[0][1:])
        for s in input_shapes[1:]:
            a, b = out, list(s[1:])
            if len(a) < len(b):
                a, b = b, a
            b = [1] * (len(a) - len(b)) + b
            merged: list[Any] = []
            for x, y in zip(a, b, strict=True):
                if x is None or y is None:
                    merged.append(None)
                elif x == 1 or y == 1:
                    merged.append(x * y)
                elif x != y:
                    raise SpecError(
                        f"{self.kind}: the tensors {', '.join(map(format_shape, input_shapes))} do not have the "
                        "same shape, so they cannot be combined element by element"
                    )
                else:
                    merged.append(x)
            out = merged
        return Built(tuple(input_shapes[0]), (input_shapes[0][0], *out), (), {})

    def shape_note(self, built: Built) -> str:
        return f"the element-wise {self.op} of tensors of the same shape; no weights"


@dataclass(eq=True)
class Add(_Elementwise):
    """Add(): the element-wise sum of tensors of one shape (a residual connection); no weights."""

    no_weights: ClassVar[bool] = True


@dataclass(eq=True)
class Subtract(_Elementwise):
    """Subtract(): the difference of two tensors of one shape; no weights."""

    no_weights: ClassVar[bool] = True

    op: ClassVar[str] = "difference"
    exactly: ClassVar[int | None] = 2


@dataclass(eq=True)
class Multiply(_Elementwise):
    """Multiply(): the element-wise product (a gate); no weights."""

    no_weights: ClassVar[bool] = True

    op: ClassVar[str] = "product"


@dataclass(eq=True)
class Average(_Elementwise):
    """Average(): the element-wise mean; no weights."""

    no_weights: ClassVar[bool] = True

    op: ClassVar[str] = "mean"


@dataclass(eq=True)
class Maximum(_Elementwise):
    """Maximum(): the element-wise maximum; no weights."""

    no_weights: ClassVar[bool] = True

    op: ClassVar[str] = "maximum"


@dataclass(eq=True)
class Minimum(_Elementwise):
    """Minimum(): the element-wise minimum; no weights."""

    no_weights: ClassVar[bool] = True

    op: ClassVar[str] = "minimum"


@dataclass(eq=True)
class Reshape(Layer):
    """Reshape(target_shape): the same numbers in a new shape (one size may be -1); no weights."""

    example: ClassVar[str] = "Reshape((5, 6))"

    no_weights: ClassVar[bool] = True

    target_shape: tuple
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def validate(self) -> None:
        dims = self.target_shape
        ok = (
            isinstance(dims, (tuple, list))
            and dims
            and all(isinstance(d, int) and not isinstance(d, bool) and (d > 0 or d == -1) for d in dims)
        )
        if not ok or list(dims).count(-1) > 1:
            raise SpecError(
                f"Reshape: target_shape must be a tuple of positive sizes (one may be -1), without the batch, "
                f"got {dims!r}"
            )

    def build(self, input_shape: Shape) -> Built:
        dims = list(self.target_shape)
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        known = math.prod(d for d in dims if d != -1)
        if -1 in dims:
            if size is not None:
                if size % known:
                    raise SpecError(f"Reshape: cannot arrange {size} values as {tuple(dims)}")
                dims[dims.index(-1)] = size // known
            else:
                dims[dims.index(-1)] = None
        elif size is not None and size != known:
            raise SpecError(
                f"Reshape: the input {format_shape(input_shape)} holds {size} values per example, "
                f"but {tuple(dims)} holds {known}"
            )
        return Built(tuple(input_shape), (input_shape[0], *dims), (), {})

    def shape_note(self, built: Built) -> str:
        return "the same numbers in a new shape (the product of the sizes stays the same); no weights"


@dataclass(eq=True)
class Permute(Layer):
    """Permute(dims): reorders the axes (1-based, without the batch), e.g. (2, 1) swaps T and features."""

    example: ClassVar[str] = "Permute((2, 1))"

    no_weights: ClassVar[bool] = True

    dims: tuple
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def validate(self) -> None:
        dims = self.dims
        if not isinstance(dims, (tuple, list)) or sorted(dims) != list(range(1, len(dims) + 1)) or not dims:
            raise SpecError(f"Permute: dims must be a reordering of 1, 2, ... (the axes after the batch), got {dims!r}")

    def build(self, input_shape: Shape) -> Built:
        if len(self.dims) != len(input_shape) - 1:
            raise SpecError(
                f"Permute{tuple(self.dims)} reorders {len(self.dims)} axes, but {format_shape(input_shape)} "
                f"has {len(input_shape) - 1} after the batch"
            )
        return Built(tuple(input_shape), (input_shape[0], *(input_shape[d] for d in self.dims)), (), {})

    def shape_note(self, built: Built) -> str:
        return "the same numbers with the axes in a new order; no weights"


@dataclass(eq=True)
class Masking(Layer):
    """Masking(mask_value): marks timesteps whose features all equal mask_value as padding; no weights."""

    torch_note: ClassVar[str] = (
        "PyTorch has no masking layer; padded sequences go through torch.nn.utils.rnn.pack_padded_sequence"
    )

    positional: ClassVar[tuple[str, ...] | None] = ("mask_value",)

    no_weights: ClassVar[bool] = True

    mask_value: float = 0.0
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def validate(self) -> None:
        if isinstance(self.mask_value, bool) or not isinstance(self.mask_value, (int, float)):
            raise SpecError(f"Masking: mask_value must be a number, got {self.mask_value!r}")

    def build(self, input_shape: Shape) -> Built:
        return Built(tuple(input_shape), tuple(input_shape), (), {})

    def shape_note(self, built: Built) -> str:
        return "same shape; later layers skip the padded timesteps (the mask changes no count); no weights"


@dataclass(eq=True)
class SpatialDropout1D(Layer):
    """SpatialDropout1D(rate): drops whole feature channels while training; no weights."""

    example: ClassVar[str] = "SpatialDropout1D(0.2)"

    no_weights: ClassVar[bool] = True

    cosmetic: ClassVar[frozenset[str]] = frozenset({"seed"})

    rate: float
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def validate(self) -> None:
        _rate(self.kind, self.rate)

    def build(self, input_shape: Shape) -> Built:
        if len(input_shape) != 3:
            raise SpecError(f"SpatialDropout1D needs a sequence (None, T, c) but receives {format_shape(input_shape)}")
        return Built(tuple(input_shape), tuple(input_shape), (), {})

    def shape_note(self, built: Built) -> str:
        return "same shape; while training it zeroes whole channels, at every timestep at once; no weights"


@dataclass(eq=True)
class GaussianNoise(Layer):
    """GaussianNoise(stddev): adds noise while training; no weights."""

    example: ClassVar[str] = "GaussianNoise(0.1)"

    no_weights: ClassVar[bool] = True

    cosmetic: ClassVar[frozenset[str]] = frozenset({"seed"})

    stddev: float
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def validate(self) -> None:
        if isinstance(self.stddev, bool) or not isinstance(self.stddev, (int, float)) or self.stddev < 0:
            raise SpecError(f"GaussianNoise: stddev must be a number of at least 0, got {self.stddev!r}")

    def build(self, input_shape: Shape) -> Built:
        return Built(tuple(input_shape), tuple(input_shape), (), {})

    def shape_note(self, built: Built) -> str:
        return "same shape; adds random noise while training only; no weights"


@dataclass(eq=True)
class Activation(Layer):
    """Activation('relu'): a function applied to every number; no weights."""

    example: ClassVar[str] = "Activation('relu')"

    no_weights: ClassVar[bool] = True

    activation: str
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        activation = klayer.get_config().get("activation")
        name = activation if isinstance(activation, str) else "custom"  # a function object has no spec
        return cls(name, name=klayer.name, extra=extra)

    def validate(self) -> None:
        if not isinstance(self.activation, str) or not self.activation.isidentifier():
            raise SpecError(f"Activation: give the function's name, e.g. Activation('relu'), got {self.activation!r}")

    def build(self, input_shape: Shape) -> Built:
        return Built(tuple(input_shape), tuple(input_shape), (), {})

    def shape_note(self, built: Built) -> str:
        return f"same shape; {self.activation} applied to every number; no weights"


LAMBDA_NOTE = "a Lambda runs its own Python function, so its output shape cannot be known in general; no weights"


@dataclass(eq=True)
class Lambda(Layer):
    """Lambda(f): any Python function; no weights, and a shape only the function knows."""

    torch_note: ClassVar[str] = "a Lambda is a Python function, which in PyTorch is code in forward(), not a module"

    spec_refusal: ClassVar[str] = (
        "a Lambda runs a Python function, which a spec never holds (nothing typed is run), "
        "so its output shape cannot be known in general; use rnncount.explain on the Keras model"
    )
    positional: ClassVar[tuple[str, ...] | None] = ("function",)

    no_weights: ClassVar[bool] = True

    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_keras(self, layers: Any, name: str | None, zeros: bool, make: Any) -> Any:
        raise SpecError(LAMBDA_NOTE)

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        return cls(name=klayer.name, extra=extra)

    def build(self, input_shape: Shape) -> Built:
        raise SpecError(
            "Lambda runs a Python function, which a spec never holds, so its output shape cannot be known in "
            "general; build the model in Keras and use rnncount.explain, which reads the shape from Keras"
        )

    def shape_note(self, built: Built) -> str:
        return LAMBDA_NOTE


def cosmetic_options(kind: str) -> set[str]:
    """Keyword arguments accepted for ``kind`` that change neither counts nor shapes.

    ``trainable`` is one of them for every layer: it moves the weights from the
    trainable to the non-trainable count, but never changes the total.
    """
    return set(LAYER_TYPES[kind].cosmetic) | {"trainable"}


def _load_kind_modules() -> None:
    """Import every family module of :mod:`rnncount.core.kinds`: their classes register themselves."""
    import importlib
    import pkgutil

    from . import kinds

    for module in pkgutil.iter_modules(kinds.__path__):
        importlib.import_module(f"{kinds.__name__}.{module.name}")


_load_kind_modules()
