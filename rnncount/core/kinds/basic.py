"""The layers around every sequence model: Dense, Embedding, Flatten, Dropout, RepeatVector."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...errors import SpecError
from ..layers import (
    Block,
    BlockStyle,
    Built,
    Layer,
    Shape,
    _check_bool,
    _check_fraction,
    _check_positive_int,
    _needs_width,
    format_shape,
)


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

    def shape_note(self, built: Built) -> str:
        if len(built.input_shape) == 3:
            return f"the same weights are applied at each of the {built.input_shape[1] or 'T'} timesteps"
        return "every input connects to every unit: a weight per pair, plus one bias per unit"


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

    def shape_note(self, built: Built) -> str:
        return "one row of d numbers per token id in the vocabulary"


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

    def shape_note(self, built: Built) -> str:
        sizes = " x ".join("T" if d is None else str(d) for d in built.input_shape[1:])
        return f"{sizes} values in one vector; no weights"


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

    def shape_note(self, built: Built) -> str:
        return "no weights; it only zeroes some inputs while training"


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

    def shape_note(self, built: Built) -> str:
        return f"the vector is repeated {built.output_shape[1]} times to make a sequence; no weights"
