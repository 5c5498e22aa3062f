"""Wrappers: Bidirectional (a forward and a backward copy) and TimeDistributed (one layer at every timestep)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from ...errors import RnncountTypeError, SpecError, shown
from ..layers import MERGE_MODES, Built, Layer, OutputShape, Shape, _got, format_shape
from .basic import Dense
from .recurrent import StackedRNNCells, _Cell, _first, _go_backwards, _recurrent_like


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

    def shape_note(self, built: Built) -> str:
        width = {"concat": "2h (forward and backward side by side)", None: "two tensors"}
        merged = width.get(self.merge_mode, f"h ({self.merge_mode} of the two directions)")
        states = "; return_state adds each direction's states as extra outputs" if self.return_state else ""
        if self.backward_layer is not None:
            if self.merge_mode == "concat":
                merged = "the forward width plus the backward width"
            return (
                f"a forward layer and its own backward layer, each counted with its own formula; "
                f"the output width is {merged}{states}"
            )
        return f"two copies of the layer (forward and backward); the output width is {merged}{states}"


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

    def shape_note(self, built: Built) -> str:
        steps = built.input_shape[1] or "T"
        if not isinstance(self.inner(), Dense):
            return f"the same {self.layer.kind} (the same weights) is applied to each of the {steps} timesteps"
        return f"the same weights are applied at each of the {steps} timesteps"
