"""What a picture shows, in words: its accessible name and description, and a handout's alt text.

A screen reader cannot see the blocks, the arrows or the colours, so every picture carries the
same facts as plain sentences: the weights view names every weight block with its gate, its
shape and its count, layer by layer, then the total; the unrolled view says which steps are
drawn, how the state passes from step to step and that one set of weights serves them all; the
cell view gives each gate's weighted sum with its blocks and how the gates combine into the new
state. The text is made from the counted stack (the engine's blocks), never from the drawing,
so it says exactly what the numbers in the picture say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..core.engine import CountResult, LayerCount
from ..core.formula import group_digits
from ..core.layers import Block, format_shape
from .layout import GATE_COLORS, GATE_TITLES, MAX_STEPS, kind_of, pick_layer, select_layers

#: Names of the picture's colours, so the description can say which colour stands for what.
COLOR_NAMES = {
    "#0072B2": "blue",
    "#E69F00": "orange",
    "#009E73": "green",
    "#CC79A7": "pink",
    "#56718C": "slate blue",
    "#8C6BB1": "purple",
    "#777777": "grey",
}

_VIEW_NAMES = {"weights": "weight blocks", "unrolled": "unrolled in time", "cell": "one step inside the cell"}
_ACT = {"i": "sigmoid", "f": "sigmoid", "o": "sigmoid", "z": "sigmoid", "r": "sigmoid", "c": "tanh", "h": "tanh"}
_SHORT = {"kernel": "W_x", "recurrent_kernel": "W_h", "bias": "b"}


def _plain(title: str) -> str:
    """A picture's title as text to read out: the subscript markup ``c̃_{t}`` becomes ``c̃_t``."""
    return re.sub(r"_\{([^}]*)\}", r"_\1", title)


@dataclass(frozen=True)
class Description:
    """A picture's accessible name (one line) and its description (sentences, in reading order)."""

    name: str
    text: str

    def alt_text(self) -> str:
        """Name and description as one paragraph, for a handout's or a slide's alternative text."""
        return f"{self.name}. {self.text}"


def _params(n: int) -> str:
    return f"{group_digits(n)} parameter" + ("" if n == 1 else "s")


def _dims(shape: Sequence[int]) -> str:
    return " by ".join(group_digits(d) for d in shape)


def block_color(kind: str, block: Block) -> str:
    """The name of the colour a block is drawn in (its gate's hue)."""
    return COLOR_NAMES.get(GATE_COLORS.get(kind, {}).get(block.gate, "#777777"), "grey")


def block_phrase(kind: str, block: Block) -> str:
    """``W_xi, the input kernel, 100 by 32: 3,200 parameters`` (direction and sub-layer first when set)."""
    where = " ".join(p for p in (block.group, block.direction) if p)
    name = f"{where} {block.name}" if where else block.name
    frozen = ", not trainable" if not block.trainable else ""
    return f"{name}, the {block.role}{frozen}, {_dims(block.shape)}: {_params(block.params)}"


def _gates(blocks: Sequence[Block]) -> list[str | None]:
    out: list[str | None] = []
    for blk in blocks:
        if blk.gate not in out:
            out.append(blk.gate)
    return out


def _layer_blocks(lc: LayerCount) -> str:
    """Every block of one layer, grouped by copy (direction) and gate, with colour names."""
    kind = kind_of(lc)
    titles = GATE_TITLES.get(kind, {})
    parts: list[str] = []
    for gate in _gates(lc.blocks):
        blocks = [blk for blk in lc.blocks if blk.gate == gate]
        phrases = "; ".join(block_phrase(kind, blk) for blk in blocks)
        color = block_color(kind, blocks[0])
        if gate is None:
            parts.append(
                f"{'One weight block' if len(blocks) == 1 else f'{len(blocks)} weight blocks'} in {color}: {phrases}"
            )
        else:
            total = sum(blk.params for blk in blocks)
            label = _plain(titles.get(gate, f"gate {gate}"))
            parts.append(f"The {label}, in {color}, {_params(total)}: {phrases}")
    return ". ".join(parts)


def _layer_sentence(position: int, n: int, lc: LayerCount) -> str:
    head = f"Layer {position} of {n}, {lc.name} ({lc.type}), {_params(lc.params)}"
    if lc.formula.general:
        head += f", formula {lc.formula.text}"
    if not lc.blocks:
        return f"{head}; it has no weights; output {format_shape(lc.output_shape)}."
    body = _layer_blocks(lc)
    copies = " Two copies, forward and backward." if lc.built.copies > 1 else ""
    return f"{head}.{copies} {body}. Output {format_shape(lc.output_shape)}."


