"""The recurrence views: a layer unrolled over its timesteps, and one step inside its cell.

Both are laid out as a :class:`~rnncount.pictures.layout.Scene`, like the weights view,
so the SVG and the Matplotlib renderers draw them alike. Every number comes from the
layer's blocks and shapes.
"""

from __future__ import annotations

import math
from typing import Any

from ..core.cells import CellGraph, Node, cell_graphs, plain_layers
from ..core.engine import CountResult, LayerCount
from ..core.formula import group_digits
from ..core.layers import Block, format_shape
from .layout import (
    FONT,
    GATE_COLORS,
    MARGIN,
    MAX_STEPS,
    NAME,
    SMALL,
    TITLE,
    WIDTH,
    Builder,
    Ellipse,
    Group,
    Path,
    Rect,
    Scene,
    Text,
    heading,
    ink_on,
    kind_of,
    literal,
    math_name,
    mix,
    params_text,
    pick_layer,
    text_width,
    total_line,
    variable_path,
    wrap,
)

#: The colour of the shared weights (Okabe-Ito vermillion, apart from every gate colour).
SHARED = "#D55E00"
MERGE_W = 176.0


def steps(t: int | None, cap: int = MAX_STEPS) -> list[int | str]:
    """The timesteps drawn: all up to ``cap``, else 1, 2, …, "…", T (T may be unknown: None)."""
    if t is not None and t <= cap:
        return list(range(1, t + 1))
    return [*range(1, cap - 1), "…", "T" if t is None else t]


def _step_name(s: int | str, last: bool, t: int | None, cap: int) -> str:
    if s == "…":
        return "…"
    if last and (t is None or t > cap):
        return "T"
    return str(s)


def _chosen_header(b: Builder, result: CountResult, k: int, lc: LayerCount, y: float, what: str) -> float:
    for j, line in enumerate(wrap(f"{literal(lc.name)} ({lc.type}): {what}", TITLE, WIDTH - 2 * MARGIN, bold=True)):
        b.text(MARGIN, y + TITLE, line, TITLE, bold=True, gid=f"rnncount-title:{lc.name}" if j == 0 else None)
        y += 1.25 * TITLE
    y += 8 - 0.25 * TITLE
    recurrent = [x for x in result.layers if x.layer.recurrent]
    if len(result.layers) > 1:
        which = "the first recurrent layer" if recurrent and recurrent[0] is lc else f"layer {k + 1}"
        note = f"Layer {k + 1} of {len(result.layers)} ({which}); pick another with layer=…"
        y = b.lines(MARGIN, y + SMALL, note, SMALL, italic=True, color=b.p["muted"]) + 4
    return y


def _without_recurrent_layer(b: Builder, result: CountResult, y: float, error: str | None, view: str) -> Scene:
    """The unrolled and cell views of a stack with no recurrent layer: say so, then the total."""
    y = _no_recurrent(b, y, view)
    y = total_line(b, result, y, error)
    return b.scene(y + 12, view)


def _no_recurrent(b: Builder, y: float, view: str) -> float:
    text = (
        "This stack has no recurrent layer (SimpleRNN, LSTM, GRU or Bidirectional), so there is nothing to "
        + ("unroll over time." if view == "unrolled" else "show inside a cell.")
        + " The weights view shows its blocks."
    )
    return b.lines(MARGIN, y + FONT, text, FONT, color=b.p["muted"]) + 8


def _weight_sets(lc: LayerCount) -> dict[str | None, dict[str, list[Block]]]:
    """Per direction, the Keras variables and their blocks."""
    out: dict[str | None, dict[str, list[Block]]] = {}
    for blk in lc.blocks:
        out.setdefault(blk.direction, {}).setdefault(blk.variable, []).append(blk)
    return out


def _band_lines(lc: LayerCount, width: float) -> list[str]:
    """What the shared-weights band in each step says: the layer's own block names when they fit in
    two lines (W_xh W_hh b_h for a SimpleRNN); else "the same weights", named in the panel below."""
    own = [blk for blk in lc.blocks if blk.direction in (None, "forward") and blk.group in (None, "cell_0")]
    lines = wrap(" ".join(math_name(blk.name) for blk in own), SMALL + 0.5, width)
    return lines if len(lines) <= 2 else wrap("the same weights", SMALL + 0.5, width)


