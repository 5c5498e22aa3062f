"""explain() on the models people actually have: masks, states, wrappers, nested and subclassed models.

Keras is the oracle: every expected number below is read from the Keras model (count_params(),
trainable_weights, output tensors), never typed by hand.
"""

from __future__ import annotations

import math
import random

import pytest

import rnncount
from rnncount.bridges.keras import count_keras_layer, explain, keras
from rnncount.errors import RnncountTypeError

pytestmark = pytest.mark.keras


def _size(weights) -> int:
    return sum(math.prod(tuple(w.shape)) for w in weights)


def _leaves(model):
    """Every non-input layer, nested models opened, in explain's order."""
    k = keras()
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        if isinstance(layer, k.Model):
            yield from _leaves(layer)
        else:
            yield layer


def _shapes(tensors):
    shapes = [tuple(t.shape) for t in keras().tree.flatten(tensors)]
    return shapes[0] if len(shapes) == 1 else shapes


def assert_all_counted(model, exp=None):
    """Every layer counted by formula and equal to Keras: count, trainable split, output shape."""
    exp = exp or explain(model)
    leaves = list(_leaves(model))
    rows = exp.layers
    assert [r.name for r in rows] == [layer.name for layer in leaves]
    for row, layer in zip(rows, leaves, strict=True):
        assert row.known, (row.name, row.formula)
        assert row.our_params == row.keras_params == _size(layer.weights), row.name
        assert row.our_trainable == _size(layer.trainable_weights), row.name
        assert row.our_non_trainable == _size(layer.non_trainable_weights), row.name
    assert exp.keras_total == model.count_params() == exp.our_total
    assert exp.keras_trainable == _size(model.trainable_weights)
    assert exp.all_match
    m = len(leaves)
    assert exp.verdict == f"{m} of {m} layers counted by formula, all agree with Keras."
    assert exp.verdict in exp.table()
    return exp


def test_the_issue_reproduction_masked_sequential():
    k = keras()
    model = k.Sequential([k.Input((None,)), k.layers.Embedding(100, 8, mask_zero=True), k.layers.LSTM(4)])
    exp = assert_all_counted(model)
    assert "no formula" not in exp.table()


def test_masks_however_they_are_given():
    k, L = keras(), keras().layers
    tokens = k.Input((12,), dtype="int32", name="tokens")
    x = L.Embedding(50, 6, mask_zero=True, name="emb")(tokens)
    x = L.Bidirectional(L.LSTM(5, return_sequences=True), name="bi")(x)
    x = L.GRU(4, name="gru")(x, mask=k.ops.not_equal(tokens, 0))
    readings = k.Input((7, 3), name="readings")
    y = L.Masking(0.0, name="mask")(readings)
    y = L.SimpleRNN(3, name="rnn")(y)
    out = L.Concatenate(name="join")([x, y])
    model = k.Model([tokens, readings], L.Dense(1, name="head")(out), name="masked")
    exp = assert_all_counted(model)
    assert next(r for r in exp.rows if r.name == "join").formula == "0 (no weights)"


def test_encoder_decoder_with_initial_state():
    k, L = keras(), keras().layers
    enc_in = k.Input((None, 9), name="source")
    _, h, c = L.LSTM(16, return_state=True, name="encoder")(enc_in)
    dec_in = k.Input((None, 11), name="target")
    d = L.LSTM(16, return_sequences=True, name="decoder")(dec_in, initial_state=[h, c])
    gru_in = k.Input((None, 4), name="other")
    _, s = L.GRU(16, return_state=True, name="enc_gru")(gru_in)
    g = L.GRU(16, return_sequences=True, name="dec_gru")(dec_in, initial_state=s)
    out = L.Dense(11, name="head")(L.Add(name="add")([d, g]))
    model = k.Model([enc_in, dec_in, gru_in], out, name="seq2seq")
    exp = assert_all_counted(model)
    encoder = next(r for r in exp.rows if r.name == "encoder")
    assert encoder.output_shape == rnncount.core.layers.format_shape(_shapes(model.get_layer("encoder").output))


def test_stateful_layers():
    k, L = keras(), keras().layers
    model = k.Sequential(
        [k.Input(batch_shape=(4, 10, 3)), L.LSTM(6, stateful=True, return_sequences=True), L.GRU(2, stateful=True)]
    )
    assert_all_counted(model)


