"""Hostile input, generated: nothing crashes, hangs or answers with a foreign error.

The command line runs through ``rnncount.cli.main(argv)``: the exit status is 0, 1 or 2; on 2,
stderr is exactly one non-empty line; never a traceback; every case ends in bounded time. The
Python API raises only rnncount's own errors (:class:`rnncount.RnncountError`: a ``SpecError``,
which is a ValueError, or a ``RnncountTypeError``, a TypeError), each one line long.

The generated cases are random and mutated specs, input shapes, answers, layer numbers and seeds,
with deep nesting, huge numbers, digit-like characters (², ①, ٣) and wrong separators. CI runs a
fixed draw (derandomized, so a failure is repeatable); ``RNNCOUNT_FUZZ=N`` runs N fresh random cases
per property instead, to search further.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import os
import random
import time
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest
from _stacks import random_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnncount
from rnncount.classroom import exercises, grade, misconceptions
from rnncount.classroom.exercises import Choice, Design, Exercise, Inverse, Ranking
from rnncount.cli import main
from rnncount.core.formula import group_digits
from rnncount.errors import digits, shown
from rnncount.pictures import drawing

# Huge numbers and specs make long reprs of the generated calls; hypothesis warns about each.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

# --------------------------------------------------------------------------- how many, how long

FUZZ = int(os.environ.get("RNNCOUNT_FUZZ", "0"))
#: Generated cases per property (CI: a fixed draw of this many).
CLI_CASES = FUZZ or 400
ARGV_CASES = FUZZ or 150
API_CASES = FUZZ or 400
#: The newer surfaces (explain, pictures, dashboards, grading, exercises): cheap cases, but some draw.
MORE_API_CASES = FUZZ or 300
MORE_CLI_CASES = FUZZ or 120
#: A generous bound for one case: each takes milliseconds, the bound is for hangs and blow-ups.
CASE_SECONDS = 15.0


def _settings(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,  # timed by hand below, with a bound that tolerates a busy machine
        derandomize=not FUZZ,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# --------------------------------------------------------------------------- the ingredients

LAYER_NAMES = [
    "Dense",
    "LSTM",
    "GRU",
    "SimpleRNN",
    "Embedding",
    "Flatten",
    "Dropout",
    "RepeatVector",
    "keras.layers.LSTM",
    "layers.Dense",
    "LTSM",
    "lstm",
    "Conv2D",
    "os.system",
    "__import__('os').system",
]
HUGE = ["9" * 13, "9" * 2150, "9" * 4301, "9" * 5000, "0x" + "f" * 3000, "1e999", "-" + "9" * 4400]
DIGIT_LIKE = ["²", "①", "٣", "３", "⁴", "½", "𝟗"]
SIGNS = ["++3", "+-5", "--5", "-+2", "+", "-", "---"]
NUMBERS = [
    "1",
    "3",
    "32",
    "0",
    "-4",
    "+5",
    "2.5",
    "True",
    "None",
    "'8'",
    "1_000",
    "3j",
    "nan",
    *HUGE,
    *DIGIT_LIKE,
    *SIGNS,
]
OPTIONS = [
    "return_sequences=True",
    "use_bias=False",
    "reset_after=False",
    "return_state=True",
    "activation='rellu'",
    "activation='relu'",
    "activation=5",
    "recurrent_activation='hard_sigmoid'",
    "dropout='x'",
    "dropout=0.2",
    "dropout=1.5",
    "recurrent_dropout=-1",
    "seed='x'",
    "seed=3",
    "mask_zero=1",
    "unroll=True",
    "name='enc'",
    "name=5",
    "name='a b'",
    "merge_mode='max'",
    "merge_mode=None",
    "input_shape=(3, 4)",
    "foo=1",
    "**{}",
    "*[]",
    "units=" + "9" * 20,
]
SEPARATORS = [
    " > ",
    " > ",
    " > ",
    ">",
    " >> ",
    " | ",
    ", ",
    " -> ",
    "\n",
    " ",
    " > > ",
    " → ",
    "; ",
    " >= ",
    " < ",
    " + ",
]
NOISE = [*"()><,|'\"=-+_.:;[]{}*#\\ \n\t", "²", "①", "٣", "\u00a0", "\u2028", "→", "é", "0", "9", "x", "L"]


@st.composite
def layer_texts(draw: st.DrawFn, depth: int = 0) -> str:
    name = draw(st.sampled_from(LAYER_NAMES))
    args = draw(st.lists(st.sampled_from(NUMBERS), max_size=3))
    args += draw(st.lists(st.sampled_from(OPTIONS), max_size=2))
    if depth < 2 and draw(st.integers(0, 5)) == 0:
        wrapper = draw(st.sampled_from(["Bidirectional", "TimeDistributed", "Dense"]))
        return f"{wrapper}({', '.join([draw(layer_texts(depth + 1)), *args[1:]])})"
    return f"{name}({', '.join(args)})" if draw(st.integers(0, 9)) else name


VALID = [
    "LSTM(4)",
    "GRU(3, return_sequences=True) > Dense(1)",
    "Embedding(100, 8) > Bidirectional(LSTM(4)) > Dense(2)",
    "SimpleRNN(5, return_sequences=True) > TimeDistributed(Dense(2)) > Flatten() > Dropout(0.5) > Dense(1)",
    "Dense(4) > RepeatVector(3) > GRU(2, reset_after=False)",
    "Bidirectional(GRU(2, return_sequences=True), merge_mode='sum') > LSTM(3, return_state=True)",
]


def _deep(kind: int, k: int) -> str:
    return [
        lambda: "LSTM(" + "-" * k + "1)",
        lambda: "+".join(["1"] * k),
        lambda: "LSTM(3)" + "(0)" * k,
        lambda: "(" * k + "LSTM(3)" + ")" * k,
        lambda: "Bidirectional(" * k + "LSTM(3)" + ")" * k,
        lambda: "a." * k + "b",
        lambda: "not " * k + "1",
        lambda: "[" * k + "]" * k,
        lambda: "LSTM(3, name=" + "[" * k + "]" * k + ")",
        lambda: " > ".join(["LSTM(3, return_sequences=True)"] * k),
        lambda: "Dense(1)" + " > Dense(1)" * k,
        lambda: "LSTM(" + "9" * k + ")",
        lambda: "LSTM(3" + ", 1" * k + ")",
        lambda: "lambda: " * k + "1",
    ][kind]()


deep_specs = st.builds(_deep, st.integers(0, 13), st.integers(1, 3000))
joined_specs = st.lists(st.one_of(layer_texts(), st.sampled_from(VALID)), min_size=1, max_size=5).flatmap(
    lambda parts: st.lists(st.sampled_from(SEPARATORS), min_size=len(parts) - 1, max_size=len(parts) - 1).map(
        lambda seps: "".join(p + s for p, s in zip(parts, [*seps, ""], strict=True))
    )
)


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A text with a few random edits: a character inserted, dropped, replaced, or a piece repeated."""
    text = draw(base)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.integers(0, 3))
        if op == 0:
            text = text[:i] + draw(st.sampled_from(NOISE)) + text[i:]
        elif op == 1:
            text = text[:i] + text[i + 1 :]
        elif op == 2:
            text = text[:i] + draw(st.sampled_from(NOISE)) + text[i + 1 :]
        else:
            j = draw(st.integers(i, min(len(text), i + 12)))
            text = text[:i] + text[i:j] * draw(st.integers(2, 40)) + text[j:]
    return text