def _shared_panel(b: Builder, lc: LayerCount, direction: str | None, blocks: dict[str, list[Block]], y: float) -> float:
    """The one set of weights every copy of the cell uses, as tiles with tooltips."""
    shapes = dict(lc.weights)
    total = sum(blk.params for blks in blocks.values() for blk in blks)
    x0, x1 = MARGIN, WIDTH - MARGIN
    title = "one set of weights" + (f" ({direction})" if direction else "") + ", used at every timestep"
    tiles = list(blocks.items())
    tile_w = (x1 - x0 - 24 - 12 * (len(tiles) - 1)) / max(1, len(tiles))
    top = y
    y += 8
    b.items.append(Rect(x0, top, x1 - x0, 1, mix(SHARED, b.p["bg"], 0.88), SHARED, 2.5, rx=10))
    panel = b.items[-1]
    b.text(x0 + 12, y + FONT, title, FONT, bold=True, color=SHARED if not b.dark else mix(SHARED, "#FFFFFF", 0.3))
    y += FONT + 12
    tile_h = 0.0
    groups = []
    for k, (var, blks) in enumerate(tiles):
        tx = x0 + 12 + k * (tile_w + 12)
        path = f"{direction}/{var}" if direction else var
        shape = shapes.get(path, blks[0].shape)
        params = sum(blk.params for blk in blks)
        names = " ".join(blk.name for blk in blks)
        lines = [f"{var}: " + " ".join(math_name(blk.name) for blk in blks), format_shape(shape), params_text(params)]
        items: list[Any] = [Rect(tx, y, tile_w, 0, "#FFFFFF" if not b.dark else b.p["panel"], SHARED, 2.0, rx=6)]
        ty = y + 4
        for j, line in enumerate(lines):
            for part in wrap(line, NAME if j == 0 else FONT, tile_w - 16, bold=j == 0):
                size = NAME if j == 0 else FONT
                ty += 1.32 * size if j == 0 else 1.5 * size
                items.append(Text(tx + tile_w / 2, ty, part, size, "middle", b.p["ink"], bold=j == 0))
        tile_h = max(tile_h, ty - y + 10)
        gates = " · ".join(sorted({blk.gate for blk in blks if blk.gate}, key=lambda g: "ifcozrh".index(g)))
        tip = (
            f"{lc.name} ({lc.type}) · {path}: {format_shape(shape)} = {params_text(params)}\n"
            f"the same {var} is used at every timestep\n"
            f"blocks: {names}"
        )
        data = {"layer": lc.name, "variable": path, "gate": gates, "params": str(params)}
        groups.append(Group("rnncount-weights", items, tip, data, None, lc.name))
    for g in groups:
        g.items[0].h = tile_h
    b.items.extend(groups)
    y += tile_h + 10
    note = f"= {params_text(total)} for all timesteps together: T never changes the count"
    y = b.lines(x0 + 12, y + FONT, note, FONT, bold=True) + 6
    panel.h = y - top
    return y + 8


