"""A Keras-style summary without Keras: rnncount's own table, in the layout of Keras 3's ``model.summary()``.

Where Keras cannot be imported (in a browser on Pyodide, or on a machine without TensorFlow) the
dashboards show this table instead of Keras's: the same columns (layer name and type, output shape,
params), the same totals with their size in bytes, drawn with the same box characters. Every number
comes from rnncount's weight blocks; the last line says so, so that nobody mistakes it for Keras's own.
A test on ordinary Python checks it against Keras's ``model.summary()`` over the layer grid.
"""

from __future__ import annotations

import textwrap

from ..errors import RnncountTypeError, SpecError, type_name
from .engine import CountResult, LayerCount
from .layers import format_shape

#: Keras stores the weights of these models as float32: 4 bytes a parameter.
BYTES_PER_PARAM = 4

#: The last line of every table: it is rnncount's, not Keras's.
LABEL = "Computed by rnncount from the layers' weight blocks (no Keras here), laid out like Keras's model.summary()."

# Keras 3 splits a sequential-like summary's width at 45% and 80% of the line (its default positions).
_POSITIONS = (0.45, 0.80, 1.0)


def readable_bytes(size: float) -> str:
    """A size the way Keras's summary writes it: ``660.00 B``, ``33.35 KB``, ``4.97 MB`` (powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _widths(line_length: int) -> list[int]:
    """The inside widths of the three columns (padding included), for a table ``line_length`` wide.

    Keras cuts the width at its positions; the four borders then come out of the columns one, two
    and one characters wide (measured against Keras 3 at widths from 60 to 200).
    """
    cuts = [int(line_length * p) for p in _POSITIONS]
    return [cuts[0] - 1, cuts[1] - cuts[0] - 2, cuts[2] - cuts[1] - 1]


def _cell(text: str, width: int) -> list[str]:
    """``text`` wrapped into lines that fit a cell of ``width`` (one space of padding on each side)."""
    return textwrap.wrap(text, width - 2, break_long_words=True, break_on_hyphens=False) or [""]


def _row(cells: list[str], widths: list[int], align: tuple[str, ...], bar: str) -> list[str]:
    wrapped = [_cell(c, w) for c, w in zip(cells, widths, strict=True)]
    height = max(len(w) for w in wrapped)
    lines = []
    for k in range(height):
        parts = []
        for lines_of, w, a in zip(wrapped, widths, align, strict=True):
            text = lines_of[k] if k < len(lines_of) else ""
            parts.append(" " + (text.rjust(w - 2) if a == "right" else text.ljust(w - 2)) + " ")
        lines.append(bar + bar.join(parts) + bar)
    return lines


def _functional(result: CountResult) -> bool:
    # The Keras bridge builds these as functional models, whose summary lists the Input layer too.
    return any(isinstance(lc.output_shape, list) or lc.layer.inputs != "one" for lc in result.layers)


#: Keras layers built from Keras layers that do not pass a ``trainable=False`` given at creation on to them.
_MADE_OF_LAYERS = frozenset({"TimeDistributed", "Bidirectional", "RNN", "MultiHeadAttention"})


def _keras_trainable(lc: LayerCount) -> int:
    """The trainable params Keras's model summary counts for one layer.

    A layer made of Keras layers (a wrapper, or MultiHeadAttention) created with ``trainable=False``
    reports no trainable weights itself, but Keras does not pass the flag on to the layers inside it,
    and the model's ``trainable_weights`` (what ``fit`` trains, and what the summary adds up) still
    has theirs.
    """
    if not lc.trainable and lc.layer.kind in _MADE_OF_LAYERS:
        return lc.built.trainable_params
    return lc.trainable_params


def summary_table(result: CountResult, line_length: int = 96, name: str = "sequential", label: bool = True) -> str:
    """rnncount's summary of ``result`` as text in the layout of Keras 3's ``model.summary()``.

    ``label`` adds a last line saying the table was computed by rnncount, not by Keras.
    """
    if not isinstance(result, CountResult):
        raise RnncountTypeError(f"summary_table() takes a CountResult (from rnncount.count), got {type_name(result)}")
    if isinstance(line_length, bool) or not isinstance(line_length, int):
        raise RnncountTypeError(f"line_length must be a whole number of characters, got {type_name(line_length)}")
    if not 40 <= line_length <= 1000:
        raise SpecError(f"line_length must be from 40 to 1000 characters, got {line_length}")
    widths = _widths(line_length)
    align = ("left", "left", "right")
    rows: list[list[str]] = []
    if _functional(result):
        rows.append(["input (InputLayer)", format_shape(tuple(result.input_shape)), "0"])
    for lc in result.layers:
        rows.append([f"{lc.name} ({lc.layer.kind})", format_shape(lc.output_shape), f"{lc.params:,}"])
    out = [f'Model: "{name}"']
    out.append("┏" + "┳".join("━" * w for w in widths) + "┓")
    out += _row(["Layer (type)", "Output Shape", "Param #"], widths, align, "┃")
    out.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    for k, row in enumerate(rows):
        if k:
            out.append("├" + "┼".join("─" * w for w in widths) + "┤")
        out += _row(row, widths, align, "│")
    out.append("└" + "┴".join("─" * w for w in widths) + "┘")
    trainable = sum(_keras_trainable(lc) for lc in result.layers)
    for what, n in (("Total", result.total), ("Trainable", trainable), ("Non-trainable", result.total - trainable)):
        out.append(f" {what} params: {n:,} ({readable_bytes(n * BYTES_PER_PARAM)})")
    if label:
        out.append(" " + LABEL)
    return "\n".join(line.rstrip() for line in out)


__all__ = ["BYTES_PER_PARAM", "LABEL", "readable_bytes", "summary_table"]
