"""Each layer around the recurrent ones over a grid of its options, against Keras.

For every option combination drawn below, `check_case` (the random-stack grid's check) compares
the count, the trainable/non-trainable split, the output shape and every weight's shape with
what Keras builds, and round-trips the spec string through the parser.
"""

from __future__ import annotations

import itertools
import random

import pytest
from _stacks import Case
from test_keras_grid import check_case

from rnncount.bridges.keras import keras

pytestmark = pytest.mark.keras

# kind -> (input shape without the batch, {option: values}); at most PER_KIND combinations are drawn.
GRID = {
    "Conv1D": (
        (12, 6),
        {
            "filters": [2, 4],
            "kernel_size": [1, 3],
            "strides": [1, 2],
            "padding": ["'valid'", "'same'", "'causal'"],
            "dilation_rate": [1, 2],
            "groups": [1, 2],
            "use_bias": [True, False],
        },
    ),
    "MaxPooling1D": ((9, 3), {"pool_size": [1, 2, 3], "strides": [None, 1, 2], "padding": ["'valid'", "'same'"]}),
    "AveragePooling1D": ((9, 3), {"pool_size": [2, 4], "strides": [None, 3], "padding": ["'valid'", "'same'"]}),
    "GlobalMaxPooling1D": ((None, 5), {"keepdims": [True, False]}),
    "GlobalAveragePooling1D": ((7, 5), {"keepdims": [True, False]}),
    "BatchNormalization": ((7, 5), {"axis": [-1, 1], "center": [True, False], "scale": [True, False]}),
    "LayerNormalization": ((7, 5), {"axis": [-1, 1, [1, 2]], "center": [True, False], "scale": [True, False]}),
    "MultiHeadAttention": (
        (6, 8),
        {
            "num_heads": [1, 3],
            "key_dim": [2, 5],
            "value_dim": [None, 3],
            "use_bias": [True, False],
            "output_shape": [None, 4],
        },
    ),
    "Attention": ((6, 4), {"use_scale": [True, False], "score_mode": ["'dot'", "'concat'"]}),
    "AdditiveAttention": ((6, 4), {"use_scale": [True, False]}),
    "Reshape": ((6, 4), {"target_shape": ["(24,)", "(-1, 2)", "(3, 8)", "(2, 3, 4)"]}),
    "Permute": ((6, 4), {"dims": ["(2, 1)", "(1, 2)"]}),
    "Masking": ((6, 4), {"mask_value": [0.0, -1.0]}),
    "SpatialDropout1D": ((6, 4), {"rate": [0.0, 0.5]}),
    "GaussianNoise": ((6, 4), {"stddev": [0.0, 0.3]}),
    "Activation": ((6, 4), {"activation": ["'relu'", "'tanh'", "'softmax'"]}),
}

# Layers that join several tensors follow a layer that returns several (here an LSTM's output and states).
MERGES = ["Concatenate()", "Concatenate(axis=1)", "Add()", "Subtract()", "Multiply()", "Average()", "Maximum()"]
CELLS = [
    "RNN(SimpleRNNCell(3, use_bias=False))",
    "RNN(LSTMCell(3), return_sequences=True)",
    "RNN(GRUCell(3, reset_after=False), return_state=True)",
    "RNN(StackedRNNCells([LSTMCell(4), GRUCell(2)]), return_sequences=True, return_state=True)",
    "Bidirectional(LSTM(3, return_state=True))",
    "Bidirectional(GRU(3, return_sequences=True), backward_layer=LSTM(3, return_sequences=True, go_backwards=True))",
    "Bidirectional(SimpleRNN(2), merge_mode='sum', backward_layer=RNN(GRUCell(2), go_backwards=True))",
    "Bidirectional(RNN(StackedRNNCells([LSTMCell(3), LSTMCell(2)])), merge_mode=None)",
]
WRAPPED = [
    ("TimeDistributed(Conv2D(3, 2))", (4, 6, 6, 2)),
    ("TimeDistributed(Conv2D(2, (3, 1), strides=2, padding='same', use_bias=False))", (3, 7, 5, 1)),
    ("TimeDistributed(MaxPooling2D()) > TimeDistributed(Flatten())", (3, 6, 6, 2)),
    ("TimeDistributed(AveragePooling2D(3, padding='same')) > TimeDistributed(GlobalAveragePooling2D())", (3, 5, 5, 2)),
    ("TimeDistributed(BatchNormalization()) > TimeDistributed(Conv1D(2, 2))", (3, 5, 4)),
    ("TimeDistributed(LSTM(2))", (3, 5, 4)),
    ("Embedding(30, 4, trainable=False) > BatchNormalization(trainable=False) > Conv1D(2, 3, trainable=False)", (9,)),
]
PER_KIND = 12


def _combinations(options: dict) -> list[str]:
    keys = list(options)
    combos = list(itertools.product(*(options[k] for k in keys)))
    random.Random(len(combos)).shuffle(combos)
    return [", ".join(f"{k}={v}" for k, v in zip(keys, combo, strict=True)) for combo in combos[:PER_KIND]]


def _cases(kind: str) -> list[tuple[str, tuple]]:
    shape, options = GRID[kind]
    out = []
    for args in _combinations(options):
        spec = f"{kind}({args})"
        if kind == "Conv1D" and "strides=2" in args and "dilation_rate=2" in args:
            spec = spec.replace("dilation_rate=2", "dilation_rate=1")  # Keras refuses both at once
        out.append((spec, shape))
    return out


def _run(spec: str, shape: tuple) -> None:
    from rnncount import parse_spec

    check_case(Case(parse_spec(spec), shape))


@pytest.mark.parametrize("kind", list(GRID))
def test_each_layer_over_its_options(kind):
    for spec, shape in _cases(kind):
        _run(spec, shape)
    keras().backend.clear_session()


def test_merge_layers_after_several_tensors():
    for merge in MERGES:
        if merge == "Subtract()":
            _run("Bidirectional(LSTM(3), merge_mode=None) > Subtract()", (5, 2))
            continue
        _run(f"LSTM(3, return_state=True) > {merge}", (5, 2))
    _run("Bidirectional(GRU(4, return_sequences=True), merge_mode=None) > Attention()", (5, 2))
    _run("Bidirectional(GRU(4, return_sequences=True), merge_mode=None) > MultiHeadAttention(2, 3)", (5, 2))


@pytest.mark.parametrize("spec", CELLS)
def test_cells_and_bidirectional_variants(spec):
    _run(spec, (5, 3))


@pytest.mark.parametrize(("spec", "shape"), WRAPPED)
def test_time_distributed_and_frozen_layers(spec, shape):
    _run(spec, shape)