def unrolled_view(
    result: CountResult, *, dark: bool, title: str | None, error: str | None, layer: int | str | None
) -> Scene:
    b = Builder(dark)
    y = heading(b, result, title, 0.0)
    chosen = pick_layer(result, layer)
    if chosen is None:
        return _without_recurrent_layer(b, result, y, error, "unrolled")
    k, lc = chosen
    t = lc.input_shape[1]
    y = _chosen_header(b, result, k, lc, y, f"unrolled over {t if t is not None else 'T'} timesteps")
    bidi = lc.layer.kind == "Bidirectional"
    inner = lc.layer.layer if bidi else lc.layer
    kind = kind_of(lc)
    seq = bool(inner.return_sequences)
    cap = MAX_STEPS - 1 if bidi else MAX_STEPS
    cols = steps(t, cap)
    n_cells = sum(1 for s in cols if s != "…")
    left = MARGIN + 70
    right = WIDTH - MARGIN - (MERGE_W + 24 if bidi else 40)
    gap, ell = 46.0, 40.0
    cw = (right - left - gap * (len(cols) - 1) - ell * (len(cols) - n_cells)) / n_cells
    if cw > 200:  # a few steps: cells of a sensible size, the row centred
        span = 200 * n_cells + gap * (len(cols) - 1)
        left, cw = (left + right - span) / 2, 200.0
    xs: list[tuple[float, float]] = []
    x = left
    for s in cols:
        w = ell if s == "…" else cw
        xs.append((x, w))
        x += w + gap
    labels = [_step_name(s, j == len(cols) - 1, t, cap) for j, s in enumerate(cols)]
    band_text = _band_lines(lc, cw - 20)
    shared_names = (
        ", ".join(dict.fromkeys(blk.variable for blk in lc.blocks))
        + " ("
        + ", ".join(dict.fromkeys(blk.name for blk in lc.blocks))
        + ")"
    )
    ch = 112.0 + 23 * max(0, len(band_text) - 1)
    # An LSTM-like cell (LSTM, ConvLSTM) hands on a cell state c as well as h.
    carry = plain_layers(lc.layer)[0].state_count() == 2
    color = GATE_COLORS.get(kind, {}).get("c" if carry else "h", "#009E73")
    cell_fill = mix(color, b.p["bg"], 0.82)
    shared_band = mix(SHARED, "#FFFFFF", 0.75)

    def cells(row_y: float, direction: str | None) -> None:
        for (cx, w), s, lab in zip(xs, cols, labels, strict=True):
            if s == "…":
                b.text(cx + w / 2, row_y + ch / 2 + 8, "…", TITLE, anchor="middle", bold=True)
                continue
            b.items.append(Rect(cx, row_y, w, ch, cell_fill, color, 2.2, rx=10))
            b.text(cx + w / 2, row_y + 30, f"t={lab}", FONT, anchor="middle", bold=True)
            band_h = 12 + 23 * len(band_text)
            band_y = row_y + ch - 8 - band_h
            band: list[Any] = [Rect(cx + 6, band_y, w - 12, band_h, shared_band, SHARED, 1.8, rx=6)]
            for j, line in enumerate(band_text):
                band.append(Text(cx + w / 2, band_y + 21 + 23 * j, line, SMALL + 0.5, "middle", "#111111"))
            side = f" ({direction})" if direction else ""
            tip = f"step t={lab}{side}: the same {shared_names} as every other step of {lc.name}"
            b.items.append(Group("rnncount-shared", band, tip, {"step": lab, "layer": lc.name}))

    def state_arrows(row_y: float, forward: bool) -> None:
        mid = row_y + ch / 2
        arrow_y = mid + 4
        # The initial state enters from the outside end of the chain.
        if forward:
            start = xs[0][0] - 62
            b.arrow([(start, arrow_y), (xs[0][0] - 2, arrow_y)])
            b.text((start + xs[0][0]) / 2, arrow_y - 10, "h_{0}", FONT, anchor="middle")
            if carry:
                b.text((start + xs[0][0]) / 2, arrow_y + 26, "c_{0}", FONT, anchor="middle")
        else:
            end = xs[-1][0] + xs[-1][1]
            b.arrow([(end + 50, arrow_y), (end + 2, arrow_y)])
            b.text(end + 26, arrow_y - 10, "h←_{0}", FONT, anchor="middle")
            if carry:
                b.text(end + 26, arrow_y + 26, "c←_{0}", FONT, anchor="middle")
        for j in range(len(cols) - 1):
            a_end = xs[j][0] + xs[j][1]
            b_start = xs[j + 1][0]
            pts = [(a_end + 2, arrow_y), (b_start - 2, arrow_y)]
            b.arrow(pts if forward else pts[::-1])
            nxt, cur = labels[j + 1], labels[j]
            # The state handed on: after step `cur` (after "…" it is the one before the last step).
            name = ("h_{T-1}" if cur == "…" else f"h_{{{cur}}}") if forward else "h←"
            del nxt
            b.text((a_end + b_start) / 2, arrow_y - 10, name, SMALL, anchor="middle", color=b.p["muted"])
            if carry:
                b.text((a_end + b_start) / 2, arrow_y + 26, "c" + name[1:], SMALL, anchor="middle", color=b.p["muted"])

    def inputs(iy: float, up: bool, row_y: float) -> None:
        for (cx, w), s, lab in zip(xs, cols, labels, strict=True):
            if s == "…":
                continue
            mx = cx + w / 2
            b.text(mx, iy, f"x_{{{lab}}}", NAME, anchor="middle", bold=True)
            if up:
                b.arrow([(mx, iy - NAME - 2), (mx, row_y + ch + 2)])
            else:
                b.arrow([(mx, iy + 10), (mx, row_y - 2)])

    def outputs(row_y: float, up: bool, arrow: str) -> None:
        if bidi and not seq:
            return  # each direction's last state is routed to the merge instead
        for j, ((cx, w), s, lab) in enumerate(zip(xs, cols, labels, strict=True)):
            if s == "…" or (not seq and j != len(cols) - 1):
                continue
            mx = cx + w / 2
            name = f"h{arrow}_{{{lab}}}"
            if up:
                b.arrow([(mx, row_y - 2), (mx, row_y - 40)])
                b.text(mx, row_y - 48, name, NAME, anchor="middle", bold=True)
            else:
                b.arrow([(mx, row_y + ch + 2), (mx, row_y + ch + 40)])
                b.text(mx, row_y + ch + 40 + NAME, name, NAME, anchor="middle", bold=True)

    # Above the forward row: what leaves the layer.
    y += 14
    if seq:
        what = "return_sequences=True: every step's output leaves the layer"
    else:
        what = "return_sequences=False: only the last step's output leaves the layer"
    y = b.lines(MARGIN, y + SMALL, what, SMALL, bold=True) + 8
    y += 70 if (seq or not bidi) else 40
    fwd_y = y
    cells(fwd_y, "forward" if bidi else None)
    state_arrows(fwd_y, True)
    outputs(fwd_y, True, "→" if bidi else "")
    if bidi:
        b.text(MARGIN, fwd_y - 12, "forward →", SMALL, bold=True, italic=True, color=b.p["muted"])
    y = fwd_y + ch
    if bidi:
        iy = y + 54
        for (cx, w), s, lab in zip(xs, cols, labels, strict=True):
            if s == "…":
                continue
            mx = cx + w / 2
            b.text(mx, iy, f"x_{{{lab}}}", NAME, anchor="middle", bold=True)
            b.arrow([(mx, iy - NAME - 2), (mx, fwd_y + ch + 2)])
            b.arrow([(mx, iy + 10), (mx, iy + 44)])
        bwd_y = iy + 46
        cells(bwd_y, "backward")
        state_arrows(bwd_y, False)
        outputs(bwd_y, False, "←")
        b.text(MARGIN, bwd_y + ch + 24, "← backward", SMALL, bold=True, italic=True, color=b.p["muted"])
        y = bwd_y + ch + (84 if seq else 40)
        _merge(b, lc, xs, fwd_y, bwd_y, ch, seq, y)
        y += 30 if not seq else 0
    else:
        iy = y + 70
        inputs(iy, True, fwd_y)
        y = iy + 14
    out_text = f"output {format_shape(lc.output_shape)}"
    y = b.lines(MARGIN, y + FONT, out_text, FONT, mono=True) + 10
    sets = _weight_sets(lc)
    for direction, blocks in sets.items():
        y = _shared_panel(b, lc, direction, blocks, y)
    y = total_line(b, result, y, error)
    return b.scene(y + 12, "unrolled")


