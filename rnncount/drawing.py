"""The weight-matrix picture: every weight block of every layer, split and coloured by gate.

``rnncount.diagram("LSTM(32)", (20, 100))`` draws, for each layer, the Keras weight
variables as the rectangles they are: the input kernel (i x g*h) on top, the
recurrent kernel (h x g*h) below it, then the bias (one row, or two for a GRU with
``reset_after=True``). The columns are the gates, in the order Keras stores them,
so an LSTM is visibly four SimpleRNNs side by side. Every block carries its name
and parameter count; the dimensions are written on the edges.

Blocks are drawn to scale within a layer (one column of a gate is one unit wide),
except that a block much taller than wide is shortened and drawn with a zigzag
break, and a very thin row is widened so that it stays readable. Rectangles are
drawn, never the weights themselves, so a layer with millions of weights costs
the same as a tiny one.

Matplotlib is imported on first use and the global ``rcParams`` are never changed.
Without ``ax`` a new :class:`matplotlib.figure.Figure` is made outside pyplot, so no
figure is left open in pyplot's registry.
"""

from __future__ import annotations

import functools
import io
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .engine import CountResult, LayerCount, count
from .formula import group_digits
from .layers import GATE_NAMES, Block, Layer, format_shape

#: Gate colours (Okabe-Ito, readable by colour-blind viewers and on a projector).
GATE_COLORS: dict[str, dict[str | None, str]] = {
    "LSTM": {"i": "#0072B2", "f": "#E69F00", "c": "#009E73", "o": "#CC79A7"},
    "GRU": {"z": "#0072B2", "r": "#E69F00", "h": "#009E73"},
    "SimpleRNN": {"h": "#009E73"},
    "Dense": {None: "#56718C"},
    "Embedding": {None: "#8C6BB1"},
}

#: Inches per layout unit when the figure is sized to its content (one gate column is one unit).
INCH = 1.05
#: A block may be this many units tall before it is shortened with a break.
TALL = 3.2
#: Thin rows (a bias, a kernel with few inputs) are widened to this height to keep their label.
THIN = 0.34
#: Vertical gap between the Keras variables of one layer (kernel / recurrent kernel / bias).
VGAP = 0.16
LEFT = 2.1  # room for the row dimensions and direction names
RIGHT = 3.0  # room for the variable names, shapes and counts

FONT = 10.5
SMALL = 9.0
TITLE = 12.5

_ROW_ORDER = {"kernel": 0, "recurrent_kernel": 1, "bias": 2, "embeddings": 0}
_VARIABLE_LABEL = {
    "kernel": "kernel",
    "recurrent_kernel": "recurrent_kernel",
    "bias": "bias",
    "embeddings": "embeddings",
}


