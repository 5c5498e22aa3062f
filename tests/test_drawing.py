"""The weight-matrix picture: every block drawn once, labelled, coloured by gate, checked against Keras."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

import rnncount
from rnncount.drawing import GATE_COLORS, blocks_drawn, diagram
from rnncount.formula import group_digits
from rnncount.layers import format_shape

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
    return [t.get_text() for ax in fig.get_axes() for t in ax.texts]


def _key(block: object, layer: str) -> tuple:
    return (layer, block.direction, block.name, tuple(block.shape))  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def keras_counts() -> dict[str, list[int]]:
    """Keras's own per-layer counts for every spec (the oracle)."""
    from rnncount.keras_bridge import build_model

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
    texts = "\n".join(_texts(fig))
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
    for gate in "ifco":
        assert f"gate {gate}" in texts
    assert set(GATE_COLORS["LSTM"]) == {"i", "f", "c", "o"}


def test_lstm_is_four_simple_rnns_side_by_side() -> None:
    lstm = blocks_drawn(diagram("LSTM(16)", (10, 8)))
    rnn = blocks_drawn(diagram("SimpleRNN(16)", (10, 8)))
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
    assert 5 < width < 16 and 3 < height < 30
    # Every block stays at least a readable strip.
    assert min(min(p.get_width(), p.get_height()) for p in blocks_drawn(fig)) >= 0.3


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
    with pytest.raises(TypeError, match="input_shape"):
        diagram("LSTM(4)")
    with pytest.raises(rnncount.SpecError, match="return_sequences=True"):
        diagram("LSTM(4) > LSTM(2)", (10, 5))


def test_rnncount_diagram_is_the_function() -> None:
    import rnncount.drawing

    assert rnncount.diagram is rnncount.drawing.diagram
    assert isinstance(rnncount.diagram("Dense(2)", (3,)), Figure)
    assert rnncount.diagram.__doc__.startswith("Draw the weight blocks")


