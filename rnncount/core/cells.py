"""A recurrent cell as data: one timestep of SimpleRNN, LSTM, GRU or ConvLSTM as a small graph.

Each cell's step is declared once, by :func:`graph_for`, from the layer's options and its
weight blocks: weighted sums (``x_t W_xi + h_{t-1} W_hi + b_i``, one per block), their
activations, ``⊙``, ``+`` and ``1 − z``. Three things are read off that one graph:

- the cell view's boxes and arrows (:mod:`rnncount.pictures.views` draws one node per node
  and one arrow per edge, so a picture cannot be wired differently from the step);
- the equations, as LaTeX or plain text (:func:`equations`);
- the step itself, computed in plain Python on lists of floats (:meth:`CellGraph.step`),
  which the tests compare with Keras on real weights.

The equations are Keras 3's (``LSTMCell``, ``GRUCell``, ``SimpleRNNCell``): blocks in the
order Keras stores them (LSTM i, f, c, o; GRU z, r, h), ``h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃``,
and for a GRU with ``reset_after=True`` the candidate ``x W_xh + b_xh + r ⊙ (h_{t-1} W_hh + b_hh)``,
with ``reset_after=False`` ``x W_xh + (r ⊙ h_{t-1}) W_hh + b_h``. A ConvLSTM's cell is the LSTM's
graph with convolutions (∗) in place of the matrix products (its plain-Python step is refused).

Pure Python: no NumPy, TensorFlow or Keras here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import RnncountTypeError, SpecError, shown
from .layers import GRU, LAYER_TYPES, LSTM, RNN, Block, Layer, SimpleRNN

Vector = list[float]

#: Keras's default activations of the recurrent layers (``activation``, ``recurrent_activation``).
DEFAULT_ACTIVATION = "tanh"
DEFAULT_RECURRENT_ACTIVATION = "sigmoid"

#: How a gate's value is named in the course's notation (with its time index), by gate letter.
SYMBOLS: dict[str, str] = {"i": "i_{t}", "f": "f_{t}", "c": "c̃_{t}", "o": "o_{t}", "z": "z_{t}", "r": "r_{t}"}

#: The three cell structures, by the gates a kind stores (ConvLSTM has the LSTM's).
FAMILIES: dict[tuple[str, ...], str] = {SimpleRNN.gates: "SimpleRNN", LSTM.gates: "LSTM", GRU.gates: "GRU"}


def family_of(kind: str) -> str:
    """The cell structure of a recurrent kind: "SimpleRNN", "LSTM" (also ConvLSTM1D/2D) or "GRU"."""
    cls = LAYER_TYPES.get(kind)
    gates = getattr(getattr(cls, "layer_class", cls), "gates", ())
    if gates not in FAMILIES:
        raise SpecError(f"{shown(kind)} has no recurrent cell (SimpleRNN, LSTM, GRU and ConvLSTM have)")
    return FAMILIES[gates]


def _title(kind: str, gate: str) -> str:
    style = LAYER_TYPES[kind].style(gate)
    return style.title if style else gate


# --- the graph --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One product of a weighted sum: the value of node ``source`` times a block's columns."""

    source: str
    block: Block


@dataclass(frozen=True)
class Node:
    """One value of the step.

    ``op`` is ``"input"`` (x_t, h_{t-1}, c_{t-1}), ``"sum"`` (a weighted sum of ``terms`` plus
    ``biases``), ``"act"`` (the activation ``act`` of its input), ``"mul"`` (⊙), ``"add"`` (+),
    ``"one_minus"`` (1 − its input) or ``"output"`` (h_t, c_t leaving the cell). ``inputs``
    are node ids; the graph's edges are exactly (input, node) for every node. ``col`` and
    ``row`` say where the cell view draws the node (a column of weighted sums counted from 0,
    and a row from the top state line 0 down to the sums, 3).
    """

    id: str
    op: str
    inputs: tuple[str, ...] = ()
    symbol: str = ""
    gate: str | None = None
    act: str = ""
    terms: tuple[Term, ...] = ()
    biases: tuple[Block, ...] = ()
    title: str = ""
    col: float = 0.0
    row: float = 0.0


