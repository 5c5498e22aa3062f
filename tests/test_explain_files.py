"""`rnncount explain FILE`: exit 0 when all agree, 1 on a mismatch, 2 and one line for a file that is not a model."""

from __future__ import annotations

import json
import shutil
import zipfile

import pytest

import rnncount
from rnncount.bridges.keras import keras, load_model_file
from rnncount.cli import main

pytestmark = pytest.mark.keras


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small saved model (.keras and legacy .h5) to damage in many ways."""
    k = keras()
    folder = tmp_path_factory.mktemp("models")
    inp = k.Input((6, 3), name="x")
    x = k.layers.Conv1D(4, 2, name="conv")(inp)
    x = k.layers.BatchNormalization(name="bn")(x)
    out = k.layers.Dense(1, name="head")(k.layers.GRU(3, name="gru")(x))
    model = k.Model(inp, out, name="small")
    model.save(folder / "m.keras")
    model.save(folder / "m.h5")
    return folder


def assert_one_line(err: str, path, fragment: str) -> None:
    assert err.count("\n") == 1, err
    assert err.startswith(f"rnncount: error: cannot read {str(path)!r} as a Keras model: "), err
    assert fragment in err, err
    assert "Traceback" not in err and "SavedModel" not in err, err


def test_a_good_file_exits_0_with_the_table_and_json(capsys, saved):
    model = keras().saving.load_model(saved / "m.keras")
    code, out, err = run(capsys, "explain", str(saved / "m.keras"))
    assert (code, err) == (0, "")
    assert out.rstrip().endswith("4 of 4 layers counted by formula, all agree with Keras.")
    code, out, _ = run(capsys, "explain", str(saved / "m.keras"), "--json")
    data = json.loads(out)
    assert code == 0 and data["all_match"] and data["total"] == model.count_params()
    assert data["non_trainable"] == sum(int(w.numpy().size) for w in model.non_trainable_weights)
    code, out, _ = run(capsys, "explain", str(saved / "m.h5"))
    assert code == 0 and "all agree with Keras" in out


def test_a_mismatch_exits_1(capsys, saved, monkeypatch):
    import rnncount.bridges.keras as bridge

    real = bridge._from_keras
    monkeypatch.setattr(bridge, "_from_keras", lambda layer: rnncount.Dense(7) if layer.name == "head" else real(layer))
    code, out, _ = run(capsys, "explain", str(saved / "m.keras"))
    assert code == 1 and "1 DISAGREE with Keras: head" in out
    code, out, _ = run(capsys, "explain", str(saved / "m.keras"), "--json")
    assert code == 1 and json.loads(out)["mismatches"] == ["head"]


def _write(path, data):
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)
    return path


def _rewrite(src, dst, change):
    """Copy a .keras archive, letting ``change(name, data)`` alter (or drop, by returning None) members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info, data)


def _bad_crc(src, dst):
    """Flip one byte inside the stored weights, as a broken download would."""
    shutil.copy(src, dst)
    with zipfile.ZipFile(dst) as z:
        info = z.getinfo("model.weights.h5")
    with open(dst, "r+b") as fh:
        fh.seek(info.header_offset + 26)
        name_len = int.from_bytes(fh.read(2), "little")
        extra_len = int.from_bytes(fh.read(2), "little")
        where = info.header_offset + 30 + name_len + extra_len + info.compress_size // 2
        fh.seek(where)
        byte = fh.read(1)
        fh.seek(where)
        fh.write(bytes([byte[0] ^ 0xFF]))


def _config_with(src, dst, edit):
    def change(name, data):
        if name != "config.json":
            return data
        return edit(data)

    _rewrite(src, dst, change)


def _unknown_class(data: bytes) -> bytes:
    return data.replace(b'"class_name": "GRU"', b'"class_name": "FancyRecurrentLayer"')


def _missing_units(data: bytes) -> bytes:
    config = json.loads(data)
    text = json.dumps(config)
    return text.replace('"units": 1,', "").encode()


def _with_lambda(folder):
    k = keras()
    inp = k.Input((3,))
    model = k.Model(inp, k.layers.Lambda(lambda t: t + 1, name="plus_one")(inp))
    model.save(folder / "lam.keras")
    return folder / "lam.keras"