specs = st.one_of(
    st.sampled_from(VALID),
    joined_specs,
    mutated(st.sampled_from(VALID)),
    mutated(joined_specs),
    deep_specs,
    st.text(max_size=40),
    st.sampled_from(["", " ", "\n", ">", "→", "#", "''", "LSTM(3) >", "> LSTM(3)", "LSTM(3) > > Dense(1)"]),
)

SHAPE_PARTS = ["30", "5", "None", "none", "?", "0", "-5", "+5", "3.5", "x", "", " ", "1_0", "0x10", *HUGE, *DIGIT_LIKE]
SHAPE_PARTS += SIGNS
shape_texts = st.one_of(
    st.sampled_from(["30,5", "None,5", "200", "(30, 5)", "200,", "3,4", "5"]),
    st.builds(
        lambda parts, sep, wrap: wrap[0] + sep.join(parts) + wrap[1],
        st.lists(st.sampled_from(SHAPE_PARTS), max_size=5),
        st.sampled_from([",", ", ", ";", " ", ",,"]),
        st.sampled_from(["  ", "  ", "()", "[]", "(]"]),
    ),
    mutated(st.sampled_from(["30,5", "None,5", "200"])),
    st.text(max_size=12),
)
answers = st.one_of(
    st.integers(-10, 10**9).map(str),
    st.sampled_from(["1,400", "1_400", "906.0", "1 400", "abc", "", "(None, 30, 4)", "[(None, 4), (None, 4)]"]),
    st.sampled_from(NUMBERS),
    mutated(st.sampled_from(["165", "(None, 30, 4)", "1,400"])),
    st.text(max_size=12),
    st.builds(lambda k: "(" * k + "1" + ",)" * k, st.integers(1, 400)),
)
layer_numbers = st.one_of(
    st.integers(-3, 8).map(str),
    st.sampled_from(["lstm", "gru_1", "dense", "", " 1 ", *DIGIT_LIKE, *SIGNS, *HUGE]),
    st.text(max_size=8),
)
seeds = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["s1234", "alice", "", " ", *DIGIT_LIKE, *SIGNS, *HUGE]),
    st.text(max_size=12),
)
counts = st.one_of(st.sampled_from(["1", "3", "0", "-1", "1001", "²", "++3", "9" * 5000, "x", ""]), st.text(max_size=4))


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(["count", "count", "check", "check", "homework"]))
    # A third of the cases start from a model that works, so that answers, layer numbers and
    # output options are reached too, not only the refusals of a broken spec.
    sound = draw(st.integers(0, 2)) == 0
    spec = draw(st.sampled_from(VALID) if sound else specs)
    shape = draw(st.sampled_from(["30,5", "None,5", "7,3"]) if sound else shape_texts)
    if spec.startswith("Embedding") and sound:
        shape = draw(st.sampled_from(["30", "None"]))
    if command == "count":
        argv = ["count", spec, "--input", shape]
        argv += draw(
            st.sampled_from([[], [], ["--json"], ["--latex"], ["--framework", "pytorch"], ["--framework", "both"]])
        )
    elif command == "check":
        argv = ["check", spec, "--input", shape, f"--answer={draw(answers)}"]
        if draw(st.booleans()):
            argv.append(f"--layer={draw(layer_numbers)}")
        if draw(st.integers(0, 3)) == 0:
            argv += ["--ask", "shape"]
    else:
        argv = ["homework", f"--seed={draw(seeds)}", f"--n={draw(counts)}"]
        argv += draw(st.sampled_from([[], ["--json"], ["--answers"], ["--difficulty", "hard"]]))
    return argv