@dataclass(frozen=True)
class CellGraph:
    """One timestep of a recurrent cell: its nodes in the order they are computed."""

    kind: str  # "SimpleRNN", "LSTM" or "GRU"
    units: int
    nodes: tuple[Node, ...]
    use_bias: bool = True
    reset_after: bool | None = None
    activation: str = DEFAULT_ACTIVATION
    recurrent_activation: str = DEFAULT_RECURRENT_ACTIVATION
    #: The state names in Keras's order (``h``, then ``c`` for an LSTM).
    states: tuple[str, ...] = ("h",)
    #: The cell's structure: "SimpleRNN", "LSTM" (ConvLSTM too) or "GRU".
    family: str = ""
    #: True for a ConvLSTM: every product is a convolution (∗) over the frame.
    conv: bool = False
    _index: dict[str, Node] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({n.id: n for n in self.nodes})

    def node(self, node_id: str) -> Node:
        return self._index[node_id]

    @property
    def edges(self) -> list[tuple[str, str]]:
        """Every (from, to) pair of node ids: what feeds what."""
        return [(src, n.id) for n in self.nodes for src in n.inputs]

    @property
    def sums(self) -> list[Node]:
        return [n for n in self.nodes if n.op == "sum"]

    @property
    def blocks(self) -> list[Block]:
        """The weight blocks the step reads, each once."""
        out: list[Block] = []
        for n in self.sums:
            out += [t.block for t in n.terms] + list(n.biases)
        return out

    def equations(self, form: str = "text") -> list[str]:
        """The step as equations, one per named value: ``form`` is "text", "latex" or "markup"."""
        return _equations(self, _STYLES[_form(form)])

    def expression(self, node_id: str, form: str = "text") -> str:
        """The value of one node written out, e.g. ``x_t W_xi + h_{t-1} W_hi + b_i`` for a weighted sum."""
        return _expr(self, node_id, _STYLES[_form(form)], top=True)

    def step(
        self, weights: dict[str, Any], x: Sequence[float], h: Sequence[float], c: Sequence[float] | None = None
    ) -> dict[str, Vector]:
        """One timestep in plain Python: the new states ``{"h": ..., "c": ...}``.

        ``weights`` maps Keras's variable names (``kernel``, ``recurrent_kernel``, ``bias``)
        to nested lists as ``layer.get_weights()`` gives them (``.tolist()``).
        """
        if self.conv:
            raise SpecError(
                f"{self.kind}: the plain-Python step computes matrix products; a ConvLSTM's are convolutions "
                "over whole frames, which it does not compute"
            )
        values: dict[str, Vector] = {"x": list(map(float, x)), "h_prev": list(map(float, h))}
        if "c" in self.states:
            if c is None:
                raise RnncountTypeError(f"{self.kind}.step(): an LSTM needs the carry state c as well as h")
            values["c_prev"] = list(map(float, c))
        for n in self.nodes:
            if n.op == "input":
                continue
            args = [values[s] for s in n.inputs]
            if n.op == "sum":
                total = [0.0] * self.units
                for term in n.terms:
                    _add_into(total, _times(values[term.source], weights[term.block.variable], term.block))
                for blk in n.biases:
                    _add_into(total, _bias(weights[blk.variable], blk))
                values[n.id] = total
            elif n.op == "act":
                values[n.id] = activation(n.act)(args[0])
            elif n.op == "mul":
                values[n.id] = [a * b for a, b in zip(args[0], args[1], strict=True)]
            elif n.op == "add":
                values[n.id] = [a + b for a, b in zip(args[0], args[1], strict=True)]
            elif n.op == "one_minus":
                values[n.id] = [1.0 - a for a in args[0]]
            elif n.op == "output":
                values[n.id] = args[0]
            else:  # pragma: no cover - graph_for makes only the ops above
                raise ValueError(f"unknown op {n.op!r}")
        return {s: values[f"{s}_out"] for s in self.states}

    def run(self, weights: dict[str, Any], xs: Sequence[Sequence[float]]) -> list[dict[str, Vector]]:
        """Every timestep of a sequence from zero states: the states after each step."""
        return run_cells([self], [weights], xs)[-1]


