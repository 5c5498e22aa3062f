"""PyTorch equivalents: counted in pure Python, checked against real torch modules."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from importlib.util import find_spec

import pytest

import rnncount
from rnncount.bridges.pytorch import count_torch, torch_modules
from rnncount.cli import main

needs_torch = pytest.mark.skipif(find_spec("torch") is None, reason="torch is not installed (pip install '.[pytorch]')")

KINDS = ["SimpleRNN", "LSTM", "GRU", "GRU_ra_false"]
SIZES = [(1, 1), (3, 2), (5, 4), (30, 25), (7, 64)]  # (i, h)


def _spec(kind: str, h: int, bias: bool, bidi: bool) -> str:
    opts = [str(h)]
    if kind == "GRU_ra_false":
        kind = "GRU"
        opts.append("reset_after=False")
    if not bias:
        opts.append("use_bias=False")
    cell = f"{kind}({', '.join(opts)})"
    return f"Bidirectional({cell})" if bidi else cell


GRID = list(itertools.product(KINDS, SIZES, [True, False], [False, True]))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_import_does_not_load_torch():
    code = "import sys, rnncount.bridges.pytorch as p\np.count_torch('LSTM(4)', (3, 5))\nprint('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(("kind", "size", "bias", "bidi"), GRID)
def test_recurrent_counts_follow_the_two_bias_formula(kind, size, bias, bidi):
    i, h = size
    t = count_torch(_spec(kind, h, bias, bidi), (7, i)).layers[0]
    g = {"SimpleRNN": 1, "LSTM": 4}.get(kind, 3)
    per_direction = g * (h * i + h * h + (2 * h if bias else 0))
    assert t.params == (2 if bidi else 1) * per_direction
    assert t.params == sum(p.params for p in t.parameters)


@needs_torch
@pytest.mark.parametrize(("kind", "size", "bias", "bidi"), GRID)
def test_recurrent_counts_equal_real_torch(kind, size, bias, bidi):
    from torch import nn

    i, h = size
    cls = {"SimpleRNN": nn.RNN, "LSTM": nn.LSTM}.get(kind, nn.GRU)
    module = cls(i, h, bias=bias, batch_first=True, bidirectional=bidi)
    ours = count_torch(_spec(kind, h, bias, bidi), (7, i)).layers[0]
    assert ours.params == sum(p.numel() for p in module.parameters())
    # Same parameter names and shapes, in the same order as named_parameters().
    assert [(p.name, p.shape) for p in ours.parameters] == [
        (name, tuple(p.shape)) for name, p in module.named_parameters()
    ]


@needs_torch
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("i", "o"), [(1, 1), (5, 3), (30, 25), (100, 1)])
def test_linear_and_timedistributed_equal_real_torch(i, o, bias):
    from torch import nn

    expected = sum(p.numel() for p in nn.Linear(i, o, bias=bias).parameters())
    dense = f"Dense({o}{'' if bias else ', use_bias=False'})"
    assert count_torch(dense, (i,)).total == expected
    assert count_torch(dense, (9, i)).total == expected
    assert count_torch(f"TimeDistributed({dense})", (9, i)).total == expected


@needs_torch
@pytest.mark.parametrize(("v", "d"), [(2, 1), (100, 8), (10000, 100)])
def test_embedding_equals_real_torch(v, d):
    from torch import nn

    assert count_torch(f"Embedding({v}, {d})", 20).total == sum(p.numel() for p in nn.Embedding(v, d).parameters())


@needs_torch
def test_torch_modules_builds_every_layer_of_a_stack():
    spec = (
        "Embedding(500, 16) > Bidirectional(LSTM(8, return_sequences=True)) > Dropout(0.2) > "
        "GRU(6, return_sequences=True, reset_after=False) > TimeDistributed(Dense(3)) > Flatten() > "
        "Dense(4) > RepeatVector(2) > SimpleRNN(3, use_bias=False)"
    )
    tc = count_torch(spec, 12)
    modules = torch_modules(tc.result)
    assert [name for name, _ in modules] == [t.name for t in tc.layers]
    for t, (_, module) in zip(tc.layers, modules, strict=True):
        real = 0 if module is None else sum(p.numel() for p in module.parameters())
        assert real == t.params, t.name
    assert modules[7][1] is None  # RepeatVector: a tensor operation, no module


def test_where_keras_and_pytorch_differ():
    tc = count_torch("SimpleRNN(4, return_sequences=True) > LSTM(3) > Dense(1)", (10, 5))
    rnn, lstm, dense = tc.layers
    assert rnn.diff == 4 and lstm.diff == 4 * 3  # one extra bias vector per weight block
    assert dense.diff == 0
    assert "two bias vectors" in rnn.note
    assert tc.diff == tc.total - rnncount.count(tc.result.spec, (10, 5)).total


def test_gru_reset_after_true_is_the_pytorch_twin_and_false_has_none():
    same = count_torch("GRU(4)", (30, 5)).layers[0]
    assert same.diff == 0 and same.twin
    other = count_torch("GRU(4, reset_after=False)", (30, 5)).layers[0]
    assert not other.twin and "no PyTorch twin" in other.note
    assert other.params == same.params and other.diff == 3 * 4


def test_use_bias_false_maps_to_bias_false():
    t = count_torch("LSTM(4, use_bias=False)", (30, 5)).layers[0]
    assert "bias=False" in t.module
    assert t.diff == 0 and all("bias" not in p.name for p in t.parameters)


def test_weightless_layers():
    tc = count_torch("LSTM(4) > RepeatVector(3) > LSTM(2, return_sequences=True) > Flatten() > Dropout(0.5)", (9, 2))
    repeat, flatten, dropout = tc.layers[1], tc.layers[3], tc.layers[4]
    assert (repeat.params, flatten.params, dropout.params) == (0, 0, 0)
    assert not repeat.twin and "no module" in repeat.note
    assert flatten.module == "nn.Flatten()" and dropout.module == "nn.Dropout(0.5)"


def test_cli_default_output_is_unchanged(capsys):
    code, out, _ = run(capsys, "count", "LSTM(4) > Dense(1)", "--input", "30,5")
    assert code == 0 and out == rnncount.count("LSTM(4) > Dense(1)", (30, 5)).table() + "\n"
    code, same, _ = run(capsys, "count", "LSTM(4) > Dense(1)", "--input", "30,5", "--framework", "keras")
    assert same == out


def test_cli_framework_pytorch(capsys):
    code, out, err = run(capsys, "count", "LSTM(4) > Dense(1)", "--input", "30,5", "--framework", "pytorch")
    assert code == 0 and err == ""
    assert "nn.LSTM(5, 4, batch_first=True)" in out and "4*(4*5 + 4*4 + 2*4) = 176" in out
    code, out, _ = run(capsys, "count", "LSTM(4) > Dense(1)", "--input", "30,5", "--framework", "pytorch", "--json")
    data = json.loads(out)
    assert data == count_torch("LSTM(4) > Dense(1)", (30, 5)).to_dict()
    assert data["total"] == 176 + 5 and data["keras_total"] == 160 + 5


def test_cli_framework_both(capsys):
    spec = "Bidirectional(GRU(4, reset_after=False)) > Dense(1)"
    code, out, _ = run(capsys, "count", spec, "--input", "30,5", "--framework", "both")
    assert code == 0
    assert rnncount.count(spec, (30, 5)).table() in out
    assert "Why they differ" in out and "no PyTorch twin" in out
    code, out, _ = run(capsys, "count", spec, "--input", "30,5", "--framework", "both", "--json")
    data = json.loads(out)
    assert data["keras"] == rnncount.count(spec, (30, 5)).to_dict()
    assert data["pytorch"]["diff"] == data["pytorch"]["total"] - data["keras"]["total"] == 2 * 3 * 4


def test_cli_framework_rejects_latex_and_bad_choices(capsys):
    code, out, err = run(capsys, "count", "LSTM(4)", "--input", "30,5", "--framework", "both", "--latex")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "count", "LSTM(4)", "--input", "30,5", "--framework", "jax")
    assert code == 2 and "invalid choice" in err