raw_argvs = st.tuples(
    st.sampled_from(["count", "check", "homework", "--version", "nonsense", "", "-h"]),
    st.lists(
        st.one_of(
            st.text(max_size=20),
            st.sampled_from(["--input", "-i", "--answer", "--layer", "--seed", "--n", "--json", "--ask", "--", "-"]),
            specs,
        ),
        max_size=6,
    ),
).map(lambda t: [t[0], *t[1]] if t[0] else t[1])


# --------------------------------------------------------------------------- the command line


def run_cli(argv: list[str]) -> tuple[int, str, str, float]:
    """Run ``main(argv)`` as the console script would; returns (status, stdout, stderr, seconds)."""
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own exits (usage errors, --help, --version)
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return code, out.getvalue(), err.getvalue(), time.monotonic() - start


def assert_cli_contract(argv: list[str]) -> tuple[int, str, str]:
    code, out, err, seconds = run_cli(argv)
    shown = repr(argv)[:300]
    assert code in (0, 1, 2), f"exit status {code} for {shown}"
    assert "Traceback" not in err and "internal error" not in err, f"{shown} -> {err[-500:]}"
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].strip(), f"{shown} -> stderr {err[:500]!r}"
        assert "set_int_max_str_digits" not in err, f"{shown} -> Python's advice leaked: {err[:300]}"
    assert seconds < CASE_SECONDS, f"{shown} took {seconds:.1f} s"
    return code, out, err


def test_generated_command_lines_keep_the_contract():
    seen: list[int] = []

    @_settings(CLI_CASES)
    @given(command_lines())
    def one(argv: list[str]) -> None:
        code, _, _ = assert_cli_contract(argv)
        seen.append(code)

    one()
    assert len(seen) >= CLI_CASES
    print(f"{len(seen)} generated command lines: exit 0: {seen.count(0)}, 1: {seen.count(1)}, 2: {seen.count(2)}")
    # The draw must reach every outcome, or it is not testing much.
    assert {0, 1, 2} <= set(seen)


def test_raw_argument_lists_keep_the_contract():
    seen: list[int] = []

    @_settings(ARGV_CASES)
    @given(raw_argvs)
    def one(argv: list[str]) -> None:
        code, _, _ = assert_cli_contract(argv)
        seen.append(code)

    one()
    assert len(seen) >= ARGV_CASES
    print(f"{len(seen)} raw argument lists: exit 0: {seen.count(0)}, 2: {seen.count(2)}")


# --------------------------------------------------------------------------- the Python API


class Big(int):
    """A whole number past Python's 4,300-digit limit that can still be printed in a failure report."""

    def __repr__(self) -> str:
        return f"<a {'negative ' if self < 0 else ''}number with {digits(self):,} digits>"


class Opaque:
    """A user object whose str fails: messages echo what was given by repr or type name, never by str().

    (Its repr works, so that a failure report can show it; ``shown()`` has its own test for a broken one.)
    """

    def __repr__(self) -> str:
        return "<Opaque>"

    def __str__(self) -> str:
        raise RuntimeError("no str")


LAYERS = [rnncount.LSTM(3), rnncount.Dense(1), rnncount.Bidirectional(rnncount.GRU(2)), rnncount.Embedding(10, 3)]
INTS = [0, -1, 1, 3, 2**63, 10**12, 10**12 + 1, 10**4299, Big(10**5000), Big(-(10**5000))]

atoms = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-100, 100),
    st.sampled_from(INTS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.binary(max_size=8),
    st.sampled_from(LAYERS),
    st.sampled_from([object(), 1j, b"LSTM(3)", bytearray(b"x"), range(3), {1, 2}, math.pi, Opaque()]),
)
values = st.one_of(
    atoms,
    specs,
    shape_texts,
    st.lists(atoms, max_size=4),
    st.lists(atoms, max_size=4).map(tuple),
    st.dictionaries(st.text(max_size=6), atoms, max_size=3),
)
shapes = st.one_of(
    values,
    st.tuples(st.sampled_from([None, 30, 5]), st.sampled_from([5, 4, None])),
    st.lists(st.one_of(st.none(), st.sampled_from(INTS), st.integers(1, 50), atoms), max_size=5).map(tuple),
)
LAYER_ARGS: dict[type, list[str]] = {
    rnncount.Dense: ["units", "use_bias", "name", "extra"],
    rnncount.LSTM: ["units", "use_bias", "return_sequences", "return_state", "name", "extra"],
    rnncount.GRU: ["units", "use_bias", "return_sequences", "return_state", "reset_after", "name", "extra"],
    rnncount.SimpleRNN: ["units", "return_sequences", "name", "extra"],
    rnncount.Embedding: ["input_dim", "output_dim", "name", "extra"],
    rnncount.Dropout: ["rate", "name", "extra"],
    rnncount.RepeatVector: ["n", "name", "extra"],
    rnncount.Flatten: ["name", "extra"],
    rnncount.Bidirectional: ["layer", "merge_mode", "name", "extra"],
    rnncount.TimeDistributed: ["layer", "name", "extra"],
}
EXTRAS = st.dictionaries(
    st.sampled_from(["activation", "dropout", "seed", "mask_zero", "go_backwards", "unit_forget_bias", "x", ""]),
    st.one_of(atoms, st.sampled_from(["relu", "rellu", "tanh", 0.2, 1.5, -1, True])),
    max_size=2,
)