def run_cells(
    graphs: Sequence[CellGraph], weights: Sequence[dict[str, Any]], xs: Sequence[Sequence[float]]
) -> list[list[dict[str, Vector]]]:
    """A sequence through cells run one after the other at each timestep (StackedRNNCells).

    Cell k reads cell k - 1's new h as its x; all states start at zero. Returns, per cell,
    its states after each timestep.
    """
    states = [{s: [0.0] * g.units for s in g.states} for g in graphs]
    out: list[list[dict[str, Vector]]] = [[] for _ in graphs]
    for x in xs:
        vec: Sequence[float] = x
        for k, (g, w) in enumerate(zip(graphs, weights, strict=True)):
            states[k] = g.step(w, vec, states[k]["h"], states[k].get("c"))
            out[k].append(states[k])
            vec = states[k]["h"]
    return out


def _times(vec: Vector, matrix: Sequence[Sequence[float]], blk: Block) -> Vector:
    """``vec`` times the block's columns of ``matrix`` (a row vector times a matrix)."""
    width = blk.shape[-1]
    cols = range(blk.column, blk.column + width)
    return [math.fsum(v * float(matrix[r][col]) for r, v in enumerate(vec)) for col in cols]


def _bias(bias: Sequence[Any], blk: Block) -> Vector:
    row = bias if blk.row is None else bias[blk.row]
    return [float(v) for v in row[blk.column : blk.column + blk.shape[-1]]]


def _add_into(total: Vector, more: Vector) -> None:
    for k, v in enumerate(more):
        total[k] += v


# --- building the graph from a layer's options and blocks ------------------------------------


def _by_gate(blocks: Sequence[Block], gate: str) -> dict[str, list[Block]]:
    out: dict[str, list[Block]] = {"kernel": [], "recurrent_kernel": [], "bias": [], "recurrent bias": []}
    for blk in blocks:
        if blk.gate != gate:
            continue
        key = "recurrent bias" if blk.role == "recurrent bias" else blk.variable
        out[key].append(blk)
    return out


