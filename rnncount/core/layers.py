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
from dataclasses import MISSING, dataclass, fields, replace
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
    #: What explain says of a layer of this kind whose input shape it cannot know ('' for nothing).
    unknown_shape_note: ClassVar[str] = ""
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


# --- helpers the families share: window arithmetic and option checks ----------------------------


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


def _conv_window(layer: Any, spatial: tuple) -> tuple[tuple[int, ...], tuple[int | None, ...]]:
    """A convolution's kernel size and the output length along each of its ``spatial`` axes.

    ``layer`` has ``kind``, ``rank``, ``kernel_size``, ``strides``, ``dilation_rate`` and ``padding``
    (Conv1D/2D, ConvLSTM1D/2D): a dilated kernel of k steps spans d*(k-1)+1 of them.
    """
    k = _int_tuple(layer.kind, "kernel_size", layer.kernel_size, layer.rank)
    s = _int_tuple(layer.kind, "strides", layer.strides, layer.rank)
    d = _int_tuple(layer.kind, "dilation_rate", layer.dilation_rate, layer.rank)
    dims = tuple(
        _window_length(layer.kind, n, dd * (kk - 1) + 1, ss, layer.padding, "kernel")
        for n, kk, ss, dd in zip(spatial, k, s, d, strict=True)
    )
    return k, dims


def _rate(layer: str, rate: Any) -> None:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise SpecError(f"{layer}: rate must be a number from 0 up to (not including) 1, got {rate!r}")


def cosmetic_options(kind: str) -> set[str]:
    """Keyword arguments accepted for ``kind`` that change neither counts nor shapes.

    ``trainable`` is one of them for every layer: it moves the weights from the
    trainable to the non-trainable count, but never changes the total.
    """
    return set(LAYER_TYPES[kind].cosmetic) | {"trainable"}


# The kinds, family by family (rnncount/core/kinds/), under the names the rest of the package uses.
from .kinds.attention import (  # noqa: E402
    AdditiveAttention,
    Attention,
    MultiHeadAttention,
    _attention_shapes,
)
from .kinds.basic import (  # noqa: E402
    Dense,
    Dropout,
    Embedding,
    Flatten,
    RepeatVector,
)
from .kinds.conv import (  # noqa: E402
    AveragePooling1D,
    AveragePooling2D,
    Conv1D,
    Conv2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
    _Conv,
    _GlobalPool,
    _Pool,
)
from .kinds.merge import (  # noqa: E402
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    _Elementwise,
    _merge_hint,
)
from .kinds.normalization import (  # noqa: E402
    BatchNormalization,
    LayerNormalization,
    _axis_size,
)
from .kinds.recurrent import (  # noqa: E402
    GRU,
    LSTM,
    RECURRENT,
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
    _Cell,
    _first,
    _go_backwards,
    _Recurrent,
    _recurrent_like,
)
from .kinds.reshaping import (  # noqa: E402
    LAMBDA_NOTE,
    Activation,
    GaussianNoise,
    Lambda,
    Masking,
    Permute,
    Reshape,
    SpatialDropout1D,
)
from .kinds.wrappers import (  # noqa: E402
    Bidirectional,
    TimeDistributed,
)


def _load_kind_modules() -> None:
    """Import every family module of :mod:`rnncount.core.kinds`: their classes register themselves."""
    import importlib
    import pkgutil

    from . import kinds

    for module in pkgutil.iter_modules(kinds.__path__):
        importlib.import_module(f"{kinds.__name__}.{module.name}")
    # Listed in the course's order (messages name the known layers), then any newer family.
    order = ("basic", "recurrent", "wrappers", "conv", "conv_recurrent", "normalization", "attention", "merge")
    rank = {kind: order.index(m) if m in order else len(order) for kind, m in _family().items()}
    kinds_in_order = sorted(LAYER_TYPES.items(), key=lambda item: rank[item[0]])
    LAYER_TYPES.clear()
    LAYER_TYPES.update(kinds_in_order)


def _family() -> dict[str, str]:
    return {kind: cls.__module__.rpartition(".")[2] for kind, cls in LAYER_TYPES.items()}


_load_kind_modules()

#: The base, and every kind the rest of the package imports from here (private family bases included).
__all__ = [
    "ACTIVATIONS",
    "GRU",
    "LAMBDA_NOTE",
    "LAYER_TYPES",
    "LSTM",
    "MAX_SIZE",
    "MERGE_MODES",
    "RECURRENT",
    "RNN",
    "Activation",
    "Add",
    "AdditiveAttention",
    "Attention",
    "Average",
    "AveragePooling1D",
    "AveragePooling2D",
    "BatchNormalization",
    "Bidirectional",
    "Block",
    "BlockStyle",
    "Built",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRUCell",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "LSTMCell",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "Masking",
    "MaxPooling1D",
    "MaxPooling2D",
    "Maximum",
    "Minimum",
    "MultiHeadAttention",
    "Multiply",
    "OutputShape",
    "Permute",
    "RepeatVector",
    "Reshape",
    "Shape",
    "SimpleRNN",
    "SimpleRNNCell",
    "SpatialDropout1D",
    "StackedRNNCells",
    "Subtract",
    "TimeDistributed",
    "_Cell",
    "_Conv",
    "_Elementwise",
    "_GlobalPool",
    "_Pool",
    "_Recurrent",
    "_attention_shapes",
    "_axis_size",
    "_first",
    "_go_backwards",
    "_merge_hint",
    "_recurrent_like",
    "cosmetic_options",
    "format_shape",
    "keras_snake_case",
]