@st.composite
def layer_calls(draw: st.DrawFn) -> Callable[[], Any]:
    cls = draw(st.sampled_from(list(LAYER_ARGS)))
    kwargs = {}
    for arg in LAYER_ARGS[cls]:
        if draw(st.booleans()):
            kwargs[arg] = draw(EXTRAS if arg == "extra" else st.one_of(values, st.integers(1, 8)))
    if cls in (rnncount.Bidirectional, rnncount.TimeDistributed):
        kwargs.setdefault("layer", draw(st.sampled_from(LAYERS)))
    for required in ("units", "input_dim", "output_dim", "n"):
        if required in LAYER_ARGS[cls]:
            kwargs.setdefault(required, draw(st.integers(1, 8)))
    changes = draw(st.dictionaries(st.sampled_from([*LAYER_ARGS[cls], "bogus"]), values, max_size=2))

    def call() -> Any:
        layer = cls(**kwargs)
        # A layer that was accepted must render and can be changed (or refuse the change cleanly).
        assert layer.spec() and str(layer)
        try:
            return layer.with_options(**changes)
        finally:
            rnncount.parse_spec(layer.spec())

    call.__name__ = f"{cls.__name__}(**{shown(kwargs, 200)})"
    return call


def _render(result: Any) -> None:
    """Everything a user can look at on a result; none of it may fail."""
    if isinstance(result, rnncount.CountResult):
        result.table()
        result.latex  # noqa: B018 - a property that renders
        result.formula_text  # noqa: B018
        result._repr_html_()
        json.dumps(result.to_dict())
    elif hasattr(result, "table"):
        result.table()
        json.dumps(result.to_dict())


api_calls = st.one_of(
    st.builds(lambda s, i: lambda: rnncount.count(s, i), values, shapes),
    st.builds(lambda s, i: lambda: rnncount.count(s, i), specs, shapes),
    st.builds(lambda s: lambda: rnncount.count(s, (30, 5)), specs),
    st.builds(lambda s: lambda: rnncount.parse_spec(s), values),
    st.builds(lambda s: lambda: rnncount.parse_shape(s), shapes),
    st.builds(lambda s: lambda: rnncount.format_spec(s), values),
    st.builds(lambda n, latex: lambda: group_digits(n, latex), values, st.booleans()),
    st.builds(lambda n: lambda: group_digits(n), st.sampled_from(INTS)),
    st.builds(lambda s, i: lambda: rnncount.count_torch(s, i), values, shapes),
    st.builds(
        lambda seed, n, d: lambda: rnncount.problem_set(seed, n, d),
        st.one_of(values, seeds),
        st.one_of(st.integers(-2, 4), atoms),
        st.sampled_from(["easy", "mixed", "hard", "x", None, 3]),
    ),
    layer_calls(),
)


def assert_api_contract(call: Callable[[], Any]) -> str:
    start = time.monotonic()
    try:
        _render(call())
        outcome = "returned"
    except rnncount.RnncountError as err:
        assert isinstance(err, (rnncount.SpecError, rnncount.RnncountTypeError)), repr(err)
        assert isinstance(err, (ValueError, TypeError))
        message = str(err)
        assert message and "\n" not in message, repr(message)
        assert len(message) < 1000, f"a {len(message)}-character message"
        assert "set_int_max_str_digits" not in message
        outcome = type(err).__name__
    assert time.monotonic() - start < CASE_SECONDS
    return outcome


def test_the_python_api_raises_only_rnncount_errors():
    seen: list[str] = []

    @_settings(API_CASES)
    @given(api_calls)
    def one(call: Callable[[], Any]) -> None:
        seen.append(assert_api_contract(call))

    one()
    assert len(seen) >= API_CASES
    tally = {k: seen.count(k) for k in sorted(set(seen))}
    print(f"{len(seen)} generated API calls: {tally}")
    assert {"returned", "SpecError", "RnncountTypeError"} <= set(seen)


# --------------------------------------------------------------------------- a very long stack


LONG = " > ".join(["Bidirectional(GRU(2, return_sequences=True))"] * 220)


