"""Blocks are the single source of truth: counts, formulas and weight shapes all come from them."""

from __future__ import annotations

import random

import pytest
from _stacks import random_case
from test_keras_grid import evaluate

import rnncount


def test_blocks_add_up_and_layers_add_up():
    rng = random.Random(3)
    for _ in range(2000):
        case = random_case(rng)
        result = rnncount.count(case.layers, case.input_shape)
        for lc in result.layers:
            assert lc.params == sum(b.params for b in lc.blocks)
            if lc.params:
                assert evaluate(lc.formula.numbers) == lc.params == lc.formula.value
        assert result.total == sum(lc.params for lc in result.layers)
        assert result.to_dict()["total"] == result.total


def test_lstm_blocks_are_named_by_gate_in_keras_order():
    lc = rnncount.count("LSTM(32)", (20, 100)).layers[0]
    kernel = [b for b in lc.blocks if b.variable == "kernel"]
    assert [b.gate for b in kernel] == ["i", "f", "c", "o"]
    assert [b.column for b in kernel] == [0, 32, 64, 96]
    assert {b.shape for b in kernel} == {(100, 32)}
    assert lc.weights == [("kernel", (100, 128)), ("recurrent_kernel", (32, 128)), ("bias", (128,))]


def test_gru_reset_after_has_a_second_bias_row():
    after = rnncount.count("GRU(4)", (3, 5)).layers[0]
    before = rnncount.count("GRU(4, reset_after=False)", (3, 5)).layers[0]
    assert [b.role for b in after.blocks if b.variable == "bias"].count("recurrent bias") == 3
    assert dict(after.weights)["bias"] == (2, 12)
    assert dict(before.weights)["bias"] == (12,)
    assert after.params - before.params == 3 * 4


@pytest.mark.parametrize(
    ("spec", "shape", "general", "numbers"),
    [
        ("Dense(1)", (25,), "i*o + o", "25*1 + 1"),
        ("Dense(1, use_bias=False)", (25,), "i*o", "25*1"),
        ("Embedding(10000, 100)", (100,), "V*d", "10000*100"),
        ("SimpleRNN(25)", (3, 30), "i*h + h*h + h", "30*25 + 25*25 + 25"),
        ("LSTM(32)", (20, 100), "g*(i*h + h*h + h)", "4*(100*32 + 32*32 + 32)"),
        ("GRU(4)", (3, 5), "g*(i*h + h*h + 2h)", "3*(5*4 + 4*4 + 2*4)"),
        ("GRU(4, reset_after=False)", (3, 5), "g*(i*h + h*h + h)", "3*(5*4 + 4*4 + 4)"),
        ("LSTM(4, use_bias=False)", (3, 5), "g*(i*h + h*h)", "4*(5*4 + 4*4)"),
        ("Bidirectional(LSTM(64))", (30, 5), "2*g*(i*h + h*h + h)", "2*4*(5*64 + 64*64 + 64)"),
        ("Bidirectional(SimpleRNN(3))", (30, 5), "2*(i*h + h*h + h)", "2*(5*3 + 3*3 + 3)"),
    ],
)
def test_formulas_read_off_the_blocks(spec, shape, general, numbers):
    f = rnncount.count(spec, shape).layers[0].formula
    assert (f.general, f.numbers) == (general, numbers)
    assert f.text.startswith(f"{general} = {numbers}")
    assert evaluate(f.numbers) == f.value


def test_symbols_use_features_not_timesteps():
    f = rnncount.count("SimpleRNN(25)", (3, 30)).layers[0].formula
    assert f.symbols == {"i": 30, "h": 25}


def test_latex_forms():
    result = rnncount.count("GRU(4, return_sequences=True) > Dense(1)", (30, 5))
    assert result.layers[0].formula.latex == (
        r"g \cdot \left(i \cdot h + h \cdot h + 2h\right) = "
        r"3 \cdot \left(5 \cdot 4 + 4 \cdot 4 + 2 \cdot 4\right) = 132"
    )
    assert result.latex.startswith("\\begin{aligned}") and r"\text{total} &: 132 + 5 = 137" in result.latex
    big = rnncount.count("LSTM(32)", (20, 100)).layers[0].formula.latex
    assert big.endswith("17{,}024")


def test_table_and_stack_text():
    result = rnncount.count("SimpleRNN(25) > Dense(1)", (3, 30))
    table = result.table()
    assert "simple_rnn (SimpleRNN)" in table and "(None, 25)" in table
    assert table.splitlines()[-1] == "Total params: 1,400 + 26 = 1,426"
    assert result.formula_text.splitlines()[-1] == "total: 1,400 + 26 = 1,426"
    assert "<table" in result._repr_html_()


def test_names_follow_keras_and_respect_explicit_names():
    result = rnncount.count(
        "LSTM(4, return_sequences=True) > LSTM(4, name='lstm_1', return_sequences=True) > LSTM(2)", (3, 5)
    )
    assert [lc.name for lc in result.layers] == ["lstm", "lstm_1", "lstm_2"]


def test_every_layer_gets_a_note_about_its_shape():
    result = rnncount.count(
        "Embedding(100, 8) > Bidirectional(LSTM(4, return_sequences=True)) > TimeDistributed(Dense(2))"
        " > Flatten() > Dropout(0.1) > Dense(3) > RepeatVector(4) > GRU(2)",
        (12,),
    )
    notes = [lc.note for lc in result.layers]
    assert all(notes)
    assert "2h" in notes[1] and "12 timesteps" in notes[2] and "12 x 2 values" in notes[3]
    assert "repeated 4 times" in notes[6] and "only the last timestep" in notes[7]