def test_bidirectional_with_its_own_backward_layer_is_counted_once_each():
    k, L = keras(), keras().layers
    model = k.Sequential(
        [
            k.Input((5, 10)),
            L.Bidirectional(
                L.LSTM(10, return_sequences=True),
                backward_layer=L.GRU(10, return_sequences=True, go_backwards=True),
                name="bi",
            ),
        ]
    )
    exp = assert_all_counted(model)
    row = exp.rows[0]
    assert row.type == "Bidirectional(LSTM, GRU)"
    lstm_alone = rnncount.count("LSTM(10)", (5, 10)).total
    gru_alone = rnncount.count("GRU(10)", (5, 10)).total
    assert row.our_params == lstm_alone + gru_alone == model.count_params()


@pytest.mark.parametrize("merge_mode", ["concat", "sum", None])
def test_bidirectional_return_state_shows_every_output(merge_mode):
    k, L = keras(), keras().layers
    inp = k.Input((6, 3))
    outs = L.Bidirectional(L.LSTM(4, return_state=True), merge_mode=merge_mode, name="bi")(inp)
    model = k.Model(inp, outs)
    exp = assert_all_counted(model)
    assert exp.rows[0].output_shape == rnncount.core.layers.format_shape(_shapes(outs))
    # The same layer as a spec string, and its shapes.
    spec = f"Bidirectional(LSTM(4, return_state=True), merge_mode={merge_mode!r})"
    result = rnncount.count(spec, (6, 3))
    assert result.total == model.count_params()
    assert result.layers[0].output_shape == _shapes(outs)


@pytest.mark.parametrize(
    "cell",
    [
        "SimpleRNNCell(5)",
        "LSTMCell(5, use_bias=False)",
        "GRUCell(5, reset_after=False)",
        "StackedRNNCells([LSTMCell(4), GRUCell(3), SimpleRNNCell(2)])",
    ],
)
def test_rnn_of_a_cell_has_the_blocks_of_the_layer(cell):
    k = keras()
    spec = f"RNN({cell}, return_sequences=True)"
    model = rnncount.build_model(spec, (7, 3))
    assert_all_counted(model)
    lc = count_keras_layer(model.layers[0])
    assert [shape for _, shape in lc.weights] == [tuple(w.shape) for w in model.layers[0].weights]
    if not cell.startswith("Stacked"):
        layer_spec = cell.replace("Cell", "")
        assert lc.blocks == rnncount.count(layer_spec, (7, 3)).layers[0].blocks
    k.backend.clear_session()


def test_nested_models_are_opened_with_a_sub_total():
    k, L = keras(), keras().layers
    feature = k.Sequential(
        [k.Input((20, 3)), L.Conv1D(8, 3, name="conv"), L.BatchNormalization(name="bn"), L.MaxPooling1D(name="pool")],
        name="features",
    )
    deeper = k.Sequential([k.Input((9, 8)), L.GRU(5, name="gru")], name="deeper")
    inp = k.Input((9, 8))
    middle = k.Model(inp, L.Dense(3, name="mid_dense")(deeper(inp)), name="middle")
    outer_in = k.Input((20, 3))
    model = k.Model(outer_in, L.Dense(1, name="head")(middle(feature(outer_in))), name="outer")
    exp = assert_all_counted(model)
    kinds = [(r.row, r.name, r.depth) for r in exp.rows]
    assert kinds[0] == ("model", "features", 0)
    assert ("model", "deeper", 1) in kinds and ("layer", "gru", 2) in kinds
    subtotals = {r.name: r for r in exp.rows if r.row == "subtotal"}
    assert set(subtotals) == {"features", "middle", "deeper"}
    nested = {"features": feature, "middle": middle, "deeper": deeper}
    for name, r in subtotals.items():
        assert r.our_params == r.keras_params == nested[name].count_params() and r.match
    table = exp.table()
    assert "  conv (Conv1D)" in table and "sub-total of features" in table


