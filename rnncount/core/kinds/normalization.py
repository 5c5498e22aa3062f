"""BatchNormalization and LayerNormalization: a scale and a shift per feature, and running statistics."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from ...errors import SpecError
from ..layers import Block, BlockStyle, Built, Layer, Shape, _check_bool


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
