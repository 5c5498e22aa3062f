"""Every layer kind against every consumer: the conformance matrix.

Each registered kind (``LAYER_TYPES``), and each wrapper around each recurrent kind, has at least
one case here. Every case goes through every consumer: the spec parser and printer, the count
against Keras (count, trainable split, output shape, weight shapes), the three picture views in
both renderers, ``rnncount draw`` in each file format, ``explain`` of the built model, the PyTorch
port (an equal count, or the one-line refusal), and the checker. No consumer may end in an internal
error. A kind without a case fails ``test_every_kind_has_a_case`` with the kind's name.
"""

from __future__ import annotations

import math

import pytest

import rnncount
from rnncount import cli
from rnncount.bridges.keras import build_model, explain, keras
from rnncount.bridges.pytorch import torch_layer, torch_module
from rnncount.core.layers import LAYER_TYPES, RECURRENT
from rnncount.errors import RnncountError, SpecError
from rnncount.pictures.drawing import diagram, to_svg

pytestmark = pytest.mark.keras

#: (spec, input without the batch). Kinds that only live inside another (cells) are tested inside it.
CASES: dict[str, list[tuple[str, tuple]]] = {
    "Dense": [("Dense(3)", (5,)), ("Dense(2, use_bias=False)", (4, 6))],
    "Embedding": [("Embedding(50, 8)", (12,))],
    "Flatten": [("Flatten()", (4, 3))],
    "Dropout": [("Dropout(0.2)", (4, 3))],
    "RepeatVector": [("RepeatVector(3)", (5,))],
    "SimpleRNN": [("SimpleRNN(4)", (6, 3)), ("SimpleRNN(3, use_bias=False, return_sequences=True)", (None, 2))],
    "LSTM": [("LSTM(4)", (6, 3)), ("LSTM(2, return_state=True)", (5, 4))],
    "GRU": [("GRU(4)", (6, 3)), ("GRU(3, reset_after=False, return_sequences=True)", (5, 2))],
    "SimpleRNNCell": [("RNN(SimpleRNNCell(3))", (5, 2))],
    "LSTMCell": [("RNN(LSTMCell(4))", (10, 3))],
    "GRUCell": [("RNN(GRUCell(3))", (5, 2)), ("RNN(GRUCell(2, reset_after=False), return_sequences=True)", (4, 3))],
    "StackedRNNCells": [("RNN(StackedRNNCells([LSTMCell(3), GRUCell(2)]))", (5, 4))],
    "RNN": [("RNN(LSTMCell(3), return_state=True)", (5, 4))],
    "Bidirectional": [
        ("Bidirectional(LSTM(3))", (5, 4)),
        ("Bidirectional(GRU(2, return_sequences=True), merge_mode='sum')", (5, 3)),
        ("Bidirectional(RNN(LSTMCell(3)))", (5, 4)),
    ],
    "TimeDistributed": [("TimeDistributed(Dense(3))", (5, 4)), ("TimeDistributed(LSTM(2))", (3, 5, 4))],
    "Conv1D": [("Conv1D(4, 3)", (10, 3)), ("Conv1D(4, 3, strides=2, padding='same', groups=1)", (9, 2))],
    "Conv2D": [("Conv2D(4, 3)", (8, 8, 2))],
    "MaxPooling1D": [("MaxPooling1D(2)", (10, 3))],
    "AveragePooling1D": [("AveragePooling1D(3, 2)", (11, 3))],
    "MaxPooling2D": [("MaxPooling2D(2)", (8, 8, 2))],
    "AveragePooling2D": [("AveragePooling2D(2)", (8, 8, 2))],
    "GlobalMaxPooling1D": [("GlobalMaxPooling1D()", (10, 3))],
    "GlobalAveragePooling1D": [
        ("GlobalAveragePooling1D()", (10, 3)),
        ("GlobalAveragePooling1D(data_format='channels_first')", (5, 7)),
        ("GlobalAveragePooling1D(keepdims=True, data_format='channels_first')", (5, 7)),
    ],
    "GlobalMaxPooling2D": [("GlobalMaxPooling2D()", (8, 8, 2))],
    "GlobalAveragePooling2D": [("GlobalAveragePooling2D(keepdims=True)", (8, 8, 2))],
    "BatchNormalization": [("BatchNormalization()", (6, 3))],
    "LayerNormalization": [("LayerNormalization()", (6, 3))],
    "MultiHeadAttention": [("MultiHeadAttention(2, 4)", (5, 8))],
    "Attention": [("Attention(use_scale=True)", (5, 8))],
    "AdditiveAttention": [("AdditiveAttention()", (5, 8))],
    "Concatenate": [("Concatenate()", [(5, 3), (5, 2)])],
    "Add": [("Add()", [(5, 3), (5, 3)])],
    "Subtract": [("Subtract()", [(5, 3), (5, 3)])],
    "Multiply": [("Multiply()", [(5, 3), (5, 3)])],
    "Average": [("Average()", [(5, 3), (5, 3)])],
    "Maximum": [("Maximum()", [(5, 3), (5, 3)])],
    "Minimum": [("Minimum()", [(5, 3), (5, 3)])],
    "Reshape": [("Reshape((3, 4))", (12,))],
    "Permute": [("Permute((2, 1))", (5, 3))],
    "Masking": [("Masking()", (5, 3))],
    "SpatialDropout1D": [("SpatialDropout1D(0.2)", (5, 3))],
    "GaussianNoise": [("GaussianNoise(0.1)", (5, 3))],
    "Activation": [("Activation('relu')", (5, 3))],
    "ConvLSTM1D": [
        ("ConvLSTM1D(4, 3)", (6, 10, 2)),
        ("ConvLSTM1D(3, 5, dilation_rate=2, return_sequences=True)", (4, 20, 2)),
    ],
    "ConvLSTM2D": [
        ("ConvLSTM2D(8, 3)", (10, 16, 16, 3)),
        ("ConvLSTM2D(2, (3, 2), strides=2, padding='same', return_state=True)", (4, 9, 8, 2)),
    ],
}

