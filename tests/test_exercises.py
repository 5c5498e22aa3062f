"""The checker: right answers are right, and each known mistake is recognised.

The wrong answers here are written from the curriculum's closed-form formulas, not
from the checker's own perturbations, so a broken rule fails these tests.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from dataclasses import dataclass

import pytest
from _stacks import random_case

import rnncount
from rnncount.classroom.exercises import MISCONCEPTIONS, MISTAKES, RULES, Exercise, Feedback, candidates, parse_answer
from rnncount.cli import main

SEED_STACK = "GRU(4, return_sequences=True) > GRU(2, return_sequences=True) > SimpleRNN(25) > Dense(1)"
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@dataclass
class Cell:
    """A recurrent layer described by its symbols, counted with the curriculum's formulas."""

    kind: str
    i: int
    h: int
    t: int
    bias: bool
    reset_after: bool
    bidi: bool
    seq: bool

    @property
    def g(self) -> int:
        return GATES[self.kind]

    @property
    def copies(self) -> int:
        return 2 if self.bidi else 1

    def biases(self, reset_after: bool | None = None) -> int:
        ra = self.reset_after if reset_after is None else reset_after
        if not self.bias:
            return 0
        return 2 if self.kind == "GRU" and ra else 1

    def formula(self, i: int | None = None, g: int | None = None, biases: int | None = None, copies=None) -> int:
        i = self.i if i is None else i
        g = self.g if g is None else g
        nb = self.biases() if biases is None else biases
        c = self.copies if copies is None else copies
        return c * g * (i * self.h + self.h * self.h + nb * self.h)

    @property
    def spec(self) -> str:
        opts = [str(self.h)]
        if not self.bias:
            opts.append("use_bias=False")
        if self.seq:
            opts.append("return_sequences=True")
        if self.kind == "GRU" and not self.reset_after:
            opts.append("reset_after=False")
        text = f"{self.kind}({', '.join(opts)})"
        return f"Bidirectional({text})" if self.bidi else text

    def swapped_gates(self) -> int:
        """The count with the LSTM and GRU formulas mixed up (LSTM's for SimpleRNN and GRU, g = 3 for LSTM)."""
        if self.kind == "LSTM":
            return self.formula(g=3)
        return self.formula(g=4, biases=1 if self.bias else 0)

    def one_bias(self) -> int:
        """The count with one bias of h for the whole layer (per direction), not one per weight block."""
        return self.copies * (self.g * (self.i * self.h + self.h * self.h) + self.h)

    def own_state_only(self) -> int:
        """The count with a recurrent kernel of h per block, as if each unit read only its own previous state."""
        return self.copies * self.g * (self.i * self.h + self.h + self.biases() * self.h)

    def mistakes(self) -> dict[str, int]:
        """Each applicable misconception's number, by the closed-form formula."""
        out: dict[str, int] = {}
        out["own_state_only"] = self.own_state_only()
        if self.bias:
            out["forgot_bias"] = self.formula(biases=0)
            out["pytorch_double_bias"] = self.formula(biases=2)
            if self.g > 1:
                out["one_bias_per_layer"] = self.one_bias()
            if self.kind == "GRU":
                out["gru_reset_after"] = self.formula(biases=self.biases(reset_after=not self.reset_after))
        if self.g > 1:
            out["forgot_gates"] = self.formula(g=1)
        out["wrong_gate_count"] = self.swapped_gates()
        if self.t != self.i:
            out["timesteps_as_features"] = self.formula(i=self.t)
        if self.bidi:
            out["bidirectional_not_doubled"] = self.formula(copies=1)
        out["output_weights"] = self.formula() + self.copies * (self.h * self.h + self.h)
        if self.seq:
            out["return_sequences"] = self.formula() * self.t
        elif self.t > 1:
            out["weights_per_timestep"] = self.formula() * self.t
        return out


def random_cell(rng: random.Random) -> Cell:
    return Cell(
        kind=rng.choice(["SimpleRNN", "LSTM", "GRU"]),
        i=rng.randint(1, 40),
        h=rng.randint(1, 40),
        t=rng.randint(1, 60),
        bias=rng.random() > 0.2,
        reset_after=rng.random() > 0.4,
        bidi=rng.random() < 0.35,
        seq=rng.random() < 0.4,
    )


#: Mistakes that only other layer kinds than the recurrent ones (and their Dense head) can make.
OTHER_KIND_MISTAKES = ("conv_input_channels", "conv_kernel_size", "moving_statistics", "embedding_bias")


def _recognised(fb: Feedback, key: str) -> bool:
    return not fb.correct and (fb.misconception == key or key in fb.also)


