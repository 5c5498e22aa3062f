"""Bounded cost for any stack, and ``rnncount draw`` for slides and handouts."""

from __future__ import annotations

import time
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure

import rnncount
from rnncount.cli import EXIT_OK, EXIT_USAGE, main
from rnncount.pictures.drawing import diagram, draw, to_svg

MB = 1024 * 1024


def _stack(n: int) -> list[rnncount.Layer]:
    return [rnncount.Dense(2) for _ in range(n)]


def _cost(make: object) -> tuple[float, int]:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        make()  # type: ignore[operator]
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return elapsed, peak


@pytest.mark.parametrize("n", [1, 12, 100, 1000])
def test_pictures_cost_is_bounded(n: int) -> None:
    """1,000 layers draw in well under the 2 s and 50 MB of the goal (generous bounds: shared CI machines)."""
    diagram("Dense(2)", (3,))  # imports and font caches are not the picture's cost
    layers = _stack(n)
    result = rnncount.count(layers, (3,))
    for name, make in [
        ("to_svg", lambda: to_svg(layers, (3,))),
        ("diagram", lambda: diagram(layers, (3,))),
        ("draw", lambda: draw(Figure(), result)),
        ("unrolled", lambda: to_svg(result, view="unrolled")),
    ]:
        elapsed, peak = _cost(make)
        assert peak < 50 * MB, (name, n, peak)
        assert elapsed < 10, (name, n, elapsed)


def test_a_long_stack_costs_no_more_to_lay_out_than_twelve_layers() -> None:
    short = to_svg(_stack(12), (3,))
    long = to_svg(_stack(1000), (3,))
    assert len(long) < 1.2 * len(short)  # the same number of layers drawn, plus one summary row


# --- rnncount draw -------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["weights", "unrolled", "cell"])
@pytest.mark.parametrize("ext", ["svg", "png", "pdf"])
def test_draw_writes_each_view_in_each_format(
    tmp_path: Path, view: str, ext: str, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / f"picture.{ext}"
    argv = ["draw", "GRU(4, return_sequences=True) > LSTM(3) > Dense(1)", "--input", "12,5", "--view", view, "-o"]
    assert main([*argv, str(out)]) == EXIT_OK
    assert capsys.readouterr().out.strip() == str(out)
    data = out.read_bytes()
    if ext == "svg":
        root = ET.fromstring(data)
        assert root.get("class") == "rnncount-picture" and root.get("data-view") == view
        texts = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
        assert "gru (GRU)" in texts
    elif ext == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert data[:5] == b"%PDF-"


def test_draw_dark_and_a_chosen_layer(tmp_path: Path) -> None:
    out = tmp_path / "cell.svg"
    argv = ["draw", "GRU(4, return_sequences=True) > LSTM(3)", "-i", "12,5", "--view", "cell", "--layer", "lstm"]
    assert main([*argv, "--dark", "-o", str(out)]) == EXIT_OK
    root = ET.fromstring(out.read_text())
    assert root.get("data-theme") == "dark"
    assert any("lstm (LSTM)" in "".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["LSTM(4", "--input", "10,5", "-o", "{tmp}/x.svg"], "cannot read the spec"),
        (["LSTM(4)", "--input", "10", "-o", "{tmp}/x.svg"], "needs a sequence"),
        (["LSTM(4)", "--input", "ten,5", "-o", "{tmp}/x.svg"], ""),
        (["LSTM(4)", "--input", "10,5", "-o", "{tmp}/x.gif"], "must end in .svg, .png or .pdf"),
        (["LSTM(4)", "--input", "10,5", "-o", "{tmp}/no/such/dir/x.png"], "cannot write"),
        (["LSTM(4)", "--input", "10,5", "-o", "{tmp}/no/such/dir/x.svg"], "cannot write"),
        (["LSTM(4)", "--input", "10,5", "-o", "{tmp}"], "must end in"),
        (["LSTM(4)", "--input", "10,5", "--view", "nope", "-o", "{tmp}/x.svg"], "invalid choice"),
        (
            ["LSTM(4) > Dense(1)", "--input", "10,5", "--view", "cell", "--layer", "dense", "-o", "{tmp}/x.svg"],
            "is a Dense layer",
        ),
        (["LSTM(4)", "--input", "10,5"], "give --output FILE"),
    ],
)
def test_draw_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], says: str, capsys: pytest.CaptureFixture
) -> None:
    argv = ["draw", *(a.replace("{tmp}", str(tmp_path)) for a in args)]
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own usage errors
        status = exit_.code
    assert status == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert says in err
    assert not list(tmp_path.rglob("x.*"))