def test_check_is_linear_in_the_layers(monkeypatch):
    # The work: how many layers the checker recounts. Recounting the whole stack for each layer
    # (quadratic) needs hundreds of thousands here; a recount of the changed layer alone, a few thousand.
    counted: list[int] = []
    real_count = exercises.count

    def counting(spec: Any, input_shape: Any) -> Any:
        counted.append(spec.count(">") + 1 if isinstance(spec, str) else len(spec))
        return real_count(spec, input_shape)

    monkeypatch.setattr(exercises, "count", counting)
    monkeypatch.setattr(misconceptions, "count", counting)  # the rules recount through their own module
    start = time.monotonic()
    code, _, err = assert_cli_contract(["check", LONG, "--input", "30,5", "--answer", "5"])
    check_seconds = time.monotonic() - start
    assert code == 1 and "Traceback" not in err, err
    layers = 220
    assert sum(counted) <= 30 * layers, f"{sum(counted)} layers recounted for a {layers}-layer stack"
    # The time, with a generous bound (this was 22 s, quadratic; a count of the stack takes 0.1-0.3 s).
    start = time.monotonic()
    rnncount.count(LONG, (30, 5))
    count_seconds = time.monotonic() - start
    assert check_seconds < max(10.0, 40 * count_seconds), f"check {check_seconds:.1f} s, count {count_seconds:.2f} s"


def _with_layer_by_full_recount(result: Any, k: int, new: Any) -> int | None:
    # The definition: replace layer k and count the whole stack again.
    layers = [lc.layer for lc in result.layers]
    layers[k] = new.with_options(name=result.layers[k].name)
    again = exercises._recount(layers, result.input_shape)
    return None if again is None else again.layers[k].params


def _inner(layer: Any) -> Any:
    return layer.layer if isinstance(layer, (rnncount.Bidirectional, rnncount.TimeDistributed)) else layer


def _rewrapped(layer: Any, inner: Any) -> Any:
    return layer.with_options(layer=inner) if inner is not layer and _inner(layer) is not layer else inner


def _forgot_bias_by_full_recount(result: Any, k: int) -> int | None:
    layer = result.layers[k].layer
    inner = _inner(layer)
    if not hasattr(inner, "use_bias") or not inner.use_bias:
        return None
    return _with_layer_by_full_recount(result, k, _rewrapped(layer, inner.with_options(use_bias=False)))


def _reset_after_by_full_recount(result: Any, k: int) -> int | None:
    layer = result.layers[k].layer
    inner = _inner(layer)
    if not isinstance(inner, rnncount.GRU) or not inner.use_bias:
        return None
    return _with_layer_by_full_recount(
        result, k, _rewrapped(layer, inner.with_options(reset_after=not inner.reset_after))
    )


def _gate_count_by_full_recount(result: Any, k: int) -> int | None:
    # LSTM's formula (g = 4) for a SimpleRNN or a GRU, and an LSTM counted as a GRU with one bias row.
    layer = result.layers[k].layer
    inner = _inner(layer)
    if not isinstance(inner, (rnncount.SimpleRNN, rnncount.LSTM, rnncount.GRU)):
        return None
    common = {"use_bias": inner.use_bias, "return_sequences": inner.return_sequences}
    swapped = (
        rnncount.GRU(inner.units, reset_after=False, **common)
        if isinstance(inner, rnncount.LSTM)
        else rnncount.LSTM(inner.units, **common)
    )
    return _with_layer_by_full_recount(result, k, _rewrapped(layer, swapped))


def _bidi_width_by_full_recount(result: Any, k: int) -> int | None:
    layers = [lc.layer for lc in result.layers]
    changed = False
    for j in range(k):
        if isinstance(layers[j], rnncount.Bidirectional) and layers[j].merge_mode == "concat":
            layers[j] = layers[j].with_options(merge_mode="sum")
            changed = True
    if not changed or result.layers[k].params == 0:
        return None
    again = exercises._recount(layers, result.input_shape)
    return None if again is None else again.layers[k].params


def test_the_linear_checker_finds_what_a_full_recount_finds(monkeypatch):
    rng = random.Random(13)
    results = []
    for _ in range(120):
        case = random_case(rng)
        results.append(rnncount.count(case.layers, case.input_shape))
    results.append(rnncount.count(" > ".join(["Bidirectional(LSTM(2, return_sequences=True))"] * 4), (9, 3)))
    fast = [(exercises.candidates(r), [exercises.candidates(r, k) for k in range(len(r.layers))]) for r in results]
    # The rules that read the weight blocks, against their definitions: change the layer, recount the stack.
    monkeypatch.setitem(exercises.RULES, "forgot_bias", _forgot_bias_by_full_recount)
    monkeypatch.setitem(exercises.RULES, "gru_reset_after", _reset_after_by_full_recount)
    monkeypatch.setitem(exercises.RULES, "wrong_gate_count", _gate_count_by_full_recount)
    monkeypatch.setitem(exercises.RULES, "bidirectional_width", _bidi_width_by_full_recount)
    slow = [(exercises.candidates(r), [exercises.candidates(r, k) for k in range(len(r.layers))]) for r in results]
    assert fast == slow
    assert sum(len(total) for total, _ in fast) > 200  # the rules fire: the comparison compares something


@pytest.mark.parametrize("n", [1, 60])
def test_a_long_stack_counts_and_checks_from_the_command_line(n):
    spec = " > ".join(["Bidirectional(GRU(2, return_sequences=True))"] * n)
    right = rnncount.count(spec, (30, 5)).total
    code, out, _ = assert_cli_contract(["check", spec, "--input", "30,5", "--answer", str(right)])
    assert code == 0 and out


# --------------------------------------------------------------------------- the newer surfaces