def _merge(b: Builder, lc: LayerCount, xs: list, fwd_y: float, bwd_y: float, ch: float, seq: bool, y: float) -> None:
    """Where the two directions meet: concat to 2h, sum/ave/mul, or two outputs (merge_mode=None)."""
    mode = lc.layer.merge_mode
    h = lc.built.symbols.get("h", 0)
    pair = "h→_{t}, h←_{t}" if seq else "h→_{T}, h←_{1}"
    if mode == "concat":
        how = ["concat", pair, f"→ 2h = {group_digits(2 * h)}"]
    elif mode is None:
        how = ["merge_mode=None:", "two outputs", pair]
    else:
        how = [mode, pair, f"→ h = {group_digits(h)}"]
    bw = MERGE_W
    bx = WIDTH - MARGIN - bw
    by = (fwd_y + bwd_y + ch) / 2 - 45
    items: list[Any] = [Rect(bx, by, bw, 90, b.p["panel"], b.p["frame"], 2.0, rx=10)]
    for j, line in enumerate(how):
        items.append(Text(bx + bw / 2, by + 26 + j * 24, line, SMALL, "middle", b.p["ink"], bold=j != 1))
    b.items.append(Group("rnncount-merge", items, f"Bidirectional merge_mode={mode!r}", {"mode": str(mode)}))
    mid_x = bx + bw / 2
    if not seq:
        last_x, last_w = xs[-1]
        b.arrow([(last_x + last_w + 2, fwd_y + ch / 2 - 20), (mid_x, fwd_y + ch / 2 - 20), (mid_x, by - 2)])
        b.text(last_x + last_w + 8, fwd_y + ch / 2 - 30, "h→_{T}", SMALL, color=b.p["muted"])
        first_x, first_w = xs[0]
        low = bwd_y + ch + 24
        b.arrow(
            [
                (first_x + first_w / 2, bwd_y + ch + 2),
                (first_x + first_w / 2, low + 10),
                (mid_x, low + 10),
                (mid_x, by + 92),
            ]
        )
        b.text(first_x + first_w / 2 + 10, low + 2, "h←_{1}", SMALL, color=b.p["muted"])
    else:
        b.text(bx, by - 10, "at every step t:", SMALL, color=b.p["muted"])


