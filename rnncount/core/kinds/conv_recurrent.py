"""Convolutional recurrent layers: ConvLSTM1D and ConvLSTM2D.

A ConvLSTM is an LSTM whose matrix products are convolutions: every weight block reads a window of
the input frame (kernel, ``k x i x f`` per weight block) and the same window of its own previous
output (recurrent kernel, ``k x f x f``; always ``padding='same'`` and stride 1, so the state
keeps its size). ``f`` filters play the part of the units ``h``, and the four weight blocks
are the LSTM's: input gate i, forget gate f, candidate c̃ and output gate o, stored in that
order. So ``ConvLSTM2D(f, (kh, kw))`` on frames with ``i`` channels has
``4*(kh*kw*i*f + kh*kw*f*f + f)`` parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...errors import SpecError
from ..layers import (
    Block,
    BlockStyle,
    Built,
    Layer,
    OutputShape,
    Shape,
    _check_bool,
    _check_positive_int,
    _choice,
    _conv_window,
    _int_tuple,
    _needs_width,
    format_shape,
)
from .recurrent import LSTM


@dataclass(eq=True)
class _ConvLSTM(Layer):
    filters: int
    kernel_size: Any
    strides: Any = 1
    padding: str = "valid"
    dilation_rate: Any = 1
    use_bias: bool = True
    return_sequences: bool = False
    return_state: bool = False
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    recurrent: ClassVar[bool] = True
    rank: ClassVar[int] = 1
    positional: ClassVar[tuple[str, ...] | None] = ("filters", "kernel_size", "strides", "padding")
    #: The LSTM's four weight blocks, in Keras's order, with the LSTM's names and colours.
    gates: ClassVar[tuple[str, ...]] = LSTM.gates
    styles: ClassVar[dict[str | None, BlockStyle]] = LSTM.styles
    cosmetic: ClassVar[frozenset[str]] = LSTM.cosmetic
    torch_note: ClassVar[str] = "PyTorch has no convolutional LSTM layer in torch.nn"

    @property
    def units(self) -> int:
        """The filters: a ConvLSTM's state has ``f`` channels, as an LSTM's has ``h`` units."""
        return self.filters

    def validate(self) -> None:
        _check_positive_int(self.kind, "filters", self.filters)
        _int_tuple(self.kind, "kernel_size", self.kernel_size, self.rank)
        s = _int_tuple(self.kind, "strides", self.strides, self.rank)
        d = _int_tuple(self.kind, "dilation_rate", self.dilation_rate, self.rank)
        _choice(self.kind, "padding", self.padding, ("valid", "same"))
        for what in ("use_bias", "return_sequences", "return_state"):
            _check_bool(self.kind, what, getattr(self, what))
        if max(s) > 1 and max(d) > 1:
            raise SpecError(f"{self.kind}: strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it)")

    def keras_zeros(self) -> dict[str, Any]:
        init = {"kernel_initializer": "zeros", "recurrent_initializer": "zeros", "bias_initializer": "zeros"}
        if "unit_forget_bias" not in self.extra:
            init["unit_forget_bias"] = False  # else the forget-gate bias starts at ones
        return init

    @classmethod
    def from_keras(cls, klayer: Any, read: Any, extra: dict[str, Any]) -> Layer | None:
        if getattr(klayer, "go_backwards", False):
            extra = {**extra, "go_backwards": True}
        return super().from_keras(klayer, read, extra)

    def state_count(self) -> int:
        return 2  # h and c, each a feature map

    def build(self, input_shape: Shape) -> Built:
        rank = self.rank
        if len(input_shape) != rank + 3:
            want = "(None, T, steps, i)" if rank == 1 else "(None, T, height, width, i)"
            raise SpecError(f"{self.kind} needs a sequence of frames {want} but receives {format_shape(input_shape)}")
        i = _needs_width(self.kind, input_shape)
        k, dims = _conv_window(self, input_shape[2:-1])
        f = self.filters
        ksym = ("k",) if rank == 1 else ("kh", "kw")
        blocks: list[Block] = []
        for n, gate in enumerate(self.gates):
            col = n * f
            blocks.append(
                Block(f"W_x{gate}", "kernel", gate, "input kernel", (*k, i, f), (*ksym, "i", "f"), column=col)
            )
            blocks.append(
                Block(f"W_h{gate}", "recurrent_kernel", gate, "recurrent kernel", (*k, f, f), (*ksym, "f", "f"),
                      column=col)
            )  # fmt: skip
            if self.use_bias:
                blocks.append(Block(f"b_{gate}", "bias", gate, "bias", (f,), ("f",), column=col))
        batch, t = input_shape[0], input_shape[1]
        frame = (batch, *dims, f)
        out: OutputShape = (batch, t, *dims, f) if self.return_sequences else frame
        if self.return_state:
            out = [out, frame, frame]
        symbols = dict(zip(ksym, k, strict=True)) | {"i": i, "f": f}
        return Built(tuple(input_shape), out, tuple(blocks), symbols, gates=len(self.gates))

    def shape_note(self, built: Built) -> str:
        return (
            "an LSTM whose products are convolutions: four weight blocks, each a k-window kernel over the "
            "frame and over the previous state; f filters play the part of the units"
        )


@dataclass(eq=True)
class ConvLSTM1D(_ConvLSTM):
    """ConvLSTM1D(f, k): an LSTM over a sequence of 1D frames; 4*(k*i*f + k*f*f + f) weights."""

    example: ClassVar[str] = "ConvLSTM1D(16, 3)"


@dataclass(eq=True)
class ConvLSTM2D(_ConvLSTM):
    """ConvLSTM2D(f, k): an LSTM over a sequence of images; 4*(kh*kw*i*f + kh*kw*f*f + f) weights."""

    example: ClassVar[str] = "ConvLSTM2D(16, 3)"
    rank: ClassVar[int] = 2
