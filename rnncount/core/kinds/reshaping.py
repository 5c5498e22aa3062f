"""Layers that move numbers without weights: Reshape, Permute, Masking, the noise layers, Activation, Lambda."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...errors import SpecError
from ..layers import Built, Layer, Shape, _rate, format_shape


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

    unknown_shape_note: ClassVar[str] = LAMBDA_NOTE

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
