"""The cell graphs against Keras: the step computed in plain Python from a real layer's weights.

Each case builds a Keras layer (keras.Input, explicit names), gives it random weights, runs a
sequence through it and through the cell graphs of the same spec (rnncount.core.cells), and
compares every timestep's output and the final states to 1e-5. The cell view is checked
against the same graphs: one arrow per edge, from the drawn source to the drawn target.
"""

from __future__ import annotations

import itertools
import math

import pytest

from rnncount.core.cells import activation, cell_graphs, equations, graph_for, plain_layers, run_cells
from rnncount.core.engine import count
from rnncount.core.spec import parse_spec
from rnncount.errors import RnncountTypeError, SpecError

keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")

T = 4


Cell = tuple[str, int, dict]  # (Keras class name, units, keyword arguments)


def _spec(cell: Cell) -> str:
    kind, units, kwargs = cell
    return f"{kind}({', '.join([str(units)] + [f'{k}={v!r}' for k, v in kwargs.items()])})"


def _keras_layer(cells: list[Cell], wrapped: bool, name: str):
    """The Keras layer of a case, made with Keras's public API from the same description as the spec."""
    L = keras.layers
    made = [getattr(L, kind)(units, **kwargs, name=f"{name}_cell{k}") for k, (kind, units, kwargs) in enumerate(cells)]
    if not wrapped:
        return getattr(L, cells[0][0])(cells[0][1], **cells[0][2], return_sequences=True, return_state=True, name=name)
    cell = made[0] if len(made) == 1 else L.StackedRNNCells(made, name=f"{name}_stack")
    return L.RNN(cell, return_sequences=True, return_state=True, name=name)


def _case_spec(cells: list[Cell], wrapped: bool) -> str:
    if not wrapped:
        return _spec(cells[0])
    inner = _spec(cells[0]) if len(cells) == 1 else f"StackedRNNCells([{', '.join(map(_spec, cells))}])"
    return f"RNN({inner})"


def _cells_of(layer):
    cell = getattr(layer, "cell", None)
    if cell is None:
        return [layer]
    return list(cell.cells) if hasattr(cell, "cells") else [cell]


def _weights(cell) -> dict:
    return {v.name: np.asarray(v.numpy()).tolist() for v in cell.weights}


def _run_case(cells: list[Cell], wrapped: bool, units_in: int, seed: int) -> None:
    spec = _case_spec(cells, wrapped)
    rng = np.random.default_rng(seed)
    inp = keras.Input(shape=(T, units_in), name="x")
    layer = _keras_layer(cells, wrapped, "rnn")
    outs = layer(inp)
    model = keras.Model(inp, outs, name="case")
    for v in layer.weights:
        v.assign(rng.uniform(-1.0, 1.0, size=v.shape).astype("float32"))
    x = rng.uniform(-1.5, 1.5, size=(1, T, units_in)).astype("float32")
    got = [np.asarray(o) for o in keras.tree.flatten(model(x))]  # StackedRNNCells nests each cell's states
    seq, states = got[0][0], [s[0] for s in got[1:]]

    ours = parse_spec(spec)[0]
    graphs = cell_graphs(ours, input_width=units_in)
    cells = _cells_of(layer)
    assert len(graphs) == len(cells)
    per_cell = run_cells(graphs, [_weights(c) for c in cells], x[0].tolist())
    last = per_cell[-1]
    np.testing.assert_allclose([s["h"] for s in last], seq, atol=1e-5, rtol=1e-5, err_msg=spec)
    final = [v for g, steps in zip(graphs, per_cell, strict=True) for v in (steps[-1][s] for s in g.states)]
    assert len(final) == len(states), spec
    for mine, theirs in zip(final, states, strict=True):
        np.testing.assert_allclose(mine, theirs, atol=1e-5, rtol=1e-5, err_msg=spec)


def _layer_cases() -> list[Cell]:
    out = []
    acts = [
        {},
        {"activation": "relu"},
        {"recurrent_activation": "hard_sigmoid"},
        {"activation": "softsign", "recurrent_activation": "relu"},
    ]
    for kind, units, bias, opts in itertools.product(("SimpleRNN", "LSTM", "GRU"), (1, 3), (True, False), acts):
        if kind == "SimpleRNN" and "recurrent_activation" in opts:
            continue
        kwargs = ({} if bias else {"use_bias": False}) | opts
        forms = [{}] if kind != "GRU" else [{}, {"reset_after": False}]
        out += [(kind, units, kwargs | form) for form in forms]
    return out