def test_a_frozen_nested_model_and_frozen_embedding_split_like_keras():
    k, L = keras(), keras().layers
    base = k.Sequential([k.Input((10,)), L.Embedding(30, 4, name="emb"), L.LSTM(3, name="lstm")], name="base")
    base.trainable = False
    inp = k.Input((10,))
    model = k.Model(inp, L.Dense(2, name="head")(base(inp)))
    exp = assert_all_counted(model)
    assert exp.keras_non_trainable == _size(model.non_trainable_weights) > 0
    assert "Non-trainable" in exp.table()


def test_subclassed_models_read_the_build_config():
    k, L = keras(), keras().layers

    class Tagger(k.Model):
        def __init__(self):
            super().__init__(name="tagger")
            self.embed = L.Embedding(40, 6, mask_zero=True)
            self.conv = L.Conv1D(5, 3, padding="same")
            self.norm = L.LayerNormalization()
            self.rnn = L.Bidirectional(L.GRU(4, return_sequences=True))
            self.attend = L.MultiHeadAttention(2, 3)
            self.pool = L.GlobalAveragePooling1D()
            self.head = L.Dense(2)

        def call(self, tokens):
            x = self.rnn(self.norm(self.conv(self.embed(tokens))))
            return self.head(self.pool(self.attend(x, x)))

    model = Tagger()
    model(k.ops.ones((2, 9), dtype="int32"))
    exp = assert_all_counted(model)
    # Every layer with weights has a build config, so its shape is known; a layer without
    # weights may have none (Keras records no build for it), and then its shape shows as "?".
    assert all(r.output_shape != "?" for r in exp.rows if r.keras_params)
    conv = next(r for r in exp.rows if r.type == "Conv1D")
    assert conv.output_shape == rnncount.core.layers.format_shape((None, 9, 5))  # from the build config


def test_unknown_and_zero_weight_layers_are_named_honestly():
    k, L = keras(), keras().layers
    inp = k.Input((4, 6, 6, 6, 1))
    x = L.TimeDistributed(L.Conv3DTranspose(2, 2), name="up")(inp)
    x = L.Reshape((4, -1), name="flat")(x)
    x = L.Dropout(0.1, name="drop")(x)
    model = k.Model(inp, L.LSTM(3, name="lstm")(x))
    exp = explain(model)
    up = exp.rows[0]
    assert not up.known and up.formula == "no formula for TimeDistributed (count from Keras)"
    assert up.keras_params == model.get_layer("up").count_params()
    assert [r.formula for r in exp.rows[1:3]] == ["0 (no weights)", "0 (no weights)"]
    m, n = len(exp.layers), sum(r.known for r in exp.layers)
    assert exp.verdict == (
        f"{n} of {m} layers counted by formula, all agree with Keras; {m - n} without a formula "
        "(their counts are Keras's)."
    )
    assert exp.all_match and exp.unknown == ["up"]

    only_unknown = k.Sequential([k.Input((5, 3)), L.Conv1DTranspose(2, 2, name="t")])
    exp = explain(only_unknown)
    assert exp.verdict == "0 of 1 layers counted by formula; 1 without a formula (their counts are Keras's)."
    assert "no formula for Conv1DTranspose (count from Keras)" in exp.table()


def test_a_lambda_has_no_weights_and_an_unknowable_shape():
    k, L = keras(), keras().layers
    inp = k.Input((5, 3))
    model = k.Model(inp, L.LSTM(2, name="lstm")(L.Lambda(lambda t: t * 2, name="double")(inp)))
    exp = assert_all_counted(model)
    assert exp.rows[0].formula == "0 (no weights)"
    assert "cannot be known in general" in exp.table()
    with pytest.raises(rnncount.SpecError, match="cannot be known in general"):
        rnncount.count("Lambda(lambda x: x) > LSTM(2)", (5, 3))


def test_a_mismatch_is_reported(monkeypatch):
    import rnncount.bridges.keras as bridge

    model = rnncount.build_model("LSTM(4) > Dense(2, name='head')", (5, 3))
    real = bridge._from_keras

    def wrong(layer):
        ours = real(layer)
        return rnncount.Dense(3, name=layer.name) if layer.name == "head" else ours

    monkeypatch.setattr(bridge, "_from_keras", wrong)
    exp = explain(model)
    assert not exp.all_match and exp.mismatches == ["head"]
    assert exp.verdict == "2 of 2 layers counted by formula; 1 DISAGREE with Keras: head."
    assert "MISMATCH" in exp.table()
    assert exp.to_dict()["all_match"] is False