def graph_for(
    kind: str,
    blocks: Sequence[Block],
    *,
    reset_after: bool | None = None,
    activation: str | None = DEFAULT_ACTIVATION,
    recurrent_activation: str | None = DEFAULT_RECURRENT_ACTIVATION,
) -> CellGraph:
    """The step of one ``kind`` cell ("SimpleRNN", "LSTM" or "GRU") from its weight blocks.

    ``blocks`` are one copy's blocks (one direction, one cell), as the engine lists them;
    a missing bias block (``use_bias=False``) is a missing bias term. ``activation=None``
    is Keras's "linear".
    """
    family = family_of(kind)
    act = activation or "linear"
    rec = recurrent_activation or "linear"
    for name in (act, rec):
        _check_activation_name(name)
    gates = {g: _by_gate(blocks, g) for g in LAYER_TYPES[kind].gates}
    units = next(blk.shape[-1] for blk in blocks if blk.variable == "kernel")
    use_bias = any(blk.variable == "bias" for blk in blocks)
    # A ConvLSTM's kernels are windows (k x i x f): its products are convolutions.
    conv = any(len(blk.shape) > 2 for blk in blocks)
    nodes: list[Node] = [
        Node("x", "input", symbol="x_{t}"),
        Node("h_prev", "input", symbol="h_{t-1}"),
    ]
    titles = {g: _title(kind, g) for g in gates}
    symbols = {**SYMBOLS, "h": "h̃_{t}"}

    def weighted(gate: str, col: float, parts: str = "xh", recurrent_source: str = "h_prev", **kw: Any) -> Node:
        """The weighted sum of one block: x_t times its kernel columns, h_{t-1} (or ``recurrent_source``)
        times its recurrent-kernel columns, plus its biases (``parts`` says which of x, h it takes)."""
        b = gates[gate]
        terms: list[Term] = []
        biases: list[Block] = []
        if "x" in parts:
            terms += [Term("x", blk) for blk in b["kernel"]]
            biases += b["bias"]
        if "h" in parts:
            terms += [Term(recurrent_source, blk) for blk in b["recurrent_kernel"]]
            biases += b["recurrent bias"]
        sources = tuple(dict.fromkeys(t.source for t in terms))
        node_id = f"sum_{gate}" + ("" if parts == "xh" else f"_{parts}")
        return Node(
            node_id, "sum", sources, gate=gate, terms=tuple(terms), biases=tuple(biases), col=col, row=3.0, **kw
        )

    if family == "SimpleRNN":
        s = weighted("h", 0, title=titles["h"])
        nodes += [s, Node("act_h", "act", (s.id,), symbol="h_{t}", gate="h", act=act, col=0, row=2)]
        nodes.append(Node("h_out", "output", ("act_h",), symbol="h_{t}", row=2))
    elif family == "LSTM":
        nodes.insert(2, Node("c_prev", "input", symbol="c_{t-1}", row=0))
        for k, g in enumerate(LSTM.gates):
            s = weighted(g, k, title=titles[g])
            fn = act if g == "c" else rec
            nodes += [s, Node(f"act_{g}", "act", (s.id,), symbol=symbols[g], gate=g, act=fn, col=k, row=2)]
        nodes += [
            Node("forget", "mul", ("act_f", "c_prev"), col=1, row=0),
            Node("write", "mul", ("act_i", "act_c"), col=1.5, row=1),
            Node("c_new", "add", ("forget", "write"), symbol="c_{t}", col=1.5, row=0),
            Node("squash", "act", ("c_new",), act=act, col=2.55, row=1),
            Node("h_new", "mul", ("act_o", "squash"), symbol="h_{t}", col=3, row=1),
            Node("h_out", "output", ("h_new",), symbol="h_{t}", row=1),
            Node("c_out", "output", ("c_new",), symbol="c_{t}", row=0),
        ]
    else:  # GRU
        if reset_after is None:
            reset_after = bool(gates["h"]["recurrent bias"]) or not use_bias
        for k, g in enumerate("zr"):
            s = weighted(g, k, title=titles[g])
            nodes += [s, Node(f"act_{g}", "act", (s.id,), symbol=symbols[g], gate=g, act=rec, col=k, row=2)]
        if reset_after:
            # Keras: hh = act(x W_xh + b_xh + r * (h_{t-1} W_hh + b_hh)): the reset acts after the product.
            sx = weighted("h", 3, "x", title="candidate h̃_{t}: input part")
            sh = weighted("h", 2, "h", title="candidate h̃_{t}: recurrent part")
            nodes += [
                sh,
                Node("reset", "mul", ("act_r", sh.id), col=2, row=2),
                sx,
                Node("pre_h", "add", (sx.id, "reset"), col=3, row=2),
                Node("act_h", "act", ("pre_h",), symbol=symbols["h"], gate="h", act=act, col=3, row=1),
            ]
            mix_col = 2.5
        else:
            # Keras: hh = act(x W_xh + (r * h_{t-1}) W_hh + b_h): the reset acts before the product.
            nodes.append(Node("reset", "mul", ("act_r", "h_prev"), col=1.5, row=2))
            s = weighted("h", 2, recurrent_source="reset", title=titles["h"])
            nodes += [s, Node("act_h", "act", (s.id,), symbol=symbols["h"], gate="h", act=act, col=2, row=2)]
            mix_col = 2.0
        nodes += [
            Node("keep", "one_minus", ("act_z",), col=0.5, row=1),
            Node("carry", "mul", ("act_z", "h_prev"), col=0, row=0),
            Node("update", "mul", ("keep", "act_h"), col=mix_col, row=1),
            Node("h_new", "add", ("carry", "update"), symbol="h_{t}", col=mix_col, row=0),
            Node("h_out", "output", ("h_new",), symbol="h_{t}", row=0),
        ]
    return CellGraph(
        kind,
        units,
        tuple(nodes),
        use_bias=use_bias,
        reset_after=reset_after if family == "GRU" else None,
        activation=act,
        recurrent_activation=rec if family != "SimpleRNN" else DEFAULT_RECURRENT_ACTIVATION,
        states=("h", "c") if family == "LSTM" else ("h",),
        family=family,
        conv=conv,
    )


# --- which cells a layer has -----------------------------------------------------------------


def plain_layers(layer: Layer) -> list[Layer]:
    """The plain recurrent layers whose cells ``layer`` runs, in order.

    A Bidirectional gives its forward layer's; ``RNN(LSTMCell(4))`` gives ``LSTM(4)`` (with the
    cell's activations); ``RNN(StackedRNNCells([...]))`` one layer per cell.
    """
    inner = layer.inner()
    if isinstance(inner, RNN):  # stacked cells stay an RNN: one layer per cell
        return [cell.as_layer() for cell in inner.cells]
    if not inner.recurrent or getattr(inner, "gates", ()) not in FAMILIES:
        raise SpecError(f"{layer.kind} has no recurrent cell (SimpleRNN, LSTM, GRU, ConvLSTM, RNN(cell) have)")
    return [inner]


