"""The weight-matrix picture: every block drawn once, labelled, coloured by gate, checked against Keras."""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

import rnncount
from rnncount.core.formula import group_digits
from rnncount.core.layers import format_shape
from rnncount.pictures.drawing import GATE_COLORS, blocks_drawn, diagram

SPECS = [
    ("Dense(3)", (7,)),
    ("Dense(3, use_bias=False)", (20, 7)),
    ("SimpleRNN(2)", (10, 3)),
    ("SimpleRNN(25, use_bias=False, return_sequences=True)", (30, 30)),
    ("LSTM(4)", (10, 5)),
    ("LSTM(32, return_sequences=True)", (20, 100)),
    ("GRU(2)", (10, 3)),
    ("GRU(2, reset_after=False)", (10, 3)),
    ("GRU(8, use_bias=False)", (10, 3)),
    ("Bidirectional(LSTM(16)) > Dense(1)", (20, 8)),
    ("Bidirectional(GRU(4, return_sequences=True), merge_mode='sum') > TimeDistributed(Dense(3))", (12, 6)),
    ("GRU(4, return_sequences=True) > GRU(2, return_sequences=True) > SimpleRNN(25) > Dense(1)", (30, 5)),
    ("Embedding(1000, 16) > Flatten() > Dropout(0.2) > Dense(1)", 20),
    ("LSTM(8) > RepeatVector(5) > LSTM(8, return_sequences=True) > TimeDistributed(Dense(2))", (10, 4)),
]


def _texts(fig: Figure) -> list[str]:
    """The figure's labels as a reader sees them (mathtext subscripts unwrapped)."""
    return [
        t.get_text().replace("$_{", "").replace("}$", "").replace(r"\$", "$") for ax in fig.get_axes() for t in ax.texts
    ]


def _key(block: object, layer: str) -> tuple:
    return (layer, block.direction, block.name, tuple(block.shape))  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def keras_counts() -> dict[str, list[int]]:
    """Keras's own per-layer counts for every spec (the oracle)."""
    from rnncount.bridges.keras import build_model

    out = {}
    for spec, shape in SPECS:
        model = build_model(spec, shape, zeros=True)
        out[spec] = [int(layer.count_params()) for layer in model.layers]
    return out


@pytest.mark.parametrize(("spec", "shape"), SPECS, ids=[s for s, _ in SPECS])
def test_every_block_is_drawn_once_with_its_count(spec: str, shape: object, keras_counts: dict) -> None:
    result = rnncount.count(spec, shape)
    fig = diagram(result)
    drawn = blocks_drawn(fig)
    expected = sorted(_key(b, lc.name) for lc in result.layers for b in lc.blocks)
    assert sorted(_key(p.rnncount_block, p.rnncount_layer) for p in drawn) == expected
    # What is drawn adds up to what Keras counts, layer by layer.
    per_layer = [sum(p.rnncount_block.params for p in drawn if p.rnncount_layer == lc.name) for lc in result.layers]
    assert per_layer == keras_counts[spec]
    texts = " ".join(_texts(fig))  # a long line wraps at spaces
    for lc in result.layers:
        assert f"{lc.name} ({lc.type})" in texts
        assert lc.formula.text in texts
        for b in lc.blocks:
            assert group_digits(b.params) in texts
        # Each Keras variable is labelled with the shape Keras gives it.
        for _path, var_shape in lc.weights:
            assert format_shape(var_shape) in texts
        assert format_shape(lc.output_shape) in texts
    assert f"total: {result.total_formula}" in texts


def test_blocks_are_split_and_coloured_by_gate() -> None:
    fig = diagram("LSTM(32)", (20, 100))
    drawn = blocks_drawn(fig)
    faces: dict[str, set] = {}
    for p in drawn:
        faces.setdefault(p.rnncount_block.gate, set()).add(p.get_facecolor())
    assert set(faces) == {"i", "f", "c", "o"}
    # Four gates, four hues: a gate's blocks never share a colour with another gate's.
    for gate, colours in faces.items():
        for other, other_colours in faces.items():
            if gate != other:
                assert not colours & other_colours
    texts = _texts(fig)
    joined = " ".join(texts)  # a gate's title may take two lines over a narrow column
    for title in ("input gate i", "forget gate f", "candidate c̃", "output gate o"):
        assert title in joined
    # Only gates are called gates.
    assert not any(t.startswith("gate") or "gate c" in t for t in texts)
    assert set(GATE_COLORS["LSTM"]) == {"i", "f", "c", "o"}


