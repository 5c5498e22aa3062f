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
    assert set(data) == {"total", "trainable", "non_trainable", "layers"}
    layer = data["layers"][1]
    assert set(layer) == {
        "name", "type", "params", "trainable_params", "non_trainable_params", "output_shape", "formula", "blocks"
    }  # fmt: skip
    assert layer["output_shape"] == [None, None, 8]
    assert set(layer["blocks"][0]) == {"name", "gate", "role", "shape", "params", "trainable"}
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
        (["count", "Conv3D(3)", "--input", "30,5"], "unknown layer 'Conv3D'"),
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
    keras = rnncount.bridges.keras.keras()
    inp = keras.Input(shape=(10, 3), name="x")
    x = keras.layers.LSTM(4, return_sequences=True, name="lstm")(inp)
    x = keras.layers.Conv1D(2, 3, name="conv")(x)
    x = keras.layers.Conv1DTranspose(2, 3, name="deconv")(x)
    out = keras.layers.Dense(1, name="head")(keras.layers.Flatten(name="flat")(x))
    path = tmp_path / "m.keras"
    keras.Model(inp, out, name="mine").save(path)
    code, text, _ = run(capsys, "explain", str(path))
    assert code == 0
    assert "no formula for Conv1DTranspose (count from Keras)" in text
    assert "4 of 5 layers counted by formula, all agree with Keras; 1 without a formula" in text
    code, text, _ = run(capsys, "explain", str(path), "--json")
    data = json.loads(text)
    assert data["all_match"] and data["total"] == keras.saving.load_model(path).count_params()
    code, _, err = run(capsys, "explain", str(tmp_path / "missing.keras"))
    assert code == 2 and err.count("\n") == 1 and "there is no such file" in err


def test_every_command_in_the_readme_runs(capsys, tmp_path, monkeypatch):
    """The README's `rnncount` examples all run and exit 0 (a right answer for `check`)."""
    import shlex

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    commands = [shlex.split(line, comments=True)[1:] for line in readme.splitlines() if line.startswith("rnncount ")]
    # `lecture` starts a server and `site` builds the browser edition: their own tests cover them
    # (test_lecture.py, test_site_build.py, tests/e2e). `grade` needs the README's answers: test_grade.py runs it.
    commands = [argv for argv in commands if argv[0] not in ("lecture", "grade", "site")]
    assert {argv[0] for argv in commands} == {"count", "explain", "check", "homework", "draw", "quiz"}
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


# --------------------------------------------------------------------------- hostile input, one class at a time

BIG = "9" * 5000


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        # Digit-like characters and doubled signs never reach int().
        (["count", "LSTM(3)", "--input", "3,²"], "input shape '3,²': '²' is not a size: write it with the digits 0-9"),
        (["count", "LSTM(3)", "--input", "3,①"], "'①' is not a size: write it with the digits 0-9"),
        (["count", "LSTM(3)", "--input", "++3,4"], "'++3' is not a size: give at most one sign"),
        (["check", "LSTM(4)", "--input", "30,5", "--answer=+-5"], "the answer '+-5' is not a whole number"),
        (["check", "LSTM(4)", "--input", "30,5", "--answer=²"], "the answer '²' is not a whole number: write it"),
        (["check", "LSTM(4)", "--input", "30,5", "--answer=--5"], "give at most one sign"),
        (["check", "LSTM(4)", "--input", "30,5", "--answer=5", "--layer", "²"], "the layer number '²' is not a"),
        (["homework", "--seed=--5"], "the seed '--5' is not a whole number: give at most one sign"),
        (["homework", "--seed=①"], "the seed '①' is not a whole number: write it with the digits 0-9"),
        # Numbers past Python's 4,300-digit limit: "too large", never Python's advice.
        (["count", "LSTM(3)", "--input", f"3,{BIG}"], "a size is too large"),
        (["check", "LSTM(4)", "--input", "30,5", f"--answer={BIG}"], "the answer is too large: it has 5,000 digits"),
        (["check", "LSTM(4)", "--input", "30,5", "--answer=5", f"--layer={BIG}"], "the layer number is too large"),
        (["homework", f"--seed={BIG}"], "the seed is too large: it has 5,000 digits"),
        (["count", f"LSTM({'9' * 2150})", "--input", "3,4"], "units is too large: at most 1,000,000,000,000, got a"),
        (["count", f"LSTM({BIG})", "--input", "3,4"], "column 6: a number in the spec is too large"),
        (["count", f"LSTM(0x{'f' * 4000})", "--input", "3,4"], "got a number with 4,817 digits"),
        # Deep nesting: refused before anything recurses.
        (["count", "LSTM(" + "-" * 400 + "1)", "--input", "3,4"], "too deeply nested"),
        (["count", "+".join(["1"] * 328), "--input", "3,4"], "too deeply nested"),
        (["count", "LSTM(3)" + "(0)" * 400, "--input", "3,4"], "too deeply nested"),
        (["count", "Bidirectional(" * 300 + "LSTM(3)" + ")" * 300, "--input", "3,4"], "too deeply nested"),
        (["count", "a." * 3000 + "b", "--input", "3,4"], "too deeply nested"),
        # Options Keras would refuse are refused first, naming the layer and the option.
        (["count", "Dense(3, activation='rellu')", "--input", "3", "--keras"], "did you mean 'relu'?"),
        (["count", "LSTM(3, dropout='x')", "--input", "3,4", "--keras"], "dropout must be a number from 0 to 1"),
        (["count", "Dropout(0.5, seed='x')", "--input", "3", "--keras"], "seed must be a whole number or None"),
        # An argument holding a newline: still one line.
        (["count", "LSTM(3)", "--input", "3,4", "ex\ntra"], "unrecognized arguments: ex tra"),
        # Wrong separators are named, at their real column.
        (["count", "LSTM(3) >> Dense(1)", "--input", "3,4"], "column 9: separate layers with '>', not '>>'"),
        (["count", "LSTM(3) | Dense(1)", "--input", "3,4"], "column 9: separate layers with '>', not '|'"),
        (["count", "LSTM(3), Dense(1)", "--input", "3,4"], "column 8: separate layers with '>', not ','"),
        (["count", "LSTM(3) -> Dense(1)", "--input", "3,4"], "column 9: separate layers with '>', not '->'"),
        (["count", "LSTM(3)\nDense(1)", "--input", "3,4"], "column 9: separate layers with '>'; a new line"),
        (["count", "LSTM(3) >", "--input", "3,4"], "column 9: the spec ends with '>'"),
        (["count", "  LSTM(3) >  ", "--input", "3,4"], "column 11: the spec ends with '>'"),
        (["count", "", "--input", "3,4"], "the spec is empty: give at least one layer, e.g. LSTM(32)"),
        (["count", "  \n ", "--input", "3,4"], "the spec is empty"),
        (["check", "", "--input", "3,4", "--answer", "1"], "the spec is empty"),
    ],
)
def test_hostile_input_is_refused_in_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.endswith("\n")
    assert message in err
    assert "Traceback" not in err and "set_int_max_str_digits" not in err
    assert len(err) < 500