#: Kinds no spec can hold (their shape only Keras knows); explain covers them in test_explain.py.
NOT_IN_SPECS = {"Lambda"}

#: Each recurrent kind inside each wrapper.
WRAPPED = [
    (f"{wrap.format(kind)}", shape)
    for kind in RECURRENT
    for wrap, shape in (
        ("Bidirectional({}(3))", (5, 4)),
        ("Bidirectional({}(2, return_sequences=True), merge_mode='ave')", (5, 4)),
        ("TimeDistributed({}(2))", (3, 5, 4)),
        ("RNN({}Cell(3))", (5, 4)),
        ("Bidirectional(RNN({}Cell(2)))", (5, 4)),
    )
]

ALL = [case for kind in CASES for case in CASES[kind]] + WRAPPED
IDS = [spec for spec, _ in ALL]


def test_every_kind_has_a_case():
    missing = sorted(set(LAYER_TYPES) - set(CASES) - NOT_IN_SPECS)
    assert not missing, f"no conformance case for {', '.join(missing)}: add one to CASES in {__file__}"


def _first_input(shape):
    return shape if isinstance(shape, tuple) else shape[0]


def _count(spec, shape):
    if isinstance(shape, list):  # a merge layer joins several inputs: count the layer on all of them
        layer = rnncount.parse_spec(spec)[0]
        return layer, layer.build_many([(None, *s) for s in shape])
    return None, rnncount.count(spec, shape)


def _size(weights) -> int:
    return sum(math.prod(tuple(w.shape)) for w in weights)


def _shapes(tensors):
    shapes = [tuple(t.shape) for t in keras().tree.flatten(tensors)]
    return shapes[0] if len(shapes) == 1 else shapes


@pytest.mark.parametrize(("spec", "shape"), ALL, ids=IDS)
def test_spec_round_trip(spec, shape):
    layers = rnncount.parse_spec(spec)
    printed = rnncount.format_spec(layers)
    assert rnncount.parse_spec(printed) == layers, printed
    assert rnncount.parse_spec(printed)[0].extra == layers[0].extra


@pytest.mark.parametrize(("spec", "shape"), ALL, ids=IDS)
def test_counts_shapes_and_weights_match_keras(spec, shape):
    if isinstance(shape, list):
        layer, built = _count(spec, shape)
        k = keras()
        inputs = [k.Input(shape=s) for s in shape]
        kl = layer.to_keras(k.layers, "merge", False, None)
        out = kl(inputs)
        assert built.params == kl.count_params() == 0, spec
        assert built.output_shape == _shapes(out), spec
        return
    result = rnncount.count(spec, shape)
    model = build_model(result, zeros=True)
    klayers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    assert len(klayers) == len(result.layers)
    for lc, kl in zip(result.layers, klayers, strict=True):
        assert lc.params == kl.count_params(), spec
        assert lc.trainable_params == _size(kl.trainable_weights), spec
        assert lc.non_trainable_params == _size(kl.non_trainable_weights), spec
        assert lc.output_shape == _shapes(kl.output), spec
        assert [s for _, s in lc.weights] == [tuple(w.shape) for w in kl.weights], spec
    assert result.total == model.count_params()


