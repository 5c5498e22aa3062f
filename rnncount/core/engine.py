"""Counting a stack: shapes flow layer to layer, counts come from the blocks."""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import RnncountTypeError, SpecError, a_type, shown, type_name
from .formula import Formula, formula_for, group_digits
from .layers import Block, Built, Layer, OutputShape, Shape, TimeDistributed, format_shape
from .spec import format_spec, parse_shape, parse_spec
from .text import grid


def _json_shape(shape: OutputShape) -> Any:
    if isinstance(shape, list):
        return [list(s) for s in shape]
    return list(shape)


@dataclass(frozen=True)
class LayerCount:
    """One layer of a counted stack."""

    name: str
    layer: Layer
    built: Built

    @functools.cached_property
    def formula(self) -> Formula:
        """The by-hand formula, written out when first asked for (the checker recounts without it)."""
        return formula_for(self.built)

    @property
    def type(self) -> str:
        return self.layer.type_name

    @property
    def params(self) -> int:
        return self.built.params

    @property
    def trainable(self) -> bool:
        """False for a frozen layer (``trainable=False``): all its weights are then non-trainable."""
        return (getattr(self.layer, "extra", None) or {}).get("trainable", True) is not False

    @property
    def trainable_params(self) -> int:
        return self.built.trainable_params if self.trainable else 0

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def input_shape(self) -> Shape:
        return self.built.input_shape

    @property
    def output_shape(self) -> OutputShape:
        return self.built.output_shape

    @property
    def blocks(self) -> tuple[Block, ...]:
        return self.built.blocks

    @property
    def weights(self) -> list[tuple[str, tuple[int, ...]]]:
        """The Keras weight variables this layer owns, as (path, shape), in Keras's order."""
        out: dict[str, list[Block]] = {}
        for b in self.blocks:
            key = "/".join(part for part in (b.direction, b.group, b.variable) if part)
            out.setdefault(key, []).append(b)
        shapes = []
        for key, blocks in out.items():
            if len(blocks) == 1 and blocks[0].row is None:
                shapes.append((key, blocks[0].shape))  # one block is the whole variable (even a scalar)
                continue
            rows = {b.row for b in blocks}
            width = sum(b.shape[-1] for b in blocks if b.row in (None, 0))
            if rows != {None}:
                shape: tuple[int, ...] = (len(rows), width)
            else:
                shape = (*blocks[0].shape[:-1], width)
            shapes.append((key, shape))
        return shapes

    @property
    def note(self) -> str:
        """One sentence on what this layer does to the shape, for learners ('' when nothing to add)."""
        return self.layer.shape_note(self.built)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
            "output_shape": _json_shape(self.output_shape),
            "formula": self.formula.text,
            "blocks": [b.to_dict() for b in self.blocks],
        }