def test_every_misconception_is_recognised_on_random_layers():
    """Property test: on 400 random recurrent layers, each mistake's number is diagnosed as that mistake."""
    rng = random.Random(20261123)
    # The mistakes of the other layer kinds are tested on those kinds (test_mistakes_of_other_kinds...).
    seen: dict[str, int] = dict.fromkeys(set(MISTAKES) - set(OTHER_KIND_MISTAKES), 0)
    for _ in range(400):
        cell = random_cell(rng)
        o = rng.randint(1, 9)
        ex = Exercise(f"{cell.spec} > Dense({o})", (cell.t, cell.i), layer=1)
        right = cell.formula()
        assert ex.check(right).correct, cell
        for key, wrong in cell.mistakes().items():
            if wrong == right:
                continue  # e.g. PyTorch's count of a reset_after=True GRU: it is the right answer
            fb = ex.check(wrong)
            assert _recognised(fb, key), (cell, key, wrong, fb)
            seen[key] += 1
        # The Dense after it: Bidirectional's 2h width, and a sequence mistaken for a flat input.
        width = cell.h * (2 if cell.bidi else 1)
        dense = Exercise(f"{cell.spec} > Dense({o})", (cell.t, cell.i), layer=2)
        assert dense.check(width * o + o).correct
        if cell.bidi:
            fb = dense.check(cell.h * o + o)
            assert _recognised(fb, "bidirectional_width"), (cell, fb)
            seen["bidirectional_width"] += 1
        if cell.seq and cell.t > 1:
            fb = dense.check(cell.t * width * o + o)
            assert _recognised(fb, "return_sequences"), (cell, fb)
            seen["return_sequences"] += 1
            # The Dense applied at every timestep, counted once per timestep.
            fb = dense.check(cell.t * (width * o + o))
            assert _recognised(fb, "weights_per_timestep"), (cell, fb)
            seen["weights_per_timestep"] += 1
        # The Dense head counted on the model's input features: the recurrent layer's width not passed on.
        if cell.i != width:
            fb = dense.check(cell.i * o + o)
            assert _recognised(fb, "width_not_passed_on"), (cell, fb)
            seen["width_not_passed_on"] += 1
        # The Dense head counted with the recurrent formula g*o*(i + o), as posted on Q&A sites.
        g = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[cell.kind]
        wrong = g * o * (width + o)
        if wrong != width * o + o:
            fb = dense.check(wrong)
            assert _recognised(fb, "dense_recurrent_formula"), (cell, fb)
            seen["dense_recurrent_formula"] += 1
        # The Dense head counted as a whole recurrent layer of o units with its bias, g*(i*o + o*o + o).
        wrong = g * (width * o + o * o + o)
        fb = dense.check(wrong)
        assert _recognised(fb, "dense_as_recurrent_layer"), (cell, fb)
        seen["dense_as_recurrent_layer"] += 1
    # Every misconception was produced many times.
    assert min(seen.values()) >= 40, seen


def test_every_misconception_is_recognised_in_totals_of_random_stacks():
    """Mistakes made in every layer of a stack, added up by hand, are recognised on the total."""
    rng = random.Random(7)
    checked = 0
    for _ in range(150):
        t, i = rng.randint(2, 50), rng.randint(1, 30)
        cells: list[Cell] = []
        width = i
        n = rng.randint(2, 3)
        for k in range(n):
            cell = random_cell(rng)
            cell.i, cell.t, cell.seq, cell.bidi = width, t, k < n - 1, False
            cells.append(cell)
            width = cell.h
        o = rng.randint(1, 5)
        spec = " > ".join(c.spec for c in cells) + f" > Dense({o})"
        dense = width * o + o
        right = sum(c.formula() for c in cells) + dense
        ex = Exercise(spec, (t, i))
        assert ex.check(right).correct
        everywhere = {
            "forgot_gates": sum(c.formula(g=1) for c in cells) + dense,
            "wrong_gate_count": sum(c.swapped_gates() for c in cells) + dense,
            "pytorch_double_bias": sum(c.formula(biases=2 if c.bias else 0) for c in cells) + dense,
            "output_weights": sum(c.formula() + c.h * c.h + c.h for c in cells) + dense,
            "forgot_bias": sum(c.formula(biases=0) for c in cells) + width * o,
            "own_state_only": sum(c.own_state_only() for c in cells) + dense,
            "one_bias_per_layer": sum(c.one_bias() if c.g > 1 and c.bias else c.formula() for c in cells) + dense,
        }
        if any(c.i != i for c in cells[1:]) or width != i:  # every later layer counted on the model's i features
            everywhere["width_not_passed_on"] = cells[0].formula() + sum(c.formula(i=i) for c in cells[1:]) + i * o + o
        if all(c.kind == "GRU" and c.bias for c in cells):
            everywhere["gru_reset_after"] = sum(c.formula(biases=c.biases(not c.reset_after)) for c in cells) + dense
        for key, wrong in everywhere.items():
            if wrong == right:
                continue
            fb = ex.check(wrong)
            assert _recognised(fb, key), (spec, key, wrong, fb)
            checked += 1
    assert checked >= 400


