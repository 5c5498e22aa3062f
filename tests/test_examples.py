"""Every worked example of the curriculum, counted by the engine and checked against Keras."""

from __future__ import annotations

import pytest

import rnncount

# (spec, input shape, per-layer counts as the curriculum states them, total)
EXAMPLES = [
    ("SimpleRNN(2) > Dense(1)", (3, 3), [12, 3], 15),
    ("SimpleRNN(25) > Dense(1)", (3, 30), [1_400, 26], 1_426),
    ("Embedding(10000, 100) > SimpleRNN(32) > Dense(1)", (None,), [1_000_000, 4_256, 33], 1_004_289),
    ("SimpleRNN(32)", (20, 100), [4_256], 4_256),
    ("LSTM(32)", (20, 100), [17_024], 17_024),
    ("LSTM(2) > Dense(1)", (3, 3), [48, 3], 51),
    ("LSTM(4) > Dense(1)", (3, 5), [160, 5], 165),
    ("GRU(2)", (3, 3), [42], 42),
    ("GRU(2, reset_after=False)", (3, 3), [36], 36),
    ("GRU(4)", (3, 5), [132], 132),
    ("GRU(4, reset_after=False)", (3, 5), [120], 120),
    (
        "Embedding(10000, 100) > Flatten() > Dense(32, activation='relu') > Dense(1, activation='sigmoid')",
        (100,),
        [1_000_000, 0, 320_032, 33],
        1_320_065,
    ),
    (
        "GRU(4, return_sequences=True) > GRU(2, return_sequences=True) > SimpleRNN(25) > Dense(1)",
        (30, 5),
        [132, 48, 700, 26],
        906,
    ),
    ("SimpleRNN(20, return_sequences=True) > LSTM(4) > Dense(1)", (15, 30), [1_020, 400, 5], 1_425),
    (
        "SimpleRNN(30, return_sequences=True) > GRU(30, return_sequences=True) > LSTM(30) > Dense(30) > Dense(1)",
        (30, 30),
        [1_830, 5_580, 7_320, 930, 31],
        15_691,
    ),
    (
        "SimpleRNN(30, return_sequences=True) > GRU(20, return_sequences=True) > GRU(25, return_sequences=True)"
        " > GRU(22, return_sequences=True) > GRU(21, return_sequences=True) > SimpleRNN(10)"
        " > Dense(50) > Dense(50) > Dense(50) > Dense(50) > Dense(1)",
        (50, 40),
        [2_130, 3_120, 3_525, 3_234, 2_835, 320, 550, 2_550, 2_550, 2_550, 51],
        23_415,
    ),
    ("Bidirectional(LSTM(64)) > Dense(1)", (30, 5), [2 * 4 * (5 * 64 + 64 * 64 + 64), 129], None),
]


@pytest.mark.parametrize(("spec", "shape", "layers", "total"), EXAMPLES, ids=[e[0][:60] for e in EXAMPLES])
def test_curriculum_example_by_engine(spec, shape, layers, total):
    result = rnncount.count(spec, shape)
    assert [lc.params for lc in result.layers] == layers
    if total is not None:
        assert result.total == total
    assert result.total == sum(layers)


@pytest.mark.keras
@pytest.mark.parametrize(("spec", "shape", "layers", "total"), EXAMPLES, ids=[e[0][:60] for e in EXAMPLES])
def test_curriculum_example_by_keras(spec, shape, layers, total):
    model = rnncount.build_model(spec, shape, zeros=True)
    assert [layer.count_params() for layer in model.layers] == layers
    assert model.count_params() == sum(layers)


def test_seed_002_gru_trap():
    """Seed 002 added 120 and 42 for the GRUs of the 906 stack: that is reset_after=False arithmetic."""
    old = rnncount.count(
        "GRU(4, return_sequences=True, reset_after=False) > GRU(2, return_sequences=True, reset_after=False)",
        (30, 5),
    )
    new = rnncount.count("GRU(4, return_sequences=True) > GRU(2, return_sequences=True)", (30, 5))
    assert [lc.params for lc in old.layers] == [120, 42]
    assert [lc.params for lc in new.layers] == [132, 48]


def test_timesteps_never_change_the_count():
    for t in (1, 7, 30, None):
        assert rnncount.count("LSTM(32, return_sequences=True)", (t, 100)).total == 17_024


def test_huge_sizes_are_exact():
    result = rnncount.count("LSTM(100000)", (10, 100_000))
    assert result.total == 80_000_400_000
    assert isinstance(result.total, int)


def test_keras_build_refuses_huge_models_with_an_estimate():
    with pytest.raises(rnncount.BuildTooLargeError, match=r"320\.0 GB"):
        rnncount.build_model("LSTM(100000)", (10, 100_000))