@dataclass(frozen=True)
class CountResult:
    """The counted stack: ``.total``, ``.layers``, the formulas and ``.to_dict()``."""

    input_shape: Shape
    layers: tuple[LayerCount, ...]

    @property
    def total(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def trainable_total(self) -> int:
        return sum(layer.trainable_params for layer in self.layers)

    @property
    def non_trainable_total(self) -> int:
        return sum(layer.non_trainable_params for layer in self.layers)

    @property
    def output_shape(self) -> OutputShape:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    @property
    def spec(self) -> str:
        return format_spec([lc.layer for lc in self.layers])

    def to_dict(self) -> dict[str, Any]:
        """Exactly what ``rnncount count --json`` prints."""
        return {
            "total": self.total,
            "trainable": self.trainable_total,
            "non_trainable": self.non_trainable_total,
            "layers": [lc.to_dict() for lc in self.layers],
        }

    @property
    def total_formula(self) -> str:
        """``1,400 + 26 = 1,426``: the per-layer counts adding up to the total."""
        parts = [group_digits(lc.params) for lc in self.layers]
        if len(parts) <= 1:
            return group_digits(self.total)
        return f"{' + '.join(parts)} = {group_digits(self.total)}"

    @property
    def formula_text(self) -> str:
        """One line per layer with its formula, then the total, as plain text."""
        lines = [f"{lc.name} ({lc.type}): {lc.formula.text}" for lc in self.layers]
        lines.append(f"total: {self.total_formula}")
        return "\n".join(lines)

    @property
    def latex(self) -> str:
        """The per-layer formulas and the total as a LaTeX ``aligned`` block (no ``$``)."""
        rows = [rf"\mathtt{{{_latex_escape(lc.name)}}} &: {lc.formula.latex}" for lc in self.layers]
        total = group_digits(self.total, latex=True)
        if len(self.layers) > 1:
            total = " + ".join(group_digits(lc.params, latex=True) for lc in self.layers) + f" = {total}"
        rows.append(rf"\text{{total}} &: {total}")
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def table(self) -> str:
        """A readable table: layer, output shape, formula with numbers, params; then the total."""
        head = ("Layer (type)", "Output shape", "Formula", "Params")
        rows = [
            (
                f"{lc.name} ({lc.type})",
                format_shape(lc.output_shape),
                lc.formula.text if lc.params else "0 (no weights)",
                group_digits(lc.params),
            )
            for lc in self.layers
        ]
        out = [f"Input: {format_shape(self.input_shape)}", *grid(head, rows, right=(3,))]
        out.append(f"Total params: {self.total_formula}")
        if self.non_trainable_total:
            # As Keras's summary splits them (BatchNormalization's moving statistics, frozen layers).
            out.append(f"Trainable params: {group_digits(self.trainable_total)}")
            out.append(f"Non-trainable params: {group_digits(self.non_trainable_total)}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            f"<td><code>{html.escape(lc.name)}</code> ({html.escape(lc.type)})</td>"
            f"<td><code>{html.escape(format_shape(lc.output_shape))}</code></td>"
            f"<td><code>{html.escape(lc.formula.text)}</code></td>"
            f"<td style='text-align:right'>{group_digits(lc.params)}</td>"
            "</tr>"
            for lc in self.layers
        )
        return (
            "<table class='rnncount-table'>"
            f"<caption>Input {html.escape(format_shape(self.input_shape))}</caption>"
            "<tr><th>Layer (type)</th><th>Output shape</th><th>Formula</th><th>Params</th></tr>"
            f"{rows}<tr><th colspan='3' style='text-align:left'>Total: {html.escape(self.total_formula)}</th>"
            f"<th style='text-align:right'>{group_digits(self.total)}</th></tr></table>"
        )


def _latex_escape(text: str) -> str:
    return text.replace("\\", "").replace("_", r"\_")


def assign_names(layers: Sequence[Layer]) -> list[str]:
    """Keras-style names: ``lstm``, ``lstm_1``, ...; an explicit ``name`` is kept."""
    names: list[str] = []
    used = {layer.name for layer in layers if layer.name}
    seen: dict[str, int] = {}
    for layer in layers:
        if layer.name:
            names.append(layer.name)
            continue
        base = layer.keras_base_name
        while True:
            k = seen.get(base, 0)
            seen[base] = k + 1
            candidate = base if k == 0 else f"{base}_{k}"
            if candidate not in used:
                break
        used.add(candidate)
        names.append(candidate)
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise SpecError(f"two layers are named {shown(dup)}; layer names must be unique")
    return names


def _stack_hint(layer: Layer, prev: Layer | None, index: int, layers: Sequence[Layer], shape: Shape) -> str:
    """The advice added to a shape error, which depends on what came before."""
    wants_sequence = layer.recurrent or isinstance(layer, TimeDistributed)
    if wants_sequence and len(shape) == 2:
        earlier = [lay for lay in layers[:index] if lay.recurrent]
        if earlier:
            return "; set return_sequences=True on an earlier recurrent layer"
        if prev is None:
            return "; give the input as timesteps,features (e.g. 30,5)"
        return "; use RepeatVector(T) to turn a vector into a sequence"
    return ""


def count(spec: str | Sequence[Layer], input_shape: Any) -> CountResult:
    """Count the parameters and output shapes of a stack of layers.

    ``spec`` is a spec string (``"GRU(4, return_sequences=True) > Dense(1)"``) or a
    list of layer objects; ``input_shape`` is the input without the batch, e.g.
    ``(30, 5)``, ``(None, 5)``, ``"30,5"`` or ``200`` for token ids. Raises
    :class:`SpecError` when a layer cannot take what the one before it gives, and
    :class:`RnncountTypeError` for arguments of the wrong type.
    """
    if isinstance(spec, str):
        layers = parse_spec(spec)
    elif isinstance(spec, (bytes, bytearray, Layer)) or not isinstance(spec, Iterable):
        hint = f"; for one layer write [{spec.spec()}]" if isinstance(spec, Layer) else ""
        raise RnncountTypeError(
            f"count() takes a spec string such as 'LSTM(32) > Dense(1)' or a list of layers, "
            f"got {type_name(spec)}{hint}"
        )
    else:
        layers = list(spec)
    for layer in layers:
        if not isinstance(layer, Layer):
            raise RnncountTypeError(
                f"a stack holds layers such as rnncount.LSTM(32), got {shown(layer)} ({a_type(layer)})"
            )
    input_dims = parse_shape(input_shape)
    shape: Any = (None, *input_dims)
    names = assign_names(layers)
    counted: list[LayerCount] = []
    prev: Layer | None = None
    for index, (layer, name) in enumerate(zip(layers, names, strict=True)):
        if isinstance(shape, list) and layer.inputs == "one":
            raise SpecError(
                f"{layer.type_name} after {prev.type_name if prev else 'the input'}: the layer before "
                f"returns {len(shape)} tensors {format_shape(shape)}, so nothing can follow it in a stack"
            )
        try:
            built = layer.build_many(shape) if isinstance(shape, list) else layer.build(shape)
        except SpecError as err:
            where = f"after {prev.type_name}" if prev else "as the first layer"
            hint = _stack_hint(layer, prev, index, layers, shape)
            raise SpecError(f"{layer.type_name} {where} (layer {index + 1}): {err}{hint}") from None
        counted.append(LayerCount(name, layer, built))
        shape = built.output_shape
        prev = layer
    return CountResult((None, *input_dims), tuple(counted))