def test_mistakes_of_other_kinds_are_recognised_from_their_weight_blocks():
    """The rules read weight blocks: Conv1D, BatchNormalization, Embedding and MultiHeadAttention get theirs."""
    rng = random.Random(23)
    seen: dict[str, int] = dict.fromkeys([*OTHER_KIND_MISTAKES, "forgot_bias"], 0)
    for _ in range(120):
        t, i, f, k = rng.randint(8, 40), rng.randint(2, 20), rng.randint(2, 30), rng.randint(2, 7)
        conv = Exercise(f"Conv1D({f}, {k})", (t, i))
        assert conv.check(k * i * f + f).correct
        for key, wrong in {
            "conv_input_channels": k * f + f,
            "conv_kernel_size": i * f + f,
            "forgot_bias": k * i * f,
        }.items():
            fb = conv.check(wrong)
            assert _recognised(fb, key), (t, i, f, k, key, fb)
            seen[key] += 1
        c = rng.randint(2, 64)
        bn = Exercise("BatchNormalization()", (t, c))
        assert bn.check(4 * c).correct and _recognised(bn.check(2 * c), "moving_statistics")
        seen["moving_statistics"] += 1
        v, d = rng.randint(10, 5000), rng.randint(2, 64)
        emb = Exercise(f"Embedding({v}, {d})", (t,))
        assert emb.check(v * d).correct and _recognised(emb.check(v * d + d), "embedding_bias")
        seen["embedding_bias"] += 1
        heads, key_dim = rng.randint(1, 4), rng.randint(2, 8)
        mha = Exercise(f"MultiHeadAttention({heads}, {key_dim})", (t, i))
        biases = 3 * heads * key_dim + i
        fb = mha.check(mha.expected - biases)
        assert _recognised(fb, "forgot_bias"), fb
    assert min(seen.values()) >= 100, seen


def test_right_answers_are_never_diagnosed_as_a_mistake():
    rng = random.Random(11)
    for _ in range(250):
        case = random_case(rng)
        result = rnncount.count(case.layers, case.input_shape)
        for k in [None, *range(1, len(result.layers) + 1)]:
            ex = Exercise(case.layers, case.input_shape, layer=k)
            fb = ex.check(ex.expected)
            assert fb.correct and fb.misconception is None, (case, k)
            assert ex.check(f"{ex.expected:,}").correct
            assert all(c.value != ex.expected for c in candidates(result, None if k is None else k - 1))


def test_the_seed_stack_and_its_reset_after_trap():
    ex = Exercise(SEED_STACK, (30, 5))
    assert ex.check(906).correct
    fb = ex.check(888)  # 120 + 42 + 700 + 26: the reset_after=False arithmetic of seed 002
    assert fb.misconception == "gru_reset_after" and "reset_after=True" in fb.message
    layer1 = Exercise(SEED_STACK, (30, 5), layer="gru")
    assert layer1.check(132).correct and layer1.check(120).misconception == "gru_reset_after"


def test_ambiguous_numbers_pick_the_most_plausible_and_mention_the_other():
    ex = Exercise(SEED_STACK, (30, 5))
    # 894: gru with reset_after=False (906 - 12), or gru_1 without its bias (906 - 12).
    fb = ex.check(894)
    assert fb.misconception == "gru_reset_after"
    assert fb.also == ("forgot_bias",)
    assert MISCONCEPTIONS["forgot_bias"].title in fb.message
    # Deterministic: the same verdict every time.
    assert ex.check(894) == fb


def test_close_miss_and_no_known_mistake():
    ex = Exercise("LSTM(32) > Dense(1)", (20, 100))
    known = {c.value for c in candidates(ex.result)}
    close = next(v for v in (17058, 17056, 17059, 17055) if v not in known)
    assert ex.check(close).misconception == "close_miss"
    far = next(v for v in (3, 99999, 123456) if v not in known)
    fb = ex.check(far)
    assert fb.misconception == "unknown" and not fb.correct


def test_feedback_never_gives_the_answer_away():
    rng = random.Random(3)
    for _ in range(60):
        cell = random_cell(rng)
        ex = Exercise(cell.spec, (cell.t, cell.i))
        right = ex.expected
        if right < 10:
            continue
        pattern = re.compile(rf"(?<![\d,]){right:,}(?![\d,])|(?<!\d){right}(?!\d)")
        for wrong in [*cell.mistakes().values(), right + 1, right * 3 + 7]:
            if wrong == right:
                continue
            fb = ex.check(wrong)
            assert not pattern.search(str(fb)), (str(fb), right)
            assert not pattern.search(fb._repr_html_())
        for hint in ex.hints():
            assert not pattern.search(hint), (hint, right)


def test_hints_step_forward_and_the_solution_shows_the_working():
    ex = Exercise("Embedding(10000, 100) > Flatten() > Dense(32) > Dense(1)", 100)
    hints = ex.hints()
    assert len(hints) == 5
    assert [ex.hint() for _ in hints] == hints
    assert ex.hint() == hints[-1]  # the last one repeats
    sol = ex.solution()
    assert sol.answer == 1_320_065
    assert sol.steps[-1] == "total: 1,000,000 + 0 + 320,032 + 33 = 1,320,065"
    assert "i*o + o = 10000*32 + 32 = 320,032" in str(sol)
    assert "1,320,065" in sol.markdown() and "1,320,065" in sol._repr_html_()
    one = Exercise("Embedding(10000, 100) > Flatten() > Dense(32) > Dense(1)", 100, layer=3).solution()
    assert one.steps == (
        f"dense (Dense): input (None, 10000), so i = 10000, o = 32: {ex.result.layers[2].formula.text}",
    )