#: Options of the pictures and dashboards: the ones that work, near misses, and anything at all.
# Most cases use options that work, so that the drawing itself is reached, not only the refusals.
GOOD_VIEWS = st.sampled_from(["weights", "unrolled", "cell"])
VIEWS = st.one_of(GOOD_VIEWS, GOOD_VIEWS, st.sampled_from(["Weights", "cells", "", "x"]), atoms)
DPIS = st.one_of(
    st.just(100),
    st.sampled_from([72.5, 1, 0, -5, 10**6, float("nan"), float("inf"), "100", True, Big(10**5000)]),
    atoms,
)
TITLES = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["x" * 5000, "a\nb", "<b>&", "$x$"]), atoms)
PICTURE_LAYERS = st.one_of(
    st.none(), st.none(), st.integers(-3, 5), st.sampled_from(["lstm", "gru", "²", "++1", *HUGE, Big(10**5000)]), atoms
)
picture_specs = st.one_of(st.sampled_from(VALID), st.sampled_from(VALID), specs, values)
picture_shapes = st.one_of(st.sampled_from([(30, 5), "30,5", (7, 3), None]), st.just((30, 5)), shapes)


def _picture_call(kind: str, spec: Any, shape: Any, view: Any, title: Any, layer: Any, dpi: Any, ax: Any) -> Callable:
    def call() -> Any:
        if kind == "to_svg":
            svg = drawing.to_svg(spec, shape, view=view, title=title, layer=layer)
            assert isinstance(svg, str) and svg.lstrip().startswith("<")
            return None
        if kind == "picture":
            pic = rnncount.picture(spec, shape, view=view, title=title, layer=layer)
            assert pic._repr_html_()
            return None
        import matplotlib.pyplot as plt

        try:
            return rnncount.diagram(spec, shape, ax, view=view, title=title, layer=layer, dpi=dpi)
        finally:
            plt.close("all")

    call.__name__ = f"{kind}({shown(spec)}, {shown(shape)}, view={shown(view)}, dpi={shown(dpi)}, ax={shown(ax)})"
    return call


@st.composite
def at_most_one_hostile(draw: st.DrawFn, good: dict[str, Any], bad: dict[str, Any]) -> dict[str, Any]:
    """Arguments that work, except at most one drawn from ``bad``: so that a refusal is the one under test,
    and the sound cases reach the drawing, grading and checking behind the checks."""
    which = draw(st.sampled_from([None, *bad]))
    return {k: draw(bad[k] if k == which else good[k]) for k in good}


picture_calls = at_most_one_hostile(
    {
        "kind": st.sampled_from(["to_svg", "to_svg", "picture", "picture", "diagram"]),
        "spec": st.sampled_from(VALID),
        "shape": st.sampled_from([(30, 5), "30,5", (7, 3)]),
        "view": GOOD_VIEWS,
        "title": st.one_of(st.none(), st.text(max_size=20)),
        "layer": st.one_of(st.none(), st.integers(0, 2)),
        "dpi": st.sampled_from([100, 72.5]),
        "ax": st.none(),
    },
    {
        "spec": picture_specs,
        "shape": picture_shapes,
        "view": VIEWS,
        "title": TITLES,
        "layer": PICTURE_LAYERS,
        "dpi": DPIS,
        "ax": atoms,
    },
).map(lambda kw: _picture_call(**kw))

#: Dashboards build no Keras model in these cases (max_params=1): the Keras side has its own tests.
DASHBOARD_OPTIONS = st.dictionaries(
    st.sampled_from(["view", "dark", "head", "use_bias", "max_units", "max_params", "cache", "bogus"]),
    st.one_of(atoms, st.sampled_from(["cell", "unrolled", -1, 0, 2, "x"])),
    max_size=1,
)
#: The stack builder's methods and how many arguments each is given here.
STACK_METHODS = {"set_layer": 2, "add_layer": 1, "remove_layer": 1, "move_layer": 2, "set_spec": 1, "view": 1}
method_args = st.one_of(atoms, st.integers(-3, 4), st.sampled_from(["LSTM(3)", "GRU", "Dense(2) > Dense(1)", *HUGE]))


def _dashboard_call(stack: bool, first: Any, shape: Any, options: dict, moves: list) -> Callable:
    def call() -> Any:
        kwargs = {"max_params": 1, **options}
        w = rnncount.explore_stack(first, shape, **kwargs) if stack else rnncount.explore(first, **kwargs)
        try:
            for method, args in moves:
                try:
                    if method == "view":
                        w.view = args[0]
                    elif stack:
                        getattr(w, method)(*(args * 2)[: STACK_METHODS[method]])
                    else:
                        # One layer: its controls' values and the view are what a user changes.
                        w.view = args[0]
                except rnncount.RnncountError as err:
                    assert str(err) and "\n" not in str(err), repr(err)
            assert w.formula_text and w.summary_text
        finally:
            w.close()
        return None

    name = "explore_stack" if stack else "explore"
    call.__name__ = f"{name}({shown(first)}, {shown(shape)}, **{shown(options)}) then {shown(moves, 200)}"
    return call