# --- the cell view -------------------------------------------------------------------------------
#
# Drawn from the cell's graph (rnncount.core.cells): one box or node per node of the graph and one
# arrow per edge, each arrow from its source's drawn outline to its target's. The graph says where
# each node sits (a column of weighted sums, a row from the state line down to the sums); the
# arrows are routed from those places, so the picture is the step Keras computes.

_ROW_Y = {0: 20.0, 1: 100.0, 2: 178.0}  # rows above the sums, from the top of the cell
_BOX_H = 132.0
_GAP = 38.0
_RAIL_X = MARGIN + 72  # where the inputs h_{t-1} and x_t leave their labels
_OUT_X = WIDTH - MARGIN - 40  # where the outputs h_t and c_t leave the cell
_BUS = {"h_prev": 44.0, "x": 88.0}  # the input buses, below the sums


def _act_label(name: str) -> str:
    return {"sigmoid": "σ"}.get(name, name)


def node_box(group: Group) -> tuple[float, float, float, float]:
    """The extent (x0, y0, x1, y1) of a drawn node: its box, ellipse, label and rail together."""
    xs: list[float] = []
    ys: list[float] = []
    for item in group.items:
        if isinstance(item, Rect):
            xs += [item.x, item.x + item.w]
            ys += [item.y, item.y + item.h]
        elif isinstance(item, Ellipse):
            xs += [item.cx - item.rx, item.cx + item.rx]
            ys += [item.cy - item.ry, item.cy + item.ry]
        elif isinstance(item, Path):
            xs += [x for x, _ in item.points]
            ys += [y for _, y in item.points]
    if not xs:  # a label alone
        for item in group.items:
            x0, y0, x1, y1 = item.box()
            xs += [x0, x1]
            ys += [y0, y1]
    return (min(xs), min(ys), max(xs), max(ys))