def _options(layer: Layer) -> dict[str, Any]:
    extra = getattr(layer, "extra", None) or {}
    return {
        "reset_after": getattr(layer, "reset_after", None),
        "activation": extra.get("activation", DEFAULT_ACTIVATION),
        "recurrent_activation": extra.get("recurrent_activation", DEFAULT_RECURRENT_ACTIVATION),
    }


def cell_graphs(layer: Layer, blocks: Sequence[Block] | None = None, input_width: int = 1) -> list[CellGraph]:
    """The cell graph of each cell ``layer`` runs (one, or one per cell of a StackedRNNCells).

    ``blocks`` are the layer's blocks as the engine counted them (so the graph names and
    sizes the blocks the pictures draw); without them the layer is built on ``input_width``.
    """
    plain = plain_layers(layer)
    if blocks is None:
        return [graph_for(p.kind, _probe(p, input_width).blocks, **_options(p)) for p in plain]
    own = [blk for blk in blocks if blk.direction in (None, "forward")]
    out = []
    for k, p in enumerate(plain):
        mine = [blk for blk in own if blk.group in (None, f"cell_{k}")] if len(plain) > 1 else own
        out.append(graph_for(p.kind, mine, **_options(p)))
    return out


def _probe(layer: Layer, width: int) -> Any:
    """The layer built on a small input of ``width`` features (frames of 3 x 3 for a ConvLSTM)."""
    rank = getattr(layer, "rank", 0)
    frame = (3,) * rank if rank else ()
    try:
        return layer.build((None, 1, *frame, width))
    except SpecError:  # a kernel larger than 3: frames as large as it needs
        return layer.build((None, 1, *((64,) * rank), width))


# --- equations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    """How an expression is written: markup (the pictures' ``_{...}``), plain text or LaTeX."""

    name: str
    sub: Callable[[str, str], str]
    tilde: Callable[[str], str]
    odot: str
    minus: str
    conv: str
    fn: Callable[[str], str]


def _text_sub(base: str, sub: str) -> str:
    return f"{base}_{sub}" if sub.isalnum() else f"{base}_{{{sub}}}"


_LATEX_FN = {"sigmoid": r"\sigma", "tanh": r"\tanh", "exponential": r"\exp"}
_TEXT_FN = {"sigmoid": "σ"}

_STYLES = {
    "markup": _Style(
        "markup", lambda b, s: f"{b}_{{{s}}}", lambda c: c + "\u0303", "⊙", "−", "∗", lambda f: _TEXT_FN.get(f, f)
    ),
    "text": _Style("text", _text_sub, lambda c: c + "\u0303", "⊙", "−", "∗", lambda f: _TEXT_FN.get(f, f)),
    "latex": _Style(
        "latex",
        lambda b, s: f"{b}_{{{s}}}",
        lambda c: rf"\tilde{{{c}}}",
        r"\odot",
        "-",
        r"\ast",
        lambda f: _LATEX_FN.get(f, r"\operatorname{" + f.replace("_", r"\_") + "}"),
    ),
}


def _form(form: Any) -> str:
    if not isinstance(form, str) or form not in _STYLES:
        raise SpecError(f"equations: form must be one of {', '.join(map(repr, _STYLES))}, got {shown(form)}")
    return form


def _symbol(markup: str, st: _Style) -> str:
    """A symbol written in markup (``c̃_{t}``, ``W_{xi}``) in the given style."""
    base, _, sub = markup.partition("_{")
    sub = sub.rstrip("}")
    if base.endswith("\u0303"):
        base = st.tilde(base[:-1])
    return st.sub(base, sub) if sub else base


def _block_symbol(blk: Block, st: _Style) -> str:
    head, _, sub = blk.name.partition("_")
    return _symbol(f"{head}_{{{sub}}}" if sub else head, st)