dashboard_calls = st.builds(
    _dashboard_call,
    st.booleans(),
    st.one_of(st.sampled_from(["LSTM", "GRU", "Dense", "SimpleRNN", "", "LSTM(3) > Dense(1)"]), values).filter(
        lambda v: not isinstance(v, str) or len(v) < 40
    ),
    st.one_of(st.sampled_from([None, (30, 5), "7,3"]), st.none(), shapes),
    st.one_of(st.just({}), DASHBOARD_OPTIONS),
    st.lists(
        st.tuples(st.sampled_from(list(STACK_METHODS)), st.lists(method_args, min_size=1, max_size=2)), max_size=4
    ),
)

CSV_HEADERS = ["student,seed,problem,answer", "student,seed,1,2,3", "student,seed,Q1,Q2", "", "a,b", "student"]
CSV_CELLS = ["Ada", "ada", "s1234", "1", "2", "3", "0", "-1", "", "165", "(None, 30, 4)", '"', "a,b", "\x00", *HUGE]
CSV_CELLS += [*DIGIT_LIKE, *SIGNS, "=cmd|' /C calc'!A0", "<script>", "é", "\r"]
sound_csv_texts = st.builds(
    lambda rows: "\n".join(["student,seed,problem,answer", *(",".join(map(str, r)) for r in rows)]),
    st.lists(
        st.tuples(
            st.sampled_from(["Ada", "Bo", "é"]),
            st.sampled_from(["ada", "bo", "s1234"]),
            st.integers(1, 3),
            st.one_of(answers, st.integers(0, 10**5)).map(lambda a: '"' + str(a).replace('"', "") + '"'),
        ),
        min_size=1,
        max_size=6,
    ),
)
csv_texts = st.one_of(
    sound_csv_texts,
    sound_csv_texts,
    st.builds(
        lambda header, rows, eol: eol.join([header, *(",".join(r) for r in rows)]),
        st.sampled_from(CSV_HEADERS),
        st.lists(st.lists(st.sampled_from(CSV_CELLS), max_size=5), max_size=6),
        st.sampled_from(["\n", "\r\n", "\r"]),
    ),
    st.text(max_size=60),
)


def _grade_call(tmp: Any, text: str, n: Any, difficulty: Any, raw: bytes | None) -> Callable:
    def call() -> Any:
        path = tmp / f"answers-{next(_FILES)}.csv"
        if raw is None:
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(raw)
        grades = grade.grade_csv(path, n, difficulty, workers=1)
        grades.table()
        json.dumps(grades.to_dict())
        grades.html()
        return None

    call.__name__ = f"grade_csv({shown(raw if raw is not None else text, 200)}, n={shown(n)}, {shown(difficulty)})"
    return call


def grade_calls(tmp: Any) -> st.SearchStrategy[Callable]:
    return at_most_one_hostile(
        {
            "tmp": st.just(tmp),
            "text": sound_csv_texts,
            "n": st.sampled_from([1, 2, 3, 10]),
            "difficulty": st.sampled_from(["mixed", "easy", "hard"]),
            "raw": st.none(),
        },
        {
            "text": csv_texts,
            "n": st.one_of(st.integers(-2, 5), atoms),
            "difficulty": atoms,
            "raw": st.one_of(st.binary(max_size=30), st.just(b"\xff\xfe\x00a,b")),
        },
    ).map(lambda kw: _grade_call(**kw))


def _grade_rows_call(rows: Any, n: Any, workers: Any) -> Callable:
    def call() -> Any:
        grades = grade.grade_answers(rows, n, workers=workers)
        grades.table()
        json.dumps(grades.to_dict())
        return None

    call.__name__ = f"grade_answers({shown(rows, 200)}, n={shown(n)}, workers={shown(workers)})"
    return call


cells = st.one_of(st.sampled_from(CSV_CELLS), atoms, st.integers(0, 4))
grade_rows_calls = st.builds(
    _grade_rows_call,
    st.one_of(st.lists(st.one_of(st.tuples(cells, cells, cells, cells), st.lists(cells, max_size=5), atoms)), values),
    st.one_of(st.just(3), atoms),
    st.one_of(st.none(), st.just(1), atoms),
)

QUESTIONS = [
    lambda: Exercise("LSTM(4) > Dense(1)", (30, 5)),
    lambda: Exercise("GRU(3, return_sequences=True) > Dense(2)", (7, 3), layer=1, ask="shape"),
    lambda: Choice("Which has more weights?", ["LSTM(4)", "GRU(4)"], "A", why="g = 4 > 3."),
    lambda: Inverse("LSTM({h})", (20, 100), 17_024),
    lambda: Design("A GRU.", (30, 8), kinds=("GRU",), max_params=10_000, example="GRU(8)"),
    lambda: Ranking(["LSTM(4)", "GRU(2)", "Dense(1)"], (10, 3)),
]
exercise_answers = st.one_of(
    answers, st.integers(0, 10**5), values, st.sampled_from(INTS), st.sampled_from(["A", "b", "C A B", ["B", "A"]])
)


def _question_call(k: int, answer: Any) -> Callable:
    def call() -> Any:
        feedback = QUESTIONS[k]().check(answer)
        assert str(feedback) and "\n" not in feedback.message
        json.dumps(feedback.to_dict())
        feedback._repr_html_()
        return None

    call.__name__ = f"question {k}.check({shown(answer)})"
    return call