@dataclass
class _Canvas:
    """What a layout produced: primitives in layout units (y grows downwards) and its extent."""

    rects: list[dict[str, Any]] = field(default_factory=list)
    texts: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    polys: list[dict[str, Any]] = field(default_factory=list)
    x0: float = 0.0
    x1: float = 0.0
    y0: float = 0.0
    y1: float = 0.0
    notes: set[str] = field(default_factory=set)

    def grow(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.x0, self.x1 = min(self.x0, x0), max(self.x1, x1)
        self.y0, self.y1 = min(self.y0, y0), max(self.y1, y1)

    def rect(self, x: float, y: float, w: float, h: float, **kw: Any) -> None:
        self.rects.append({"xy": (x, y), "w": w, "h": h, **kw})
        self.grow(x, y, x + w, y + h)

    def text(self, x: float, y: float, s: str, size: float = FONT, ha: str = "center", **kw: Any) -> None:
        self.texts.append({"x": x, "y": y, "s": s, "size": size, "ha": ha, **kw})
        # Text is sized in points; estimate its extent in layout units so the figure fits it.
        lines = s.split("\n")
        width = max(_text_width(line) for line in lines) * size / 72 / INCH
        height = len(lines) * 1.3 * size / 72 / INCH
        left = {"left": x, "right": x - width, "center": x - width / 2}[ha]
        va = kw.get("va", "center")
        top = {"top": y, "bottom": y - height, "center": y - height / 2, "baseline": y - height}[va]
        self.grow(left, top, left + width, top + height)


def _text_width(line: str) -> float:
    """Approximate width of a line in ems (mathtext markup is not printed)."""
    plain = line.replace("$", "").replace("{", "").replace("}", "").replace("\\", "").replace("_", "")
    return 0.6 * len(plain)


def _params(n: int) -> str:
    return f"{group_digits(n)} param" + ("" if n == 1 else "s")


def _mix(color: str, white: float) -> tuple[float, float, float]:
    """Blend a colour with white (0 = the colour, 1 = white)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(color)
    return (r + (1 - r) * white, g + (1 - g) * white, b + (1 - b) * white)


def _ink(face: tuple[float, float, float]) -> str:
    """Black or white text, whichever reads better on ``face``."""
    r, g, b = face
    return "#111111" if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else "white"


def _math_name(name: str) -> str:
    """``W_xi`` -> ``$W_{xi}$`` (mathtext, rendered by matplotlib without LaTeX)."""
    if "_" in name:
        head, sub = name.split("_", 1)
        return f"${head}_{{{sub}}}$"
    return f"${name}$"


def _height(cells: int, width_cells: int) -> tuple[float, bool]:
    """Display height of ``cells`` rows when a gate column of ``width_cells`` is one unit wide.

    Returns the height and whether the block was shortened (drawn with a break).
    """
    ratio = cells / width_cells
    if ratio <= TALL:
        return max(ratio, THIN), False
    # Past TALL, grow only logarithmically: 10x more rows adds 0.6 units.
    return TALL + 0.5 * math.log10(ratio / TALL), True


def _zigzag(canvas: _Canvas, x: float, y: float, w: float) -> None:
    """A white torn band across a shortened block at height ``y``."""
    teeth = max(4, round(w / 0.22))
    step = w / teeth
    amp = 0.06
    top = [(x + k * step, y - 0.07 + (amp if k % 2 else 0.0)) for k in range(teeth + 1)]
    bottom = [(x + k * step, y + 0.07 + (amp if k % 2 else 0.0)) for k in range(teeth, -1, -1)]
    canvas.polys.append({"xy": top + bottom, "face": "white", "edge": "none", "z": 3})
    canvas.lines.append({"xy": top, "color": "#333333", "lw": 0.9, "z": 4})
    canvas.lines.append({"xy": bottom[::-1], "color": "#333333", "lw": 0.9, "z": 4})


def _gate_order(blocks: Sequence[Block]) -> list[str | None]:
    gates: list[str | None] = []
    for b in blocks:
        if b.gate not in gates:
            gates.append(b.gate)
    return gates


def _rows(blocks: Sequence[Block]) -> list[tuple[str, int | None, list[Block]]]:
    """Blocks grouped into the rows of the picture: (variable, bias row, blocks), top to bottom."""
    rows: dict[tuple[str, int | None], list[Block]] = {}
    for b in blocks:
        rows.setdefault((b.variable, b.row), []).append(b)
    keys = sorted(rows, key=lambda k: (_ROW_ORDER.get(k[0], 9), k[1] or 0))
    return [(var, row, rows[(var, row)]) for var, row in keys]


def _kind(lc: LayerCount) -> str:
    layer = lc.layer
    inner = getattr(layer, "layer", None)
    return inner.kind if isinstance(inner, Layer) else layer.kind


def _row_dim(var: str, blocks: list[Block], symbols: dict[str, int]) -> str:
    rows = blocks[0].shape[0] if len(blocks[0].shape) == 2 else 1
    sym = blocks[0].symbols[0] if len(blocks[0].shape) == 2 else None
    if sym is None:
        return "1 row" if blocks[0].row is None else ("row 0: input" if blocks[0].row == 0 else "row 1: recurrent")
    return f"{sym} = {group_digits(rows)}"


def _draw_copy(
    canvas: _Canvas,
    lc: LayerCount,
    blocks: list[Block],
    x: float,
    y: float,
    kind: str,
    label: str | None,
) -> float:
    """Draw one copy (a layer, or one direction of a Bidirectional); return the bottom y."""
    gates = _gate_order(blocks)
    width_cells = blocks[0].shape[-1]
    colors = GATE_COLORS.get(kind, {})
    n = len(gates)
    top = y
    # Gate names above the columns.
    if gates[0] is not None:
        names = GATE_NAMES.get(kind, {})
        for k, gate in enumerate(gates):
            color = colors.get(gate, "#555555")
            canvas.text(x + k + 0.5, y + 0.02, f"gate {gate}", size=FONT, va="bottom", color=color, weight="bold")
            canvas.text(x + k + 0.5, y - 0.26, names.get(gate or "", ""), size=SMALL, va="bottom", color=color)
    if label:
        canvas.text(x - 0.12, y - 0.28, label, size=SMALL, ha="right", va="bottom", color="#333333", style="italic")
    y += 0.1
    bias_rows = [r for r in _rows(blocks) if r[0] == "bias"]
    bias_top = y
    for var, row, row_blocks in _rows(blocks):
        two_d = len(row_blocks[0].shape) == 2
        cells = row_blocks[0].shape[0] if two_d else 1
        h, broken = _height(cells, width_cells)
        if not two_d:
            h = min(h, 0.5)  # a bias is one row: keep it a strip, whatever the width
        if broken:
            canvas.notes.add("broken")
        elif cells / width_cells < THIN:
            canvas.notes.add("thin")
        for b in row_blocks:
            k = gates.index(b.gate)
            base = colors.get(b.gate, "#777777")
            white = {"kernel": 0.25, "recurrent_kernel": 0.0, "bias": 0.55, "embeddings": 0.2}.get(var, 0.3)
            if b.role == "recurrent bias":
                white = 0.7
            face = _mix(base, white)
            gid = f"rnncount:{lc.name}:{b.direction or ''}:{b.name}"
            canvas.rect(
                x + k,
                y,
                1.0,
                h,
                face=face,
                edge="white",
                lw=1.6,
                hatch="///" if b.role == "recurrent bias" else None,
                gid=gid,
                block=b,
                layer=lc.name,
            )
            # The name (mathtext, parsed once and cached) and the count (plain text) are
            # separate artists, so a new count never triggers a new mathtext parse.
            ink = _ink(face)
            cx, cy = x + k + 0.5, y + h / 2
            count_text = group_digits(b.params)
            if h >= 0.62:
                canvas.text(cx, cy - 0.02, _math_name(b.name), size=FONT + 1, va="bottom", color=ink, zorder=5)
                canvas.text(cx, cy + 0.02, count_text, size=FONT, va="top", color=ink, zorder=5)
            else:
                # One line: name and count side by side, centred together in the block.
                name = _math_name(b.name)
                size = FONT if len(count_text) < 7 else SMALL
                name_w = 0.95 * _text_width(name) * (FONT + 1) / 72 / INCH
                count_w = _text_width(count_text) * size / 72 / INCH
                left = cx - (name_w + 0.06 + count_w) / 2
                canvas.text(left, cy, name, size=FONT + 1, ha="left", color=ink, zorder=5)
                canvas.text(left + name_w + 0.06, cy, count_text, size=size, ha="left", color=ink, zorder=5)
            if broken:
                _zigzag(canvas, x + k, y + h * 0.3, 1.0)
        # The Keras variable around the gate blocks.
        canvas.rect(x, y, n, h, face="none", edge="#222222", lw=1.1, z=4)
        # Row dimension on the left edge, variable name, Keras shape and count on the right.
        canvas.text(x - 0.12, y + h / 2, _row_dim(var, row_blocks, lc.built.symbols), size=FONT, ha="right")
        if var == "bias" and len(bias_rows) == 2:
            if row == 0:
                bias_top = y
            else:
                width = sum(b.shape[-1] for b in row_blocks)
                full = sum(b.params for r in bias_rows for b in r[2])
                mid = (bias_top + y + h) / 2
                canvas.text(x + n + 0.15, mid, f"bias (2, {width})\n{_params(full)}", size=FONT, ha="left", va="bottom")
                canvas.text(
                    x + n + 0.15,
                    mid + 0.04,
                    "row 1: the extra recurrent bias\nof reset_after=True (+g*h)",
                    size=SMALL,
                    ha="left",
                    va="top",
                    color="#A23B2A",
                    weight="bold",
                )
        else:
            width = sum(b.shape[-1] for b in row_blocks)
            shape = (cells, width) if two_d else (width,)
            total = sum(b.params for b in row_blocks)
            note = ""
            if var == "bias" and kind == "GRU":
                note = "\none row: reset_after=False"
            canvas.text(
                x + n + 0.15,
                y + h / 2,
                f"{_VARIABLE_LABEL.get(var, var)} {format_shape(shape)}\n{_params(total)}{note}",
                size=FONT,
                ha="left",
            )
        y += h + (0.04 if var == "bias" and row == 0 and len(bias_rows) == 2 else VGAP)
    y -= VGAP
    # Column widths along the bottom edge: one label for the whole row of gates.
    sym = blocks[0].symbols[-1]
    if n > 1:
        text = f"{n} gates x {sym} = {n} x {group_digits(width_cells)} = {group_digits(n * width_cells)} columns"
    else:
        text = f"{sym} = {group_digits(width_cells)} column" + ("" if width_cells == 1 else "s")
    canvas.text(x + n / 2, y + 0.06, text, size=SMALL, va="top", color="#333333")
    canvas.grow(x, top, x + n, y + 0.3)
    return y + 0.36


def _draw_layer(canvas: _Canvas, lc: LayerCount, y: float, compact: bool = False) -> float:
    """Draw one layer from ``y`` downwards; return the bottom y."""
    kind = _kind(lc)
    head = f"{lc.name} ({lc.type})"
    formula = lc.formula.text
    canvas.text(-LEFT + 0.05, y, head, size=TITLE, ha="left", va="top", weight="bold", gid=f"rnncount-title:{lc.name}")
    if compact:
        y += 0.45
    else:
        canvas.text(-LEFT + 0.05, y + 0.3, formula, size=FONT, ha="left", va="top", color="#222222", family="monospace")
        y += 0.95
    if not lc.blocks:
        canvas.rect(0, y, 2.4, 0.42, face="#EEEEEE", edge="#999999", lw=1.0, gid=f"rnncount:{lc.name}::none")
        canvas.text(1.2, y + 0.21, "no weights", size=FONT, color="#555555")
        return y + 0.55
    copies: dict[str | None, list[Block]] = {}
    for b in lc.blocks:
        copies.setdefault(b.direction, []).append(b)
    for direction, blocks in copies.items():
        if direction is not None:
            label = f"{direction} copy"
            y += 0.35
        else:
            label = None
        if blocks[0].gate is not None:
            y += 0.3  # room for the gate names
        y = _draw_copy(canvas, lc, blocks, 0.0, y, kind, label)
    if lc.built.copies > 1:
        canvas.text(
            0.0,
            y,
            f"two copies: {group_digits(lc.params // 2)} x 2 = {group_digits(lc.params)}",
            size=FONT,
            ha="left",
            va="top",
            weight="bold",
        )
        y += 0.35
    if lc.layer.kind == "TimeDistributed" or (lc.layer.kind == "Dense" and len(lc.input_shape) > 2):
        canvas.text(0.0, y, "the same weights at every timestep", size=SMALL, ha="left", va="top", style="italic")
        y += 0.3
    return y


#: How render draws a line marked "arrow". No shrink: the layout places the ends where Matplotlib's
#: default 2-point shrink would put them, and without it the arrow needs no path clipping, the
#: costliest part of drawing it.
_ARROW: dict[str, Any] = {"arrowstyle": "-|>", "mutation_scale": 14, "shrinkA": 0, "shrinkB": 0}


def _arrow(canvas: _Canvas, y: float, shape: Any, label: str = "") -> float:
    canvas.lines.append({"xy": [(0.5, y + 0.047), (0.5, y + 0.393)], "color": "#444444", "lw": 1.4, "arrow": True})
    text = format_shape(shape)
    if label:
        text = f"{label} {text}"
    canvas.text(0.72, y + 0.22, text, size=FONT, ha="left", color="#333333", family="monospace")
    return y + 0.55


def layout(
    result: CountResult, *, error: str | None = None, title: str | None = None, compact: bool = False
) -> _Canvas:
    """Lay out a counted stack as primitives in layout units (no matplotlib needed).

    ``compact`` leaves out what a dashboard shows beside the picture anyway (each
    layer's formula line and the footnote on scale), which keeps redraws fast.
    """
    canvas = _Canvas()
    y = 0.0
    if title:
        canvas.text(-LEFT + 0.05, y, title, size=TITLE + 1, ha="left", va="top", weight="bold")
        y += 0.5
    y = _arrow(canvas, y, result.input_shape, "input")
    for k, lc in enumerate(result.layers):
        y = _draw_layer(canvas, lc, y + 0.05, compact)
        last = k == len(result.layers) - 1
        y = _arrow(canvas, y, lc.output_shape, "output" if last and not error else "")
    if error:
        y += 0.1
        canvas.text(-LEFT + 0.05, y, _wrap(error, 88), size=FONT, ha="left", va="top", color="#B00020", weight="bold")
        y += 0.3 * (1 + _wrap(error, 88).count("\n")) + 0.3
    if result.layers:
        label = "total of the layers above" if error else "total"
        canvas.text(
            -LEFT + 0.05, y + 0.05, f"{label}: {result.total_formula}", size=TITLE, ha="left", va="top", weight="bold"
        )
        y += 0.45
    note = scale_note(canvas)
    if note and not compact:
        canvas.text(
            -LEFT + 0.05,
            y + 0.05,
            note,
            size=SMALL - 0.5,
            ha="left",
            va="top",
            color="#555555",
        )
        y += 0.35
    canvas.grow(-LEFT, 0.0, max(canvas.x1, 4.0 + RIGHT), y)
    canvas.x1 = max(canvas.x1, max((len(_gate_order(lc.blocks)) for lc in result.layers), default=1) + RIGHT)
    return canvas


def scale_note(canvas: _Canvas) -> str:
    """The footnote on scale for a laid-out picture ("" when everything is to scale)."""
    notes = []
    if "broken" in canvas.notes:
        notes.append("a zigzag marks a block shortened to fit")
    if "thin" in canvas.notes:
        notes.append("thin rows are widened to stay readable")
    if not notes:
        return ""
    return "Blocks are to scale within a layer (a gate column is one unit wide); " + "; ".join(notes) + "."


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


_STAMPS: OrderedDict[tuple, Any] = OrderedDict()
_STAMP_LIMIT = 4096
_LabelText: Any = None


def _label_class() -> Any:
    """A matplotlib Text that, on Agg, pastes a cached bitmap of itself instead of re-rendering glyphs.

    Rendering glyphs is most of the cost of redrawing the picture; a dashboard redraws
    the same labels ("gate i", "W_xi", a count) over and over, so each distinct label is
    rendered once and pasted afterwards. Other renderers (PDF, SVG) draw real text.
    """
    global _LabelText
    if _LabelText is not None:
        return _LabelText
    import numpy as np
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.text import Text
    from matplotlib.transforms import IdentityTransform

    scratch: dict[float, Any] = {}

    def scratch_renderer(dpi: float) -> Any:
        # One persistent off-screen renderer per dpi: text metrics are cached per renderer,
        # so measuring and rendering a label there means each new label is measured once.
        if dpi not in scratch:
            scratch.clear()
            scratch[dpi] = _glyph_renderer_class()(1200, 320, dpi)
        return scratch[dpi]

    class LabelText(Text):
        def draw(self, renderer: Any) -> None:
            if not isinstance(renderer, RendererAgg) or not self.get_visible() or not self.get_text():
                return super().draw(renderer)
            if self.get_rotation() or self.get_path_effects():
                return super().draw(renderer)
            fp = self.get_fontproperties()
            key = (
                self.get_text(),
                tuple(fp.get_family()),
                fp.get_size_in_points(),
                fp.get_weight(),
                fp.get_style(),
                str(self.get_color()),
                self.get_horizontalalignment(),
                self.get_verticalalignment(),
                self._get_multialignment(),
                self._linespacing,
                renderer.dpi,
            )
            # Snap the anchor to a whole pixel: a label's bitmap then depends on the label alone,
            # never on where it was first drawn, so pictures are the same bytes in every process.
            exact_x, exact_y = self.get_transform().transform(self.get_unitless_position())
            anchor_x, anchor_y = round(exact_x), round(exact_y)
            cached = _STAMPS.get(key)
            if cached is None:
                sub = scratch_renderer(renderer.dpi)
                bbox = self.get_window_extent(sub)  # same dpi, same metrics as on `renderer`
                # Measured at the exact anchor; shift to the snapped one (and keep a margin).
                shift_x, shift_y = anchor_x - exact_x, anchor_y - exact_y
                x0, y0 = math.floor(bbox.x0 + shift_x) - 2, math.floor(bbox.y0 + shift_y) - 2
                width, height = math.ceil(bbox.x1 + shift_x) + 2 - x0, math.ceil(bbox.y1 + shift_y) + 2 - y0
                if width > sub.width or height > sub.height:
                    return super().draw(renderer)
                sub.clear()
                saved_transform, saved_position = self.get_transform(), self.get_position()
                try:
                    self.set_transform(IdentityTransform())
                    self.set_position((anchor_x - x0, anchor_y - y0))
                    super().draw(sub)
                finally:
                    self.set_transform(saved_transform)
                    self.set_position(saved_position)
                # The buffer's first row is the top of the scratch canvas and the label sits at its
                # bottom; draw_image wants the bottom row first.
                rows = int(sub.height)
                stamp = np.asarray(sub.buffer_rgba())[rows - height : rows, :width][::-1].copy()
                # Where the stamp sits relative to the text's anchor, so a hit needs no measuring.
                cached = (stamp, x0 - anchor_x, y0 - anchor_y)
                _STAMPS[key] = cached
                while len(_STAMPS) > _STAMP_LIMIT:
                    _STAMPS.popitem(last=False)
            else:
                _STAMPS.move_to_end(key)
            stamp, dx, dy = cached
            gc = renderer.new_gc()
            gc.set_alpha(self.get_alpha())
            gc.set_url(self.get_url())
            gc.set_gid(self.get_gid())
            renderer.draw_image(gc, anchor_x + dx, anchor_y + dy, stamp)
            gc.restore()
            self.stale = False
            return None

    _LabelText = LabelText
    return LabelText


_GLYPHS: OrderedDict[tuple, Any] = OrderedDict()
_GLYPH_LIMIT = 20_000
_POSITIONS: OrderedDict[tuple, Any] = OrderedDict()


@functools.cache
def _glyph_renderer_class() -> type:
    """An Agg renderer that keeps the bitmap of every glyph it rasterises.

    A new label (a new count, a new shape) is mostly glyphs already rendered for other
    labels: "12,800" and "3,200" share their digits. Matplotlib's Agg renderer places
    each glyph at a 1/64-pixel position and asks FreeType for its bitmap; a bitmap
    depends only on the glyph, the font size and the fraction of a pixel, so it is
    kept and pasted at whole-pixel offsets: the same pixels, without FreeType. Only
    the labels' scratch renderer uses this class. It repeats what Matplotlib 3.11's Agg
    renderer does per glyph, so other versions get the plain renderer.
    """
    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import RendererAgg

    if matplotlib.__version__.split(".")[:2] != ["3", "11"]:
        return RendererAgg
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.ft2font import RenderMode

    class GlyphRenderer(RendererAgg):
        # Text is shaped twice by Matplotlib: once to measure it (set_text), once to draw it
        # (_layout). For plain text both give the same pen positions, one per character, so the
        # positions from measuring are kept and drawing reuses them instead of shaping again.
        def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> tuple[float, float, float]:
            if ismath:
                return super().get_text_width_height_descent(s, prop, ismath)
            font = self._prepare_font(prop)
            flags = get_hinting_flag()
            xys = font.set_text(s, 0.0, flags=flags)
            width, height = font.get_width_height()
            descent = font.get_descent()
            _POSITIONS[self._position_key(s, font, prop.get_size_in_points(), flags)] = xys
            while len(_POSITIONS) > _STAMP_LIMIT:
                _POSITIONS.popitem(last=False)
            return width / 64.0, height / 64.0, descent / 64.0

        def _position_key(self, s: str, font: Any, size: float, flags: Any) -> tuple:
            return (s, font.fname, font.face_index, size, self.dpi, flags)

        def draw_text(
            self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False, mtext: Any = None
        ) -> None:
            features = mtext.get_fontfeatures() if mtext is not None else None
            language = mtext.get_language() if mtext is not None else None
            if ismath or features is not None or language is not None:
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            font = self._prepare_font(prop)
            size = prop.get_size_in_points()
            xys = _POSITIONS.get(self._position_key(s, font, size, get_hinting_flag()))
            if xys is None or len(xys) != len(s):
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            indices = [font.get_char_index(ord(c)) for c in s]
            if not all(indices):  # a character from a fallback font: shape it Matplotlib's way
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            self._draw_text_glyphs_and_boxes(
                gc,
                x,
                y,
                angle,
                [(font, size, index, 0, 1, px / 64.0, py / 64.0) for index, (px, py) in zip(indices, xys, strict=True)],
                [],
            )
            return None

        def _draw_text_glyphs_and_boxes(
            self, gc: Any, x: float, y: float, angle: float, glyphs: Any, boxes: Any
        ) -> None:
            if angle:
                return super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
            load_flags = get_hinting_flag()
            mode = RenderMode.NORMAL if gc.get_antialiased() else RenderMode.MONO
            height = int(self.height)
            plain = []
            for glyph in glyphs:
                font, size, glyph_index, slant, extend, dx, dy = glyph
                if slant != 0 or extend != 1:
                    plain.append(glyph)
                    continue
                # Positions exactly as Agg computes them, split into whole pixels and 64ths.
                whole_x, frac_x = divmod(round(0x40 * (x + dx)), 0x40)
                whole_y, frac_y = divmod(round(0x40 * (self.height - y + dy)), 0x40)
                key = (font.fname, font.face_index, size, self.dpi, glyph_index, load_flags, mode, frac_x, frac_y)
                cached = _GLYPHS.get(key)
                if cached is None:
                    font.set_size(size, self.dpi)
                    font._set_transform(np.array([[0x10000, 0], [0, 0x10000]]), [frac_x, frac_y])
                    bitmap = font._render_glyph(glyph_index, load_flags, mode)
                    buffer = np.array(bitmap.buffer, dtype=np.uint8)
                    if mode != RenderMode.NORMAL:
                        buffer *= 0xFF
                    cached = (buffer, bitmap.left, bitmap.top)
                    _GLYPHS[key] = cached
                    while len(_GLYPHS) > _GLYPH_LIMIT:
                        _GLYPHS.popitem(last=False)
                buffer, left, top = cached
                self._renderer.draw_text_image(
                    buffer, left + whole_x, height - (top + whole_y) + buffer.shape[0], 0, gc
                )
            # Anything unusual (slanted or stretched glyphs) and the boxes: Matplotlib's own way.
            return super()._draw_text_glyphs_and_boxes(gc, x, y, angle, plain, boxes)

    return GlyphRenderer


def render(canvas: _Canvas, ax: Any, pool: dict[str, list[Any]] | None = None) -> None:
    """Draw a laid-out canvas into ``ax`` (Agg-safe; no pyplot).

    Artists are added with ``add_artist`` (not ``add_patch``/``plot``): the limits are
    set from the layout, so the Axes need not recompute its data limits for each one.

    With ``pool`` (a dict owned by the caller, empty at first), the artists drawn by the
    previous call with the same pool are updated in place instead of being made anew,
    and left-over ones are removed: a redraw then costs property updates only. Each
    artist's z-order carries its rank in the canvas, so the drawing order (and the
    pixels) do not depend on which artists were reused.
    """
    if pool is None:
        _render_new(canvas, ax)
    else:
        _render_pooled(canvas, ax, pool)
    pad = 0.15
    ax.set_xlim(canvas.x0 - pad, canvas.x1 + pad)
    ax.set_ylim(canvas.y1 + pad, canvas.y0 - pad)  # y grows downwards
    ax.set_aspect("equal", adjustable="datalim" if ax.figure.get_axes() != [ax] else "box", anchor="NW")
    ax.set_axis_off()


def _render_new(canvas: _Canvas, ax: Any) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, Polygon, Rectangle

    for r in canvas.rects:
        patch = Rectangle(
            r["xy"],
            r["w"],
            r["h"],
            facecolor=r["face"],
            edgecolor=r["edge"],
            linewidth=r.get("lw", 1.0),
            hatch=r.get("hatch"),
            zorder=r.get("z", 2),
        )
        if r.get("gid"):
            patch.set_gid(r["gid"])
        patch.rnncount_block = r.get("block")  # type: ignore[attr-defined]
        patch.rnncount_layer = r.get("layer")  # type: ignore[attr-defined]
        ax.add_artist(patch)
    for p in canvas.polys:
        ax.add_artist(Polygon(p["xy"], closed=True, facecolor=p["face"], edgecolor=p["edge"], zorder=p["z"]))
    for ln in canvas.lines:
        (x0, y0), (x1, y1) = ln["xy"][0], ln["xy"][-1]
        if ln.get("arrow"):
            ax.add_artist(FancyArrowPatch((x0, y0), (x1, y1), color=ln["color"], lw=ln["lw"], zorder=3, **_ARROW))
        else:
            xs, ys = zip(*ln["xy"], strict=True)
            ax.add_artist(Line2D(xs, ys, color=ln["color"], lw=ln["lw"], zorder=ln["z"], solid_joinstyle="miter"))
    label = _label_class()
    for t in canvas.texts:
        kw = {k: v for k, v in t.items() if k not in ("x", "y", "s", "size", "ha", "z")}
        kw.setdefault("va", "center")
        kw.setdefault("zorder", 5)
        text = label(t["x"], t["y"], t["s"], fontsize=t["size"], ha=t["ha"], **kw)
        text.set_clip_on(False)
        ax.add_artist(text)


def _render_pooled(canvas: _Canvas, ax: Any, pool: dict[str, list[Any]]) -> None:
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, Polygon, Rectangle

    # Ranks as tiny z-order offsets: a stable sort by z-order then gives the canvas order.
    rank = iter(range(1, 1_000_000))

    def z(base: float) -> float:
        return base + next(rank) * 1e-6

    used: dict[str, int] = {}

    def take(kind: str, make: Any) -> Any:
        artists = pool.setdefault(kind, [])
        k = used.get(kind, 0)
        used[kind] = k + 1
        if k < len(artists):
            return artists[k]
        artist = make()
        artist.set_clip_on(False)  # the Axes fill the figure: clipping to them changes nothing
        ax.add_artist(artist)
        artists.append(artist)
        return artist

    for r in canvas.rects:
        patch = take("rect", lambda: Rectangle((0, 0), 1, 1))
        patch.set_xy(r["xy"])
        patch.set_width(r["w"])
        patch.set_height(r["h"])
        patch.set_facecolor(r["face"])
        patch.set_edgecolor(r["edge"])
        patch.set_linewidth(r.get("lw", 1.0))
        patch.set_hatch(r.get("hatch"))
        patch.set_zorder(z(r.get("z", 2)))
        patch.set_gid(r.get("gid") or None)
        patch.rnncount_block = r.get("block")  # type: ignore[attr-defined]
        patch.rnncount_layer = r.get("layer")  # type: ignore[attr-defined]
    for p in canvas.polys:
        poly = take("poly", lambda: Polygon([(0, 0), (1, 0), (1, 1)], closed=True))
        poly.set_xy(p["xy"])
        poly.set_facecolor(p["face"])
        poly.set_edgecolor(p["edge"])
        poly.set_zorder(z(p["z"]))
    for ln in canvas.lines:
        (x0, y0), (x1, y1) = ln["xy"][0], ln["xy"][-1]
        if ln.get("arrow"):
            arrow = take(
                "arrow",
                lambda: FancyArrowPatch((0, 0), (1, 1), **_ARROW),
            )
            arrow.set_positions((x0, y0), (x1, y1))
            arrow.set_color(ln["color"])
            arrow.set_linewidth(ln["lw"])
            arrow.set_zorder(z(3))
        else:
            line = take("line", lambda: Line2D([], [], solid_joinstyle="miter"))
            xs, ys = zip(*ln["xy"], strict=True)
            line.set_data(xs, ys)
            line.set_color(ln["color"])
            line.set_linewidth(ln["lw"])
            line.set_zorder(z(ln["z"]))
    label = _label_class()
    default_color = mpl.rcParams["text.color"]
    for t in canvas.texts:
        text = take("text", lambda: label(0, 0, ""))
        text.set_text(t["s"])
        text.set_position((t["x"], t["y"]))
        font = (t.get("family"), t.get("style"), t.get("weight"), t["size"])
        if getattr(text, "rnncount_font", None) != font:
            family, style, weight, size = font
            text.set_fontproperties(FontProperties(family=family, style=style, weight=weight, size=size))
            text.rnncount_font = font
        text.set_color(t.get("color", default_color))
        text.set_horizontalalignment(t["ha"])
        text.set_verticalalignment(t.get("va", "center"))
        text.set_gid(t.get("gid"))
        text.set_zorder(z(t.get("zorder", 5)))
    for kind, artists in pool.items():
        for artist in artists[used.get(kind, 0) :]:
            artist.remove()
        del artists[used.get(kind, 0) :]


def figure_size(canvas: _Canvas) -> tuple[float, float]:
    """The figure size (inches) at which one layout unit is :data:`INCH` inches."""
    return ((canvas.x1 - canvas.x0 + 0.3) * INCH, (canvas.y1 - canvas.y0 + 0.3) * INCH)


def draw(fig: Any, result: CountResult, *, error: str | None = None, title: str | None = None) -> Any:
    """Clear ``fig`` and draw ``result`` into it, sizing the figure to the picture; return the Axes.

    The dashboards call this on one reused figure, so no figures accumulate.
    """
    canvas = layout(result, error=error, title=title)
    fig.clear()
    fig.set_size_inches(*figure_size(canvas), forward=False)
    ax = fig.add_axes((0, 0, 1, 1))
    render(canvas, ax)
    return ax


def _as_result(obj: Any, input_shape: Any) -> CountResult:
    if isinstance(obj, CountResult):
        return obj
    if isinstance(obj, LayerCount):
        return CountResult(obj.input_shape, (obj,))
    if isinstance(obj, Layer):
        obj = [obj]
    if input_shape is None:
        raise TypeError("diagram() needs input_shape with a spec, e.g. diagram('LSTM(32)', (20, 100))")
    return count(obj, input_shape)


def diagram(
    spec: CountResult | LayerCount | Layer | str | Sequence[Layer],
    input_shape: Any = None,
    ax: Any = None,
    *,
    title: str | None = None,
    dpi: float = 100,
) -> Any:
    """Draw the weight blocks of a layer or a stack; return the matplotlib Figure.

    ``spec`` is a spec string or layers (with ``input_shape``), a :class:`CountResult`
    or one :class:`LayerCount`. With ``ax`` the picture is drawn into that Axes;
    without it a new Figure (not registered with pyplot) sized to the picture is
    returned, which Jupyter displays inline.

    >>> fig = diagram("LSTM(32) > Dense(1)", (20, 100))
    """
    result = _as_result(spec, input_shape)
    canvas = layout(result, title=title)
    if ax is None:
        fig = _figure_class()(figsize=figure_size(canvas), dpi=dpi)
        ax = fig.add_axes((0, 0, 1, 1))
    render(canvas, ax)
    return ax.figure


@functools.cache
def _figure_class() -> type:
    """A Figure that Jupyter shows as a picture even without ``%matplotlib inline``.

    Figures made outside pyplot have no display hook of their own, so a fresh kernel
    would print ``Figure(987x761)``; ``_repr_png_`` renders it with Agg instead.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    class DiagramFigure(Figure):
        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            FigureCanvasAgg(self).print_png(buffer)
            return buffer.getvalue()

    return DiagramFigure


def blocks_drawn(fig_or_ax: Any) -> list[Any]:
    """The weight-block rectangles of a drawn picture, each with ``.rnncount_block`` (for tests and tools)."""
    axes = fig_or_ax.get_axes() if hasattr(fig_or_ax, "get_axes") else [fig_or_ax]
    return [
        p
        for ax in axes
        for p in ax.patches
        if (p.get_gid() or "").startswith("rnncount:") and getattr(p, "rnncount_block", None) is not None
    ]