def test_import_rnncount_stays_light() -> None:
    code = (
        "import sys, rnncount; rnncount.count('LSTM(4)', (10, 5)); "
        "print(sorted(m for m in ('matplotlib', 'tensorflow', 'keras', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cached_labels_look_like_text() -> None:
    """Labels are pasted from a cache of rendered bitmaps on Agg; they must match real text."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from rnncount.drawing import _label_class

    def pixels(cls: type) -> np.ndarray:
        fig = Figure(figsize=(3, 1), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        for _ in range(2):  # the second draw pastes from the cache
            for t in list(ax.texts):
                t.remove()
            text = cls(0.5, 0.5, "$W_{xi}$\n12,800 params", fontsize=14, ha="center", va="center", color="#0072B2")
            ax.add_artist(text)
            fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).astype(float)

    from matplotlib.text import Text

    stamped, plain = pixels(_label_class()), pixels(Text)
    assert (plain < 250).any()  # something was drawn
    # Same place, same orientation: at most sub-pixel differences.
    assert np.abs(stamped - plain).mean() < 2.0


def test_a_diagram_displays_as_a_png_without_the_inline_backend():
    from IPython.core.interactiveshell import InteractiveShell

    fig = diagram("GRU(4) > Dense(1)", (30, 5))
    data, _ = InteractiveShell.instance().display_formatter.format(fig)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"


def test_the_fast_png_encoder_round_trips_exactly() -> None:
    import io
    import random
    import zlib

    import numpy as np
    from PIL import Image

    from rnncount.views import _encode_png

    rng = random.Random(4)
    for width, height in [(1, 1), (3, 2), (17, 9), (640, 481), (800, 1280)]:
        # Mostly flat colours with some noise, like the pictures (and enough to span both threads).
        flat = bytes(rng.choice([255, 0, 128]) for _ in range(3 * width))
        rows = [bytes(rng.randrange(256) for _ in range(3 * width)) if y % 7 == 0 else flat for y in range(height)]
        rgb = b"".join(rows)
        pixels = np.frombuffer(rgb, np.uint8).reshape(height, width, 3)
        png = _encode_png(pixels)
        image = Image.open(io.BytesIO(png))
        image.load()
        assert (image.mode, image.size) == ("RGB", (width, height))
        assert image.tobytes() == rgb
        # Agg's RGBA buffer: the alpha channel is dropped, the rest is the same picture.
        rgba = np.concatenate([pixels, np.full((height, width, 1), 255, np.uint8)], axis=2)
        assert _encode_png(rgba) == png
        # zlib checks the joined stream's Adler-32 as it decompresses.
        idat = png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8]
        assert len(zlib.decompress(idat)) == height * (1 + 3 * width)


def test_reused_text_positions_are_the_ones_matplotlib_shapes() -> None:
    """The labels' renderer draws plain text at the pen positions found when measuring it.

    Matplotlib shapes each string again to draw it; for every label of many pictures, and
    for strings with kerning pairs and ligature candidates, both shapings must agree glyph
    for glyph, or the renderer must fall back to Matplotlib's own drawing.
    """
    import random

    from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
    from matplotlib.font_manager import FontProperties

    from rnncount.drawing import _glyph_renderer_class, layout

    cls = _glyph_renderer_class()
    if cls is RendererAgg:
        pytest.skip(f"the glyph cache is only used with Matplotlib 3.11, not {matplotlib.__version__}")
    rng = random.Random(7)
    kinds = ["Dense({h})", "SimpleRNN({h})", "LSTM({h})", "GRU({h}, reset_after=False)", "Bidirectional(GRU({h}))"]
    labels: set[tuple[str, float, str, str, str]] = set()
    for _ in range(60):
        spec = rng.choice(kinds).format(h=rng.choice([1, 7, 32, 128, 1024]))
        canvas = layout(rnncount.count(spec, (rng.randint(1, 200), rng.randint(1, 1024))), compact=rng.random() < 0.5)
        for t in canvas.texts:
            for line in t["s"].split("\n"):
                if "$" not in line:
                    labels.add(
                        (
                            line,
                            t["size"],
                            t.get("weight", "normal"),
                            t.get("style", "normal"),
                            t.get("family", "sans-serif"),
                        )
                    )
    alphabet = "AVWTYLoeayr.,-=()[]x×0123456789 fiflffkernl_"
    for _ in range(300):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        labels.add((line, rng.choice([7.0, 9.0, 10.5]), rng.choice(["normal", "bold"]), "normal", "sans-serif"))

    class Recorder(cls):  # type: ignore[misc, valid-type]
        """Records the glyphs each draw_text call places, instead of drawing them."""

        def _draw_text_glyphs_and_boxes(
            self, gc: Any, x: float, y: float, angle: float, glyphs: Any, boxes: Any
        ) -> None:
            self.seen.append([(id(font), *rest) for font, *rest in glyphs])

    renderer = Recorder(1200, 320, 80)
    renderer.seen = []
    gc = renderer.new_gc()
    reused = 0
    for line, size, weight, style, family in sorted(labels):
        prop = FontProperties(family=family, size=size, weight=weight, style=style)
        renderer.get_text_width_height_descent(line, prop, False)  # measures, keeping the positions
        renderer.draw_text(gc, 10.0, 100.0, line, prop, 0.0)  # draws at the kept positions
        RendererAgg.draw_text(renderer, gc, 10.0, 100.0, line, prop, 0.0)  # Matplotlib shapes it again
        fast, plain = renderer.seen[-2:]
        assert fast == plain, line
        font = renderer._prepare_font(prop)
        reused += len(font._layout(line, flags=get_hinting_flag())) == len(line)
    assert reused > 300


def test_the_glyph_cache_draws_exactly_what_agg_draws() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
    from matplotlib.figure import Figure

    from rnncount.drawing import _glyph_renderer_class

    def pixels(renderer_cls: type) -> bytes:
        fig = Figure(figsize=(4, 3), dpi=80)
        FigureCanvasAgg(fig)
        labels = ["12,800", "W_xi 3,200", r"$g \cdot (i \cdot h + h \cdot h)$", "(None, 30, 4)", "b_hz 1,024"]
        for k, label in enumerate(labels):
            fig.text(
                0.03 + 0.0137 * k, 0.08 + 0.19 * k, label, fontsize=8 + 1.5 * k, fontweight=("bold", "normal")[k % 2]
            )
        renderer = renderer_cls(320, 240, 80)
        fig.draw(renderer)
        return bytes(renderer.buffer_rgba())

    cached = _glyph_renderer_class()
    plain = pixels(RendererAgg)
    assert pixels(cached) == plain  # glyphs rendered and stored
    assert pixels(cached) == plain  # glyphs pasted from the cache