def test_numbers_in_the_accepted_forms_still_work(capsys):
    spec = "LSTM(4) > Dense(1)"  # 160 + 5 = 165
    code, out, _ = run(capsys, "check", spec, "--input", "+30, 5", "--answer", "1,5_0")
    assert code == 1 and out
    assert run(capsys, "check", spec, "--input", "30,5", "--answer", " 165.0 ")[0] == 0
    assert run(capsys, "check", spec, "--input", "30,5", "--answer", "160", "--layer", "+1")[0] == 0
    assert run(capsys, "check", spec, "--input", "30,5", "--answer", "5", "--layer", "dense")[0] == 0
    code, out, _ = run(capsys, "homework", "--seed", "-5", "--n", "1", "--json")
    assert code == 0 and json.loads(out)["seed"] == -5
    code, out, _ = run(capsys, "homework", "--seed", "student-²", "--n", "1", "--json")
    assert code == 0 and json.loads(out)["seed"] == "student-²"


def test_long_arguments_are_cut_in_the_message(capsys):
    spec = " > ".join(["LSTM(3, return_sequences=True)"] * 300) + " > LSTM(x)"
    code, _, err = run(capsys, "count", spec, "--input", "3,4")
    assert code == 2 and len(err) < 300 and "LSTM(x)" not in err and "'x'" in err
    code, _, err = run(capsys, "count", "LSTM(3)", "--input", "3,4", "x" * 5000)
    assert code == 2 and len(err.splitlines()) == 1 and len(err) < 500 and " ... " in err


def test_an_unforeseen_error_is_still_one_line(capsys, monkeypatch):
    import rnncount.cli as cli

    def broken(spec, input_shape):
        raise KeyError("surprise")

    monkeypatch.setattr(cli, "count", broken)
    monkeypatch.delenv("RNNCOUNT_DEBUG", raising=False)
    argv = ["count", "LSTM(3)", "--input", "3,4"]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert "internal error (KeyError: 'surprise'); please report it" in err
    monkeypatch.setenv("RNNCOUNT_DEBUG", "1")  # a maintainer sees the traceback
    with pytest.raises(KeyError):
        cli.main(argv)


def test_keras_refusals_become_one_line(capsys, monkeypatch):
    import rnncount.bridges.keras as bridge

    def refuse(layer, name, zeros=False):
        raise ValueError("Argument `seed` must be an integer.\nReceived: seed=x")

    monkeypatch.setattr(bridge, "keras_layer", refuse)
    monkeypatch.setattr(bridge, "keras", lambda: pytest.importorskip("keras"))
    code, out, err = run(capsys, "count", "Dense(2)", "--input", "3", "--keras")
    assert (code, out) == (2, "")
    assert err == "rnncount: error: Keras refuses dense (Dense): Argument `seed` must be an integer.\n"
