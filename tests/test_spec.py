"""Spec strings and input shapes: parsed, never evaluated; every mistake gets one clear line."""

from __future__ import annotations

import ast
import types

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
        ("LSTM(3) > ", "column 9: the spec ends with '>'"),
        ("LSTM(3) > > Dense(1)", "column 11: two '>' with no layer between them"),
        ("LSTM(3 > Dense(1)", "cannot read the spec"),
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
    with pytest.raises(rnncount.RnncountTypeError, match=r"reset_after must be True or False, got 'yes' \(a str\)"):
        GRU(3, reset_after="yes")
    assert LSTM(4).with_options(units=8).units == 8


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("LSTM(3) >> Dense(1)", "column 9: separate layers with '>', not '>>'"),
        ("LSTM(3) | Dense(1)", "column 9: separate layers with '>', not '|'"),
        ("LSTM(3), Dense(1)", "column 8: separate layers with '>', not ','"),
        ("LSTM(3) -> Dense(1)", "column 9: separate layers with '>', not '->'"),
        ("LSTM(3); Dense(1)", "column 8: separate layers with '>', not ';'"),
        ("LSTM(3)\nDense(1)", "column 9: separate layers with '>'; a new line does not separate them"),
        ("LSTM(3) Dense(1)", "column 9: separate layers with '>'"),
        ("LSTM(3) >", "column 9: the spec ends with '>'"),
        ("> LSTM(3)", "column 1: the spec starts with '>'"),
        ("LSTM(3, return_sequences=True)\n  > LSTM(2) >> Dense(1)", "column 44: separate layers with '>', not '>>'"),
        ("LSTM(3) → Dense(1) →", "column 20: the spec ends with '>'"),
    ],
)
def test_wrong_separators_are_named_at_their_column(spec, message):
    with pytest.raises(SpecError) as info:
        parse_spec(spec)
    assert str(info.value).startswith(message)


def test_specs_over_several_lines_and_arrows_still_read():
    assert parse_spec("LSTM(3, return_sequences=True)\n  > GRU(2)\t>\r\nDense(1)") == [
        LSTM(3, return_sequences=True),
        GRU(2),
        Dense(1),
    ]
    assert parse_spec("  LSTM(3) → Dense(1)  ") == [LSTM(3), Dense(1)]


@pytest.mark.parametrize(
    "spec",
    [
        "LSTM(" + "-" * 400 + "1)",
        "+".join(["1"] * 328),
        "LSTM(3)" + "(0)" * 400,
        "(" * 300 + "LSTM(3)" + ")" * 300,
        "Bidirectional(" * 300 + "LSTM(3)" + ")" * 300,
        "a." * 5000 + "b",
        "not " * 2400 + "1",
        "LSTM(3, name=" + "[" * 150 + "]" * 150 + ")",
        "lambda: " * 1200 + "1",
        "-" * 9990 + "1",
        "1+" * 9990 + "1",
        "(" * 9990,
        "2**" * 5000 + "1",
        "1 if 1 else " * 1600 + "1",
        "a(" * 3000 + ")" * 3000,
        "LSTM(3)" + "[0]" * 3000,
        "LSTM(3, units=" + "{1: " * 2000 + "1" + "}" * 2000 + ")",
    ],
)
def test_deep_nesting_is_refused_without_recursion(spec, monkeypatch):
    # Refused before Python's parser sees it: in the browser (Pyodide) the parser's recursion on such a
    # text exhausts the WebAssembly stack and stops the whole interpreter instead of raising.
    import rnncount.core.spec as spec_module

    parsed = []
    watched = types.SimpleNamespace(**vars(ast))
    watched.parse = lambda source, *a, **k: parsed.append(source) or ast.parse(source, *a, **k)
    monkeypatch.setattr(spec_module, "ast", watched)
    with pytest.raises(SpecError) as info:
        parse_spec(spec)
    message = str(info.value)
    assert "too deeply nested" in message and len(message) < 300
    assert parsed == [], "the text reached Python's parser"


@pytest.mark.parametrize(
    "spec",
    [
        "LSTM(32) > Dense(1)",
        "keras.layers.Bidirectional(keras.layers.LSTM(16, return_sequences=True)) > layers.Dense(1)",
        "TimeDistributed(Dense(4, activation='relu', name='td'))",
        "Conv2D(8, (3, 3), padding='same', strides=(2, 2)) > GlobalAveragePooling2D()",
        "ZeroPadding1D(padding=(1, 2)) > Dense(-1)",
        " > ".join(["LSTM(3, return_sequences=True)"] * 150) + " > Dense(1)",
    ],
)
def test_ordinary_specs_are_not_judged_too_deep(spec):
    try:
        parse_spec(spec)
    except SpecError as err:
        assert "too deeply nested" not in str(err), err


