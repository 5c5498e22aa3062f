"""Recurrent layers and their cells: SimpleRNN, LSTM, GRU, the cells, StackedRNNCells and RNN(cell)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
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
    _needs_width,
    format_shape,
)


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

    def shape_note(self, built: Built) -> str:
        seq = "every timestep's output" if self.return_sequences else "only the last timestep's output"
        return f"timesteps do not change the count; it returns {seq}"


@dataclass(eq=True)
class SimpleRNN(_Recurrent):
    """SimpleRNN(h): h_t = tanh(x_t W_x + h_{t-1} W_h + b); i*h + h*h + h weights."""

    gates: ClassVar[tuple[str, ...]] = ("h",)
    styles: ClassVar[dict[str | None, BlockStyle]] = {"h": BlockStyle("hidden state", "hidden state h_{t}", "#009E73")}
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
        "i": BlockStyle("input gate", "input gate i_{t}", "#0072B2"),
        "f": BlockStyle("forget gate", "forget gate f_{t}", "#E69F00"),
        "c": BlockStyle("cell candidate", "candidate c̃_{t}", "#009E73"),
        "o": BlockStyle("output gate", "output gate o_{t}", "#CC79A7"),
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
        "z": BlockStyle("update gate", "update gate z_{t}", "#0072B2"),
        "r": BlockStyle("reset gate", "reset gate r_{t}", "#E69F00"),
        "h": BlockStyle("candidate state", "candidate h̃_{t}", "#009E73"),
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
        return self.unwrap().shape_note(built)


def _recurrent_like(layer: Any) -> bool:
    return isinstance(layer, (_Recurrent, RNN))


def _go_backwards(layer: Layer) -> bool:
    return bool((getattr(layer, "extra", None) or {}).get("go_backwards", False))


def _first(shape: OutputShape) -> Shape:
    return shape[0] if isinstance(shape, list) else shape