def test_lstm_is_four_simple_rnns_side_by_side() -> None:
    # One picture, one scale: the LSTM's blocks are four times the SimpleRNN's, side by side.
    drawn = blocks_drawn(diagram("LSTM(16, return_sequences=True) > SimpleRNN(16)", (10, 16)))
    lstm = [p for p in drawn if p.rnncount_layer == "lstm"]
    rnn = [p for p in drawn if p.rnncount_layer == "simple_rnn"]
    assert len(lstm) == 4 * len(rnn)

    def footprint(patches: list) -> tuple[float, float]:
        xs = [p.get_x() for p in patches] + [p.get_x() + p.get_width() for p in patches]
        ys = [p.get_y() for p in patches] + [p.get_y() + p.get_height() for p in patches]
        return max(xs) - min(xs), max(ys) - min(ys)

    (lw, lh), (rw, rh) = footprint(lstm), footprint(rnn)
    assert lw == pytest.approx(4 * rw)
    assert lh == pytest.approx(rh)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_bias_rows(reset_after: bool) -> None:
    fig = diagram(rnncount.GRU(32, reset_after=reset_after), (20, 100))
    bias = [p for p in blocks_drawn(fig) if p.rnncount_block.variable == "bias"]
    rows = {round(p.get_y(), 6) for p in bias}
    assert len(rows) == (2 if reset_after else 1)
    recurrent = [p for p in bias if p.rnncount_block.role == "recurrent bias"]
    assert len(recurrent) == (3 if reset_after else 0)
    texts = "\n".join(_texts(fig))
    assert ("reset_after=True" in texts) == reset_after
    assert ("reset_after=False" in texts) == (not reset_after)
    if reset_after:
        # The extra row lies below the input bias row, hatched.
        assert min(p.get_y() for p in recurrent) > max(p.get_y() for p in bias if p not in recurrent)
        assert all(p.get_hatch() for p in recurrent)


def test_bidirectional_draws_forward_and_backward_copies() -> None:
    fig = diagram("Bidirectional(GRU(4))", (10, 3))
    drawn = blocks_drawn(fig)
    forward = sorted(p.rnncount_block.name for p in drawn if p.rnncount_block.direction == "forward")
    backward = sorted(p.rnncount_block.name for p in drawn if p.rnncount_block.direction == "backward")
    assert forward == backward and len(forward) == 12
    texts = _texts(fig)
    assert "forward copy" in texts and "backward copy" in texts


@pytest.mark.parametrize("units", [1, 1024])
def test_readable_at_any_size_without_drawing_cells(units: int) -> None:
    result = rnncount.count(f"Bidirectional(LSTM({units}))", (20, 100))
    fig = diagram(result)
    ax = fig.get_axes()[0]
    assert not ax.images  # rectangles, never an image of the weights
    assert len(ax.patches) < 100
    width, height = fig.get_size_inches()
    assert width == 10 and 3 < height < 30
    # Every block stays at least a readable strip (units: the picture is 1,000 wide).
    assert min(min(p.get_width(), p.get_height()) for p in blocks_drawn(fig)) >= 25


def test_stack_has_a_title_per_layer_and_shapes_between() -> None:
    spec = "GRU(4, return_sequences=True) > GRU(2, return_sequences=True) > SimpleRNN(25) > Dense(1)"
    result = rnncount.count(spec, (30, 5))
    fig = diagram(result)
    ax = fig.get_axes()[0]
    titles = [t for t in ax.texts if (t.get_gid() or "").startswith("rnncount-title:")]
    assert [t.get_gid().split(":", 1)[1] for t in titles] == [lc.name for lc in result.layers]
    # Layers run top to bottom (the y axis points down).
    ys = [t.get_position()[1] for t in titles]
    assert ys == sorted(ys)
    texts = "\n".join(_texts(fig))
    assert "input (None, 30, 5)" in texts
    assert "(None, 30, 4)" in texts and "(None, 30, 2)" in texts and "output (None, 1)" in texts


def test_draws_into_a_given_axes_and_leaves_global_state_alone() -> None:
    before = dict(matplotlib.rcParams)
    open_before = plt.get_fignums()
    fig, (left, right) = plt.subplots(1, 2)
    try:
        out = diagram("SimpleRNN(4)", (10, 3), ax=right)
        assert out is fig
        assert not left.patches and blocks_drawn(right)
    finally:
        plt.close(fig)
    diagram("LSTM(4)", (10, 5))  # without ax: a Figure outside pyplot
    assert plt.get_fignums() == open_before
    assert dict(matplotlib.rcParams) == before


