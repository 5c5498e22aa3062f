"""rnncount's Keras-style summary (for browsers, where there is no Keras) against Keras's own ``model.summary()``.

Over a seeded grid of random stacks, the table rnncount draws from its weight blocks must list the
same rows as Keras's (layer names and types, output shapes, params) and the same totals with the
same sizes in bytes, and at the dashboards' width it must be the same text, line for line.
"""

from __future__ import annotations

import random

import pytest
from _stacks import random_case, random_grid_case

import rnncount
from rnncount.bridges.keras import build_model, summary_text
from rnncount.core.summary import LABEL, summary_table

pytestmark = pytest.mark.keras

CASES = 120
WIDTH = 96  # the dashboards' width


def parse(text: str) -> tuple[list[tuple[str, ...]], list[str]]:
    """The rows (name and type, output shape, params; cells joined across wrapped lines) and the totals."""
    lines = text.splitlines()
    body_start = next(k for k, line in enumerate(lines) if line.startswith("┡")) + 1
    body_end = next(k for k, line in enumerate(lines) if line.startswith("└"))
    rows: list[tuple[str, ...]] = []
    current: list[list[str]] = []
    for line in [*lines[body_start:body_end], "├"]:
        if line.startswith("├"):
            if current:
                rows.append(tuple(" ".join(part for part in cell if part) for cell in current))
            current = []
            continue
        # A graph-like model's Keras summary has a fourth column, "Connected to"; the three compared
        # here are the ones both tables have.
        cells = [c.strip() for c in line.strip("│").split("│")][:3]
        if not current:
            current = [[] for _ in cells]
        for acc, c in zip(current, cells, strict=True):
            acc.append(c)
    totals = [line.strip() for line in lines[body_end + 1 :] if line.strip().split(" params:")[0] in _TOTALS]
    return rows, totals


_TOTALS = ("Total", "Trainable", "Non-trainable")


def _cases() -> list:
    rng = random.Random(20)
    cases = [random_grid_case(rng) for _ in range(CASES)]
    cases += [random_case(rng) for _ in range(CASES // 4)]  # the course's own layers, more of them
    return cases


@pytest.mark.parametrize("chunk", range(4))
def test_rows_and_totals_match_keras(chunk: int) -> None:
    cases = _cases()[chunk::4]
    compared = 0
    for case in cases:
        result = rnncount.count(case.layers, case.input_shape)
        if not result.layers:
            continue
        model = build_model(result, zeros=True)
        keras_text = summary_text(model, line_length=WIDTH)
        ours = summary_table(result, line_length=WIDTH, name=model.name)
        keras_rows, keras_totals = parse(keras_text)
        # Tracing a mask through a functional model adds Keras's own operations (NotEqual, Any) as
        # rows of their own: they are no layer of the stack, and have no weights.
        names = {"input", *(lc.name for lc in result.layers)}
        ops = [row for row in keras_rows if row[0].split(" (")[0] not in names]
        assert all(row[2] == "0" for row in ops), ops
        kept = [row for row in keras_rows if row not in ops]
        assert parse(ours) == (kept, keras_totals), f"{case}\nKeras:\n{keras_text}\nrnncount:\n{ours}"
        compared += 1
    assert compared >= len(cases) - 2


def test_same_text_as_keras_at_the_dashboard_width() -> None:
    for spec, shape in [
        ("LSTM(4) > Dense(1)", (30, 5)),
        ("Embedding(1000, 8) > Bidirectional(LSTM(4, return_sequences=True)) > GRU(3) > Dense(1)", (20,)),
        ("Embedding(100, 8) > LSTM(4, return_state=True)", (20,)),
        ("SimpleRNN(25) > Dense(1)", (3, 30)),
    ]:
        result = rnncount.count(spec, shape)
        keras_text = summary_text(build_model(result, zeros=True), line_length=WIDTH)
        ours = summary_table(result, line_length=WIDTH, label=False)
        assert ours == keras_text, f"{spec}\nKeras:\n{keras_text}\nrnncount:\n{ours}"


def test_labelled_as_rnncount_and_never_asks_for_tensorflow() -> None:
    text = summary_table(rnncount.count("GRU(4) > Dense(1)", (30, 5)))
    assert text.splitlines()[-1].strip() == LABEL
    assert "rnncount" in LABEL and "pip" not in text.lower() and "tensorflow" not in text.lower()


def test_bad_input_is_one_line() -> None:
    with pytest.raises(rnncount.RnncountTypeError, match="takes a CountResult"):
        summary_table("LSTM(4)")  # type: ignore[arg-type]
    with pytest.raises(rnncount.SpecError, match="from 40 to 1000"):
        summary_table(rnncount.count("LSTM(4)", (3, 2)), line_length=10)