CASES = {
    "missing": (lambda f, src: f / "nowhere.keras", "there is no such file"),
    "directory": (lambda f, src: (f / "a_folder.keras").mkdir() or f / "a_folder.keras", "it is a directory"),
    "empty": (lambda f, src: _write(f / "e.keras", b""), "the file is empty"),
    "not a zip": (lambda f, src: _write(f / "n.keras", b"\x00garbage" * 50), "not a zip"),
    "a web page": (
        lambda f, src: _write(f / "p.keras", "<!DOCTYPE html><html>Sign in</html>"),
        "web page (HTML)",
    ),
    "cut short": (lambda f, src: _write(f / "c.keras", src.read_bytes()[:700]), "incomplete"),
    "zip without config.json": (
        lambda f, src: _rewrite(src, f / "z.keras", lambda n, d: None if n == "config.json" else d) or f / "z.keras",
        "no config.json",
    ),
    "bad CRC": (lambda f, src: _bad_crc(src, f / "crc.keras") or f / "crc.keras", "the archive is corrupt (bad CRC in"),
    "config not JSON": (
        lambda f, src: _config_with(src, f / "j.keras", lambda d: d[: len(d) // 2]) or f / "j.keras",
        "config.json is not valid JSON",
    ),
    "config not a model": (
        lambda f, src: _config_with(src, f / "nm.keras", lambda d: b'{"layers": []}') or f / "nm.keras",
        "does not describe a model",
    ),
    "unknown class": (
        lambda f, src: _config_with(src, f / "u.keras", _unknown_class) or f / "u.keras",
        "a class Keras does not know, 'FancyRecurrentLayer'",
    ),
    "bad config": (
        lambda f, src: _config_with(src, f / "b.keras", _missing_units) or f / "b.keras",
        "its config is not one Keras can build",
    ),
    "h5 with bad bytes": (
        lambda f, src: _write(f / "bad.h5", b"\x89HDX" + b"\x01" * 400),
        "not an HDF5 file",
    ),
    "h5 damaged inside": (
        lambda f, src: _write(f / "d.h5", (f / "m.h5").read_bytes()[:1500]),
        "the HDF5 file is damaged",
    ),
    "wrong extension": (lambda f, src: _write(f / "m.txt", "hello"), "ends in '.txt'"),
    "Lambda under safe_mode": (lambda f, src: _with_lambda(f), "safe_mode stays on"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_file_exits_2_with_one_line(capsys, saved, case):
    make, fragment = CASES[case]
    path = make(saved, saved / "m.keras")
    code, out, err = run(capsys, "explain", str(path))
    assert code == 2 and out == ""
    assert_one_line(err, path, fragment)


def test_a_savedmodel_folder_is_named(capsys, tmp_path):
    folder = tmp_path / "exported"
    folder.mkdir()
    (folder / "saved_model.pb").write_bytes(b"\x08\x01")
    code, _, err = run(capsys, "explain", str(folder))
    assert code == 2 and err.count("\n") == 1 and "TensorFlow SavedModel folder" in err


def test_loading_never_runs_code(saved, monkeypatch):
    """A Lambda is refused before Keras reads the file, so its function is never deserialised."""
    path = _with_lambda(saved)
    calls = []
    monkeypatch.setattr(keras().saving, "load_model", lambda *a, **kw: calls.append(kw))
    with pytest.raises(rnncount.SpecError, match="Lambda layer \\('plus_one'\\)"):
        load_model_file(path)
    assert calls == []
    load_model_file(saved / "m.keras")
    assert calls == [{"compile": False, "safe_mode": True}]


@pytest.mark.parametrize(
    "spec", ["MultiHeadAttention(2, 3) > GlobalAveragePooling1D()", "LSTM(3, return_state=True) > Concatenate()"]
)
def test_count_keras_on_a_functional_stack(capsys, spec):
    """Attention and merge layers make build_model functional; --keras still pairs every layer."""
    code, out, err = run(capsys, "count", spec, "--input", "5,4", "--keras")
    assert (code, err) == (0, "") and "MISMATCH" not in out and out.rstrip().endswith("(ok)")