def _total(result: CountResult, error: str | None) -> str:
    if not result.layers:
        return ""
    label = "Total of the layers above" if error else "Total"
    if len(result.layers) == 1:
        return f"{label}: {_params(result.total)}."
    return f"{label}: {result.total_formula} parameters."


def _error(error: str | None) -> str:
    return f"Error: {error}" if error else ""


def _weights_text(result: CountResult, error: str | None) -> list[str]:
    out = [f"Input {format_shape(result.input_shape)}."]
    n = len(result.layers)
    if not n and not error:
        out.append("No layers yet.")
    for entry in select_layers(result.layers):
        if isinstance(entry[1], LayerCount):
            k, lc = entry
            out.append(_layer_sentence(k + 1, n, lc))
        else:
            start, count = entry
            skipped = result.layers[start : start + count]
            out.append(
                f"{group_digits(count)} more layers, {start + 1} to {start + count} "
                f"({skipped[0].name} to {skipped[-1].name}), not drawn: "
                f"{_params(sum(lc.params for lc in skipped))} together."
            )
    if any(lc.blocks for lc in result.layers):
        out.append("The blocks are drawn to one scale: a block is as wide as its columns and as tall as its rows.")
    return out


def _shared_weights(lc: LayerCount, direction: str | None) -> str:
    """The one set of weights of a recurrent layer (one copy), variable by variable with its blocks."""
    blocks = [blk for blk in lc.blocks if blk.direction == direction]
    by_var: dict[str, list[Block]] = {}
    for blk in blocks:
        by_var.setdefault(blk.variable, []).append(blk)
    shapes = dict(lc.weights)
    parts = []
    for var, blks in by_var.items():
        path = f"{direction}/{var}" if direction else var
        shape = shapes.get(path, blks[0].shape)
        names = ", ".join(f"{blk.name} {group_digits(blk.params)}" for blk in blks)
        short = _SHORT.get(var, var)
        what = var.replace("_", " ")
        parts.append(f"{short}, the {what}, {_dims(shape)}: {_params(sum(b.params for b in blks))} (blocks {names})")
    total = sum(blk.params for blk in blocks)
    side = f" of the {direction} copy" if direction else ""
    return f"One set of weights{side}, used at every timestep: " + "; ".join(parts) + f"; together {_params(total)}."


def _steps(t: int | None, cap: int) -> str:
    if t is not None and t <= cap:
        return ", ".join(str(s) for s in range(1, t + 1))
    last = "T" if t is None else group_digits(t)
    return ", ".join(str(s) for s in range(1, cap - 1)) + f", and so on up to step {last}"


def _picked(result: CountResult, layer: int | str | None) -> tuple[int, LayerCount] | None:
    return pick_layer(result, layer)


def _where(result: CountResult, k: int) -> str:
    n = len(result.layers)
    return f" It is layer {k + 1} of {n}." if n > 1 else ""


def _unrolled_text(result: CountResult, layer: int | str | None) -> list[str]:
    chosen = _picked(result, layer)
    if chosen is None:
        return ["The stack has no recurrent layer, so there is nothing to unroll over time."]
    k, lc = chosen
    bidi = lc.layer.kind == "Bidirectional"
    inner = getattr(lc.layer, "layer", lc.layer)
    kind = kind_of(lc)
    t = lc.input_shape[1]
    t_text = "T" if t is None else group_digits(t)
    state = "the hidden state h and the cell state c" if kind == "LSTM" else "the hidden state h"
    cap = MAX_STEPS - 1 if bidi else MAX_STEPS
    out = [
        f"{lc.name} ({lc.type}) unrolled over {t_text} timesteps.{_where(result, k)}",
        f"The cell is drawn once per step, at steps {_steps(t, cap)}. At step t it reads the input x_t and "
        f"{state} of the step before, and hands its new state on to the next step; the first step starts "
        "from the initial state h_0.",
    ]
    if bidi:
        out.append(
            "A second, backward copy reads the steps from the last to the first; "
            f"the two outputs are merged with merge_mode {getattr(lc.layer, 'merge_mode', None)!r}."
        )
    seq = bool(getattr(inner, "return_sequences", False))
    out.append(
        ("The layer returns its output at every step" if seq else "The layer returns only the last step's output")
        + f": output {format_shape(lc.output_shape)}."
    )
    directions = list(dict.fromkeys(blk.direction for blk in lc.blocks))
    out.extend(_shared_weights(lc, d) for d in directions)
    out.append(f"So {_params(lc.params)} for all timesteps together: the number of timesteps never changes the count.")
    return out


