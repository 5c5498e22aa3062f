"""Merge layers, which join several tensors: Concatenate and the element-wise Add, Subtract, ..."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...errors import SpecError
from ..layers import Built, Layer, Shape, format_shape


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
