"""The recurrence views: a layer unrolled over its timesteps, and one step inside its cell.

Both are laid out as a :class:`~rnncount.pictures.layout.Scene`, like the weights view,
so the SVG and the Matplotlib renderers draw them alike. Every number comes from the
layer's blocks and shapes.
"""

from __future__ import annotations

from typing import Any

from ..core.engine import CountResult, LayerCount
from ..core.formula import group_digits
from ..core.layers import Block, format_shape
from .layout import (
    FONT,
    GATE_COLORS,
    GATE_TITLES,
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
    mix,
    params_text,
    pick_layer,
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


_SHORT = {"kernel": "W_{x}", "recurrent_kernel": "W_{h}", "bias": "b"}


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
        lines = [f"{_SHORT.get(var, var)} = {var}", format_shape(shape), params_text(params)]
        items: list[Any] = [Rect(tx, y, tile_w, 0, "#FFFFFF" if not b.dark else b.p["panel"], SHARED, 2.0, rx=6)]
        ty = y + 4
        for j, line in enumerate(lines):
            for part in wrap(line, NAME if j == 0 else FONT, tile_w - 16, bold=j == 0):
                size = NAME if j == 0 else FONT
                ty += 1.25 * size if j == 0 else 1.5 * size
                items.append(Text(tx + tile_w / 2, ty, part, size, "middle", b.p["ink"], bold=j == 0))
        tile_h = max(tile_h, ty - y + 10)
        gates = " · ".join(sorted({blk.gate for blk in blks if blk.gate}, key=lambda g: "ifcozrh".index(g)))
        tip = (
            f"{lc.name} ({lc.type}) · {path}: {format_shape(shape)} = {params_text(params)}\n"
            f"the same {_SHORT.get(var, var).replace('_{', '_').replace('}', '')} is used at every timestep\n"
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
    ch = 112.0
    color = GATE_COLORS.get(kind, {}).get("h" if kind != "LSTM" else "c", "#009E73")
    cell_fill = mix(color, b.p["bg"], 0.82)
    shared_band = mix(SHARED, "#FFFFFF", 0.75)

    def cells(row_y: float, direction: str | None) -> None:
        for (cx, w), s, lab in zip(xs, cols, labels, strict=True):
            if s == "…":
                b.text(cx + w / 2, row_y + ch / 2 + 8, "…", TITLE, anchor="middle", bold=True)
                continue
            b.items.append(Rect(cx, row_y, w, ch, cell_fill, color, 2.2, rx=10))
            b.text(cx + w / 2, row_y + 34, f"t={lab}", FONT, anchor="middle", bold=True)
            band = [
                Rect(cx + 6, row_y + ch - 42, w - 12, 34, shared_band, SHARED, 1.8, rx=6),
                Text(cx + w / 2, row_y + ch - 19, "W_{x} W_{h} b", SMALL + 0.5, "middle", "#111111"),
            ]
            side = f" ({direction})" if direction else ""
            tip = f"step t={lab}{side}: the same W_x, W_h and b as every other step of {lc.name}"
            b.items.append(Group("rnncount-shared", band, tip, {"step": lab, "layer": lc.name}))

    def state_arrows(row_y: float, forward: bool) -> None:
        mid = row_y + ch / 2
        arrow_y = mid + 4
        # The initial state enters from the outside end of the chain.
        if forward:
            start = xs[0][0] - 62
            b.arrow([(start, arrow_y), (xs[0][0] - 2, arrow_y)])
            b.text((start + xs[0][0]) / 2, arrow_y - 10, "h_{0}", FONT, anchor="middle")
            if kind == "LSTM":
                b.text((start + xs[0][0]) / 2, arrow_y + 26, "c_{0}", FONT, anchor="middle")
        else:
            end = xs[-1][0] + xs[-1][1]
            b.arrow([(end + 50, arrow_y), (end + 2, arrow_y)])
            b.text(end + 26, arrow_y - 10, "h←_{0}", FONT, anchor="middle")
            if kind == "LSTM":
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
            if kind == "LSTM":
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

_ACT = {"i": "σ", "f": "σ", "o": "σ", "z": "σ", "r": "σ", "c": "tanh", "h": "tanh"}


def _gate_blocks(lc: LayerCount) -> dict[str, list[Block]]:
    """One copy's blocks by gate (the forward copy of a Bidirectional)."""
    out: dict[str, list[Block]] = {}
    for blk in lc.blocks:
        if blk.direction in (None, "forward") and blk.gate:
            out.setdefault(blk.gate, []).append(blk)
    return out


def _weighted_sum(blocks: list[Block], gru_reset: str = "") -> str:
    """``x_t W_xf + h_{t-1} W_hf + b_f`` from the gate's blocks (no bias term without a bias)."""
    parts = []
    for blk in blocks:
        name = blk.name.replace("_", "_{", 1) + "}" if "_" in blk.name else blk.name
        if blk.variable == "kernel":
            parts.append(f"x_{{t}} {name}")
        elif blk.variable == "recurrent_kernel":
            parts.append(f"{gru_reset or 'h_{t-1}'} {name}")
        else:
            parts.append(name)
    return " + ".join(parts)


def _gate_equation(kind: str, gate: str, blocks: list[Block], reset_after: bool | None) -> str:
    symbol = {"c": "c̃", "h": "h̃"}.get(gate, gate) if kind != "SimpleRNN" else "h_{t}"
    act = _ACT[gate]
    if kind == "GRU" and gate == "h":
        inputs = [blk for blk in blocks if blk.variable == "kernel" or blk.role == "bias"]
        recurrent = [blk for blk in blocks if blk.variable == "recurrent_kernel" or blk.role == "recurrent bias"]
        if reset_after:
            inner = _weighted_sum(recurrent)
            inner = f"r ⊙ ({inner})" if " + " in inner else f"r ⊙ {inner}"
            return f"{symbol} = {act}({_weighted_sum(inputs)} + {inner})"
        return f"{symbol} = {act}({_weighted_sum(blocks, '(r ⊙ h_{t-1})')})"
    return f"{symbol} = {act}({_weighted_sum(blocks)})"


def _node(b: Builder, x: float, y: float, label: str, r: float = 20.0) -> None:
    wide = label == "tanh" or label == "1−"
    b.items.append(Ellipse(x, y, r * (1.6 if wide else 1.0), r, b.p["panel"], b.p["frame"], 2.0))
    b.text(x, y + 0.36 * (SMALL if wide else TITLE), label, SMALL if wide else TITLE, anchor="middle", bold=True)


def _gate_box(
    b: Builder, lc: LayerCount, kind: str, gate: str, blocks: list[Block], x: float, y: float, w: float, h: float
) -> None:
    color = GATE_COLORS.get(kind, {}).get(gate, "#777777")
    fill = mix(color, "#FFFFFF", 0.25)
    ink = ink_on(fill)
    title = GATE_TITLES.get(kind, {}).get(gate, gate)
    items: list[Any] = [Rect(x, y, w, h, fill, color, 2.5, rx=10)]
    ty = y + 26
    for line in wrap(title, FONT, w - 12, bold=True):
        items.append(Text(x + w / 2, ty, line, FONT, "middle", ink, bold=True))
        ty += FONT * 1.2
    items.append(Text(x + w / 2, ty + 6, _ACT[gate], TITLE, "middle", ink, bold=True))
    ty += TITLE + 10
    names = [blk.name.replace("_", "_{", 1) + "}" for blk in blocks]
    for line in wrap(" ".join(names), SMALL + 1, w - 12):
        items.append(Text(x + w / 2, ty, line, SMALL + 1, "middle", ink))
        ty += SMALL * 1.3
    params = sum(blk.params for blk in blocks)
    for line in wrap(params_text(params), SMALL, w - 12, bold=True):
        items.append(Text(x + w / 2, ty + 2, line, SMALL, "middle", ink, bold=True))
        ty += SMALL * 1.25
    tip = "\n".join(
        [f"{lc.name} ({lc.type}) · {title}: {_ACT[gate]} of a weighted sum"]
        + [
            f"{blk.name}: {variable_path(blk)}, {blk.role}, {' × '.join(map(str, blk.shape))} = "
            f"{params_text(blk.params)}"
            for blk in blocks
        ]
        + [f"together {params_text(params)}"]
    )
    data = {"layer": lc.name, "gate": gate, "params": str(params), "variable": " ".join(blk.name for blk in blocks)}
    b.items.append(Group("rnncount-gate", items, tip, data, None, lc.name))


def cell_view(
    result: CountResult, *, dark: bool, title: str | None, error: str | None, layer: int | str | None
) -> Scene:
    b = Builder(dark)
    y = heading(b, result, title, 0.0)
    chosen = pick_layer(result, layer)
    if chosen is None:
        return _without_recurrent_layer(b, result, y, error, "cell")
    k, lc = chosen
    kind = kind_of(lc)
    inner = lc.layer.layer if lc.layer.kind == "Bidirectional" else lc.layer
    reset_after = getattr(inner, "reset_after", None)
    what = "one timestep inside the cell"
    if kind == "GRU":
        what += f" (reset_after={reset_after})"
    y = _chosen_header(b, result, k, lc, y, what)
    if lc.layer.kind == "Bidirectional":
        y = (
            b.lines(
                MARGIN,
                y + SMALL,
                "The forward and the backward copy each have this cell, with their own weights.",
                SMALL,
                italic=True,
                color=b.p["muted"],
            )
            + 4
        )
    gates = _gate_blocks(lc)
    order = {"LSTM": ["f", "i", "c", "o"], "GRU": ["z", "r", "h"], "SimpleRNN": ["h"]}[kind]
    n = len(order)
    left, right = MARGIN + 110, WIDTH - MARGIN - 90
    gap = 26.0
    bw = min(230.0, (right - left - gap * (n - 1)) / n)
    span = n * bw + (n - 1) * gap
    left = (left + right - span) / 2
    cx = {g: left + j * (bw + gap) + bw / 2 for j, g in enumerate(order)}
    top = y + 30
    y_top = top + 20  # the state line (c for an LSTM, h for a GRU)
    y_mid = top + 110  # element-wise operations
    y_gate = top + (80 if kind == "SimpleRNN" else 215)
    bh = 132.0
    line = b.p["line"]
    state_out = WIDTH - MARGIN - 20
    if kind == "LSTM":
        b.text(MARGIN, y_top - 10, "c_{t-1}", NAME, bold=True)
        _node(b, cx["f"], y_top, "⊙")
        plus_x = (cx["i"] + cx["c"]) / 2
        _node(b, plus_x, y_top, "+")
        b.arrow([(MARGIN, y_top), (cx["f"] - 21, y_top)])
        b.arrow([(cx["f"] + 21, y_top), (plus_x - 21, y_top)])
        b.arrow([(plus_x + 21, y_top), (state_out, y_top)])
        b.text(state_out, y_top - 10, "c_{t}", NAME, anchor="end", bold=True)
        b.arrow([(cx["f"], y_gate - 2), (cx["f"], y_top + 21)])
        _node(b, plus_x, y_mid, "⊙")
        b.arrow([(cx["i"], y_gate - 2), (cx["i"], y_mid), (plus_x - 21, y_mid)])
        b.arrow([(cx["c"], y_gate - 2), (cx["c"], y_mid), (plus_x + 21, y_mid)])
        b.arrow([(plus_x, y_mid - 21), (plus_x, y_top + 21)])
        tanh_x = cx["o"] - bw * 0.28
        o_x = cx["o"] + bw * 0.12
        b.arrow([(tanh_x, y_top), (tanh_x, y_mid - 21)])
        _node(b, tanh_x, y_mid, "tanh")
        _node(b, o_x + 40, y_mid, "⊙")
        b.arrow([(tanh_x + 33, y_mid), (o_x + 19, y_mid)])
        b.arrow([(o_x + 40, y_gate - 2), (o_x + 40, y_mid + 21)])
        h_y = y_mid
        b.arrow([(o_x + 61, h_y), (state_out, h_y)])
        b.text(state_out, h_y - 10, "h_{t}", NAME, anchor="end", bold=True)
    elif kind == "GRU":
        b.text(MARGIN, y_top - 10, "h_{t-1}", NAME, bold=True)
        _node(b, cx["z"], y_top, "⊙")
        plus_x = cx["h"] + bw * 0.3
        _node(b, plus_x, y_top, "+")
        b.arrow([(MARGIN, y_top), (cx["z"] - 21, y_top)])
        b.arrow([(cx["z"] + 21, y_top), (plus_x - 21, y_top)])
        b.arrow([(plus_x + 21, y_top), (state_out, y_top)])
        b.text(state_out, y_top - 10, "h_{t}", NAME, anchor="end", bold=True)
        b.arrow([(cx["z"], y_gate - 2), (cx["z"], y_top + 21)])
        one_x = cx["z"] + bw * 0.45
        _node(b, one_x, y_mid, "1−")
        b.arrow([(cx["z"], y_mid), (one_x - 33, y_mid)])
        _node(b, plus_x, y_mid, "⊙")
        b.arrow([(one_x + 33, y_mid), (plus_x - 21, y_mid)])
        b.arrow([(plus_x, y_gate - 2), (plus_x, y_mid + 21)])
        b.arrow([(plus_x, y_mid - 21), (plus_x, y_top + 21)])
        # The reset gate scales the recurrent part of the candidate.
        r_x, node_x, node_y = cx["r"], cx["r"] + bw / 2 + gap / 2, y_gate - 40
        _node(b, node_x, node_y, "⊙", r=17)
        b.arrow([(r_x, y_gate - 2), (r_x, node_y), (node_x - 18, node_y)])
        into = cx["h"] - bw * 0.25
        b.arrow([(node_x + 18, node_y), (into, node_y), (into, y_gate - 2)])
        note = "r ⊙ (h_{t-1} W_{hh} + b_{hh})" if reset_after else "r ⊙ h_{t-1}, then × W_{hh}"
        b.text(node_x, node_y - 26, note, SMALL, anchor="middle", color=b.p["muted"], italic=True)
    else:
        out_x = cx["h"]
        b.arrow([(out_x, y_gate - 2), (out_x, y_top + 10), (state_out, y_top + 10)])
        b.text(state_out, y_top, "h_{t}", NAME, anchor="end", bold=True)
    for gate in order:
        _gate_box(b, lc, kind, gate, gates.get(gate, []), cx[gate] - bw / 2, y_gate, bw, bh)
    # Every gate reads x_t and h_{t-1}: two buses under the boxes.
    bus_h, bus_x = y_gate + bh + 60, y_gate + bh + 110
    b.text(MARGIN, bus_h - 10, "h_{t-1}", NAME, bold=True)
    b.text(MARGIN, bus_x - 10, "x_{t}", NAME, bold=True)
    last = cx[order[-1]] + 14
    b.items.append(_line(b, [(MARGIN, bus_h), (last, bus_h)]))
    b.items.append(_line(b, [(MARGIN, bus_x), (last + 14, bus_x)]))
    for gate in order:
        b.arrow([(cx[gate] - 14, bus_h), (cx[gate] - 14, y_gate + bh + 2)])
        b.arrow([(cx[gate] + 14, bus_x), (cx[gate] + 14, y_gate + bh + 2)])
        b.items.append(Ellipse(cx[gate] - 14, bus_h, 4, 4, line))
        b.items.append(Ellipse(cx[gate] + 14, bus_x, 4, 4, line))
    y = bus_x + 40
    # The equations, coloured like the gates.
    b.text(MARGIN, y + FONT, "The same step as equations (⊙: element by element)", FONT, bold=True)
    y += FONT + 14
    for gate in order:
        eq = _gate_equation(kind, gate, gates.get(gate, []), reset_after)
        color = GATE_COLORS.get(kind, {}).get(gate, b.p["ink"])
        if b.dark:
            color = mix(color, "#FFFFFF", 0.35)
        y = b.lines(MARGIN, y + FONT, eq, FONT, color=color, bold=True) + 6
    tail = {
        "LSTM": ["c_{t} = f ⊙ c_{t-1} + i ⊙ c̃", "h_{t} = o ⊙ tanh(c_{t})"],
        "GRU": ["h_{t} = z ⊙ h_{t-1} + (1 − z) ⊙ h̃"],
        "SimpleRNN": [],
    }[kind]
    for eq in tail:
        y = b.lines(MARGIN, y + FONT, eq, FONT, bold=True) + 6
    count = lc.params // lc.built.copies
    note = (
        f"{len(order)} weighted sums, each with its own W_{{x}}, W_{{h}} and b: {params_text(count)}"
        if len(order) > 1
        else f"one weighted sum: {params_text(count)}"
    )
    if lc.built.copies > 1:
        note += f", × 2 directions = {params_text(lc.params)}"
    y = b.lines(MARGIN, y + FONT, note, FONT, color=b.p["muted"]) + 8
    y = total_line(b, result, y, error)
    return b.scene(y + 12, "cell")


def _line(b: Builder, points: list[tuple[float, float]]) -> Path:
    return Path(points, b.p["line"], 2.0)