def test_shape_questions():
    ex = Exercise("LSTM(4, return_sequences=True) > Dense(1)", (30, 5), ask="shape")
    assert ex.check("(None, 30, 1)").correct and ex.check("30, 1").correct and ex.check((None, 30, 1)).correct
    assert ex.check("(None, 1)").misconception == "return_sequences_shape"
    assert ex.check("(None, 5, 1)").misconception == "timesteps_as_features"
    bidi = Exercise("Bidirectional(GRU(8, return_sequences=True))", (30, 5), ask="shape")
    assert bidi.check("(None, 30, 16)").correct
    assert bidi.check("(None, 30, 8)").misconception == "bidirectional_width"
    first = Exercise("LSTM(4, return_sequences=True) > Dense(1)", (30, 5), layer=1, ask="shape")
    assert len(first.hints()) == 2 and first.solution().answer == (None, 30, 4)
    state = Exercise("LSTM(4, return_state=True)", (30, 5), ask="shape")
    assert state.check("[(None, 4), (None, 4), (None, 4)]").correct
    assert str(state.solution()).endswith("Answer: [(None, 4), (None, 4), (None, 4)]")


@pytest.mark.parametrize("bad", ["abc", "-5", "1.5", "", True, 2.5, None, [1]])
def test_unusable_answers_raise_a_spec_error(bad):
    with pytest.raises(rnncount.SpecError):
        parse_answer(bad)


def test_answers_in_several_spellings():
    assert parse_answer("1,400") == parse_answer("1_400") == parse_answer(" 1400 ") == parse_answer(1400.0) == 1400


def test_every_rule_has_a_misconception():
    assert set(RULES) == set(MISTAKES) <= set(MISCONCEPTIONS)


def test_bad_layer_choice():
    with pytest.raises(rnncount.SpecError, match="numbered 1 to 2"):
        Exercise("LSTM(4) > Dense(1)", (30, 5), layer=3)
    with pytest.raises(rnncount.SpecError, match="no layer named 'gru'"):
        Exercise("LSTM(4) > Dense(1)", (30, 5), layer="gru")


def test_cli_check_exit_codes(capsys):
    code, out, err = run(capsys, "check", SEED_STACK, "--input", "30,5", "--answer", "906")
    assert code == 0 and out.startswith("✓ Right") and err == ""
    code, out, _ = run(capsys, "check", SEED_STACK, "--input", "30,5", "--answer", "888")
    assert code == 1 and "reset_after=False formula" in out
    code, out, _ = run(capsys, "check", SEED_STACK, "--input", "30,5", "--answer", "42", "--layer", "2")
    assert code == 1 and "reset_after=False" in out
    code, out, _ = run(capsys, "check", SEED_STACK, "--input", "30,5", "--answer", "48", "--layer", "gru_1")
    assert code == 0


def test_cli_check_shapes(capsys):
    spec = "LSTM(4, return_sequences=True) > Dense(2)"
    code, out, err = run(capsys, "check", spec, "-i", "30,5", "--ask", "shape", "--answer", "(None, 30, 2)")
    assert code == 0 and out.startswith("✓ Right") and err == ""
    code, out, _ = run(capsys, "check", spec, "-i", "30,5", "--ask", "shape", "-a", "(None, 4)", "--layer", "1")
    assert code == 1 and "return_sequences" in out
    code, out, _ = run(capsys, "check", spec, "-i", "30,5", "--ask", "shape", "-a", "None, 30, 4", "--layer", "1")
    assert code == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["LSTM(4)", "--input", "30,5", "--answer", "lots"], "whole number"),
        (["LSTM(4)", "--input", "30,5", "--ask", "shape", "--answer", "(None, four)"], "as a shape"),
        (["LSTM(4)", "--input", "30,5", "--ask", "size", "--answer", "4"], "invalid choice"),
        (["LSTM(4)", "--input", "30,5", "--answer", "-3"], "negative"),
        (["LSTM(4)", "--input", "30,5", "--answer", "80", "--layer", "9"], "does not exist"),
        (["LSTM(4) > LSTM(2)", "--input", "30,5", "--answer", "80"], "return_sequences=True"),
        (["Dens(4)", "--input", "30,5", "--answer", "80"], "did you mean Dense"),
        (["LSTM(4)", "--input", "x,5", "--answer", "80"], "not a size"),
        (["LSTM(4)", "--input", "30,5"], "--answer"),
    ],
)
def test_cli_check_unusable_input_exits_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, "check", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err


