"""One layout for every picture: boxes, labels and arrows in abstract units, no drawing library.

A :class:`Scene` is what :mod:`rnncount.pictures.svg` writes as inline SVG and what
:mod:`rnncount.pictures.drawing` draws with Matplotlib, so both show the same picture: the
numbers are placed once, here, and every number comes from the engine's blocks.

Units: the scene is :data:`WIDTH` units wide whatever it shows (SVG user units; the
Matplotlib renderer maps them to inches). The smallest font is :data:`SMALL` units,
more than 1/64 of the width, so a picture scaled to 700 px shows it at 11 px or more
and one scaled to 1800 px at 16 px or more. A taller stack makes a taller scene,
never a narrower one. y grows downwards; a label's y is its baseline.

The weights view (every weight block, coloured by block, at one scale) is laid out here; the
unrolled and cell views are in :mod:`rnncount.pictures.views`, and the registry of views
in :mod:`rnncount.pictures.registry`. Cost is bounded: at most :data:`MAX_LAYERS`
layers are drawn, the rest are summarised in one row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.engine import CountResult, LayerCount
from ..core.formula import group_digits
from ..core.layers import LAYER_TYPES, Block, format_shape
from ..errors import SpecError, shown
from .contrast import NORMAL, ratio, readable

#: The scene's width in units, the same for every picture (the SVG viewBox width).
WIDTH = 1000.0
MARGIN = 20.0
#: Font sizes in units. SMALL >= WIDTH / 64, so the smallest label stays legible when scaled.
SMALL = 16.5
FONT = 18.0
NAME = 21.0  # weight names: their subscripts (SUB * NAME) are still >= SMALL
TITLE = 22.0
SUB = 0.8  # subscript size relative to its text

#: Stacks longer than this show their first HEAD and last TAIL layers and one summary row.
MAX_LAYERS = 12
HEAD = 6
TAIL = 5

#: Steps drawn in the unrolled view before "…" and the last step.
MAX_STEPS = 6

#: Block colours and titles, as each layer kind describes them (``Layer.styles``).
GATE_COLORS: dict[str, dict[str | None, str]] = {
    kind: {gate: st.color for gate, st in cls.styles.items()} for kind, cls in LAYER_TYPES.items() if cls.styles
}

#: What each gate column is called. Only gates are called gates: the candidate and
#: SimpleRNN's hidden state are not.
GATE_TITLES: dict[str, dict[str, str]] = {
    kind: {gate: st.title for gate, st in cls.styles.items() if gate is not None}
    for kind, cls in LAYER_TYPES.items()
    if getattr(cls, "gates", ())
}

PALETTES: dict[bool, dict[str, str]] = {
    False: {
        "bg": "#FFFFFF",
        "ink": "#111111",
        "muted": "#444444",
        "line": "#333333",
        "frame": "#222222",
        "panel": "#F3F4F6",
        "error": "#B00020",
        "accent": "#A23B2A",
        "empty": "#E6E6E6",
    },
    True: {
        "bg": "#1B1D21",
        "ink": "#F2F2F2",
        "muted": "#C4C7CC",
        "line": "#D0D3D8",
        "frame": "#E4E6EA",
        "panel": "#2A2D33",
        "error": "#FF8A80",
        "accent": "#FFB199",
        "empty": "#3A3D44",
    },
}


# --- primitives --------------------------------------------------------------------------------


@dataclass(slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str = "none"
    sw: float = 1.0
    rx: float = 0.0
    dash: bool = False
    hatch: bool = False


@dataclass(slots=True)
class Ellipse:
    cx: float
    cy: float
    rx: float
    ry: float
    fill: str
    stroke: str = "none"
    sw: float = 1.0


@dataclass(slots=True)
class Path:
    """A polyline; an arrow head at the end when ``arrow``; a filled polygon when ``fill``."""

    points: list[tuple[float, float]]
    color: str
    sw: float = 1.5
    arrow: bool = False
    dash: bool = False
    fill: str | None = None


@dataclass(slots=True)
class Text:
    """One line of text; ``_{...}`` in ``text`` marks a subscript. ``y`` is the baseline."""

    x: float
    y: float
    text: str
    size: float = FONT
    anchor: str = "start"  # start | middle | end
    color: str = "#111111"
    bold: bool = False
    italic: bool = False
    mono: bool = False
    gid: str | None = None

    def box(self) -> tuple[float, float, float, float]:
        """Estimated extent (x0, y0, x1, y1) in units."""
        w = text_width(self.text, self.size, self.bold, self.mono)
        x0 = {"start": self.x, "middle": self.x - w / 2, "end": self.x - w}[self.anchor]
        descent = 0.45 if "_{" in self.text else 0.25
        return (x0, self.y - 0.8 * self.size, x0 + w, self.y + descent * self.size)


@dataclass(slots=True)
class Group:
    """Items that belong together: a weight block (``block`` set) or a shared-weights tile."""

    cls: str
    items: list[Any]
    tip: str = ""
    data: dict[str, str] = field(default_factory=dict)
    block: Block | None = None
    layer: str | None = None


@dataclass
class Scene:
    """A laid-out picture: items in drawing order, the size in units, and notes on scale."""

    items: list[Any]
    width: float
    height: float
    view: str
    dark: bool
    notes: set[str] = field(default_factory=set)
    scale_note: str = ""

    @property
    def palette(self) -> dict[str, str]:
        return PALETTES[self.dark]

    def walk(self) -> Iterable[tuple[Any, Group | None]]:
        """Every primitive with the group it is in (None outside groups)."""
        for item in self.items:
            if isinstance(item, Group):
                for sub in item.items:
                    yield sub, item
            else:
                yield item, None

    def texts(self) -> list[Text]:
        return [t for t, _ in self.walk() if isinstance(t, Text)]

    def groups(self, cls: str | None = None) -> list[Group]:
        return [g for g in self.items if isinstance(g, Group) and (cls is None or g.cls == cls)]


# --- text --------------------------------------------------------------------------------------


def segments(text: str) -> list[tuple[str, bool]]:
    """``"W_{xi} 12"`` -> ``[("W", False), ("xi", True), (" 12", False)]``."""
    out: list[tuple[str, bool]] = []
    rest = text
    while "_{" in rest:
        head, tail = rest.split("_{", 1)
        sub, _, rest = tail.partition("}")
        if head:
            out.append((head, False))
        out.append((sub, True))
    if rest:
        out.append((rest, False))
    return out


def literal(text: str) -> str:
    """User text (a title, a layer name) shown as typed: ``_{`` is not read as a subscript."""
    return text.replace("_{", "_\u200b{")


def sub_size(size: float) -> float:
    """A subscript's font size: smaller than its text, but never below SMALL."""
    return max(SUB * size, SMALL)


# Advances in ems of DejaVu Sans (Matplotlib's default font, first in the SVG's font list) for
# printable ASCII, normal and bold, so that estimated boxes match the text as drawn. Other
# characters count as wide; a 6% margin covers the fallback fonts of browsers (Verdana, Arial).
_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "
_ADVANCE = {
    False: (
        [0.636] * 10
        + [0.613, 0.635, 0.55, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612]
        + [0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525, 0.684, 0.686, 0.698, 0.77]
        + [0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787, 0.603, 0.787, 0.695, 0.635]
        + [0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39]
        + [0.39, 0.5, 0.838, 0.318, 0.361, 0.318, 0.337, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1.0, 0.39]
        + [0.337, 0.39, 0.838, 0.5, 0.5, 0.636, 0.337, 0.636, 0.838, 0.318]
    ),
    True: (
        [0.696] * 10
        + [0.675, 0.716, 0.593, 0.716, 0.678, 0.435, 0.716, 0.712, 0.343, 0.343, 0.665, 0.343, 1.042, 0.712, 0.687]
        + [0.716, 0.716, 0.493, 0.595, 0.478, 0.712, 0.652, 0.924, 0.645, 0.652, 0.582, 0.774, 0.762, 0.734, 0.83]
        + [0.683, 0.683, 0.821, 0.837, 0.372, 0.372, 0.775, 0.637, 0.995, 0.837, 0.85, 0.733, 0.85, 0.77, 0.72]
        + [0.682, 0.812, 0.774, 1.103, 0.771, 0.724, 0.725, 0.456, 0.521, 0.838, 0.696, 1.002, 0.872, 0.306, 0.457]
        + [0.457, 0.523, 0.838, 0.38, 0.415, 0.38, 0.365, 0.4, 0.4, 0.838, 0.838, 0.838, 0.58, 1.0, 0.457]
        + [0.365, 0.457, 0.838, 0.5, 0.5, 0.712, 0.365, 0.712, 0.838, 0.348]
    ),
}
_WIDTHS = {bold: dict(zip(_CHARS, widths, strict=True)) for bold, widths in _ADVANCE.items()}
for _bold, _table in _WIDTHS.items():  # the few other characters the pictures use
    _table.update({c: 0.838 for c in "×⊙→←−≈"})
    _table.update({"…": 1.0, "·": 0.38 if _bold else 0.318, "–": 0.5, "σ": 0.779 if _bold else 0.634})
_MARGIN = 1.06
_MONO = 0.602  # DejaVu Sans Mono


def _advance(s: str, bold: bool) -> float:
    table = _WIDTHS[bold]
    # Combining marks (the tilde of c̃) take no room of their own.
    return sum(table.get(c, 0.0 if "\u0300" <= c <= "\u036f" else 1.0) for c in s)


def text_width(text: str, size: float, bold: bool = False, mono: bool = False) -> float:
    width = 0.0
    for s, sub in segments(text):
        scale = sub_size(size) / size if sub else 1.0
        if sub:  # Matplotlib's mathtext draws a subscript's "-" as a wide minus sign
            s = s.replace("-", "−")
        n = sum(1 for c in s if not "\u0300" <= c <= "\u036f")
        width += (n * _MONO if mono else _advance(s, bold)) * size * scale
    return width * _MARGIN


def wrap(text: str, size: float, max_width: float, bold: bool = False, mono: bool = False) -> list[str]:
    """Split ``text`` at spaces into lines no wider than ``max_width`` (a long word gets its own line)."""
    words = text.split(" ")
    lines: list[str] = []
    line = ""
    for word in words:
        trial = f"{line} {word}" if line else word
        if line and text_width(trial, size, bold, mono) > max_width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    out = []
    for ln in lines:  # a single word wider than the line: cut it (only absurd names get here)
        limit = max(4, int(max_width / (0.75 * size)))
        while text_width(ln, size, bold, mono) > max_width and len(ln) > limit:
            out.append(ln[:limit])
            ln = ln[limit:]
        out.append(ln)
    return out or [""]


def params_text(n: int) -> str:
    return f"{group_digits(n)} param" + ("" if n == 1 else "s")


def math_name(name: str) -> str:
    """``W_xi`` -> ``W_{xi}``."""
    if "_" in name:
        head, sub = name.split("_", 1)
        return f"{head}_{{{sub}}}"
    return name


# --- colours -----------------------------------------------------------------------------------


def _rgb(color: str) -> tuple[float, float, float]:
    c = color.lstrip("#")
    return (int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255)


def mix(color: str, other: str, amount: float) -> str:
    """``color`` blended towards ``other`` (0 = color, 1 = other), as #RRGGBB."""
    a, b = _rgb(color), _rgb(other)
    return "#" + "".join(f"{round(255 * (x + (y - x) * amount)):02X}" for x, y in zip(a, b, strict=True))


def ink_on(fill: str) -> str:
    """Near-black or white text, whichever has the higher WCAG contrast on ``fill`` (4.5:1 or more).

    On a mid-tone where neither #111111 nor white reaches 4.5:1, pure black does (it reaches
    at least 4.58:1 on any colour).
    """
    dark, light = ratio("#111111", fill), ratio("#FFFFFF", fill)
    if max(dark, light) >= NORMAL:
        return "#111111" if dark >= light else "#FFFFFF"
    return "#000000"


def text_backgrounds(scene: Scene) -> list[tuple[Text, str]]:
    """Every text of ``scene`` with the colour it is drawn on (the last filled shape under its middle)."""
    shapes: list[tuple[float, float, float, float, str]] = []
    out: list[tuple[Text, str]] = []
    for item, _group in scene.walk():
        if isinstance(item, Rect) and item.fill.startswith("#"):
            shapes.append((item.x, item.y, item.x + item.w, item.y + item.h, item.fill))
        elif isinstance(item, Ellipse) and item.fill.startswith("#"):
            shapes.append((item.cx - item.rx, item.cy - item.ry, item.cx + item.rx, item.cy + item.ry, item.fill))
        elif isinstance(item, Text):
            x0, y0, x1, y1 = item.box()
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            under = [s[4] for s in shapes if s[0] <= mx <= s[2] and s[1] <= my <= s[3]]
            out.append((item, under[-1] if under else scene.palette["bg"]))
    return out


def legible(scene: Scene) -> Scene:
    """Move any text colour that does not reach 4.5:1 on what it sits on just far enough that it does.

    The views colour some labels with their gate's hue (the gate titles, the equations); on a
    white page Okabe-Ito orange or green is under 3:1, so the hue is darkened there (lightened on
    a dark page) and the label still reads as its gate's colour.
    """
    for text, background in text_backgrounds(scene):
        text.color = readable(text.color, background)
    return scene


def block_fill(kind: str, block: Block) -> str:
    base = GATE_COLORS.get(kind, {}).get(block.gate, "#777777")
    white = {"kernel": 0.3, "recurrent_kernel": 0.0, "bias": 0.55, "embeddings": 0.2}.get(block.variable, 0.3)
    if block.role == "recurrent bias":
        white = 0.72
    return mix(base, "#FFFFFF", white)


# --- shared helpers ----------------------------------------------------------------------------


def kind_of(lc: LayerCount, block: Block | None = None) -> str:
    """The layer kind whose colours and gates ``block`` uses (the wrapped layer, unwrapped).

    ``RNN(LSTMCell(4))`` is drawn as ``LSTM(4)``; each cell of a StackedRNNCells, and the backward
    layer of a Bidirectional that has its own, in its own kind.
    """
    layer = lc.layer
    if block is not None and block.direction == "backward" and getattr(layer, "backward_layer", None) is not None:
        layer = layer.backward_layer
    inner = layer.inner()
    cells = getattr(inner, "cells", None) if inner.recurrent else None
    if cells and len(cells) > 1:  # RNN(StackedRNNCells([...])): the block's own cell
        k = int(block.group.rsplit("_", 1)[1]) if block is not None and block.group else 0
        return cells[k].layer_class.kind
    return inner.kind


def variable_path(block: Block) -> str:
    return f"{block.direction}/{block.variable}" if block.direction else block.variable


def block_tip(lc: LayerCount, block: Block) -> str:
    """The tooltip of a block: layer, Keras variable, shape, count and its term in the formula."""
    kind = kind_of(lc, block)
    # Tooltips are plain text: "input gate i_t", not the markup's "i_{t}".
    gate = GATE_TITLES.get(kind, {}).get(block.gate or "", "").replace("_{", "_").replace("}", "")
    what = f"{block.role}" + (f" of the {gate}" if gate else "")
    symbols = lc.built.symbols
    dims = " × ".join(group_digits(d) for d in block.shape)
    numbers = "*".join(str(symbols.get(s, "?")) for s in block.symbols)
    variable = variable_path(block)
    if block.row is not None:
        variable += f"[{block.row}]"
    lines = [
        f"{lc.name} ({lc.type}) · {block.direction + ' ' if block.direction else ''}{block.name}: {what}",
        f"Keras variable: {variable}, columns {block.column}–{block.column + _columns(block) - 1}",
        f"shape {dims} = {params_text(block.params)}",
        f"formula term {block.term} = {numbers} = {group_digits(block.params)} in {lc.formula.general}",
    ]
    return "\n".join(lines)


def select_layers(layers: Sequence[LayerCount]) -> list[tuple[int, LayerCount] | tuple[int, int]]:
    """Layers to draw: all up to MAX_LAYERS, else the first HEAD, a (start, count) gap, the last TAIL."""
    if len(layers) <= MAX_LAYERS:
        return list(enumerate(layers))
    head = list(enumerate(layers[:HEAD]))
    gap = (HEAD, len(layers) - HEAD - TAIL)
    tail = [(len(layers) - TAIL + k, lc) for k, lc in enumerate(layers[-TAIL:])]
    return [*head, gap, *tail]


def pick_layer(result: CountResult, layer: int | str | None) -> tuple[int, LayerCount] | None:
    """The recurrent layer the unrolled and cell views show (default: the first one)."""
    if layer is None:
        for k, lc in enumerate(result.layers):
            if lc.layer.recurrent:
                return k, lc
        return None
    if isinstance(layer, int):
        if not -len(result.layers) <= layer < len(result.layers):
            raise SpecError(f"layer={shown(layer)} is out of range: the stack has {len(result.layers)} layers")
        k = layer % len(result.layers)
        lc = result.layers[k]
    else:
        names = [lc.name for lc in result.layers]
        if layer not in names:
            listed = ", ".join(repr(n) for n in names[:8]) + (", …" if len(names) > 8 else "")
            raise SpecError(f"no layer named {shown(layer)} in the stack; its layers are {listed}")
        k = names.index(layer)
        lc = result.layers[k]
    if not lc.layer.recurrent:
        raise SpecError(
            f"layer {lc.name!r} is a {lc.type} layer; the unrolled and cell views show a recurrent layer "
            "(SimpleRNN, LSTM, GRU or Bidirectional)"
        )
    return k, lc


class Builder:
    """Collects items and tracks the height; the views write into one."""

    def __init__(self, dark: bool) -> None:
        self.items: list[Any] = []
        self.p = PALETTES[dark]
        self.dark = dark
        self.notes: set[str] = set()

    def text(self, x: float, y: float, s: str, size: float = FONT, **kw: Any) -> Text:
        kw.setdefault("color", self.p["ink"])
        t = Text(x, y, s, size, **kw)
        self.items.append(t)
        return t

    def lines(
        self,
        x: float,
        y: float,
        s: str,
        size: float = FONT,
        max_width: float | None = None,
        gap: float = 1.3,
        **kw: Any,
    ) -> float:
        """Wrapped text starting with its first baseline at ``y``; returns the y below the last line."""
        width = max_width if max_width is not None else WIDTH - MARGIN - x
        for line in wrap(s, size, width, kw.get("bold", False), kw.get("mono", False)):
            self.text(x, y, line, size, **kw)
            y += gap * size
        return y - gap * size + 0.45 * size

    def arrow(self, points: list[tuple[float, float]], color: str | None = None, sw: float = 2.0, **kw: Any) -> None:
        self.items.append(Path(points, color or self.p["line"], sw, arrow=True, **kw))

    def scene(self, height: float, view: str) -> Scene:
        return legible(Scene(self.items, WIDTH, math.ceil(height), view, self.dark, self.notes))


def heading(b: Builder, result: CountResult, title: str | None, y: float) -> float:
    if title:
        y = b.lines(MARGIN, y + TITLE, literal(title), TITLE, bold=True) + 8
    return y


def total_line(b: Builder, result: CountResult, y: float, error: str | None) -> float:
    if error:
        y = b.lines(MARGIN, y + FONT, literal(error), FONT, bold=True, color=b.p["error"]) + 8
    if result.layers:
        label = "total of the layers above" if error else "total"
        if len(result.layers) > MAX_LAYERS:
            text = f"{label}: {params_text(result.total)} in {group_digits(len(result.layers))} layers"
        else:
            text = f"{label}: {result.total_formula}"
        y = b.lines(MARGIN, y + TITLE, text, TITLE, bold=True) + 8
    return y


def shape_arrow(b: Builder, y: float, shape: Any, label: str = "") -> float:
    """A down arrow with the tensor's shape beside it; returns the y below it."""
    x = AREA_X + 24
    b.arrow([(x, y + 4), (x, y + 44)])
    text = format_shape(shape)
    b.text(x + 16, y + 30, f"{label} {text}" if label else text, SMALL, mono=True, color=b.p["muted"])
    return y + 50


def gap_row(b: Builder, y: float, layers: Sequence[LayerCount]) -> float:
    """The row that stands for the layers not drawn."""
    n = len(layers)
    params = sum(lc.params for lc in layers)
    b.items.append(Rect(MARGIN, y, WIDTH - 2 * MARGIN, 64, b.p["panel"], b.p["muted"], 1.5, rx=8, dash=True))
    b.text(WIDTH / 2, y + 28, f"… {group_digits(n)} more layers …", TITLE, anchor="middle", bold=True)
    b.text(
        WIDTH / 2,
        y + 52,
        literal(f"{layers[0].name} to {layers[-1].name}: {params_text(params)}"),
        SMALL,
        anchor="middle",
        color=b.p["muted"],
    )
    return y + 70


# --- the weights view --------------------------------------------------------------------------

AREA_X = 150.0  # left edge of the blocks; row sizes are written left of it
AREA_W = 540.0  # the widest layer's columns fit here at the common scale
AREA_MAX = WIDTH - MARGIN - 14 - 230 - AREA_X  # columns widened for their labels stop here
S_MAX = 48.0  # units per weight at most (tiny layers are not drawn huge)
MIN_H = 30.0  # a row of blocks is at least this tall (one line of label)
TALL = 240.0  # a block taller than this is cut short (zigzag) with its true size written on it
VGAP = 12.0


def _gate_order(blocks: Sequence[Block]) -> list[str | None]:
    gates: list[str | None] = []
    for blk in blocks:
        if blk.gate not in gates:
            gates.append(blk.gate)
    return gates


_ROW_ORDER = {"embeddings": 0, "kernel": 0, "recurrent_kernel": 1, "bias": 2}


def _rows(blocks: Sequence[Block]) -> list[tuple[str, int | None, list[Block]]]:
    rows: dict[tuple[str, int | None], list[Block]] = {}
    for blk in blocks:
        rows.setdefault((blk.variable, blk.row), []).append(blk)
    keys = sorted(rows, key=lambda k: (_ROW_ORDER.get(k[0], 9), k[1] or 0))
    return [(var, row, rows[(var, row)]) for var, row in keys]


def _copies(lc: LayerCount) -> dict[tuple[str | None, str | None], list[Block]]:
    """The blocks by direction and by cell (each cell of a StackedRNNCells has its own variables)."""
    copies: dict[tuple[str | None, str | None], list[Block]] = {}
    for blk in lc.blocks:
        copies.setdefault((blk.direction, blk.group), []).append(blk)
    return copies


def common_scale(layers: Iterable[LayerCount]) -> float:
    """Units per weight for the whole picture: the widest layer's columns fill AREA_W."""
    s = S_MAX
    for lc in layers:
        if lc.blocks:
            gates = _gate_order([blk for blk in lc.blocks if blk.direction in (None, "forward")])
            s = min(s, AREA_W / (len(gates) * _columns(lc.blocks[0])))
    return s


def _label_widths(blk: Block) -> tuple[float, float]:
    return text_width(math_name(blk.name), NAME), text_width(group_digits(blk.params), FONT)


def _row_height(cells: int, s: float) -> tuple[float, str]:
    true = cells * s
    if true > TALL:
        return TALL, "broken"
    if true < MIN_H / 1.15:
        return MIN_H, "stretched"
    return max(true, MIN_H), ""


def _block(b: Builder, lc: LayerCount, kind: str, blk: Block, x: float, y: float, w: float, h: float, how: str) -> None:
    fill = block_fill(kind, blk)
    ink = ink_on(fill)
    items: list[Any] = [
        Rect(x, y, w, h, fill, b.p["bg"], 2.0, hatch=blk.role == "recurrent bias"),
    ]
    if "widened" in how or "stretched" in how:
        items.append(Rect(x + 3, y + 3, w - 6, h - 6, "none", ink, 1.2, dash=True))
    name_w, count_w = _label_widths(blk)
    cx, cy = x + w / 2, y + h / 2
    name, count_text = math_name(blk.name), group_digits(blk.params)
    if "broken" in how:
        zy = y + 0.28 * h
        teeth = max(4, round(w / 14))
        step = w / teeth
        top = [(x + k * step, zy - 6 + (5 if k % 2 else 0)) for k in range(teeth + 1)]
        bottom = [(x + k * step, zy + 6 + (5 if k % 2 else 0)) for k in range(teeth, -1, -1)]
        items.append(Path(top + bottom, "none", 0, fill=b.p["bg"]))
        items.append(Path(top, ink, 1.3))
        items.append(Path(bottom[::-1], ink, 1.3))
        dims = " × ".join(group_digits(d) for d in blk.shape)
        cy = y + 0.62 * h
        items.append(Text(cx, cy - 20, name, NAME, "middle", ink))
        items.append(Text(cx, cy + 6, count_text, FONT, "middle", ink))
        if text_width(dims, SMALL) <= w - 8:
            items.append(Text(cx, cy + 30, dims, SMALL, "middle", ink, italic=True))
        else:  # rows above "× columns"
            rows_text, _, cols_text = dims.partition(" × ")
            items.append(Text(cx, cy + 30, rows_text, SMALL, "middle", ink, italic=True))
            items.append(Text(cx, cy + 50, f"× {cols_text}", SMALL, "middle", ink, italic=True))
    elif h >= 2.4 * NAME + 4 and max(name_w, count_w) + 10 <= w:
        items.append(Text(cx, cy - 6, name, NAME, "middle", ink))
        items.append(Text(cx, cy + 22, count_text, FONT, "middle", ink))
    else:
        left = cx - (name_w + 8 + count_w) / 2
        items.append(Text(left, cy + 0.36 * NAME, name, NAME, "start", ink))
        items.append(Text(left + name_w + 8, cy + 0.36 * NAME, count_text, FONT, "start", ink))
    data = {
        "layer": lc.name,
        "variable": variable_path(blk),
        "gate": blk.gate or "",
        "params": str(blk.params),
        "name": blk.name,
        "shape": "x".join(str(d) for d in blk.shape),
    }
    b.items.append(Group("rnncount-block", items, block_tip(lc, blk), data, blk, lc.name))


def _columns(blk: Block) -> int:
    """The columns a block is drawn with: its last axis (one for a scalar, such as Attention's scale)."""
    return blk.shape[-1] if blk.shape else 1


def _row_count(blk: Block) -> int:
    """The rows a block is drawn with: all its axes but the last (its columns) multiplied."""
    return math.prod(blk.shape[:-1]) if len(blk.shape) >= 2 else 1


def _draw_copy(b: Builder, lc: LayerCount, blocks: list[Block], y: float, s: float) -> float:
    kind = kind_of(lc, blocks[0])
    gates = _gate_order(blocks)
    n = len(gates)
    cells_w = _columns(blocks[0])
    rows = _rows(blocks)
    heights = [_row_height(_row_count(blks[0]), s) for _, _, blks in rows]
    # One column width for every gate, so an LSTM is visibly four SimpleRNNs side by side.
    titles = GATE_TITLES.get(kind, {})
    # A gate's title may take two lines, but never breaks a word.
    words = [w for gate in gates if gate is not None for w in titles.get(gate, str(gate)).split()]
    need = max((text_width(w, SMALL, bold=True) + 12 for w in words), default=0.0)
    for (_, _, blks), (h, how) in zip(rows, heights, strict=True):
        for blk in blks:
            name_w, count_w = _label_widths(blk)
            if how == "broken":
                dims = " × ".join(group_digits(d) for d in blk.shape)
                parts = dims.partition(" × ")
                dims_w = min(text_width(dims, SMALL), max(text_width(p, SMALL) for p in (parts[0], "× " + parts[2])))
                need = max(need, name_w + 12, count_w + 12, dims_w + 12)
            elif h >= 2.4 * NAME + 4:
                need = max(need, max(name_w, count_w) + 14)
            else:
                need = max(need, name_w + 8 + count_w + 14)
    col = min(max(cells_w * s, need), AREA_MAX / n)
    # Within 15% counts as to scale; beyond it the block is marked (dashed edge) and the note says so.
    widened = col > 1.15 * cells_w * s
    area = n * col
    colors = GATE_COLORS.get(kind, {})
    if gates[0] is not None:
        # A gate's title over its column, on two lines when the column is narrow.
        heads = [wrap(titles.get(gate or "", str(gate)), SMALL, col - 6, bold=True) for gate in gates]
        depth = max(len(h) for h in heads)
        y += 24 + (depth - 1) * 1.2 * SMALL
        for k, (gate, lines) in enumerate(zip(gates, heads, strict=True)):
            color = colors.get(gate, b.p["ink"])
            if b.dark:  # the gate's hue, lightened to read on a dark background
                color = mix(color, "#FFFFFF", 0.35)
            for j, line in enumerate(lines):
                ty = y - (len(lines) - 1 - j) * 1.2 * SMALL
                b.text(AREA_X + (k + 0.5) * col, ty, line, SMALL, anchor="middle", bold=True, color=color)
        y += 8
    right_x = AREA_X + area + 14
    right_w = WIDTH - MARGIN - right_x
    bias_rows = [r for r in rows if r[0] == "bias"]
    for (var, row, blks), (h, how) in zip(rows, heights, strict=True):
        two_d = len(blks[0].shape) >= 2  # a convolution's kernel (k, i, f) is drawn as k*i rows of f columns
        cells = _row_count(blks[0])
        flags = " ".join(f for f in (how, "widened" if widened else "") if f)
        if flags:
            b.notes.update(flags.split())
        for blk in blks:
            k = gates.index(blk.gate)
            _block(b, lc, kind, blk, AREA_X + k * col, y, col, h, flags)
        b.items.append(Rect(AREA_X, y, area, h, "none", b.p["frame"], 1.6))
        if two_d:
            dim = f"{'·'.join(blks[0].symbols[:-1])} = {group_digits(cells)}"
        elif row is None:
            dim = "1 row"
        else:
            dim = f"row {row}"
        if text_width(dim, SMALL) <= AREA_X - 10 - 6:
            b.text(AREA_X - 10, y + h / 2 + 6, dim, SMALL, anchor="end", color=b.p["muted"])
        else:  # a huge size: the symbol above its value
            head, _, value = dim.partition(" = ")
            b.text(AREA_X - 10, y + h / 2 - 4, f"{head} =", SMALL, anchor="end", color=b.p["muted"])
            b.text(AREA_X - 10, y + h / 2 + 17, value, SMALL, anchor="end", color=b.p["muted"])
        width = sum(_columns(blk) for blk in blks)
        if var == "bias" and len(bias_rows) == 2:
            if row == 0:
                full = sum(blk.params for r in bias_rows for blk in r[2])
                label = [f"bias {format_shape((2, width))}", f"{params_text(full)} in 2 rows"]
            else:
                label = ["row 1: the extra recurrent bias of reset_after=True (+g*h)"]
        else:
            shape = (*blks[0].shape[:-1], width) if two_d else (width,)
            head = f"{var} {format_shape(shape)}"
            label = [head] if text_width(head, SMALL) <= right_w else [var, format_shape(shape)]
            label.append(params_text(sum(blk.params for blk in blks)))
            if var == "bias" and kind == "GRU":
                label.append("one row: reset_after=False")
        accent = row == 1
        lines = [ln for part in label for ln in wrap(part, SMALL, right_w, bold=accent)]
        label_h = len(lines) * 1.3 * SMALL
        ty = y + max(0.0, (h - label_h) / 2) + 0.85 * SMALL
        for k, line in enumerate(lines):
            b.text(
                right_x, ty + k * 1.3 * SMALL, line, SMALL, color=b.p["accent"] if accent else b.p["ink"], bold=accent
            )
        y += max(h, label_h) + (4 if var == "bias" and row == 0 and len(bias_rows) == 2 else VGAP)
    sym = blocks[0].symbols[-1]
    if n > 1:
        text = f"{n} × {sym} = {n} × {group_digits(cells_w)} = {group_digits(n * cells_w)} columns"
    else:
        text = f"{sym} = {group_digits(cells_w)} column" + ("" if cells_w == 1 else "s")
    width = text_width(text, SMALL)
    if width <= area:
        b.text(AREA_X + area / 2, y + 12, text, SMALL, anchor="middle", color=b.p["muted"])
    else:
        b.text(AREA_X, y + 12, text, SMALL, color=b.p["muted"])
    return y + 24


def weights_layer(b: Builder, lc: LayerCount, y: float, s: float, compact: bool) -> float:
    """One layer of the weights view from ``y`` down; returns the y below it."""
    count = params_text(lc.params)
    count_w = text_width(count, FONT, bold=True)
    heads = wrap(f"{literal(lc.name)} ({lc.type})", TITLE, WIDTH - 2 * MARGIN - count_w - 24, bold=True)
    for k, line in enumerate(heads):
        gid = f"rnncount-title:{lc.name}" if k == 0 else None
        b.text(MARGIN, y + TITLE + k * 1.25 * TITLE, line, TITLE, bold=True, gid=gid)
    b.text(WIDTH - MARGIN, y + TITLE, count, FONT, anchor="end", bold=True)
    y += TITLE + 8 + (len(heads) - 1) * 1.25 * TITLE
    if not compact:
        y = b.lines(MARGIN, y + SMALL, lc.formula.text, SMALL, mono=True) + 4
        if lc.note:
            y = b.lines(MARGIN, y + SMALL, lc.note, SMALL, italic=True, color=b.p["muted"]) + 4
    if not lc.blocks:
        b.items.append(Rect(AREA_X, y + 6, 170, 36, b.p["empty"], b.p["muted"], 1.2, rx=4))
        b.text(AREA_X + 85, y + 30, "no weights", FONT, anchor="middle", color=b.p["ink"])
        return y + 50
    for (direction, group), blocks in _copies(lc).items():
        if group is not None:  # a cell of a StackedRNNCells: its own variables
            what = f"{direction} " if direction else ""
            text = f"{what}{group}: its own {kind_of(lc, blocks[0])} weights"
            b.text(MARGIN, y + 24, text, FONT, italic=True, bold=True, color=b.p["muted"])
            y += 20
        elif direction is not None:
            b.text(MARGIN, y + 24, f"{direction} copy", FONT, italic=True, bold=True, color=b.p["muted"])
            y += 20
        y = _draw_copy(b, lc, blocks, y, s)
    if lc.built.copies > 1:
        text = f"two copies: {group_digits(lc.params // 2)} × 2 = {group_digits(lc.params)}"
        b.text(MARGIN, y + FONT, text, FONT, bold=True)
        y += FONT + 10
    return y


def scale_text(notes: set[str]) -> str:
    parts = ["One scale for every block: a block is as wide as its columns and as tall as its rows"]
    if "widened" in notes or "stretched" in notes:
        parts.append("a dashed edge marks a block widened or stretched to fit its label")
    if "broken" in notes:
        parts.append("a zigzag marks a block cut short, its true size written on it")
    return "; ".join(parts) + "."


def weights_view(
    result: CountResult, *, dark: bool, title: str | None, error: str | None, compact: bool = False
) -> Scene:
    b = Builder(dark)
    y = heading(b, result, title, 0.0)
    y = shape_arrow(b, y, result.input_shape, "input")
    if not result.layers and not error:
        y = b.lines(MARGIN, y + FONT, "No layers yet: add a layer to see its weights.", FONT, color=b.p["muted"]) + 8
    chosen = select_layers(result.layers)
    s = common_scale(lc for entry in chosen if isinstance(entry[1], LayerCount) for lc in [entry[1]])
    for k, entry in enumerate(chosen):
        if isinstance(entry[1], LayerCount):
            _index, lc = entry
            y = weights_layer(b, lc, y + 4, s, compact)
            shape = lc.output_shape
        else:
            start, n = entry
            y = gap_row(b, y + 4, result.layers[start : start + n])
            shape = result.layers[start + n - 1].output_shape
        last = k == len(chosen) - 1
        y = shape_arrow(b, y, shape, "output" if last and not error else "")
    y = total_line(b, result, y + 4, error)
    scene_note = scale_text(b.notes) if any(lc.blocks for lc in result.layers) else ""
    if scene_note and not compact:
        y = b.lines(MARGIN, y + SMALL, scene_note, SMALL, italic=True, color=b.p["muted"]) + 4
    scene = b.scene(y + 12, "weights")
    scene.scale_note = scene_note
    return scene
