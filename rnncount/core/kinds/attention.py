"""Attention layers: MultiHeadAttention, Attention (dot-product) and AdditiveAttention."""

from __future__ import annotations

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
    _check_positive_int,
    _choice,
    _needs_width,
    format_shape,
)


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