class _CellLayout:
    """Where each node of one cell graph is drawn, and the arrows between them."""

    def __init__(self, b: Builder, lc: LayerCount, graph: CellGraph, cell: int, top: float) -> None:
        self.b, self.lc, self.g, self.cell = b, lc, graph, cell
        sums = graph.sums
        n = int(max(s.col for s in sums)) + 1
        left, right = _RAIL_X + 40, _OUT_X - 60
        self.bw = min(230.0, (right - left - _GAP * (n - 1)) / n)
        span = n * self.bw + (n - 1) * _GAP
        self.left = (left + right - span) / 2
        used = [r for node in graph.nodes if node.op not in ("input", "sum") for r in [node.row]]
        self.shift = _ROW_Y[int(min(used))] - _ROW_Y[0] if used else 0.0
        self.top = top
        self.box_top = top + _ROW_Y[2] + 40 - self.shift
        self.bus = {k: self.box_top + _BOX_H + v for k, v in _BUS.items()}
        self.bottom = self.bus["x"] + 24
        self.boxes: dict[str, tuple[float, float, float, float]] = {}  # node id -> outline

    def x(self, col: float) -> float:
        return self.left + col * (self.bw + _GAP) + self.bw / 2

    def y(self, row: float) -> float:
        lo = math.floor(row)
        hi = min(lo + 1, 2)
        frac = row - lo
        y = _ROW_Y[min(lo, 2)] * (1 - frac) + _ROW_Y[hi] * frac
        return self.top + y - self.shift

    # --- nodes ---

    def draw_nodes(self) -> None:
        for node in self.g.nodes:
            if node.op == "input":
                self._input(node)
            elif node.op == "sum":
                self._sum(node)
            elif node.op == "output":
                self._output(node)
            else:
                self._op(node)

    def _group(self, cls: str, node: Node, items: list[Any], tip: str, **data: str) -> None:
        base = {"layer": self.lc.name, "cell": str(self.cell), "node": node.id, "op": node.op}
        self.b.items.append(Group(cls, items, tip, {**base, **data}, None, self.lc.name))
        self.boxes[node.id] = node_box(self.b.items[-1])

    def _consumers(self, node_id: str) -> list[Node]:
        return [n for n in self.g.nodes if node_id in n.inputs]

    def _input(self, node: Node) -> None:
        b = self.b
        line = b.p["line"]
        top_use = [n for n in self._consumers(node.id) if n.op != "sum" and n.row == 0]
        if node.id == "c_prev" or (node.id == "h_prev" and top_use):
            y = self.y(0)
            label = Text(MARGIN, y - 10, node.symbol, NAME, "start", b.p["ink"], bold=True)
            pts = [(MARGIN, y), (_RAIL_X, y)]
            if node.id == "h_prev":
                pts.append((_RAIL_X, self.bus["h_prev"]))
        else:
            y = self.bus[node.id]
            label = Text(MARGIN, y - 10, node.symbol, NAME, "start", b.p["ink"], bold=True)
            pts = [(MARGIN, y), (_RAIL_X, y)]
        tip = (
            f"{node.symbol.replace('_{', '_').replace('}', '')}: "
            + {
                "x": "this timestep's input",
                "h_prev": "the hidden state from the step before",
                "c_prev": "the cell state from the step before",
            }[node.id]
        )
        self._group("rnncount-node", node, [label, Path(pts, line, 2.0)], tip)

    def _sum(self, node: Node) -> None:
        lc = self.lc
        kind = self.g.kind
        x0, y0, w, h = self.x(node.col) - self.bw / 2, self.box_top, self.bw, _BOX_H
        color = GATE_COLORS.get(kind, {}).get(node.gate, "#777777")
        fill = mix(color, "#FFFFFF", 0.25)
        ink = ink_on(fill)
        items: list[Any] = [Rect(x0, y0, w, h, fill, color, 2.5, rx=10)]
        ty = y0 + 26
        for line in wrap(node.title, FONT, w - 12, bold=True):
            items.append(Text(x0 + w / 2, ty, line, FONT, "middle", ink, bold=True))
            ty += FONT * 1.25
        blocks = [t.block for t in node.terms] + list(node.biases)
        ty += 4
        for line in wrap(" ".join(math_name(blk.name) for blk in blocks), SMALL + 1, w - 12):
            items.append(Text(x0 + w / 2, ty, line, SMALL + 1, "middle", ink))
            ty += SMALL * 1.35
        params = sum(blk.params for blk in blocks)
        for line in wrap(params_text(params), SMALL, w - 12, bold=True):
            items.append(Text(x0 + w / 2, ty + 2, line, SMALL, "middle", ink, bold=True))
            ty += SMALL * 1.25
        what = self.g.expression(node.id)
        tip = "\n".join(
            [f"{lc.name} ({lc.type}) · {node.title.replace('_{', '_').replace('}', '')}: {what}"]
            + [
                f"{blk.name}: {variable_path(blk)}, {blk.role}, {' × '.join(map(str, blk.shape))} = "
                f"{params_text(blk.params)}"
                for blk in blocks
            ]
            + [f"together {params_text(params)}"]
        )
        names = " ".join(blk.name for blk in blocks)
        self._group(
            "rnncount-gate", node, items, tip, gate=node.gate or "", params=str(params), blocks=names, variable=names
        )

    def _op(self, node: Node) -> None:
        b = self.b
        cx, cy = self.x(node.col), self.y(node.row)
        if node.op == "act":
            label, size = _act_label(node.act), (TITLE if node.act == "sigmoid" else SMALL)
        else:
            label, size = (
                {"mul": "⊙", "add": "+", "one_minus": "1−"}[node.op],
                (SMALL if node.op == "one_minus" else TITLE),
            )
        ry = 20.0
        rx = max(ry, text_width(label, size, bold=True) / 2 + 10)
        items: list[Any] = [
            Ellipse(cx, cy, rx, ry, b.p["panel"], b.p["frame"], 2.0),
            Text(cx, cy + 0.36 * size, label, size, "middle", b.p["ink"], bold=True),
        ]
        if node.symbol and node.op == "act" and any(n.op != "output" for n in self._consumers(node.id)):
            color = GATE_COLORS.get(self.g.kind, {}).get(node.gate, b.p["ink"])
            if b.dark:
                color = mix(color, "#FFFFFF", 0.35)
            items.append(Text(cx + rx + 4, cy - 8, node.symbol, FONT, "start", color, bold=True))
        what = {"act": f"{node.act} of its input", "mul": "element by element product",
                "add": "sum", "one_minus": "1 minus its input"}[node.op]  # fmt: skip
        sym = node.symbol.replace("_{", "_").replace("}", "")
        self._group("rnncount-node", node, items, f"{label}: {what}" + (f" = {sym}" if sym else ""))

    def _output(self, node: Node) -> None:
        b = self.b
        y = self.y(node.row)
        items = [Text(_OUT_X + 4, y + 0.36 * NAME, node.symbol, NAME, "start", b.p["ink"], bold=True)]
        what = "the new cell state" if node.id == "c_out" else "the new hidden state, the cell's output"
        self._group("rnncount-node", node, items, f"{node.symbol.replace('_{', '_').replace('}', '')}: {what}")

    # --- arrows ---

    def draw_edges(self) -> None:
        for src, dst in self.g.edges:
            pts = self._route(self.g.node(src), self.g.node(dst))
            arrow = Path(pts, self.b.p["line"], 2.0, arrow=True)
            data = {"layer": self.lc.name, "cell": str(self.cell), "from": src, "to": dst}
            self.b.items.append(Group("rnncount-edge", [arrow], f"{src} → {dst}", data, None, self.lc.name))

    def _route(self, s: Node, t: Node) -> list[tuple[float, float]]:
        sx0, sy0, sx1, sy1 = self.boxes[s.id]
        tx0, ty0, tx1, ty1 = self.boxes[t.id]
        tcx, tcy = (tx0 + tx1) / 2, (ty0 + ty1) / 2
        if t.op == "output":
            y = self.y(t.row)
            return [(sx1 + 1, y), (tx0 - 2, y)]
        if s.op == "input":
            if t.op != "sum" and t.row == 0:  # along the state line at the top
                y = self.y(0)
                return [(_RAIL_X, y), (tx0 - 2, y)]
            bus = self.bus["x" if s.id == "x" else "h_prev"]
            if t.op == "sum":
                ex = tcx + (14 if s.id == "x" else -14)
                if len(t.inputs) == 1:
                    ex = tcx
                return [(_RAIL_X, bus), (ex, bus), (ex, ty1 + 2)]
            return [(_RAIL_X, bus), (tcx, bus), (tcx, ty1 + 2)]
        scx, scy = (sx0 + sx1) / 2, (sy0 + sy1) / 2
        if s.op == "sum":
            scy = sy0
        if t.op == "sum":  # into the top of a box, beside its activation
            ex = tx0 + 0.2 * (tx1 - tx0) if scx < tcx else tx1 - 0.2 * (tx1 - tx0)
            return [(sx1 + 1 if scx < tcx else sx0 - 1, scy), (ex, scy), (ex, ty0 - 2)]
        if abs(scx - tcx) < 1:  # straight up or down
            return [(scx, sy0 - 1), (tcx, ty1 + 2)] if tcy < scy else [(scx, sy1 + 1), (tcx, ty0 - 2)]
        if abs(scy - tcy) < 1:  # straight across
            return [(sx1 + 1, scy), (tx0 - 2, tcy)] if tcx > scx else [(sx0 - 1, scy), (tx1 + 2, tcy)]
        if tcy < scy:  # up, then across into the target's side
            return [(scx, sy0 - 1), (scx, tcy), (tx0 - 2 if tcx > scx else tx1 + 2, tcy)]
        # across, then down into the target's top
        return [(sx1 + 1 if tcx > scx else sx0 - 1, scy), (tcx, scy), (tcx, ty0 - 2)]