def test_long_specs_are_echoed_cut():
    spec = " > ".join(["LSTM(3, return_sequences=True)"] * 150) + " > LSTM(3"
    with pytest.raises(SpecError) as info:
        parse_spec(spec)
    message = str(info.value)
    assert len(message) < 200 and "never closed" in message and "..." in message
    with pytest.raises(SpecError, match="longer than 20,000 characters"):
        parse_spec("Dense(1) > " * 3000)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("LSTM(" + "9" * 2150 + ")", "units is too large: at most 1,000,000,000,000, got a number with 2,150 digits"),
        ("LSTM(" + "9" * 5000 + ")", "column 6: a number in the spec is too large"),
        ("LSTM(0x" + "f" * 4000 + ")", "got a number with 4,817 digits"),
        ("Embedding(1000000000001, 3)", "input_dim (the vocabulary size V) is too large"),
        ("Dropout(0.5, seed=" + "9" * 30 + ")", "seed is too large"),
    ],
)
def test_huge_numbers_are_too_large(spec, message):
    with pytest.raises(SpecError) as info:
        parse_spec(spec)
    assert message in str(info.value)
    assert "set_int_max_str_digits" not in str(info.value)


@pytest.mark.parametrize(
    ("shape", "fragment"),
    [
        ("3,²", "'²' is not a size: write it with the digits 0-9"),
        ("3,①", "write it with the digits 0-9"),
        ("٣,4", "write it with the digits 0-9"),
        ("++3,4", "give at most one sign"),
        ("+-5", "give at most one sign"),
        ("3," + "9" * 5000, "a size is too large (at most 1,000,000,000,000)"),
        ("3,1000000000001", "a size is too large"),
        ((3, 10**5000), "a size is too large (a number with 5,001 digits; at most 1,000,000,000,000)"),
    ],
)
def test_shapes_take_plain_digits_only(shape, fragment):
    with pytest.raises(SpecError) as info:
        parse_shape(shape)
    assert fragment in str(info.value)
    assert len(str(info.value)) < 300


def test_shapes_accept_numpy_sizes():
    np = pytest.importorskip("numpy")
    assert parse_shape((np.int64(30), 5)) == (30, 5)
    assert type(parse_shape(np.array([30, 5]).tolist())[0]) is int


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rnncount.count(b"LSTM(3)", (30, 5)), "or a list of layers, got bytes"),
        (lambda: rnncount.count(None, (30, 5)), "got NoneType"),
        (lambda: rnncount.count(123, (30, 5)), "got int"),
        (lambda: rnncount.count(LSTM(3), (30, 5)), "got LSTM; for one layer write [LSTM(3)]"),
        (lambda: rnncount.count([LSTM(3), "Dense(1)"], (30, 5)), "got 'Dense(1)' (a str)"),
        (lambda: rnncount.count("LSTM(3)", None), "got NoneType"),
        (lambda: rnncount.count("LSTM(3)", (30, 5.0)), "got 5.0 (a float)"),
        (lambda: rnncount.count("LSTM(3)", (30, "5")), "got '5' (a str)"),
        (lambda: rnncount.count("LSTM(3)", True), "got True (a bool)"),
        (lambda: parse_spec(None), "a spec is a string such as 'LSTM(32) > Dense(1)', got NoneType"),
        (lambda: rnncount.format_spec([1, 2]), "got an int in the list"),
        (lambda: rnncount.format_spec("LSTM(3)"), "got str"),
        (lambda: Dense(3, name=5), "name must be a string such as 'encoder', got 5 (an int)"),
        (lambda: Dense(3, extra=[1]), "extra holds Keras options as a dict"),
        (lambda: Dense("3"), "units must be a positive whole number, got '3' (a str)"),
        (lambda: Dense(3, activation="relu"), "unexpected keyword"),
        (lambda: Dense(3, extra={"activation": 5}), "activation must be the name of an activation"),
        (lambda: Bidirectional("LSTM(3)"), "Bidirectional wraps a recurrent layer such as LSTM(32), got 'LSTM(3)'"),
        (lambda: Bidirectional(LSTM(3), merge_mode=1), "merge_mode must be"),
        (lambda: TimeDistributed(None), "got None (a NoneType)"),
        (lambda: LSTM(3).with_options(unit=4), "LSTM has no option 'unit'"),
        (lambda: rnncount.count_torch(None), "got NoneType"),
        (lambda: rnncount.problem_set(b"x"), "got bytes"),
        (lambda: rnncount.problem_set(1, n="3"), "the number of problems must be a whole number, got str"),
    ],
)
def test_wrong_types_raise_rnncounts_type_error(call, message):
    with pytest.raises(TypeError) as info:
        call()
    if "unexpected keyword" in message:  # Python's own check of a call's arguments
        assert message in str(info.value)
        return
    assert isinstance(info.value, rnncount.RnncountTypeError)
    assert isinstance(info.value, rnncount.RnncountError)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Dense(3, name=""), "name must be a non-empty text without '/'"),
        (lambda: Dense(3, name="a/b"), "name must be a non-empty text without '/'"),
        (lambda: Dense(3, extra={"activation": "rellu"}), "activation 'rellu' is not an activation Keras knows"),
        (lambda: Dense(3, extra={"dropout": 0.2}), "unknown option 'dropout' in extra (known: activation, trainable)"),
        (lambda: LSTM(3, extra={"dropout": 1.5}), "dropout must be a number from 0 to 1, got 1.5"),
        (lambda: LSTM(3, extra={"recurrent_activation": "sigmoud"}), "did you mean 'sigmoid'?"),
        (lambda: Bidirectional(Dense(3)), "wraps a recurrent layer (SimpleRNN, LSTM, GRU or RNN), not Dense"),
        (lambda: rnncount.problem_set(10**5000), "the seed is too large: it has 5,001 digits"),
        (lambda: rnncount.problem_set(1, n=10**5000), "got a number with 5,001 digits"),
    ],
)
def test_values_that_cannot_work_raise_a_spec_error(call, message):
    with pytest.raises(SpecError) as info:
        call()
    assert message in str(info.value)


