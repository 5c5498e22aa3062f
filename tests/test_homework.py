"""Problem sets: deterministic per seed, varied across seeds, and every answer is Keras's count."""

from __future__ import annotations

import json
import random

import pytest

import rnncount
from rnncount.classroom.homework import DIFFICULTIES, TOPICS, keras_code, problem_set
from rnncount.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _kinds(spec: str) -> set[str]:
    layers = rnncount.parse_spec(spec)
    out = set()
    for layer in layers:
        out.add(layer.kind)
        inner = getattr(layer, "layer", None)
        if inner is not None:
            out.add(inner.kind)
        if getattr(layer, "kind", "") == "GRU" or getattr(inner, "kind", "") == "GRU":
            gru = layer if layer.kind == "GRU" else inner
            out.add(f"GRU(reset_after={gru.reset_after})")
    return out


@pytest.mark.parametrize("difficulty", [*DIFFICULTIES, "mixed"])
def test_same_seed_same_set(difficulty):
    a = problem_set(42, 25, difficulty)
    b = problem_set(42, 25, difficulty)
    assert a.to_dict(answers=True) == b.to_dict(answers=True)
    assert a.markdown(answers=True) == b.markdown(answers=True)


def test_different_seeds_differ_and_text_seeds_work():
    sets = {json.dumps(problem_set(seed, 8).to_dict()) for seed in range(30)}
    assert len(sets) == 30
    assert problem_set("alice", 8).to_dict() == problem_set("alice", 8).to_dict()
    assert problem_set("alice", 8).to_dict()["problems"] != problem_set("bob", 8).to_dict()["problems"]


def test_global_random_state_is_left_alone():
    random.seed(123)
    expected = [random.random() for _ in range(3)]
    random.seed(123)
    problem_set(5, 30)
    assert [random.random() for _ in range(3)] == expected


@pytest.mark.parametrize("seed", range(12))
def test_a_set_mixes_every_layer_type(seed):
    pset = problem_set(seed, 10)
    kinds = set().union(*(_kinds(p.spec) for p in pset.problems))
    wanted = {"Dense", "SimpleRNN", "LSTM", "GRU(reset_after=True)", "GRU(reset_after=False)"}
    assert wanted | {"Bidirectional", "Embedding"} <= kinds
    assert any(len(rnncount.parse_spec(p.spec)) >= 3 for p in pset.problems)  # stacks
    assert {p.topic for p in pset.problems[: len(TOPICS)]} == set(TOPICS)


def test_mixed_sets_are_graded_and_difficulty_can_be_chosen():
    levels = [p.difficulty for p in problem_set(1, 12).problems]
    assert levels == sorted(levels, key=DIFFICULTIES.index) and set(levels) == set(DIFFICULTIES)
    easy = problem_set(1, 20, "easy").problems
    hard = problem_set(1, 20, "hard").problems
    assert all(p.difficulty == "easy" for p in easy)
    assert max(len(rnncount.parse_spec(p.spec)) for p in easy) < max(len(rnncount.parse_spec(p.spec)) for p in hard)


def test_no_repeated_problem_within_a_set():
    pset = problem_set(9, 200)
    keys = [(p.spec, p.input, p.layer) for p in pset.problems]
    assert len(set(keys)) == len(keys)


def test_answers_are_the_engines_counts():
    for p in problem_set(3, 60).problems:
        result = rnncount.count(p.spec, p.input)
        expected = result.total if p.layer is None else result.layers[p.layer - 1].params
        assert p.answer == expected


@pytest.mark.keras
def test_every_answer_equals_keras_count_params():
    """A few hundred problems from several seeds and every difficulty, each built in real Keras."""
    from rnncount.bridges.keras import build_model, keras

    problems = [p for seed in range(4) for d in ("mixed", "hard") for p in problem_set(seed, 40, d).problems]
    problems += [p for p in problem_set("class-2026", 60).problems]
    assert len(problems) >= 300
    models: dict[tuple[str, str], object] = {}
    for p in problems:
        key = (p.spec, p.input)
        if key not in models:
            if len(models) % 60 == 0:
                keras().backend.clear_session()
            models[key] = build_model(p.spec, p.input, zeros=True)
        model = models[key]
        keras_count = model.count_params() if p.layer is None else model.layers[p.layer - 1].count_params()
        assert keras_count == p.answer, (p.spec, p.input, p.layer)
    assert len(models) >= 280