def _cell_note(lc: LayerCount, graph: CellGraph) -> str:
    """What the weighted sums are made of, in words, with the first block's names as the example."""
    blocks = graph.blocks
    params = sum(blk.params for blk in blocks)
    gates = list(dict.fromkeys(blk.gate for blk in blocks))
    first = [math_name(blk.name) for blk in blocks if blk.gate == gates[0]]
    biases = [blk for blk in blocks if blk.gate == gates[0] and blk.variable == "bias"]
    if not biases:
        parts = "kernel and recurrent-kernel columns and no bias (use_bias=False)"
    elif len(biases) == 2:
        parts = "kernel and recurrent-kernel columns and two biases, input and recurrent"
    else:
        parts = "kernel, recurrent-kernel and bias columns"
    if len(gates) == 1:
        return f"one weighted sum ({', '.join(first)}), of its {parts}: {params_text(params)}"
    return (
        f"{len(gates)} weight blocks ({', '.join(gates)}), each with its own {parts} "
        f"({', '.join(first)} for {gates[0]}): {params_text(params)}"
    )


def _draw_cell(b: Builder, lc: LayerCount, graph: CellGraph, cell: int, y: float) -> float:
    """One cell graph from ``y`` down: the nodes, the arrows, then its equations; returns the y below."""
    lay = _CellLayout(b, lc, graph, cell, y + 24)
    lay.draw_nodes()
    lay.draw_edges()
    y = lay.bottom + 16
    key = "⊙: element by element; ∗: convolution over the frame" if graph.conv else "⊙: element by element"
    b.text(MARGIN, y + FONT, f"The same step as equations ({key})", FONT, bold=True)
    y += FONT + 14
    for node, eq in zip([n for n in graph.nodes if n.symbol and n.op not in ("input", "output")],
                        graph.equations("markup"), strict=True):  # fmt: skip
        color = GATE_COLORS.get(graph.kind, {}).get(node.gate, b.p["ink"]) if node.gate else b.p["ink"]
        if b.dark and node.gate:
            color = mix(color, "#FFFFFF", 0.35)
        y = b.lines(MARGIN, y + FONT, eq, FONT, color=color, bold=True) + 6
    return b.lines(MARGIN, y + FONT, _cell_note(lc, graph), FONT, color=b.p["muted"]) + 8