LAYER_CASES = _layer_cases()
CELL_CASES: list[list[Cell]] = [
    [("SimpleRNNCell", 3, {})],
    [("SimpleRNNCell", 2, {"use_bias": False, "activation": "relu"})],
    [("LSTMCell", 4, {})],
    [("LSTMCell", 3, {"use_bias": False, "recurrent_activation": "hard_sigmoid"})],
    [("GRUCell", 3, {})],
    [("GRUCell", 3, {"reset_after": False, "activation": "relu"})],
    [("GRUCell", 2, {"use_bias": False})],
    [("LSTMCell", 3, {}), ("GRUCell", 2, {"reset_after": False})],
    [("SimpleRNNCell", 2, {}), ("LSTMCell", 2, {"activation": "softsign"}), ("GRUCell", 3, {})],
]


@pytest.mark.parametrize("case", LAYER_CASES, ids=_spec)
@pytest.mark.parametrize("width", [1, 5])
def test_layer_step_matches_keras(case: Cell, width: int) -> None:
    _run_case([case], False, width, seed=len(_spec(case)) * 7 + width)


@pytest.mark.parametrize("cells", CELL_CASES, ids=lambda cells: _case_spec(cells, True))
def test_cells_in_rnn_match_keras(cells: list[Cell]) -> None:
    _run_case(cells, True, 4, seed=len(cells) * 11)


def test_grid_covers_every_kind_and_option() -> None:
    text = " ".join(map(_spec, LAYER_CASES))
    for piece in ("SimpleRNN(", "LSTM(", "GRU(", "use_bias=False", "reset_after=False", "'relu'", "'hard_sigmoid'"):
        assert piece in text
    assert len(LAYER_CASES) >= 40


_KERAS_ACTS = [
    "linear", "sigmoid", "tanh", "relu", "relu6", "leaky_relu", "elu", "celu", "selu", "gelu", "exponential",
    "softplus", "softsign", "silu", "swish", "mish", "log_sigmoid", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "squareplus", "sparse_plus", "sparse_sigmoid",
    "softmax", "log_softmax", "sparsemax",
]  # fmt: skip


@pytest.mark.parametrize("name", _KERAS_ACTS)
def test_activation_matches_keras(name: str) -> None:
    values = [-3.2, -1.0, -0.7, -0.5, -0.2, 0.0, 0.3, 0.5, 0.9, 1.0, 2.5, 4.0]
    theirs = np.asarray(keras.activations.get(name)(np.asarray([values], dtype="float64")))[0]
    np.testing.assert_allclose(activation(name)(values), theirs, atol=1e-6, rtol=1e-6, err_msg=name)


def test_every_keras_activation_runs_or_is_refused() -> None:
    from rnncount.core.layers import ACTIVATIONS

    for name in ACTIVATIONS:
        if name in ("glu", "threshold"):
            with pytest.raises(SpecError, match="cannot run inside a recurrent cell"):
                activation(name)
        else:
            assert len(activation(name)([0.5, -0.5])) == 2


def test_graph_edges_are_the_inputs() -> None:
    g = cell_graphs(parse_spec("GRU(4, reset_after=False)")[0])[0]
    assert ("act_r", "reset") in g.edges and ("h_prev", "reset") in g.edges
    assert ("reset", "sum_h") in g.edges and ("h_prev", "sum_h") not in g.edges
    after = cell_graphs(parse_spec("GRU(4)")[0])[0]
    assert ("sum_h_h", "reset") in after.edges and ("h_prev", "reset") not in after.edges
    assert set(after.edges) != set(g.edges)


def test_equations_forms() -> None:
    eq = equations("GRU(8)")
    assert eq.text[2] == "h̃_t = tanh(x_t W_xh + b_xh + r_t ⊙ (h_{t-1} W_hh + b_hh))"
    assert eq.latex[2] == r"\tilde{h}_{t} = \tanh(x_{t} W_{xh} + b_{xh} + r_{t} \odot (h_{t-1} W_{hh} + b_{hh}))"
    assert equations("GRU(8, reset_after=False)").text[2] == "h̃_t = tanh(x_t W_xh + (r_t ⊙ h_{t-1}) W_hh + b_h)"
    lstm = equations("LSTM(2, use_bias=False, recurrent_activation='hard_sigmoid')")
    assert lstm.text[0] == "i_t = hard_sigmoid(x_t W_xi + h_{t-1} W_hi)"
    assert lstm.text[-2:] == ["c_t = f_t ⊙ c_{t-1} + i_t ⊙ c̃_t", "h_t = o_t ⊙ tanh(c_t)"]
    assert r"\operatorname{hard\_sigmoid}" in lstm._repr_latex_()
    assert equations("RNN(LSTMCell(2))").text == equations("LSTM(2)").text
    assert equations("Bidirectional(SimpleRNN(2))").text == ["h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)"]
    stacked = str(equations("RNN(StackedRNNCells([LSTMCell(3), GRUCell(2)]))"))
    assert stacked.startswith("cell_0 (LSTM):") and "cell_1 (GRU):" in stacked


