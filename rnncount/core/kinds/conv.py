"""Convolutions and pooling over sequences and images, global pooling included."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from ...errors import SpecError
from ..layers import (
    Block,
    BlockStyle,
    Built,
    Layer,
    Shape,
    _check_bool,
    _check_positive_int,
    _choice,
    _conv_window,
    _int_tuple,
    _needs_width,
    _require_rank,
    _window_length,
)


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
        k, dims = _conv_window(self, input_shape[1:-1])
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
    data_format: str = "channels_last"
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    no_weights: ClassVar[bool] = True
    rank: ClassVar[int] = 1
    op: ClassVar[str] = "largest"

    def validate(self) -> None:
        _check_bool(self.kind, "keepdims", self.keepdims)
        _choice(self.kind, "data_format", self.data_format, ("channels_last", "channels_first"))

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        layer = super().from_keras(klayer, read, extra)
        if layer is not None and layer.data_format is None:
            layer = replace(layer, data_format="channels_last")  # Keras's default, the image_data_format
        return layer

    def build(self, input_shape: Shape) -> Built:
        _require_rank(self.kind, input_shape, self.rank)
        middle = (1,) * self.rank if self.keepdims else ()
        if self.data_format == "channels_first":  # (None, c, T): the channels come before the steps
            return Built(tuple(input_shape), (input_shape[0], input_shape[1], *middle), (), {})
        return Built(tuple(input_shape), (input_shape[0], *middle, input_shape[-1]), (), {})

    def shape_note(self, built: Built) -> str:
        where = "all timesteps" if self.rank == 1 else "the whole image"
        if self.data_format == "channels_first":
            return f"channels first: one number per channel (axis 1), the {self.op} over {where}; no weights"
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