def cell_view(
    result: CountResult, *, dark: bool, title: str | None, error: str | None, layer: int | str | None
) -> Scene:
    b = Builder(dark)
    y = heading(b, result, title, 0.0)
    chosen = pick_layer(result, layer)
    if chosen is None:
        return _without_recurrent_layer(b, result, y, error, "cell")
    k, lc = chosen
    graphs = cell_graphs(lc.layer, lc.blocks)
    plain = plain_layers(lc.layer)
    what = "one timestep inside the cell"
    if len(graphs) == 1 and graphs[0].family == "GRU":
        what += f" (reset_after={graphs[0].reset_after})"
    y = _chosen_header(b, result, k, lc, y, what)
    if lc.layer.kind == "Bidirectional":
        back = lc.layer.backward_layer
        same = back is None or [g.equations() for g in cell_graphs(back)] == [g.equations() for g in graphs]
        if not same:
            text = f"The forward layer's cell; the backward layer ({literal(back.spec())}) has a cell of its own."
        else:
            text = "The forward and the backward copy each have this cell, with their own weights."
        y = b.lines(MARGIN, y + SMALL, text, SMALL, italic=True, color=b.p["muted"]) + 4
    if len(graphs) > 1:
        text = (
            f"{len(graphs)} cells run one after the other at each timestep: "
            "each cell's x_{t} is the h_{t} of the cell before."
        )
        y = b.lines(MARGIN, y + SMALL, text, SMALL, italic=True, color=b.p["muted"]) + 4
    for j, (graph, p) in enumerate(zip(graphs, plain, strict=True)):
        if len(graphs) > 1:
            cell = lc.layer.cells[j] if hasattr(lc.layer, "cells") else p
            y = b.lines(MARGIN, y + TITLE + 6, f"cell_{j}: {literal(cell.spec())}", TITLE, bold=True) + 2
        y = _draw_cell(b, lc, graph, j, y)
    if lc.built.copies > 1:
        y = b.lines(MARGIN, y + FONT, f"× 2 directions = {params_text(lc.params)}", FONT, color=b.p["muted"]) + 8
    y = total_line(b, result, y, error)
    return b.scene(y + 12, "cell")