def _expr(g: CellGraph, node_id: str, st: _Style, top: bool = False) -> str:
    """The value of a node as an expression: named values by their symbol, the rest written out."""
    n = g.node(node_id)
    if n.op == "input" or (n.symbol and not top):
        return _symbol(n.symbol, st)
    if n.op == "sum":
        parts = []
        for t in n.terms:
            vec = _expr(g, t.source, st)
            if g.node(t.source).op != "input" and not g.node(t.source).symbol:
                vec = f"({vec})"  # (r ⊙ h_{t-1}) W_hh: the product is taken first
            parts.append(f"{vec} {st.conv + ' ' if g.conv else ''}{_block_symbol(t.block, st)}")
        parts += [_block_symbol(blk, st) for blk in n.biases]
        return " + ".join(parts)
    if n.op == "act":
        return f"{st.fn(n.act)}({_expr(g, n.inputs[0], st)})"
    if n.op == "one_minus":
        return f"(1 {st.minus} {_expr(g, n.inputs[0], st)})"
    if n.op in ("mul", "add"):
        args = []
        for src in n.inputs:
            inner = _expr(g, src, st)
            s = g.node(src)
            if n.op == "mul" and s.op in ("sum", "add") and not s.symbol:
                inner = f"({inner})"
            args.append(inner)
        return f" {st.odot} ".join(args) if n.op == "mul" else " + ".join(args)
    return _expr(g, n.inputs[0], st)


def _equations(g: CellGraph, st: _Style) -> list[str]:
    out = []
    for n in g.nodes:
        if n.symbol and n.op not in ("input", "output"):
            out.append(f"{_symbol(n.symbol, st)} = {_expr(g, n.id, st, top=True)}")
    return out


class Equations:
    """A cell's step as equations; Jupyter shows them typeset (LaTeX), ``str()`` gives plain text."""

    def __init__(self, graphs: Sequence[CellGraph], names: Sequence[str] = ()) -> None:
        self.graphs = list(graphs)
        self.names = list(names)

    def _parts(self, form: str) -> list[tuple[str, list[str]]]:
        names = self.names or [""] * len(self.graphs)
        return [(name, g.equations(form)) for name, g in zip(names, self.graphs, strict=True)]

    @property
    def latex(self) -> list[str]:
        return [eq for _, eqs in self._parts("latex") for eq in eqs]

    @property
    def text(self) -> list[str]:
        return [eq for _, eqs in self._parts("text") for eq in eqs]

    def _repr_latex_(self) -> str:
        rows = []
        for name, eqs in self._parts("latex"):
            if name and len(self.graphs) > 1:
                rows.append(r"\text{" + name.replace("_", r"\_") + r":}")
            rows += [eq.replace(" = ", " &= ", 1) for eq in eqs]
        return r"$$\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$$"

    def __str__(self) -> str:
        lines = []
        for name, eqs in self._parts("text"):
            if name and len(self.graphs) > 1:
                lines.append(f"{name}:")
            lines += eqs
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def equations(layer: Layer | str) -> Equations:
    """The equations of one timestep of a recurrent layer (or of each cell of a StackedRNNCells).

    ``layer`` is a layer or its spec string. In Jupyter the result shows typeset; ``.latex``
    and ``.text`` are the lines, ``str()`` the plain text.

    >>> print(equations("GRU(4, reset_after=False)"))
    z_t = σ(x_t W_xz + h_{t-1} W_hz + b_z)
    r_t = σ(x_t W_xr + h_{t-1} W_hr + b_r)
    h̃_t = tanh(x_t W_xh + (r_t ⊙ h_{t-1}) W_hh + b_h)
    h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ h̃_t
    """
    if isinstance(layer, str):
        from .spec import parse_spec

        layers = parse_spec(layer)
        if len(layers) != 1:
            raise SpecError(f"equations() takes one recurrent layer, got {len(layers)} layers")
        layer = layers[0]
    if not isinstance(layer, Layer):
        raise RnncountTypeError(f"equations() takes a layer or its spec string, e.g. 'LSTM(4)', got {shown(layer)}")
    graphs = cell_graphs(layer)
    names = [f"cell_{k} ({p.kind})" for k, p in enumerate(plain_layers(layer))]
    return Equations(graphs, names)


# --- activations in plain Python -------------------------------------------------------------