def test_cli_check_exit_status_from_a_real_process():
    cmd = [sys.executable, "-m", "rnncount", "check", "LSTM(4)", "--input", "30,5", "--answer"]
    assert subprocess.run([*cmd, "160"], capture_output=True, text=True).returncode == 0
    assert subprocess.run([*cmd, "144"], capture_output=True, text=True).returncode == 1
    bad = subprocess.run([*cmd, "x"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_widget_checks_hints_and_solves_without_printing():
    pytest.importorskip("ipywidgets")
    ex = Exercise("SimpleRNN(2) > Dense(1)", (10, 3), title="Warm-up")
    form = ex.widget()
    parts = form.parts
    parts["answer"].value = "15"
    parts["check"].click()
    assert "Right" in parts["feedback"].value
    parts["answer"].value = "13"  # 10 + 3: the bias of the SimpleRNN left out
    parts["check"].click()
    assert "left out the bias" in parts["feedback"].value
    parts["answer"].value = "many"
    parts["check"].click()
    assert "whole number" in parts["feedback"].value
    parts["hint"].click()
    parts["hint"].click()
    assert parts["hints"].value.count("<li>") == 2
    assert parts["worked"].value == ""
    parts["solution"].click()
    assert "15" in parts["worked"].value
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == str(ex)


def test_a_layer_left_out_of_the_total_is_recognised():
    rng = random.Random(5)
    checked = 0
    for _ in range(120):
        case = random_case(rng)
        result = rnncount.count(case.layers, case.input_shape)
        if len(result.layers) < 2:
            continue
        ex = Exercise(case.layers, case.input_shape)
        for lc in result.layers:
            if lc.params:
                fb = ex.check(result.total - lc.params)
                assert _recognised(fb, "left_out_layer"), (case, lc.name, fb)
                checked += 1
    assert checked >= 100
    fb = Exercise("LSTM(4) > Dense(1)", (30, 5)).check(160)
    assert fb.misconception == "left_out_layer" and "dense (Dense)" in fb.message
    assert "165" not in fb.message


def test_a_dense_head_counted_as_a_whole_lstm_with_its_bias():
    # Dense(4) after LSTM(16): 4*(16*4 + 4*4 + 4) = 336, as if the head were one more LSTM of 4 units.
    for layer in (2, None):
        ex = Exercise("LSTM(16) > Dense(4)", (10, 8), layer=layer)
        fb = ex.check(ex.expected - 68 + 336)
        assert fb.misconception == "dense_as_recurrent_layer", fb
        assert "336 = 4*(16*4 + 4*4 + 4)" in fb.message and "one more LSTM of 4 units" in fb.message
        assert str(ex.expected) not in fb.message
    # The bias forgotten as well is the older, separate mistake: 4*4*(16 + 4) = 320.
    assert Exercise("LSTM(16) > Dense(4)", (10, 8), layer=2).check(320).misconception == "dense_recurrent_formula"


@pytest.mark.parametrize(
    ("spec", "wrong", "numbers"),
    [
        ("LSTM(16)", 4 * (8 * 16 + 16 * 16) + 16, "1,552 = 4*(8*16 + 16*16) + 16"),
        ("GRU(16)", 3 * (8 * 16 + 16 * 16) + 16, "1,168 = 3*(8*16 + 16*16) + 16"),
        ("GRU(16, reset_after=False)", 3 * (8 * 16 + 16 * 16) + 16, "1,168 = 3*(8*16 + 16*16) + 16"),
        ("Bidirectional(LSTM(16))", 2 * (4 * (8 * 16 + 16 * 16) + 16), "3,104 = 2*(4*(8*16 + 16*16) + 16)"),
    ],
)
def test_one_bias_for_the_whole_layer(spec, wrong, numbers):
    ex = Exercise(spec, (10, 8))
    fb = ex.check(wrong)
    assert fb.misconception == "one_bias_per_layer", fb
    assert numbers in fb.message and "one bias of h = 16 numbers" in fb.message
    assert f"{ex.expected:,}" not in fb.message and str(ex.expected) not in fb.message


def test_one_bias_does_not_apply_to_a_simple_rnn_or_a_layer_without_bias():
    # A SimpleRNN has one weight block: its one bias is the right count. Without bias there is none to write once.
    assert Exercise("SimpleRNN(16)", (10, 8)).check(8 * 16 + 16 * 16 + 16).correct
    result = rnncount.count("LSTM(16, use_bias=False)", (10, 8))
    assert all(c.key != "one_bias_per_layer" for c in candidates(result))


@pytest.mark.parametrize(
    ("spec", "shape", "wrong", "numbers"),
    [
        ("SimpleRNN(3)", (10, 2), 2 * 3 + 3 + 3, "12 = 2*3 + 3 + 3"),
        ("LSTM(16)", (10, 8), 4 * (8 * 16 + 16 + 16), "640 = 4*(8*16 + 16 + 16)"),
        ("GRU(4)", (10, 5), 3 * (5 * 4 + 4 + 2 * 4), "96 = 3*(5*4 + 4 + 2*4)"),
    ],
)
def test_each_unit_fed_only_its_own_previous_state(spec, shape, wrong, numbers):
    # 02's picture: every unit reads all h numbers of h_(t-1), so the recurrent kernel is h*h, not h.
    fb = Exercise(spec, shape).check(wrong)
    assert fb.misconception == "own_state_only", fb
    assert numbers in fb.message and "only its own previous state" in fb.message


# --------------------------------------------------------------------------- feedback wording


def test_the_issue_example_reads_as_one_plain_sentence_with_the_students_numbers():
    ex = Exercise("LSTM(4)", (30, 5))
    wrong = 4 * (30 * 4 + 4 * 4 + 4)  # T = 30 taken as i
    fb = ex.check(wrong)
    assert fb.misconception == "timesteps_as_features"
    assert str(fb) == (
        "✗ It looks as if you used the 30 timesteps as the input width i of the LSTM; i is the last number of the "
        "input shape, 5."
    )


def test_every_wrong_count_gets_one_sentence():
    rng = random.Random(17)
    seen = set()
    for _ in range(150):
        cell = random_cell(rng)
        ex = Exercise(f"{cell.spec} > Dense(3)", (cell.t, cell.i))
        for c in candidates(ex.result):
            fb = ex.check(c.value)
            msg = fb.message
            assert not fb.correct and msg[0].isupper() and msg.endswith("."), msg
            # One sentence: no full stop before the end (the numbers use commas, not points).
            assert ". " not in msg and "\n" not in msg, msg
            assert str(fb) == f"✗ {msg}" and "Not quite" not in str(fb)
            seen.add(fb.misconception)
    others = [
        ("Conv1D(8, 3) > GlobalAveragePooling1D() > Dense(2)", (20, 4)),
        ("Embedding(500, 10) > BatchNormalization() > LSTM(4) > Dense(1)", (10,)),
        ("Conv1D(6, 5, padding='same') > BatchNormalization() > GRU(3)", (12, 3)),
    ]
    for spec, shape in others:
        ex = Exercise(spec, shape)
        for c in candidates(ex.result):
            fb = ex.check(c.value)
            msg = fb.message
            assert not fb.correct and msg[0].isupper() and msg.endswith("."), msg
            assert ". " not in msg and "\n" not in msg, msg
            seen.add(fb.misconception)
    assert seen >= set(MISTAKES) - {"bidirectional_width"}


def test_shape_questions_do_not_reuse_the_count_labels():
    from rnncount.classroom.exercises import SHAPE_TITLES

    bidi = Exercise("Bidirectional(GRU(8, return_sequences=True))", (30, 5), ask="shape")
    fb = bidi.check("(None, 30, 8)")
    assert fb.misconception == "bidirectional_width"  # the key stays stable for graders
    assert fb.title == SHAPE_TITLES["bidirectional_width"] != MISCONCEPTIONS["bidirectional_width"].title
    swapped = Exercise("LSTM(4, return_sequences=True)", (30, 5), ask="shape").check("(None, 5, 4)")
    assert swapped.title != MISCONCEPTIONS["timesteps_as_features"].title
    assert "T = 30 and i = 5" in swapped.message
    assert fb.to_dict()["title"] == fb.title


# --------------------------------------------------------------------------- the other kinds of question


def test_choice_checks_keys_texts_and_per_option_feedback():
    from rnncount.classroom.exercises import Choice

    q = Choice(
        "Which knob, doubled, more than doubles the count?",
        {"h": "units", "i": "input width", "T": "timesteps"},
        "h",
        why="Only h enters squared.",
        feedback={"T": ("weights_per_timestep", "T never enters a count.")},
        hints=["Look for a square."],
    )
    assert q.check("h").correct and q.check(" H ").correct and q.check("units").correct
    t = q.check("T")
    assert t.misconception == "weights_per_timestep" and t.message == "T never enters a count."
    i = q.check("i")
    assert i.misconception == "wrong_choice" and "units" not in i.message
    with pytest.raises(rnncount.SpecError, match="choose one of h, i or T"):
        q.check("x")
    assert q.hint() == "Look for a square." and q.solution().answer == "h: units"
    with pytest.raises(AssertionError, match="proof"):
        q.verify_keras()
    with pytest.raises(rnncount.SpecError):
        Choice("q", ["a", "b"], "C", why="")
    with pytest.raises(rnncount.SpecError):
        Choice("q", ["a", "b"], "A", why="", feedback={"A": "the right one cannot have wrong feedback"})


def test_inverse_finds_the_size_on_random_layers():
    from rnncount.classroom.exercises import Inverse

    rng = random.Random(23)
    for _ in range(60):
        kind = rng.choice(["SimpleRNN", "LSTM", "GRU", "Dense"])
        h, i = rng.randint(1, 300), rng.randint(1, 200)
        spec = f"{kind}({h})"
        params = rnncount.count(spec, (20, i)).total
        q = Inverse(kind + "({h})", (20, i), params, unknown="h")
        assert h in q.values and q.check(h).correct
        assert all(rnncount.count(f"{kind}({v})", (20, i)).total == params for v in q.values)
        fb = q.check(h + 1)
        assert not fb.correct and f"{h + 1}" in fb.message
        assert "smaller" in fb.message or fb.misconception != "wrong_value"
        # The unknown may be the input width as well.
        qi = Inverse(spec, (20, "{i}"), params, unknown="i")
        assert i in qi.values and qi.check(i).correct and not qi.check(i + 1).correct
    with pytest.raises(rnncount.SpecError, match="gives"):
        Inverse("LSTM({h})", (20, 100), 17_025, unknown="h")
    for bad in ["lots", None, -1, "1e3", "\u00b2"]:
        with pytest.raises(rnncount.SpecError, match="whole number"):
            Inverse("LSTM({h})", (20, 100), 17_024).check(bad)
    assert Inverse("LSTM({h})", (20, 100), 17_024).check(0).misconception == "wrong_value"


def test_inverse_names_a_known_mistake_when_a_wrong_value_fits_it():
    from rnncount.classroom.exercises import Inverse

    q = Inverse("LSTM(32)", (20, "{i}"), rnncount.count("LSTM(32)", (20, 100)).total, unknown="i")
    fb = q.check(99)  # with PyTorch's two bias vectors, i = 99 gives the same count
    assert fb.misconception == "pytorch_double_bias" and "i = 99" in fb.message


def test_design_accepts_any_answer_that_meets_the_requirements():
    from rnncount.classroom.exercises import Design

    q = Design("A GRU for 30 timesteps of 8 features.", (30, 8), kinds=("GRU",), max_params=10_000, example="GRU(32)")
    for units in range(1, 80):
        n = rnncount.count(f"GRU({units})", (30, 8)).total
        assert q.check(f"GRU({units})").correct == (n <= 10_000)
    assert q.check("GRU(8) > Dense(1)").correct and q.check("Bidirectional(GRU(8))").correct
    no_gru = q.check("LSTM(8)")
    assert no_gru.misconception == "requirement_unmet" and "no GRU layer" in no_gru.message
    big = q.check("GRU(64)")
    assert "14,208" in big.message and "10,000" in big.message
    largest = max(u for u in range(1, 80) if rnncount.count(f"GRU({u})", (30, 8)).total <= 10_000)
    assert f"up to {largest} " in str(q.solution())
    shaped = Design("Many to many.", (30, 8), output_shape="(None, 30, 4)", example="LSTM(4, return_sequences=True)")
    assert not shaped.check("LSTM(4)").correct and shaped.check("GRU(4, return_sequences=True)").correct
    with pytest.raises(rnncount.SpecError, match="does not meet"):
        Design("x", (30, 8), max_params=100, example="GRU(32)")
    for bad in ["GRU(", "", "   ", None, "__import__('os')"]:
        with pytest.raises(rnncount.SpecError):
            q.check(bad)


def test_no_example_a_question_shows_is_an_accepted_answer():
    """The answer box's placeholder and the question's "e.g." are examples of the notation, never answers."""
    from rnncount.classroom.exercises import Design

    designs = [
        # GRU(8) meets these requirements: the fixed placeholder "layers, e.g. GRU(8)" passed its own check.
        Design("A GRU.", (30, 8), kinds=("GRU",), max_params=10_000, example="GRU(32)"),
        Design("Anything small.", (30, 8), max_params=10_000, example="GRU(32)"),
        Design("One number.", (30, 8), kinds=("GRU",), output_shape=(None, 1), example="GRU(40) > Dense(1)"),
        Design(
            "A tagger.",
            (40, 12),
            kinds=("LSTM",),
            max_params=5_000,
            output_shape="(None, 40, 1)",
            example="LSTM(16, return_sequences=True) > Dense(1)",
        ),
        Design("Anything.", (30, 8), max_params=10**9, example="GRU(32)"),  # every syntax example is an answer
    ]
    for q in designs:
        shown = re.findall(r"e\.g\. (.+)$", q.placeholder) + re.findall(r"e\.g\. (.+)\.$", q.question)
        for spec in shown:
            assert not q.check(spec).correct, (q.task, spec)
        assert bool(shown) == (q.syntax is not None), (q.task, q.placeholder, q.question)
    assert "e.g." not in designs[-1].placeholder and "separated by >" in designs[-1].question
    # A shape question whose answer is the usual example shows another one.
    for spec, shape in [("SimpleRNN(4, return_sequences=True)", (30, 3)), ("SimpleRNN(4)", (30, 3))]:
        ex = Exercise(spec, shape, ask="shape")
        assert not ex.check(ex.placeholder).correct, (spec, ex.placeholder)


def test_ranking_key_and_feedback_on_every_order():
    import itertools

    from rnncount.classroom.exercises import Ranking

    specs = ["LSTM(8)", "GRU(10)", "SimpleRNN(20)", "Bidirectional(SimpleRNN(8))"]
    q = Ranking(specs, (20, 16))
    totals = {chr(65 + k): rnncount.count(s, (20, 16)).total for k, s in enumerate(specs)}
    assert q.answer == sorted(totals, key=totals.get)
    for order in itertools.permutations("ABCD"):
        fb = q.check(" ".join(order))
        assert fb.correct == (list(order) == q.answer)
        if not fb.correct:
            assert fb.misconception == "wrong_order"
            first, second = re.findall(r"put (\w) .* before (\w) ", fb.message)[0]
            assert totals[first] > totals[second]
    assert q.check("".join(q.answer)).correct and q.check(q.answer).correct
    with pytest.raises(rnncount.SpecError, match="once each"):
        q.check("A B C")
    with pytest.raises(rnncount.SpecError, match="same count"):
        Ranking(["LSTM(8)", "LSTM(8, name='other')"], (20, 16))


def test_nothing_is_shown_before_the_student_asks():
    pytest.importorskip("ipywidgets")
    from rnncount.classroom.exercises import Choice, Design, Inverse, Ranking

    questions = [
        Exercise("LSTM(4) > Dense(1)", (30, 5)),
        Exercise("LSTM(4, return_sequences=True)", (30, 5), ask="shape"),
        Choice("q?", ["x", "y"], "B", why="because"),
        Inverse("LSTM({h})", (20, 100), 17_024),
        Design("d.", (30, 8), max_params=10_000, example="GRU(32)"),
        Ranking(["LSTM(8)", "GRU(10)"], (20, 16)),
    ]
    for q in questions:
        parts = q.widget().parts
        assert parts["feedback"].value == parts["hints"].value == parts["worked"].value == ""
        bundle = q._repr_mimebundle_()
        assert bundle["text/plain"] == str(q)
        parts["hint"].click()
        assert parts["hints"].value.count("<li>") == 1 and parts["worked"].value == ""
        parts["solution"].click()
        assert "Answer:" in parts["worked"].value
    choice = questions[2].widget().parts
    choice["check"].click()
    assert "Choose an option" in choice["feedback"].value
    choice["answer"].value = "B"
    choice["check"].click()
    assert "Right" in choice["feedback"].value


def test_verify_checks_every_key_against_keras_and_prints_one_line(capsys):
    pytest.importorskip("keras")
    from rnncount.classroom.exercises import Choice, Design, Inverse, Ranking, verify

    questions = [
        Exercise("Bidirectional(GRU(4, return_sequences=True)) > Dense(2)", (30, 5), layer=2),
        Exercise("LSTM(4, return_state=True)", (30, 5), ask="shape"),
        Choice("q?", ["x", "y"], "B", why="because", proof=lambda: "B"),
        Inverse("LSTM({h})", (20, 100), 17_024),
        Design("d.", (30, 8), kinds=("GRU",), max_params=10_000, example="GRU(32)"),
        Ranking(["LSTM(8)", "GRU(10)", "SimpleRNN(20)"], (20, 16)),
    ]
    assert verify(*questions) is None
    assert capsys.readouterr().out == "6 exercises checked against Keras\n"
    with pytest.raises(AssertionError):
        verify(Choice("q?", ["x", "y"], "B", why="", proof=lambda: "A"), quiet=True)


def test_hints_of_the_new_kinds_never_give_the_key_away():
    from rnncount.classroom.exercises import Design, Inverse, Ranking

    inverse = Inverse("LSTM({h})", (20, 100), 17_024)
    assert inverse.values == [32]
    assert not any(re.search(r"(?<!\d)32(?!\d)", h) for h in inverse.hints())
    # A size the unknown passes on to a later layer is not given either (here the Dense's i = 20 * d).
    text = Inverse(
        "Embedding(10000, {d}) > Flatten() > Dense(1)",
        20,
        rnncount.count("Embedding(10000, 16) > Flatten() > Dense(1)", 20).total,
        unknown="d",
    )
    assert text.values == [16] and not any(re.search(r"(?<!\d)(16|320)(?!\d)", h) for h in text.hints())
    design = Design("d.", (30, 8), kinds=("GRU",), max_params=10_000, example="GRU(32)")
    assert not any("GRU(32)" in h for h in design.hints())
    ranking = Ranking(["LSTM(8)", "GRU(16)", "Bidirectional(SimpleRNN(16))", "SimpleRNN(40)"], (40, 10))
    key = " ".join(ranking.answer)
    assert not any(key in h or "".join(ranking.answer) in h for h in ranking.hints())
    for q in (inverse, design, ranking):
        assert [q.hint() for _ in q.hints()] == q.hints() and q.hint() == q.hints()[-1]


@pytest.mark.parametrize("answer", ["(" * 5000, "[(None, 3)" + ", [" * 3000, "(None, " + "-" * 5000 + "1)"])
def test_a_shape_answer_nested_too_deeply_gets_the_shape_message_without_parsing(answer, monkeypatch):
    # In the browser (Pyodide) Python's parser recursing on such a text stops the interpreter.
    import ast
    import types

    from rnncount.classroom import exercises

    parsed = []
    watched = types.SimpleNamespace(**vars(ast))
    watched.literal_eval = lambda source: parsed.append(source) or ast.literal_eval(source)
    monkeypatch.setattr(exercises, "ast", watched)
    assert exercises.parse_shape_answer("[(None, 3), (None, 4)]") == [(None, 3), (None, 4)]
    parsed.clear()
    with pytest.raises(rnncount.SpecError, match="as a shape"):
        exercises.parse_shape_answer(answer)
    assert parsed == []