def _exercise_call(spec: Any, shape: Any, answer: Any, layer: Any, ask: Any) -> Callable:
    def call() -> Any:
        if ask is None:
            feedback = rnncount.diagnose(spec, shape, answer, layer)
        else:
            feedback = Exercise(spec, shape, layer=layer, ask=ask).check(answer)
        str(feedback)
        json.dumps(feedback.to_dict())
        return None

    call.__name__ = f"diagnose({shown(spec)}, {shown(shape)}, {shown(answer)}, layer={shown(layer)}, ask={ask!r})"
    return call


exercise_calls = st.one_of(
    st.builds(_question_call, st.integers(0, len(QUESTIONS) - 1), exercise_answers),
    at_most_one_hostile(
        {
            "spec": st.sampled_from(VALID[:2]),
            "shape": st.sampled_from([(30, 5), (7, 3)]),
            "answer": st.one_of(st.integers(0, 10**5), st.sampled_from(["1,400", "(None, 4)", "(None, 30, 3)"])),
            "layer": st.one_of(st.none(), st.integers(1, 2)),
            "ask": st.sampled_from([None, "params", "shape"]),
        },
        {
            "spec": specs,
            "shape": shapes,
            "answer": exercise_answers,
            "layer": st.one_of(layer_numbers, st.sampled_from(INTS), atoms),
            "ask": st.sampled_from(["x", "", "Params"]),
        },
    ).map(lambda kw: _exercise_call(**kw)),
)
explain_calls = st.builds(
    lambda m: lambda: rnncount.explain(m),
    st.one_of(values, st.sampled_from([*LAYERS, "model.keras", 3, -1, 10**12, Big(10**5000), rnncount.count])),
)


def test_the_newer_python_api_raises_only_rnncount_errors(tmp_path):
    seen: list[str] = []
    calls = st.one_of(
        explain_calls,
        picture_calls,
        picture_calls,
        dashboard_calls,
        grade_calls(tmp_path),
        grade_rows_calls,
        exercise_calls,
        exercise_calls,
    )

    @_settings(MORE_API_CASES)
    @given(calls)
    def one(call: Callable[[], Any]) -> None:
        seen.append(assert_api_contract(call))

    one()
    assert len(seen) >= MORE_API_CASES
    tally = {k: seen.count(k) for k in sorted(set(seen))}
    print(f"{len(seen)} generated calls of explain, pictures, dashboards, grading and exercises: {tally}")
    assert {"returned", "SpecError", "RnncountTypeError"} <= set(seen)


# --------------------------------------------------------------------------- draw, grade and explain


_FILES = itertools.count()


@st.composite
def more_command_lines(draw: st.DrawFn, tmp: Any) -> list[str]:
    command = draw(st.sampled_from(["draw", "draw", "grade", "grade", "explain"]))
    if command == "draw":
        sound = draw(st.integers(0, 2)) == 0
        argv = ["draw", draw(st.sampled_from(VALID) if sound else specs), "--input"]
        argv.append(draw(st.sampled_from(["30,5", "7,3"]) if sound else shape_texts))
        out = draw(st.sampled_from(["p.svg", "p.svg", "p.SVG", "p.txt", "p", "no/such/dir/p.svg", "", ".svg"]))
        argv += ["-o", str(tmp / out) if out else out]
        argv += draw(st.sampled_from([[], ["--view", "cell"], ["--view", "unrolled"], ["--view", "x"], ["--dark"]]))
        if draw(st.booleans()):
            argv.append(f"--layer={draw(layer_numbers)}")
        return argv
    path = tmp / f"input-{next(_FILES)}{draw(st.sampled_from(['.csv', '.keras', '.h5', '']))}"
    content = draw(
        st.one_of(
            csv_texts.map(lambda t: t.encode("utf-8", "surrogatepass")),
            sound_csv_texts.map(str.encode),
            st.binary(max_size=40),
            st.sampled_from([b"", b"PK\x03\x04garbage", b"\x89HDF\r\n\x1a\nnot really", b"\xff" * 30]),
        )
    )
    where = draw(st.sampled_from(["file", "file", "file", "file", "missing", "directory"]))
    if where == "file":
        path.write_bytes(content)
    elif where == "directory":
        path.mkdir(exist_ok=True)
    if command == "explain":
        return ["explain", str(path), *draw(st.sampled_from([[], ["--json"]]))]
    argv = ["grade", str(path), f"--n={draw(st.one_of(st.just('3'), counts))}"]
    argv += draw(st.sampled_from([[], ["--json"], ["--difficulty", "hard"], ["--difficulty", "x"]]))
    argv += draw(st.sampled_from([[], ["--csv", str(tmp / "g.csv")], ["--html", str(tmp / "no" / "r.html")]]))
    return argv


def test_draw_grade_and_explain_command_lines_keep_the_contract(tmp_path):
    seen: list[int] = []

    @_settings(MORE_CLI_CASES)
    @given(more_command_lines(tmp_path))
    def one(argv: list[str]) -> None:
        code, _, _ = assert_cli_contract(argv)
        seen.append(code)

    one()
    assert len(seen) >= MORE_CLI_CASES
    print(f"{len(seen)} draw, grade and explain command lines: exit 0: {seen.count(0)}, 2: {seen.count(2)}")
    assert {0, 2} <= set(seen)