def _weighted_sum(blocks: Sequence[Block], reset: bool = False) -> str:
    terms = []
    for blk in blocks:
        if blk.variable == "kernel":
            terms.append(f"x_t times {blk.name}")
        elif blk.variable == "recurrent_kernel":
            terms.append(f"{'(r times h_t-1)' if reset else 'h_t-1'} times {blk.name}")
        else:
            terms.append(blk.name)
    return " plus ".join(terms) or "nothing"


def _gate_sentence(kind: str, gate: str, blocks: Sequence[Block], reset_after: bool | None) -> str:
    title = _plain(GATE_TITLES.get(kind, {}).get(gate, f"gate {gate}"))
    act = _ACT.get(gate, "an activation")
    color = block_color(kind, blocks[0]) if blocks else "grey"
    if kind == "GRU" and gate == "h":
        inputs = [b for b in blocks if b.variable == "kernel" or b.role == "bias"]
        recurrent = [b for b in blocks if b.variable == "recurrent_kernel" or b.role == "recurrent bias"]
        if reset_after:
            inside = f"{_weighted_sum(inputs)} plus r times ({_weighted_sum(recurrent)})"
        else:
            inside = _weighted_sum(blocks, reset=True)
    else:
        inside = _weighted_sum(blocks)
    listed = "; ".join(block_phrase(kind, blk) for blk in blocks)
    total = sum(blk.params for blk in blocks)
    return f"The {title}, in {color}: {act} of {inside}. Its blocks: {listed}; together {_params(total)}."


_COMBINE = {
    "LSTM": "The new cell state c_t is f times c_t-1 plus i times the candidate; the new hidden state h_t is "
    "o times tanh of c_t. Times means element by element.",
    "GRU": "The new hidden state h_t is z times h_t-1 plus (1 minus z) times the candidate. "
    "Times means element by element.",
    "SimpleRNN": "The result is the new hidden state h_t, passed to the next step.",
}


def _cell_text(result: CountResult, layer: int | str | None) -> list[str]:
    chosen = _picked(result, layer)
    if chosen is None:
        return ["The stack has no recurrent layer, so there is no cell to look inside."]
    k, lc = chosen
    kind = kind_of(lc)
    inner = getattr(lc.layer, "layer", lc.layer)
    reset_after = getattr(inner, "reset_after", None)
    blocks = [blk for blk in lc.blocks if blk.direction in (None, "forward")]
    gates = [g for g in _gates(blocks) if g]
    backward = [blk for blk in lc.blocks if blk.direction == "backward"]
    if lc.built.copies > 1:
        copy = " (the forward copy; the backward copy is the same with its own weights)"
    elif backward:
        copy = " (the forward layer; the backward layer has its own cell and weights)"
    else:
        copy = ""
    out = [
        f"One timestep inside the cell of {lc.name} ({lc.type}){copy}.{_where(result, k)}",
        f"The input x_t and the previous hidden state h_t-1 feed {len(gates)} weighted "
        f"sum{'s' if len(gates) != 1 else ''}, one per weight block, each with its own weights.",
    ]
    out.extend(_gate_sentence(kind, g, [b for b in blocks if b.gate == g], reset_after) for g in gates)
    out.append(_COMBINE.get(kind, ""))
    forward = sum(blk.params for blk in blocks)
    line = (
        f"{len(gates)} weighted sums: {_params(forward)}" if len(gates) > 1 else f"One weighted sum: {_params(forward)}"
    )
    if backward:
        line += (
            f"; the backward {'copy' if lc.built.copies > 1 else 'layer'}, {_params(sum(b.params for b in backward))}, "
            "has the blocks "
            + "; ".join(block_phrase(kind, blk) for blk in backward)
            + f"; both directions together {_params(lc.params)}"
        )
    out.append(line + ".")
    return out


def describe(
    result: CountResult,
    view: str = "weights",
    *,
    layer: int | str | None = None,
    error: str | None = None,
    title: str | None = None,
) -> Description:
    """The accessible name and description of the picture ``layout(result, view=view, ...)`` draws."""
    names = ", ".join(lc.name for lc in result.layers[:3]) + (", …" if len(result.layers) > 3 else "")
    what = _VIEW_NAMES.get(view, view)
    name = f"rnncount picture, {what}: " + (names or "no layers")
    if result.layers:
        name += f"; total {_params(result.total)}"
    if title:
        name = f"{title}. {name}"
    if view == "weights":
        parts = _weights_text(result, error)
    elif view == "unrolled":
        parts = _unrolled_text(result, layer)
    else:
        parts = _cell_text(result, layer)
    parts += [_error(error), _total(result, error)]
    return Description(name, " ".join(p for p in parts if p))
