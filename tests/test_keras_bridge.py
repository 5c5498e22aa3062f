"""The Keras bridge: real models from stacks, summaries as text, and explain() for any model."""

from __future__ import annotations

import dataclasses

import pytest

import rnncount
from rnncount.bridges.keras import keras, summary_text

pytestmark = pytest.mark.keras


def test_build_model_uses_input_and_explicit_names():
    model = rnncount.build_model("GRU(4, return_sequences=True) > GRU(2) > Dense(1, name='head')", (30, 5))
    assert [layer.name for layer in model.layers] == ["gru", "gru_1", "head"]
    assert model.name == "sequential"
    assert tuple(model.inputs[0].shape) == (None, 30, 5)


def test_zero_initialisers_for_display_models():
    model = rnncount.build_model("LSTM(3) > Dense(1)", (4, 2), zeros=True)
    assert all(float(abs(w.numpy()).sum()) == 0.0 for w in model.weights)


def test_embedding_models_take_integer_token_ids():
    model = rnncount.build_model("Embedding(50, 4) > LSTM(3)", (7,))
    assert str(model.inputs[0].dtype).endswith("int32")


@pytest.mark.parametrize("width", [72, 96, 130])
def test_summary_text_is_keras_table_at_a_fixed_width(width, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")  # a narrow terminal must not cut the table
    model = rnncount.build_model("Bidirectional(LSTM(64, return_sequences=True)) > LSTM(32) > Dense(1)", (30, 5))
    text = summary_text(model, line_length=width)
    lines = text.splitlines()
    assert lines[0] == 'Model: "sequential"'
    assert "Param #" in text and "bidirectional (Bidirectional)" in text
    assert max(len(line) for line in lines) == width
    total = rnncount.count("Bidirectional(LSTM(64, return_sequences=True)) > LSTM(32) > Dense(1)", (30, 5)).total
    assert f"Total params: {total:,}" in text
    import os

    assert os.environ["COLUMNS"] == "40"


def test_explain_sequential_and_functional_models():
    k = keras()
    seq = k.Sequential(
        [
            k.Input(shape=(None, 8)),
            k.layers.GRU(6, return_sequences=True, reset_after=False, name="g"),
            k.layers.Bidirectional(k.layers.SimpleRNN(3), merge_mode="sum", name="b"),
            k.layers.Dense(2, use_bias=False, name="d"),
        ],
        name="mine",
    )
    exp = rnncount.explain(seq)
    assert [r.name for r in exp.rows] == ["g", "b", "d"]
    assert all(r.known and r.match for r in exp.rows)
    assert exp.keras_total == seq.count_params()
    assert "3 of 3 layers counted by formula, all agree with Keras." in exp.table()

    inp = k.Input(shape=(12,), dtype="int32", name="tokens")
    x = k.layers.Embedding(100, 8, name="emb")(inp)
    x = k.layers.Conv1DTranspose(4, 3, name="conv")(x)
    x = k.layers.LSTM(5, name="lstm")(x)
    out = k.layers.Dense(1, name="out")(x)
    func = k.Model(inp, out, name="func")
    exp = rnncount.explain(func)
    assert exp.unknown == ["conv"]
    conv = next(r for r in exp.rows if r.name == "conv")
    assert conv.formula == "no formula for Conv1DTranspose (count from Keras)"
    assert conv.keras_params == func.get_layer("conv").count_params()
    assert exp.all_match and exp.keras_total == func.count_params()
    assert "<table" in exp._repr_html_()
    assert exp.to_dict()["all_match"] is True


def test_explain_refuses_an_unbuilt_model_with_the_lesson():
    k = keras()
    model = k.Sequential([k.layers.LSTM(4), k.layers.Dense(1)])
    with pytest.raises(rnncount.SpecError, match="not built yet"):
        rnncount.explain(model)


def test_from_keras_round_trip():
    from rnncount.bridges.keras import from_keras

    specs = [
        "LSTM(4, use_bias=False, return_sequences=True)",
        "GRU(3, reset_after=False)",
        "Bidirectional(GRU(2), merge_mode='ave')",
        "TimeDistributed(Dense(3))",
        "Bidirectional(LSTM(4, return_state=True), merge_mode=None)",
        "Bidirectional(LSTM(4), backward_layer=GRU(4, go_backwards=True, reset_after=False))",
        "RNN(StackedRNNCells([LSTMCell(3), GRUCell(2, reset_after=False)]), return_sequences=True)",
        "Conv1D(4, 2, padding='causal', dilation_rate=2, use_bias=False)",
        "MaxPooling1D(pool_size=2, padding='same')",
        "GlobalAveragePooling1D(keepdims=True)",
        "BatchNormalization(center=False)",
        "LayerNormalization(scale=False)",
        "MultiHeadAttention(2, 3, value_dim=4, use_bias=False, output_shape=5)",
        "Attention(use_scale=True, score_mode='concat')",
        "AdditiveAttention(use_scale=False)",
        "Reshape((15,))",
        "Permute((2, 1))",
        "Masking(0.5)",
        "SpatialDropout1D(0.3)",
        "GaussianNoise(0.2)",
        "Activation('tanh')",
        "TimeDistributed(LayerNormalization())",
    ]
    for spec in specs:
        model = rnncount.build_model(spec, (5, 3))
        first = next(layer for layer in model.layers if type(layer).__name__ != "InputLayer")
        assert _unnamed(from_keras(first)) == rnncount.parse_spec(spec)[0], spec


def _unnamed(layer):
    changes = {"name": None}
    for attr in ("layer", "backward_layer", "cell"):
        inner = getattr(layer, attr, None)
        if isinstance(inner, rnncount.Layer):
            changes[attr] = _unnamed(inner)
    for attr in ("kernel_size", "strides", "dilation_rate", "pool_size", "output_shape"):
        value = getattr(layer, attr, None)
        if isinstance(value, tuple) and len(value) == 1:
            changes[attr] = value[0]  # Keras keeps (3,) for 3
    return dataclasses.replace(layer, **changes)