def _softplus(v: float) -> float:
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


def _sigmoid(v: float) -> float:
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def _elu(v: float, alpha: float = 1.0) -> float:
    return v if v > 0 else alpha * math.expm1(v)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805

# Keras 3's definitions with their default arguments (keras.activations), element by element.
_ELEMENTWISE: dict[str, Callable[[float], float]] = {
    "linear": lambda v: v,
    "sigmoid": _sigmoid,
    "tanh": math.tanh,
    "relu": lambda v: max(v, 0.0),
    "relu6": lambda v: min(max(v, 0.0), 6.0),
    "leaky_relu": lambda v: v if v >= 0 else 0.2 * v,
    "elu": _elu,
    "celu": lambda v: max(v, 0.0) + min(0.0, math.expm1(v)),
    "selu": lambda v: _SELU_SCALE * (v if v > 0 else _SELU_ALPHA * math.expm1(v)),
    "gelu": lambda v: 0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))),
    "exponential": math.exp,
    "softplus": _softplus,
    "softsign": lambda v: v / (1.0 + abs(v)),
    "silu": lambda v: v * _sigmoid(v),
    "swish": lambda v: v * _sigmoid(v),
    "mish": lambda v: v * math.tanh(_softplus(v)),
    "log_sigmoid": lambda v: -_softplus(-v),
    "hard_sigmoid": lambda v: min(max(v + 3.0, 0.0), 6.0) / 6.0,
    "hard_silu": lambda v: v * min(max(v + 3.0, 0.0), 6.0) / 6.0,
    "hard_swish": lambda v: v * min(max(v + 3.0, 0.0), 6.0) / 6.0,
    "hard_tanh": lambda v: min(max(v, -1.0), 1.0),
    "hard_shrink": lambda v: v if abs(v) > 0.5 else 0.0,
    "soft_shrink": lambda v: v - 0.5 if v > 0.5 else (v + 0.5 if v < -0.5 else 0.0),
    "tanh_shrink": lambda v: v - math.tanh(v),
    "squareplus": lambda v: (v + math.sqrt(v * v + 4.0)) / 2.0,
    "sparse_plus": lambda v: 0.0 if v <= -1 else (v if v >= 1 else (v + 1.0) ** 2 / 4.0),
    "sparse_sigmoid": lambda v: 0.0 if v <= -1 else (1.0 if v >= 1 else (v + 1.0) / 2.0),
}


def _softmax(vec: Vector) -> Vector:
    top = max(vec)
    e = [math.exp(v - top) for v in vec]
    s = math.fsum(e)
    return [v / s for v in e]


def _log_softmax(vec: Vector) -> Vector:
    top = max(vec)
    lse = top + math.log(math.fsum(math.exp(v - top) for v in vec))
    return [v - lse for v in vec]


def _sparsemax(vec: Vector) -> Vector:
    # Martins & Astudillo (2016): the Euclidean projection onto the simplex.
    z = sorted(vec, reverse=True)
    cum, k_max, cum_k = 0.0, 0, 0.0
    for k, v in enumerate(z, start=1):
        cum += v
        if 1 + k * v > cum:
            k_max, cum_k = k, cum
    tau = (cum_k - 1) / k_max
    return [max(v - tau, 0.0) for v in vec]


_VECTOR: dict[str, Callable[[Vector], Vector]] = {
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "sparsemax": _sparsemax,
}

#: Activations a recurrent layer cannot run: glu halves the units, threshold needs arguments.
_NOT_IN_A_CELL = {"glu": "halves the units", "threshold": "needs its threshold and default value"}


def _check_activation_name(name: str) -> None:
    if name in _NOT_IN_A_CELL:
        raise SpecError(f"activation {name!r} cannot run inside a recurrent cell: it {_NOT_IN_A_CELL[name]}")
    if name not in _ELEMENTWISE and name not in _VECTOR:
        raise SpecError(f"activation {shown(name)} is not one rnncount can run in a cell")


def activation(name: str) -> Callable[[Vector], Vector]:
    """Keras's activation ``name`` on a vector of floats (element by element, or over the units)."""
    _check_activation_name(name)
    if name in _VECTOR:
        return _VECTOR[name]
    f = _ELEMENTWISE[name]
    return lambda vec: [f(v) for v in vec]
