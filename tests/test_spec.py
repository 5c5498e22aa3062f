"""Spec strings and input shapes: parsed, never evaluated; every mistake gets one clear line."""

from __future__ import annotations

import pytest

import rnncount
from rnncount import GRU, LSTM, Bidirectional, Dense, SpecError, TimeDistributed, parse_shape, parse_spec


def test_parse_a_slide_spec():
    layers = parse_spec("SimpleRNN(30, return_sequences=True) > GRU(20) > Dense(1)")
    assert [layer.kind for layer in layers] == ["SimpleRNN", "GRU", "Dense"]
    assert layers[0].return_sequences is True
    assert layers[1].units == 20 and layers[1].reset_after is True


def test_nested_calls_and_keyword_forms():
    layers = parse_spec(
        "Bidirectional(LSTM(units=8, return_sequences=True), merge_mode='sum') > TimeDistributed(Dense(3))"
    )
    assert layers == [Bidirectional(LSTM(8, return_sequences=True), merge_mode="sum"), TimeDistributed(Dense(3))]


def test_keras_prefixes_and_cosmetic_arguments_are_accepted():
    layers = parse_spec("layers.LSTM(4, activation='tanh', dropout=0.1) > keras.layers.Dense(1, activation='sigmoid')")
    assert [layer.kind for layer in layers] == ["LSTM", "Dense"]
    assert layers[1].extra == {"activation": "sigmoid"}


@pytest.mark.parametrize(
    "spec",
    [
        "LSTM(4)",
        "GRU(3, use_bias=False, reset_after=False, return_sequences=True) > Dense(2, use_bias=False)",
        "Embedding(100, 8) > Bidirectional(GRU(4), merge_mode=None)",
        "Dense(4) > Dropout(0.3) > RepeatVector(5) > TimeDistributed(Dense(1)) > Flatten()",
        "LSTM(4, return_state=True, name='encoder')",
    ],
)
def test_round_trip(spec):
    layers = parse_spec(spec)
    assert parse_spec(rnncount.format_spec(layers)) == layers


def test_empty_spec_is_an_empty_stack():
    assert parse_spec("") == []
    assert rnncount.count("", (30, 5)).total == 0


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("Conv3D(3)", "unknown layer 'Conv3D'"),
        ("LTSM(3)", "did you mean LSTM?"),
        ("lstm(3)", "did you mean LSTM?"),
        ("LSTM(0)", "units must be a positive whole number, got 0"),
        ("LSTM(-4)", "units must be a positive whole number, got -4"),
        ("LSTM(2.5)", "got 2.5"),
        ("LSTM(True)", "got True"),
        ("LSTM('8')", "got '8'"),
        ("LSTM(3", "never closed"),
        ("LSTM(3) > ", "cannot read the spec"),
        ("LSTM", "needs parentheses"),
        ("os.system('ls')", "'os.system' is not a layer"),
        ("__import__('os').system('ls')", "expected a layer name"),
        ("LSTM(x)", "must be a literal value"),
        ("LSTM(2**100)", "must be a literal value"),
        ("LSTM(4, foo=1)", "unknown argument 'foo'"),
        ("LSTM(4, reset_after=True)", "reset_after is not an option of LSTM"),
        ("LSTM(4, input_shape=(30, 5))", "Keras 2 idiom"),
        ("Embedding(100, 8, input_length=10)", "removed from Embedding in Keras 3"),
        ("Embedding(100)", "missing output_dim"),
        ("Bidirectional(Dense(4))", "wraps a recurrent layer"),
        ("Bidirectional(LSTM(4), merge_mode='max')", "merge_mode must be one of"),
        ("TimeDistributed(LSTM(4))", "LSTM needs a sequence"),
        ("LSTM(4) < Dense(1)", "separate layers with '>'"),
        ("Dense(1, 2, 3)", "positional argument"),
        ("Dense(1, units=2)", "given twice"),
        ("Dropout(1.5)", "rate must be a number"),
        ("LSTM(4, name='a b')", "simple identifier"),
        ("LSTM(4, name='x') > Dense(1, name='x')", "named 'x'"),
    ],
)
def test_bad_specs_name_the_problem(spec, fragment):
    with pytest.raises(SpecError) as info:
        rnncount.count(spec, (30, 5))
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_nothing_is_executed(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.chdir(tmp_path)
    for spec in (f"open({str(marker)!r}, 'w')", f"LSTM(open({str(marker)!r}, 'w'))", "[x for x in ()]"):
        with pytest.raises(SpecError):
            parse_spec(spec)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "shape"),
    [("30,5", (30, 5)), ("None,5", (None, 5)), ("200", (200,)), ("(30, 5)", (30, 5)), ("200,", (200,)), (7, (7,))],
)
def test_parse_shape(text, shape):
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", ["", "x", "30,-5", "0,5", "30,5.5", "1,2,3,4,5", "30;5"])
def test_bad_shapes(text):
    with pytest.raises(SpecError):
        parse_shape(text)


@pytest.mark.parametrize(
    ("spec", "shape", "fragment"),
    [
        (
            "Dense(1) > LSTM(3)",
            (5,),
            "LSTM after Dense (layer 2): LSTM needs a sequence (None, T, i) but receives (None, 1)",
        ),
        ("LSTM(3) > LSTM(3)", (30, 5), "set return_sequences=True on an earlier recurrent layer"),
        ("LSTM(3)", (5,), "give the input as timesteps,features"),
        ("Dense(4) > GRU(2)", (8,), "use RepeatVector(T)"),
        ("Embedding(10, 3)", (30, 5), "Embedding takes token ids shaped (None, T)"),
        ("LSTM(3, return_sequences=True) > RepeatVector(2)", (30, 5), "RepeatVector needs a vector"),
        ("Flatten() > Dense(1)", (None, 5), "needs a known input width"),
        ("LSTM(3, return_state=True) > Dense(1)", (30, 5), "returns 3 tensors"),
        ("Bidirectional(GRU(3), merge_mode=None) > Dense(1)", (30, 5), "returns 2 tensors"),
        ("LSTM(3)", (30, None), "needs a known input width"),
    ],
)
def test_impossible_stacks_teach(spec, shape, fragment):
    with pytest.raises(SpecError) as info:
        rnncount.count(spec, shape)
    assert fragment in str(info.value)


def test_layer_objects_validate_like_specs():
    with pytest.raises(SpecError):
        GRU(0)
    with pytest.raises(SpecError):
        GRU(3, reset_after="yes")
    assert LSTM(4).with_options(units=8).units == 8