def test_errors_are_one_family():
    assert issubclass(SpecError, rnncount.RnncountError) and issubclass(SpecError, ValueError)
    assert issubclass(rnncount.RnncountTypeError, rnncount.RnncountError)
    assert issubclass(rnncount.RnncountTypeError, TypeError)
    assert issubclass(rnncount.BuildTooLargeError, SpecError)
    assert str(SpecError("two\nlines   here")) == "two lines here"


def test_group_digits_refuses_what_it_cannot_write():
    from rnncount.core.formula import group_digits

    assert group_digits(10**4299) == f"{10**4299:,}"
    with pytest.raises(SpecError, match="too large to write out: it has 5,001 digits"):
        group_digits(10**5000)
    with pytest.raises(rnncount.RnncountTypeError, match="got str"):
        group_digits("17")


def test_echoes_are_short_and_safe():
    from rnncount.errors import digits, shown

    assert shown("x" * 1000).count("x") < 60 and " ... " in shown("x" * 1000)
    assert shown(10**5000) == "a number with 5,001 digits"
    assert shown(-(10**5000)) == "-a number with 5,001 digits"
    assert shown((3, 10**5000)) == "(3, a number with 5,001 digits)"

    class Broken:
        def __repr__(self):
            raise RuntimeError

    assert shown(Broken()) == "a Broken"
    assert [digits(n) for n in (0, 9, 10, 99, 100, 10**4300 - 1, 10**4300)] == [1, 1, 2, 2, 3, 4300, 4301]


@pytest.mark.keras
def test_the_activation_names_are_keras_own():
    from rnncount.bridges.keras import keras
    from rnncount.core.layers import ACTIVATIONS

    activations = keras().activations
    public = {
        name
        for name in dir(activations)
        if not name.startswith("_") and callable(getattr(activations, name))
        if name not in ("get", "serialize", "deserialize")
    }
    assert set(ACTIVATIONS) == public
    for name in ACTIVATIONS:
        assert callable(activations.get(name))


@pytest.mark.keras
def test_options_rnncount_accepts_are_options_keras_builds():
    """Every option value rnncount lets through builds in Keras: a typo never ends in a Keras traceback."""
    from rnncount.bridges.keras import build_model

    values = [None, True, False, 0, 1, -1, 0.5, 1.0, 1.5, "x", "relu", "rellu", 2]
    options = {
        "activation": ("Dense(3, {})", "4"),
        "recurrent_activation": ("GRU(3, {})", "5,4"),
        "dropout": ("LSTM(3, {})", "5,4"),
        "recurrent_dropout": ("SimpleRNN(3, {})", "5,4"),
        "go_backwards": ("LSTM(3, {})", "5,4"),
        "unroll": ("GRU(3, {})", "5,4"),
        "unit_forget_bias": ("LSTM(3, {})", "5,4"),
        "mask_zero": ("Embedding(10, 3, {})", "5"),
        "seed": ("Dropout(0.5, {})", "4"),
    }
    accepted = refused = 0
    for option, (template, shape) in options.items():
        for value in values:
            spec = template.format(f"{option}={value!r}")
            try:
                result = rnncount.count(spec, shape)
            except SpecError as err:
                assert option in str(err)
                refused += 1
                continue
            model = build_model(result, zeros=True)
            assert model.count_params() == result.total, spec
            accepted += 1
    assert accepted >= 25 and refused >= 40