@pytest.mark.keras
def test_the_printed_keras_code_builds_the_same_model():
    from rnncount.bridges.keras import keras

    k = keras()
    for p in [*problem_set(77, 8).problems, *problem_set(77, 12, "hard").problems]:
        namespace = {"keras": k, "layers": k.layers}
        exec(keras_code(p.exercise), namespace)
        assert namespace["model"].count_params() == p.exercise.result.total


def test_cli_markdown_json_and_answers(capsys):
    code, out, err = run(capsys, "homework", "--seed", "7", "--n", "6")
    assert code == 0 and err == ""
    assert out == problem_set(7, 6).markdown()
    assert "## Problem 6" in out and "Answer key" not in out
    code, key, _ = run(capsys, "homework", "--seed", "7", "--n", "6", "--answers")
    assert key.startswith(out.rstrip("\n")) and "# Answer key" in key
    code, js, _ = run(capsys, "homework", "--seed", "7", "--n", "6", "--json")
    data = json.loads(js)
    assert [p["answer"] for p in data["problems"]] == [p.answer for p in problem_set(7, 6).problems]
    for row in data["problems"]:
        assert {"spec", "input", "answer"} <= set(row) and isinstance(row["answer"], int)
        assert "solution" not in row
        result = rnncount.count(row["spec"], row["input"])
        assert row["answer"] == (result.total if row["layer"] is None else result.layers[row["layer"] - 1].params)
    code, js, _ = run(capsys, "homework", "--seed", "7", "--n", "6", "--json", "--answers")
    rows = json.loads(js)["problems"]
    assert all(row["solution"] and f"{row['answer']:,}" in row["solution"][-1] for row in rows)


def test_cli_text_seed(capsys):
    code, out, _ = run(capsys, "homework", "--seed", "student-17", "--n", "3", "--json")
    assert code == 0 and json.loads(out)["seed"] == "student-17"


@pytest.mark.parametrize(
    "argv",
    [
        ["--seed", "1", "--n", "0"],
        ["--seed", "1", "--n", "100000"],
        ["--seed", "1", "--n", "many"],
        ["--seed", "1", "--difficulty", "brutal"],
        ["--n", "3"],
    ],
)
def test_cli_bad_arguments_exit_2(capsys, argv):
    code, out, err = run(capsys, "homework", *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_problem_k_is_the_same_whatever_the_size_of_the_set(difficulty):
    for seed in (3, "ada"):
        long = problem_set(seed, 25, difficulty).problems
        for n in (1, 4, 8, 10, 24):
            short = problem_set(seed, n, difficulty).problems
            assert [p.to_dict(answers=True) for p in short] == [p.to_dict(answers=True) for p in long[:n]]


def test_in_mixed_sets_problem_k_is_the_same_where_its_difficulty_is():
    eight, ten = problem_set(5, 8).problems, problem_set(5, 10).problems
    same = [a.number for a, b in zip(eight, ten, strict=False) if a.difficulty == b.difficulty]
    assert same and all(eight[k - 1].to_dict() == ten[k - 1].to_dict() for k in same)
    easy = problem_set(5, 3, "easy").problems
    assert [p.to_dict() for p in ten[:3]] == [p.to_dict() for p in easy]  # the easy start of a mixed set


def test_every_sheet_prints_its_set_code():
    from rnncount.classroom.homework import read_set_code, set_code

    pset = problem_set(5, 8)
    assert pset.code == set_code(5, 8, "mixed") and read_set_code(pset.code) == (8, "mixed")
    assert f"Set code: `{pset.code}`" in pset.markdown() and json.loads(pset.to_json())["set_code"] == pset.code
    codes = {problem_set(seed, n, d).code for seed in (5, 6) for n in (8, 10) for d in ("easy", "mixed")}
    assert len(codes) == 8