@pytest.mark.parametrize(("spec", "shape"), ALL, ids=IDS)
def test_explain_agrees_with_keras(spec, shape):
    if isinstance(shape, list):
        pytest.skip("merge layers join several inputs; test_explain.py explains them inside functional models")
    model = build_model(rnncount.count(spec, shape), zeros=True)
    exp = explain(model)
    assert exp.all_match, exp.table()
    assert all(row.known for row in exp.layers), exp.table()


@pytest.mark.parametrize("view", ["weights", "unrolled", "cell"])
@pytest.mark.parametrize(("spec", "shape"), ALL, ids=IDS)
def test_three_views_in_both_renderers(spec, shape, view):
    if isinstance(shape, list):
        pytest.skip("a stack has one input; merge layers are drawn inside explain's models")
    result = rnncount.count(spec, shape)
    svg = to_svg(result, view=view)
    assert svg.startswith("<svg") and result.layers[0].name in svg
    fig = diagram(result, view=view)
    assert fig.axes, spec
    if view == "weights":
        inner = result.layers[0].layer.inner()
        for gate in getattr(inner, "gates", ()):
            style = inner.style(gate)
            assert style is not None and style.color in svg, (spec, gate)


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
@pytest.mark.parametrize(("spec", "shape"), ALL[::3], ids=IDS[::3])
def test_draw_writes_every_format(spec, shape, suffix, tmp_path, capsys):
    if isinstance(shape, list):
        pytest.skip("a stack has one input")
    out = tmp_path / f"picture{suffix}"
    code = cli.main(["draw", spec, "--input", ",".join("None" if d is None else str(d) for d in shape), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert out.stat().st_size > 500


@pytest.mark.parametrize(("spec", "shape"), ALL, ids=IDS)
def test_pytorch_port_counts_alike_or_refuses_in_one_line(spec, shape):
    torch = pytest.importorskip("torch")
    if isinstance(shape, list):
        pytest.skip("a stack has one input")
    result = rnncount.count(spec, shape)
    for lc in result.layers:
        try:
            port = torch_layer(lc)
        except SpecError as err:
            text = str(err)
            assert "\n" not in text and lc.name in text and "PyTorch" in text, text
            with pytest.raises(SpecError):
                torch_module(lc)
            continue
        module = torch_module(lc)
        real = 0 if module is None else sum(p.numel() for p in module.parameters())
        assert port.params == real, (spec, port.module)
    del torch


@pytest.mark.parametrize(("spec", "shape"), ALL, ids=IDS)
def test_command_line_never_fails_inside(spec, shape, capsys):
    if isinstance(shape, list):
        pytest.skip("a stack has one input")
    text = ",".join("None" if d is None else str(d) for d in shape)
    total = rnncount.count(spec, shape).total
    for argv in (
        ["count", spec, "--input", text],
        ["count", spec, "--input", text, "--json"],
        ["count", spec, "--input", text, "--framework", "both"],
        ["check", spec, "--input", text, "--answer", str(total)],
        ["check", spec, "--input", text, "--answer", str(total + 1)],
    ):
        code = cli.main(argv)
        err = capsys.readouterr().err
        assert "internal error" not in err, (argv, err)
        assert code in (0, 1, 2), (argv, code)
        if code == 2:
            assert err.count("\n") <= 1, err


@pytest.mark.parametrize(("spec", "shape"), ALL, ids=IDS)
def test_forgot_the_bias_is_named_wherever_a_layer_has_biases(spec, shape, capsys):
    if isinstance(shape, list):
        pytest.skip("a stack has one input")
    result = rnncount.count(spec, shape)
    bias = sum(b.params for lc in result.layers for b in lc.blocks if b.variable == "bias")
    if not bias:
        pytest.skip("no bias in this stack")
    text = ",".join("None" if d is None else str(d) for d in shape)
    code = cli.main(["check", spec, "--input", text, "--answer", str(result.total - bias)])
    out = capsys.readouterr().out
    assert code == 1
    assert "bias" in out.lower(), out


def test_errors_are_rnncount_errors_for_every_kind_on_a_wrong_input():
    """Each kind refuses an input it cannot take with a one-line rnncount error, never a crash."""
    for kind, cases in CASES.items():
        spec, shape = cases[0]
        if isinstance(shape, list):
            continue
        for wrong in ((), (None,), (2, 3, 4, 5, 6, 7)):
            try:
                rnncount.count(spec, wrong)
            except RnncountError as err:
                assert "\n" not in str(err), (kind, wrong, str(err))