@pytest.mark.parametrize("thing", [None, "not a model", 42, "my_model.keras"])
def test_explain_refuses_what_is_not_a_model(thing):
    with pytest.raises(RnncountTypeError, match="explain\\(\\) takes a Keras model") as info:
        explain(thing)
    assert isinstance(info.value, TypeError)
    assert "\n" not in str(info.value)


def test_explain_refuses_a_bare_layer():
    with pytest.raises(TypeError, match="put the layer in a model"):
        explain(keras().layers.Dense(3))


def test_json_has_the_split_and_the_verdict():
    exp = explain(rnncount.build_model("Conv1D(4, 3) > BatchNormalization() > GRU(2)", (10, 3)))
    data = exp.to_dict()
    assert data["trainable"] + data["non_trainable"] == data["total"] == exp.keras_total
    assert data["verdict"] == exp.verdict and data["counted"] == data["layers_total"] == 3
    assert {"our_trainable", "keras_non_trainable", "depth", "row", "note"} <= set(data["layers"][0])


# --- a random grid of functional models: several inputs, branches, merges and attention ---


def _random_functional(rng: random.Random):
    k, L = keras(), keras().layers
    t = rng.choice([None, rng.randint(3, 12)])
    inputs = [k.Input((t, rng.randint(2, 8))) for _ in range(rng.randint(1, 3))]
    pool = list(inputs)
    for _ in range(rng.randint(2, 6)):
        x = rng.choice(pool)
        kind = rng.choice(["conv", "rnn", "ln", "bn", "mha", "att", "add_att", "concat", "add", "dense", "bidi"])
        width = x.shape[-1]
        if kind == "conv":
            y = L.Conv1D(rng.randint(1, 6), rng.randint(1, 3), padding="same", kernel_initializer="zeros")(x)
        elif kind == "rnn":
            cls = rng.choice([L.SimpleRNN, L.LSTM, L.GRU])
            y = cls(rng.randint(1, 6), return_sequences=True, kernel_initializer="zeros")(x)
        elif kind == "bidi":
            y = L.Bidirectional(
                L.LSTM(3, return_sequences=True),
                backward_layer=L.GRU(3, return_sequences=True, go_backwards=True),
                merge_mode=rng.choice(["concat", "sum"]),
            )(x)
        elif kind == "ln":
            y = L.LayerNormalization(center=rng.random() < 0.5)(x)
        elif kind == "bn":
            y = L.BatchNormalization(scale=rng.random() < 0.5)(x)
        elif kind == "dense":
            y = L.Dense(rng.randint(1, 6), kernel_initializer="zeros")(x)
        elif kind == "mha":
            v = rng.choice(pool)
            key = rng.choice([None, v]) if v.shape[1] == x.shape[1] or True else None
            y = L.MultiHeadAttention(rng.randint(1, 3), rng.randint(1, 4), value_dim=rng.choice([None, 2]))(
                x, v, key=key
            )
        elif kind in ("att", "add_att"):
            v = next((p for p in pool if p.shape[-1] == width), x)
            cls = L.Attention if kind == "att" else L.AdditiveAttention
            y = cls(use_scale=rng.random() < 0.5)([x, v])
        elif kind == "concat":
            same_t = [p for p in pool if p.shape[1] == x.shape[1]]
            y = L.Concatenate()([x, rng.choice(same_t)])
        else:
            same = [p for p in pool if tuple(p.shape) == tuple(x.shape)]
            y = L.Add()([x, rng.choice(same)])
        pool.append(y)
    return k.Model(inputs, pool[-1])


def test_random_functional_models_match_keras():
    rng = random.Random(5)
    checked = 0
    for _ in range(60):
        model = _random_functional(rng)
        exp = assert_all_counted(model)
        for layer in _leaves(model):
            lc = count_keras_layer(layer)
            assert lc.output_shape == _shapes(layer.output), layer.name
            assert [s for _, s in lc.weights] == [tuple(w.shape) for w in layer.weights], layer.name
            checked += 1
        assert exp.all_match
    assert checked >= 100
    keras().backend.clear_session()