def test_convlstm_is_the_lstm_graph_with_convolutions() -> None:
    conv = cell_graphs(parse_spec("ConvLSTM2D(4, 3)")[0])[0]
    lstm = cell_graphs(parse_spec("LSTM(4)")[0])[0]
    assert conv.family == "LSTM" and conv.conv and not lstm.conv
    assert conv.edges == lstm.edges
    assert equations("ConvLSTM1D(4, 3)").text[0] == "i_t = σ(x_t ∗ W_xi + h_{t-1} ∗ W_hi + b_i)"
    assert equations("ConvLSTM1D(4, 3)").text[-2:] == equations("LSTM(4)").text[-2:]
    with pytest.raises(SpecError, match="convolutions"):
        conv.step({}, [0.0], [0.0], [0.0])


def test_bad_input_is_one_line() -> None:
    with pytest.raises(SpecError, match="no recurrent cell"):
        equations("Dense(3)")
    with pytest.raises(SpecError, match="one recurrent layer"):
        equations("LSTM(2) > Dense(1)")
    with pytest.raises(RnncountTypeError):
        equations(3)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="form must be one of"):
        graph_for("SimpleRNN", count("SimpleRNN(2)", (3, 2)).layers[0].blocks).equations("html")
    with pytest.raises(RnncountTypeError, match="carry state"):
        cell_graphs(parse_spec("LSTM(1)")[0])[0].step({}, [0.0], [0.0])


def test_plain_layers_of_wrappers() -> None:
    assert [p.spec() for p in plain_layers(parse_spec("RNN(GRUCell(3, reset_after=False))")[0])] == [
        "GRU(3, reset_after=False)"
    ]
    assert [p.kind for p in plain_layers(parse_spec("RNN(StackedRNNCells([LSTMCell(3), GRUCell(2)]))")[0])] == [
        "LSTM",
        "GRU",
    ]


# --- the cell view is drawn from the graph ----------------------------------------------------

VIEW_CASES = [
    "SimpleRNN(3)",
    "LSTM(4)",
    "GRU(4)",
    "GRU(4, reset_after=False)",
    "GRU(3, use_bias=False)",
    "LSTM(2, use_bias=False, activation='relu')",
    "RNN(LSTMCell(4))",
    "RNN(GRUCell(3, reset_after=False))",
    "RNN(StackedRNNCells([LSTMCell(3), GRUCell(2)]))",
    "Bidirectional(GRU(3, reset_after=False))",
    "ConvLSTM1D(3, 2)",
    "ConvLSTM2D(2, 3, use_bias=False)",
]

_SHAPES = {"ConvLSTM1D": (10, 8, 3), "ConvLSTM2D": (10, 6, 6, 3)}


def _inside(point: tuple[float, float], box: tuple[float, float, float, float], slack: float = 3.0) -> bool:
    x, y = point
    x0, y0, x1, y1 = box
    return x0 - slack <= x <= x1 + slack and y0 - slack <= y <= y1 + slack


@pytest.mark.parametrize("spec", VIEW_CASES)
@pytest.mark.parametrize("dark", [False, True])
def test_cell_view_arrows_are_the_graph_edges(spec: str, dark: bool) -> None:
    from rnncount.pictures.drawing import layout
    from rnncount.pictures.views import node_box

    result = count(spec, _SHAPES.get(spec.split("(")[0], (10, 3)))
    scene = layout(result, view="cell", dark=dark)
    graphs = cell_graphs(result.layers[0].layer, result.layers[0].blocks)
    drawn_nodes = scene.groups("rnncount-node") + scene.groups("rnncount-gate")  # the weighted sums are gate boxes
    nodes = {(g.data["cell"], g.data["node"]): g for g in drawn_nodes}
    assert len(nodes) == len(drawn_nodes)
    edges = scene.groups("rnncount-edge")
    for k, graph in enumerate(graphs):
        cell = str(k)
        assert {n for c, n in nodes if c == cell} == {n.id for n in graph.nodes}
        drawn = sorted((e.data["from"], e.data["to"]) for e in edges if e.data["cell"] == cell)
        assert drawn == sorted(graph.edges), spec
        for e in (e for e in edges if e.data["cell"] == cell):
            paths = [p for p in e.items if hasattr(p, "points")]
            assert len(paths) == 1 and paths[0].arrow
            pts = paths[0].points
            src, dst = node_box(nodes[(cell, e.data["from"])]), node_box(nodes[(cell, e.data["to"])])
            assert _inside(pts[0], src), (spec, e.data, pts[0], src)
            assert _inside(pts[-1], dst), (spec, e.data, pts[-1], dst)
            # An arrow touches its target only at its end: it never runs through a box on the way.
            for other_key, other in nodes.items():
                if other_key[0] != cell or other_key[1] in (e.data["from"], e.data["to"]):
                    continue
                if other.data["op"] in ("sum", "act", "mul", "add", "one_minus"):
                    assert not _crosses(pts, node_box(other)), (spec, e.data, other_key)
    # Every weight block of the cell appears in exactly one weighted-sum box.
    sums = scene.groups("rnncount-gate")
    assert all(g.data["op"] == "sum" for g in sums)
    named = sorted(b for g in sums for b in g.data["blocks"].split())
    own = [b for b in result.layers[0].blocks if b.direction in (None, "forward")]
    assert named == sorted(b.name for b in own)


