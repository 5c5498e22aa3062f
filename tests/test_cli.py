"""The `rnncount` command: the table, the JSON, Keras beside ours, and one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rnncount
from rnncount.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits for usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_count_prints_the_table(capsys):
    code, out, err = run(capsys, "count", "SimpleRNN(25) > Dense(1)", "--input", "3,30")
    assert code == 0 and err == ""
    assert out == rnncount.count("SimpleRNN(25) > Dense(1)", (3, 30)).table() + "\n"
    assert "i*h + h*h + h = 30*25 + 25*25 + 25 = 1,400" in out
    assert out.rstrip().endswith("Total params: 1,400 + 26 = 1,426")


def test_count_json_is_the_api_dict(capsys):
    spec = "Embedding(10000, 100) > Bidirectional(GRU(4, return_sequences=True)) > TimeDistributed(Dense(1))"
    code, out, _ = run(capsys, "count", spec, "--input", "None", "--json")
    data = json.loads(out)
    assert code == 0
    assert data == rnncount.count(spec, (None,)).to_dict()
    assert set(data) == {"total", "layers"}
    layer = data["layers"][1]
    assert set(layer) == {"name", "type", "params", "output_shape", "formula", "blocks"}
    assert layer["output_shape"] == [None, None, 8]
    assert set(layer["blocks"][0]) == {"name", "gate", "role", "shape", "params"}
    assert sum(b["params"] for b in layer["blocks"]) == layer["params"]
    assert data["total"] == sum(row["params"] for row in data["layers"])


def test_count_latex(capsys):
    code, out, _ = run(capsys, "count", "LSTM(4)", "--input", "3,5", "--latex")
    assert code == 0 and out.startswith("\\begin{aligned}")


@pytest.mark.keras
def test_count_keras_shows_keras_beside_ours(capsys):
    code, out, _ = run(capsys, "count", "GRU(4) > Dense(1)", "--input", "30,5", "--keras")
    assert code == 0
    assert "Keras gru: 132 (ok)" in out and "Keras total: 137 (ok)" in out
    code, out, _ = run(capsys, "count", "GRU(4) > Dense(1)", "--input", "30,5", "--keras", "--json")
    data = json.loads(out)
    assert data["keras_total"] == data["total"] == 137


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["count", "Conv2D(3)", "--input", "30,5"], "unknown layer 'Conv2D'"),
        (["count", "LSTM(0)", "--input", "30,5"], "units must be a positive whole number"),
        (["count", "LSTM(2.5)", "--input", "30,5"], "units must be a positive whole number"),
        (["count", "LSTM(3", "--input", "30,5"], "never closed"),
        (["count", "print(1)", "--input", "30,5"], "unknown layer 'print'"),
        (["count", "LSTM(4) > Dense(1)(x)", "--input", "30,5"], "expected a layer name"),
        (["count", "Dense(1) > LSTM(3)", "--input", "5"], "LSTM after Dense"),
        (["count", "LSTM(3)", "--input", "30,x"], "'x' is not a size"),
        (["count", "LSTM(3)", "--input", ""], "input shape"),
        (["count", "LSTM(3)"], "--input"),
        (["frobnicate"], "invalid choice"),
        (["count", "LSTM(100000)", "--input", "10,100000", "--keras"], "320.0 GB"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and fragment in err
    assert "Traceback" not in err


def test_huge_counts_are_instant(capsys):
    code, out, _ = run(capsys, "count", "LSTM(100000)", "--input", "10,100000", "--json")
    assert code == 0 and json.loads(out)["total"] == 80_000_400_000


def test_console_script_runs_without_a_traceback():
    exe = shutil.which("rnncount", path=str(Path(sys.executable).parent)) or shutil.which("rnncount")
    assert exe, "the rnncount console script is not installed"
    ok = subprocess.run([exe, "count", "LSTM(32)", "--input", "20,100"], capture_output=True, text=True)
    assert ok.returncode == 0 and "17,024" in ok.stdout
    bad = subprocess.run([exe, "count", "LSTM(32", "--input", "20,100"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stdout == "" and len(bad.stderr.splitlines()) == 1


@pytest.mark.keras
def test_explain_a_saved_model(capsys, tmp_path):
    keras = rnncount.keras_bridge.keras()
    inp = keras.Input(shape=(10, 3), name="x")
    x = keras.layers.LSTM(4, return_sequences=True, name="lstm")(inp)
    x = keras.layers.Conv1D(2, 3, name="conv")(x)
    out = keras.layers.Dense(1, name="head")(keras.layers.Flatten(name="flat")(x))
    path = tmp_path / "m.keras"
    keras.Model(inp, out, name="mine").save(path)
    code, text, _ = run(capsys, "explain", str(path))
    assert code == 0
    assert "no formula yet" in text and "Every formula agrees with Keras." in text
    code, text, _ = run(capsys, "explain", str(path), "--json")
    data = json.loads(text)
    assert data["all_match"] and data["total"] == keras.saving.load_model(path).count_params()
    code, _, err = run(capsys, "explain", str(tmp_path / "missing.keras"))
    assert code == 2 and "cannot load" in err


def test_every_command_in_the_readme_runs(capsys, tmp_path, monkeypatch):
    """The README's `rnncount` examples all run and exit 0 (a right answer for `check`)."""
    import shlex

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    commands = [shlex.split(line, comments=True)[1:] for line in readme.splitlines() if line.startswith("rnncount ")]
    # `lecture` starts a server; its own tests cover it.
    commands = [argv for argv in commands if argv[0] != "lecture"]
    assert {argv[0] for argv in commands} == {"count", "explain", "check", "homework", "draw"}
    # The model the README explains, saved where the command looks for it.
    keras = pytest.importorskip("keras")
    inputs = keras.Input((20, 100))
    model = keras.Model(inputs, keras.layers.Dense(1, name="head")(keras.layers.LSTM(32, name="lstm")(inputs)))
    model.save(tmp_path / "my_model.keras")
    monkeypatch.chdir(tmp_path)
    for argv in commands:
        code, out, err = run(capsys, *argv)
        assert (code, err) == (0, ""), argv
        assert out.strip(), argv