def test_accepts_layers_layer_counts_and_errors_teach() -> None:
    result = rnncount.count("LSTM(4) > Dense(1)", (10, 5))
    assert len(blocks_drawn(diagram(result.layers[0]))) == 12
    assert len(blocks_drawn(diagram([rnncount.LSTM(4), rnncount.Dense(1)], (10, 5)))) == 14
    with pytest.raises(rnncount.errors.RnncountTypeError, match="input_shape"):
        diagram("LSTM(4)")
    with pytest.raises(rnncount.SpecError, match="return_sequences=True"):
        diagram("LSTM(4) > LSTM(2)", (10, 5))


def test_rnncount_diagram_is_the_function() -> None:
    import rnncount.pictures.drawing

    assert rnncount.diagram is rnncount.pictures.drawing.diagram
    assert isinstance(rnncount.diagram("Dense(2)", (3,)), Figure)
    assert rnncount.diagram.__doc__.startswith("Draw the weight blocks")
    assert rnncount.picture is rnncount.pictures.drawing.picture


def test_import_rnncount_stays_light() -> None:
    code = (
        "import sys, rnncount; rnncount.count('LSTM(4)', (10, 5)); "
        "print(sorted(m for m in ('matplotlib', 'tensorflow', 'keras', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_diagram_displays_as_a_png_without_the_inline_backend():
    from IPython.core.interactiveshell import InteractiveShell

    fig = diagram("GRU(4) > Dense(1)", (30, 5))
    data, _ = InteractiveShell.instance().display_formatter.format(fig)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"


def test_only_public_matplotlib_is_used() -> None:
    """The former glyph cache and pooled renderer reached into Matplotlib's private text internals."""
    import inspect
    import re

    from rnncount.pictures import drawing, svg
    from rnncount.pictures import layout as picture_layout
    from rnncount.pictures import views as picture_views

    for module in (drawing, picture_layout, picture_views, svg):
        source = inspect.getsource(module)
        for name in ("_render_glyph", "_prepare_font", "_set_transform", "_draw_text_glyphs_and_boxes", "_layout("):
            assert name not in source, (module.__name__, name)
        assert not re.search(r"matplotlib[\w.]*\._", source), module.__name__
        assert "keras.src" not in source


def test_a_monster_draws_to_png_and_pdf(tmp_path) -> None:
    spec = (
        "SimpleRNN(30, return_sequences=True) > GRU(20, return_sequences=True) > GRU(25, return_sequences=True)"
        " > GRU(22, return_sequences=True) > GRU(21, return_sequences=True) > SimpleRNN(10)"
        " > Dense(50) > Dense(50) > Dense(50) > Dense(50) > Dense(1)"
    )
    for view, ext in (("weights", "png"), ("unrolled", "pdf"), ("cell", "png")):
        rnncount.picture(spec, (50, 40), view=view).save(tmp_path / f"{view}.{ext}", dpi=60)
        assert (tmp_path / f"{view}.{ext}").stat().st_size > 1000
    fig = diagram(spec, (50, 40))
    width, height = fig.get_size_inches()
    assert width == 10 and height > 40  # one row per layer: it grows in height, never shrinks


def test_a_plot_stored_as_svg_is_the_same_bytes_on_every_run_and_named_in_words() -> None:
    """figure_svg(): what a checked notebook cell stores, so nbval re-checks it and a screen reader reads it."""
    import xml.etree.ElementTree as ET

    from IPython.core.interactiveshell import InteractiveShell

    from rnncount.pictures.drawing import figure_svg

    def plot() -> Figure:
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot([1, 2, 3], [1, 4, 9], label="$h_t$")
        ax.legend()
        ax.set_title("squares & more")
        return fig

    before = dict(matplotlib.rcParams)
    open_before = plt.get_fignums()
    words = 'Line plot of the squares "1, 4, 9" & more'
    first, second = figure_svg(plot(), words), figure_svg(plot(), words)
    assert first.svg == second.svg  # fixed ids: no random hash salt
    assert plt.get_fignums() == open_before and dict(matplotlib.rcParams) == before
    assert first.svg.startswith("<svg") and "<dc:date>" not in first.svg and "Matplotlib v" not in first.svg
    root = ET.fromstring(first.svg)
    assert root.get("role") == "img" and root.get("aria-label") == words
    assert root[0].tag == "{http://www.w3.org/2000/svg}title" and root[0].text == words
    assert "<text" in first.svg  # text kept as text, not glyph outlines
    data, _ = InteractiveShell.instance().display_formatter.format(first)
    assert set(data) == {"image/svg+xml", "text/plain"} and data["text/plain"] == f"<figure: {words}>"
    with pytest.raises(rnncount.errors.RnncountTypeError, match="in words"):
        figure_svg(plot(), " ")
    plt.close("all")