def _crosses(points: list[tuple[float, float]], box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = box
    for (ax, ay), (bx, by) in itertools.pairwise(points):
        for k in range(1, 40):
            t = k / 40
            px, py = ax + (bx - ax) * t, ay + (by - ay) * t
            if x0 + 1 < px < x1 - 1 and y0 + 1 < py < y1 - 1:
                return True
    return False


def test_the_two_gru_pictures_differ_where_keras_differs() -> None:
    from rnncount.pictures.drawing import layout

    def wiring(spec: str) -> set[tuple[str, str]]:
        scene = layout(count(spec, (10, 3)), view="cell", dark=False)
        return {(e.data["from"], e.data["to"]) for e in scene.groups("rnncount-edge")}

    after, before = wiring("GRU(4)"), wiring("GRU(4, reset_after=False)")
    assert ("h_prev", "reset") in before and ("reset", "sum_h") in before
    assert ("sum_h_h", "reset") in after and ("h_prev", "sum_h_h") in after
    assert ("h_prev", "sum_h") not in before


def test_step_math_by_hand() -> None:
    # SimpleRNN with one unit: h = tanh(x w + h u + b), worked by hand.
    g = cell_graphs(parse_spec("SimpleRNN(1)")[0])[0]
    w = {"kernel": [[0.5]], "recurrent_kernel": [[2.0]], "bias": [0.1]}
    h1 = g.step(w, [1.0], [0.0])["h"][0]
    assert math.isclose(h1, math.tanh(0.6))
    assert math.isclose(g.step(w, [1.0], [h1])["h"][0], math.tanh(0.6 + 2 * h1))


# --- one registry of views ---------------------------------------------------------------------


def test_every_consumer_reads_the_one_registry(capsys: pytest.CaptureFixture) -> None:
    from rnncount.cli import build_parser
    from rnncount.dashboards.widgets import VIEW_NOTES, _views
    from rnncount.pictures.drawing import VIEWS, layout
    from rnncount.pictures.registry import REGISTRY

    assert tuple(REGISTRY) == VIEWS == _views()
    assert {name: v.note for name, v in REGISTRY.items()} == VIEW_NOTES
    parser = build_parser()
    for name in VIEWS:
        assert parser.parse_args(["draw", "GRU(3)", "-i", "5,2", "--view", name, "-o", "x.svg"]).view == name
    with pytest.raises(SystemExit):
        parser.parse_args(["draw", "GRU(3)", "-i", "5,2", "--view", "cells", "-o", "x.svg"])
    assert ", ".join(map(repr, VIEWS)) in capsys.readouterr().err  # argparse lists the registry's choices
    result = count("GRU(3)", (5, 2))
    for name, view in REGISTRY.items():
        assert layout(result, view=name).view == name
        assert view.label and view.note
    with pytest.raises(SpecError, match="view must be one of 'weights', 'unrolled', 'cell', got 'cells'"):
        layout(result, view="cells")
    with pytest.raises(RnncountTypeError, match="view must be one of"):
        layout(result, view=3)  # type: ignore[arg-type]


def test_a_bidirectional_with_its_own_backward_cell_says_so() -> None:
    from rnncount.pictures.drawing import layout

    def said(spec: str) -> str:
        return " ".join(t.text for t in layout(count(spec, (5, 2)), view="cell").texts())

    assert "has a cell of its own" in said("Bidirectional(LSTM(3), backward_layer=GRU(3, go_backwards=True))")
    assert "each have this cell" in said("Bidirectional(LSTM(3), backward_layer=LSTM(3, go_backwards=True))")
    assert "each have this cell" in said("Bidirectional(GRU(3))")
