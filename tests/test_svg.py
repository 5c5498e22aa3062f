"""The vector pictures: valid SVG, the engine's numbers, legible at every size, one layout for SVG and Figure."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from collections import Counter

import matplotlib
import pytest

matplotlib.use("Agg")

from _stacks import random_case

import rnncount
from rnncount.core.formula import group_digits
from rnncount.core.layers import format_shape
from rnncount.pictures.drawing import VIEWS, blocks_drawn, diagram, layout, picture, to_svg
from rnncount.pictures.layout import GATE_COLORS, GATE_TITLES, MAX_LAYERS, block_fill, segments

NS = "{http://www.w3.org/2000/svg}"

MONSTER = (
    "SimpleRNN(30, return_sequences=True) > GRU(20, return_sequences=True) > GRU(25, return_sequences=True)"
    " > GRU(22, return_sequences=True) > GRU(21, return_sequences=True) > SimpleRNN(10)"
    " > Dense(50) > Dense(50) > Dense(50) > Dense(50) > Dense(1)"
)

SPECS = [
    ("Dense(3)", (7,)),
    ("SimpleRNN(4) > Dense(1)", (10, 3)),
    ("LSTM(32, return_sequences=True) > GRU(8) > Dense(1)", (20, 100)),
    ("GRU(2, reset_after=False, use_bias=False)", (10, 3)),
    ("Bidirectional(LSTM(16)) > Dense(1)", (20, 8)),
    ("Bidirectional(GRU(4, return_sequences=True), merge_mode='sum') > TimeDistributed(Dense(3))", (12, 6)),
    ("Bidirectional(SimpleRNN(3), merge_mode=None)", (None, 2)),
    ("Embedding(10000, 64) > LSTM(1024) > Dense(1)", 100),
    ("LSTM(8) > RepeatVector(5) > LSTM(8, return_sequences=True) > TimeDistributed(Dense(2))", (10, 4)),
    (MONSTER, (50, 40)),
]


def _grid() -> list[tuple[str, object]]:
    rng = random.Random(11)
    return SPECS + [(c.spec, c.input_shape) for c in (random_case(rng) for _ in range(40))]


def _svg(markup: str) -> ET.Element:
    root = ET.fromstring(markup)
    assert root.tag == f"{NS}svg"
    return root


def _texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def _blocks(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if g.get("class") == "rnncount-block"]


# --- markup --------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("dark", [False, True])
def test_the_svg_is_valid_and_scales_with_its_box(view: str, dark: bool) -> None:
    for spec, shape in SPECS:
        root = _svg(to_svg(spec, shape, view=view, dark=dark))
        assert root.get("class") == "rnncount-picture"
        assert root.get("width") == "100%" and root.get("height") is None
        x0, y0, w, h = (float(v) for v in root.get("viewBox").split())
        assert (x0, y0) == (0, 0) and w == 1000 and h > 100
        assert root.get("data-view") == view
        assert _texts(root), "labels are real text"
        assert not list(root.iter(f"{NS}image"))


def test_every_block_carries_the_engines_numbers_and_a_tooltip() -> None:
    for spec, shape in _grid():
        result = rnncount.count(spec, shape)
        root = _svg(to_svg(result))
        drawn = _blocks(root)
        shown = result.layers if len(result.layers) <= MAX_LAYERS else ()
        expected = Counter(
            (lc.name, f"{b.direction}/{b.variable}" if b.direction else b.variable, b.gate or "", b.params)
            for lc in shown
            for b in lc.blocks
        )
        got = Counter(
            (g.get("data-layer"), g.get("data-variable"), g.get("data-gate"), int(g.get("data-params"))) for g in drawn
        )
        assert got == expected, spec
        texts = " ".join(_texts(root))
        for lc in shown:
            assert f"{lc.name} ({lc.type})" in texts
            assert group_digits(lc.params) in texts
            for _path, var_shape in lc.weights:
                assert format_shape(var_shape) in texts
            for b in lc.blocks:
                group = next(
                    g
                    for g in drawn
                    if g.get("data-layer") == lc.name
                    and g.get("data-name") == b.name
                    and g.get("data-variable") == (f"{b.direction}/{b.variable}" if b.direction else b.variable)
                )
                # Its count is written on it, and its tooltip names everything.
                assert group_digits(b.params) in _texts(group)
                tip = group.find(f"{NS}title").text
                assert lc.name in tip and b.variable in tip and f"{b.term} =" in tip
                assert " × ".join(group_digits(d) for d in b.shape) in tip
                assert group_digits(b.params) in tip
            kind = lc.layer.layer.kind if lc.layer.kind == "Bidirectional" else lc.layer.kind
            for gate in {b.gate for b in lc.blocks if b.gate}:  # with its time index: "input gate it"
                assert "".join(part for part, _ in segments(GATE_TITLES[kind][gate])) in texts
        assert f"{group_digits(result.total)}" in texts


@pytest.fixture(scope="module")
def keras_cases() -> list[tuple[rnncount.CountResult, list[int]]]:
    """Random stacks with Keras's own per-layer counts (the oracle)."""
    from rnncount.bridges.keras import build_model

    rng = random.Random(5)
    out = []
    for _ in range(8):
        case = random_case(rng)
        model = build_model(case.spec, case.input_shape, zeros=True)
        out.append((rnncount.count(case.spec, case.input_shape), [int(m.count_params()) for m in model.layers]))
    return out


def test_the_blocks_of_each_layer_add_up_to_keras(keras_cases: list) -> None:
    for result, keras_counts in keras_cases:
        root = _svg(to_svg(result))
        per_layer = Counter()
        for g in _blocks(root):
            per_layer[g.get("data-layer")] += int(g.get("data-params"))
        assert [per_layer[lc.name] for lc in result.layers] == keras_counts, result.spec
        # The unrolled view's one set of weights is the whole layer too.
        for lc in result.layers:
            if lc.layer.recurrent:
                root = _svg(to_svg(result, view="unrolled", layer=lc.name))
                shared = [g for g in root.iter(f"{NS}g") if g.get("class") == "rnncount-weights"]
                assert sum(int(g.get("data-params")) for g in shared) == keras_counts[result.layers.index(lc)]


def test_one_scale_across_the_picture() -> None:
    """In SimpleRNN(4) > Dense(1) the 4-weight Dense kernel is no taller than the 16-weight recurrent kernel."""
    fig = diagram("SimpleRNN(4) > Dense(1)", (10, 3))
    by_name = {(p.rnncount_layer, p.rnncount_block.name): p for p in blocks_drawn(fig)}
    w_h, dense_w = by_name["simple_rnn", "W_hh"], by_name["dense", "W"]
    assert dense_w.get_height() == pytest.approx(w_h.get_height())  # both 4 rows
    # Rows to scale: a kernel of 3 rows is 3/4 of one of 4 rows.
    assert by_name["simple_rnn", "W_xh"].get_height() == pytest.approx(0.75 * w_h.get_height())


def test_a_cut_block_says_its_true_size() -> None:
    root = _svg(to_svg("LSTM(8)", (10, 2000)))
    kernel = [g for g in _blocks(root) if g.get("data-variable") == "kernel"]
    for g in kernel:
        assert "2,000 × 8" in _texts(g)
    assert "zigzag" in " ".join(_texts(root))


# --- one layout ----------------------------------------------------------------------------------


def _figure_texts(fig: object) -> list[str]:
    return [
        t.get_text().replace("$_{", "").replace("}$", "").replace(r"\$", "$")
        for ax in fig.get_axes()  # type: ignore[attr-defined]
        for t in ax.texts
    ]


@pytest.mark.parametrize("view", VIEWS)
def test_the_figure_and_the_svg_come_from_one_layout(view: str) -> None:
    for spec, shape in SPECS:
        result = rnncount.count(spec, shape)
        root = _svg(to_svg(result, view=view))
        fig = diagram(result, view=view)
        svg_blocks = sorted(
            (
                g.get("data-layer"),
                g.get("data-name"),
                g.get("data-variable"),
                *tuple(float(g.find(f"{NS}rect").get(k)) for k in ("x", "y", "width", "height")),
            )
            for g in _blocks(root)
        )
        fig_blocks = sorted(
            (
                p.rnncount_layer,
                p.rnncount_block.name,
                p.rnncount_variable,
                *tuple(float(v) for v in p.get_bbox().bounds),
            )
            for p in blocks_drawn(fig)
        )
        assert [b[:3] for b in svg_blocks] == [b[:3] for b in fig_blocks]
        assert [b[3:] for b in svg_blocks] == [pytest.approx(b[3:], abs=0.01) for b in fig_blocks]
        assert Counter(_texts(root)) == Counter(_figure_texts(fig))
        width, height = fig.get_size_inches()
        _, _, vw, vh = (float(v) for v in root.get("viewBox").split())
        assert (width * 100, height * 100) == pytest.approx((vw, vh), abs=1)


# --- legibility ----------------------------------------------------------------------------------


def _font_sizes(root: ET.Element) -> list[float]:
    return [float(el.get("font-size")) for el in root.iter() if el.get("font-size")]


def test_the_smallest_label_is_legible_on_a_projector_and_a_laptop() -> None:
    """Scaled to 1,800 px wide the smallest label is >= 16 px tall, at 700 px >= 11 px."""
    for spec, shape in _grid():
        for view in VIEWS:
            root = _svg(to_svg(spec, shape, view=view))
            width = float(root.get("viewBox").split()[2])
            smallest = min(_font_sizes(root))
            assert smallest * 1800 / width >= 16, (spec, view)
            assert smallest * 700 / width >= 11, (spec, view)


def _overlaps(scene: object) -> list[tuple[str, str]]:
    boxes = [(t.text, t.box()) for t in scene.texts()]  # type: ignore[attr-defined]
    bad = []
    for text, (x0, _, x1, _) in boxes:
        if x0 < 0 or x1 > scene.width:  # type: ignore[attr-defined]
            bad.append((text, "outside the picture"))
    for k, (a, (ax0, ay0, ax1, ay1)) in enumerate(boxes):
        for b, (bx0, by0, bx1, by1) in boxes[k + 1 :]:
            if ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1:
                bad.append((a, b))
    return bad


def test_no_two_labels_overlap() -> None:
    long_names = [
        rnncount.LSTM(7, return_sequences=True, name="an_extremely_long_layer_name_" * 3),
        rnncount.GRU(3, name="g" * 70),
        rnncount.Dense(123456789, name="d"),
    ]
    cases = [*_grid(), (long_names, (5, 987654321)), ([rnncount.Embedding(10**8, 10**5)], 5)]
    cases.append(([rnncount.Dense(2) for _ in range(1000)], (3,)))
    checked = 0
    for k, (spec, shape) in enumerate(cases):
        result = rnncount.count(spec, shape)
        for view in VIEWS:
            title = "A picture with a title long enough to need a second line on a slide, " * (k % 3)
            error = "the next layer needs a sequence: set return_sequences=True" if k % 4 == 0 else None
            for compact in (False, True) if view == "weights" else (False,):
                scene = layout(result, view=view, title=title or None, error=error, compact=compact)
                assert not _overlaps(scene), (spec, view)
                checked += 1
    assert checked > 150


def test_a_monster_grows_in_height_never_in_width() -> None:
    small = _svg(to_svg("SimpleRNN(30)", (50, 40)))
    monster = _svg(to_svg(MONSTER, (50, 40)))
    sw, sh = (float(v) for v in small.get("viewBox").split()[2:])
    mw, mh = (float(v) for v in monster.get("viewBox").split()[2:])
    assert sw == mw
    assert mh > 5 * sh
    titles = [t for t in monster.iter(f"{NS}text") if (t.get("id") or "").startswith("rnncount-title:")]
    assert len(titles) == 11
    ys = [float(t.get("y")) for t in titles]
    assert ys == sorted(ys)  # one row per layer, top to bottom


@pytest.mark.parametrize("n", [13, 100, 1000])
def test_a_long_stack_shows_its_ends_and_how_many_are_left_out(n: int) -> None:
    layers = [rnncount.Dense(2, name=f"layer_{k}") for k in range(n)]
    result = rnncount.count(layers, (3,))
    root = _svg(to_svg(result))
    texts = _texts(root)
    titles = [t.get("id").split(":", 1)[1] for t in root.iter(f"{NS}text") if t.get("id")]
    assert titles == [f"layer_{k}" for k in (*range(6), *range(n - 5, n))]
    assert f"… {group_digits(n - 11)} more layers …" in texts
    hidden = result.layers[6 : n - 5]
    assert f"layer_6 to layer_{n - 6}: {group_digits(sum(lc.params for lc in hidden))} params" in texts
    assert f"total: {group_digits(result.total)} params in {group_digits(n)} layers" in texts
    assert len(_blocks(root)) == 11 * 2


# --- the unrolled view ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "steps"),
    [
        (1, ["1"]),
        (3, ["1", "2", "3"]),
        (6, ["1", "2", "3", "4", "5", "6"]),
        (7, ["1", "2", "3", "4", "T"]),
        (500, ["1", "2", "3", "4", "T"]),
        (None, ["1", "2", "3", "4", "T"]),
    ],
)
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_the_unrolled_view_has_labelled_steps_and_one_set_of_weights(t: int | None, steps: list, kind: str) -> None:
    result = rnncount.count(f"{kind}(5, return_sequences=True)", (t, 3))
    root = _svg(to_svg(result, view="unrolled"))
    texts = _texts(root)
    assert [s[2:] for s in texts if re.fullmatch(r"t=\w+", s)] == steps
    assert [s for s in texts if re.fullmatch(r"x\w+", s)] == [f"x{s}" for s in steps]
    assert ("…" in texts) == (len(steps) < (t or 99))
    # The same weights named on every copy of the cell, and one set of them.
    # Each step names the layer's own weights (W_xh W_hh b_h for a SimpleRNN; the others' block names
    # are in the panel below), never a second notation W_x, W_h, b.
    bands = [" ".join(_texts(g)) for g in root.iter(f"{NS}g") if g.get("class") == "rnncount-shared"]
    assert bands == ["Wxh Whh bh" if kind == "SimpleRNN" else "the same weights"] * len(steps)
    assert not any(re.search(r"\bW[xh]\b", s) for s in texts)
    for g in root.iter(f"{NS}g"):
        if g.get("class") == "rnncount-weights":
            names = " ".join(
                b.name.replace("_", "") for b in result.layers[0].blocks if b.variable == g.get("data-variable")
            )
            assert f"{g.get('data-variable')}: {names}" in " ".join(_texts(g))
    shared = [g for g in root.iter(f"{NS}g") if g.get("class") == "rnncount-weights"]
    assert [g.get("data-variable") for g in shared] == ["kernel", "recurrent_kernel", "bias"]
    assert sum(int(g.get("data-params")) for g in shared) == result.total
    assert f"= {group_digits(result.total)} params for all timesteps together: T never changes the count" in texts


@pytest.mark.parametrize("seq", [True, False])
def test_return_sequences_shows_which_outputs_leave(seq: bool) -> None:
    root = _svg(to_svg(f"GRU(4, return_sequences={seq})", (5, 3), view="unrolled"))
    texts = _texts(root)
    bold = ["".join(t.itertext()) for t in root.iter(f"{NS}text") if t.get("font-weight") == "bold"]
    outputs = [s for s in bold if re.fullmatch(r"h\d", s)]
    assert outputs == (["h1", "h2", "h3", "h4", "h5"] if seq else ["h5"])
    assert f"return_sequences={seq}" in " ".join(texts)


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("concat", "→ 2h = 8"),
        ("sum", "→ h = 4"),
        ("ave", "→ h = 4"),
        ("mul", "→ h = 4"),
        (None, "two outputs"),
    ],
)
@pytest.mark.parametrize("seq", [True, False])
def test_bidirectional_shows_the_backward_chain_and_the_merge(mode: str | None, says: str, seq: bool) -> None:
    result = rnncount.count(f"Bidirectional(LSTM(4, return_sequences={seq}), merge_mode={mode!r})", (5, 3))
    root = _svg(to_svg(result, view="unrolled"))
    texts = _texts(root)
    assert says in texts and (mode or "merge_mode=None:") in texts
    assert ("h→t, h←t" if seq else "h→T, h←1") in texts
    assert "← backward" in texts and "forward →" in texts
    bands = [" ".join(_texts(g)) for g in root.iter(f"{NS}g") if g.get("class") == "rnncount-shared"]
    assert bands == ["the same weights"] * 10  # five steps, two directions
    shared = [g for g in root.iter(f"{NS}g") if g.get("class") == "rnncount-weights"]
    assert sorted({g.get("data-variable").split("/")[0] for g in shared}) == ["backward", "forward"]
    assert sum(int(g.get("data-params")) for g in shared) == result.total
    assert f"output {format_shape(result.output_shape)}" in texts


# --- the cell view -------------------------------------------------------------------------------

CELLS = [
    ("SimpleRNN(3)", ["h"], ["hidden state ht"]),
    # Keras's order: i, f, c, o.
    ("LSTM(3)", ["i", "f", "c", "o"], ["forget gate ft", "input gate it", "candidate c̃t", "output gate ot"]),
    # reset_after=True: the candidate's recurrent part (reset after the product) and its input part.
    ("GRU(3)", ["z", "r", "h", "h"], ["update gate zt", "reset gate rt", "recurrent part", "input part"]),
    ("GRU(3, reset_after=False)", ["z", "r", "h"], ["update gate zt", "reset gate rt", "candidate h̃t"]),
    ("Bidirectional(GRU(3, use_bias=False))", ["z", "r", "h", "h"], ["update gate zt", "reset gate rt"]),
]


@pytest.mark.parametrize(("spec", "gates", "titles"), CELLS, ids=[c[0] for c in CELLS])
def test_the_cell_view_has_the_right_gates_coloured_like_their_blocks(spec: str, gates: list, titles: list) -> None:
    result = rnncount.count(spec, (10, 2))
    lc = result.layers[0]
    kind = spec.split("(")[1] if spec.startswith("Bidirectional") else spec.split("(")[0]
    root = _svg(to_svg(result, view="cell"))
    boxes = [g for g in root.iter(f"{NS}g") if g.get("class") == "rnncount-gate"]
    assert [g.get("data-gate") for g in boxes] == gates
    texts = _texts(root)
    joined = " ".join(texts)
    for title in titles:
        assert title in joined
    # Only gates are called gates.
    assert not any(re.search(r"\bgate [ch]\b", s) for s in texts)
    weights = _svg(to_svg(result))
    for gate in dict.fromkeys(gates):
        mine = [g for g in boxes if g.get("data-gate") == gate]
        for g in mine:
            assert g.find(f"{NS}rect").get("stroke") == GATE_COLORS[kind][gate]
        names = sorted(b.name for b in lc.blocks if b.gate == gate and b.direction in (None, "forward"))
        assert sorted(n for g in mine for n in g.get("data-variable").split()) == names
        assert sum(int(g.get("data-params")) for g in mine) == sum(
            b.params for b in lc.blocks if b.gate == gate and b.direction in (None, "forward")
        )
        # The block of the weights view has the same hue.
        block = next(
            b
            for b in _blocks(weights)
            if b.get("data-gate") == gate and b.get("data-variable").endswith("recurrent_kernel")
        )
        assert block.find(f"{NS}rect").get("fill") == block_fill(
            kind, next(b for b in lc.blocks if b.gate == gate and b.variable == "recurrent_kernel")
        )
        assert (
            block_fill(kind, next(b for b in lc.blocks if b.gate == gate and b.variable == "recurrent_kernel"))
            == GATE_COLORS[kind][gate]
        )
    if spec.startswith("LSTM"):
        assert "ct = ft ⊙ ct-1 + it ⊙ c̃t" in texts and "ht = ot ⊙ tanh(ct)" in texts
    if spec.startswith("GRU(3)"):
        assert "h̃t = tanh(xt Wxh + bxh + rt ⊙ (ht-1 Whh + bhh))" in texts
    if "reset_after=False" in spec:
        assert "h̃t = tanh(xt Wxh + (rt ⊙ ht-1) Whh + bh)" in texts
    if "use_bias=False" in spec:
        equations = [s for s in texts if s.startswith(("zt = ", "rt = ", "h̃t = "))]
        assert len(equations) == 3 and not any("b" in s.split(" = ", 1)[1] for s in equations)
    # Gates squash with σ, the candidate and SimpleRNN's hidden state with tanh: each activation is its
    # own node, fed by its block's weighted sum.
    acts = [g for g in root.iter(f"{NS}g") if g.get("class") == "rnncount-node" and g.get("data-op") == "act"]
    labels = sorted("".join(t.itertext()) for g in acts for t in list(g.iter(f"{NS}text"))[:1])
    expected = {"SimpleRNN": ["tanh"], "LSTM": ["tanh", "tanh", "σ", "σ", "σ"], "GRU": ["tanh", "σ", "σ"]}[kind]
    assert labels == sorted(expected)


def test_a_stack_without_a_recurrent_layer_says_so_and_the_chosen_layer_is_named() -> None:
    for view in ("unrolled", "cell"):
        texts = " ".join(_texts(_svg(to_svg("Dense(4) > Dense(1)", (3,), view=view))))
        assert "no recurrent layer" in texts
        texts = " ".join(_texts(_svg(to_svg(MONSTER, (50, 40), view=view))))
        assert "simple_rnn (SimpleRNN)" in texts and "Layer 1 of 11 (the first recurrent layer)" in texts
        texts = " ".join(_texts(_svg(to_svg(MONSTER, (50, 40), view=view, layer="gru_2"))))
        assert "gru_2 (GRU)" in texts and "Layer 4 of 11" in texts
        assert "gru_2 (GRU)" in " ".join(_texts(_svg(to_svg(MONSTER, (50, 40), view=view, layer=3))))
    with pytest.raises(rnncount.SpecError, match="'dense' is a Dense layer"):
        to_svg(MONSTER, (50, 40), view="cell", layer="dense")
    with pytest.raises(rnncount.SpecError, match="no layer named 'nope'"):
        to_svg(MONSTER, (50, 40), view="cell", layer="nope")
    with pytest.raises(rnncount.SpecError, match="out of range"):
        to_svg(MONSTER, (50, 40), view="unrolled", layer=11)


# --- dark, errors, the picture object --------------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_dark_pictures_have_a_dark_background_and_light_text(view: str) -> None:
    def luminance(color: str) -> float:
        r, g, b = (int(color[k : k + 2], 16) / 255 for k in (1, 3, 5))
        return 0.299 * r + 0.587 * g + 0.114 * b

    root = _svg(to_svg("Bidirectional(LSTM(4)) > Dense(1)", (10, 3), view=view, dark=True))
    background = root.find(f"{NS}rect")
    assert luminance(background.get("fill")) < 0.15
    # Text outside the coloured blocks and tiles is light.
    loose = [t for t in root.findall(f"{NS}text")]
    assert loose and all(luminance(t.get("fill")) > 0.5 for t in loose)
    fig = diagram("LSTM(4)", (10, 3), view=view, dark=True)
    assert luminance(matplotlib.colors.to_hex(fig.get_facecolor())) < 0.15


def test_the_dark_default_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """RNNCOUNT_THEME=dark (set by ``rnncount lecture --dark``) is the default; dark= always wins."""
    monkeypatch.setenv("RNNCOUNT_THEME", "dark")
    assert _svg(to_svg("GRU(3)", (4, 2))).get("data-theme") == "dark"
    assert _svg(to_svg("GRU(3)", (4, 2), dark=False)).get("data-theme") == "light"
    assert _svg(picture("GRU(3)", (4, 2), view="cell").svg).get("data-theme") == "dark"
    assert layout(rnncount.count("GRU(3)", (4, 2))).dark
    dark_bg = diagram("GRU(3)", (4, 2)).get_facecolor()
    assert dark_bg == diagram("GRU(3)", (4, 2), dark=True).get_facecolor()
    assert dark_bg != diagram("GRU(3)", (4, 2), dark=False).get_facecolor()
    monkeypatch.setenv("RNNCOUNT_THEME", "light")
    assert _svg(to_svg("GRU(3)", (4, 2))).get("data-theme") == "light"
    assert _svg(to_svg("GRU(3)", (4, 2), dark=True)).get("data-theme") == "dark"
    monkeypatch.delenv("RNNCOUNT_THEME")
    assert _svg(to_svg("GRU(3)", (4, 2))).get("data-theme") == "light"


def test_an_error_is_shown_with_the_valid_part_or_alone() -> None:
    result = rnncount.count("LSTM(4)", (10, 3))
    message = "LSTM after LSTM (layer 2): set return_sequences=True on an earlier recurrent layer"
    texts = " ".join(_texts(_svg(to_svg(result, error=message))))
    assert message in texts and "total of the layers above" in texts
    texts = " ".join(_texts(_svg(to_svg(None, error=message))))
    assert message in texts


def test_picture_shows_as_inline_svg_and_gives_a_figure() -> None:
    pic = rnncount.picture("GRU(4) > Dense(1)", (30, 5), view="cell", dark=True)
    assert pic.svg.startswith('<svg class="rnncount-picture"') and pic._repr_html_() == pic.svg
    fig = pic.figure()
    assert isinstance(fig, matplotlib.figure.Figure)
    assert rnncount.picture is picture
    assert "picture" in dir(rnncount)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"dpi": "x"}, TypeError, "dpi must be a number .*got str"),
        ({"dpi": True}, TypeError, "dpi must be a number .*got bool"),
        ({"dpi": -5}, ValueError, "dpi must be between"),
        ({"title": 5}, TypeError, "title must be a str or None, got int"),
        ({"ax": "x"}, TypeError, "ax must be a matplotlib Axes or None, got str"),
        ({"view": "nope"}, ValueError, "view must be one of 'weights', 'unrolled', 'cell', got 'nope'"),
        ({"view": 3}, TypeError, "view must be one of .*got int"),
        ({"dark": "yes"}, TypeError, "dark must be True or False, got str"),
        ({"layer": 2.5}, TypeError, "layer must be a layer name .*got float"),
        ({"error": ["x"]}, TypeError, "error must be a str or None, got list"),
    ],
)
def test_bad_arguments_say_what_was_expected(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        diagram("LSTM(4)", (10, 3), **kwargs)
    expected = rnncount.errors.RnncountTypeError if error is TypeError else rnncount.SpecError
    assert isinstance(info.value, expected)
    if "dpi" not in kwargs and "ax" not in kwargs:
        with pytest.raises(error, match=message.replace("diagram", "to_svg")):
            to_svg("LSTM(4)", (10, 3), **kwargs)
    with pytest.raises(TypeError, match=r"first argument must be a spec string.*got int"):
        to_svg(42, (3,))


def test_the_same_picture_is_the_same_markup_and_ids_never_clash() -> None:
    a, b = to_svg("GRU(3)", (4, 2)), to_svg("GRU(3)", (4, 2))
    assert a == b  # a dashboard can compare markup to skip an unchanged picture
    light, dark = _svg(a), _svg(to_svg("GRU(3)", (4, 2), dark=True))

    def defs(root: ET.Element) -> set[str]:
        return {el.get("id") for el in root.find(f"{NS}defs")}

    assert defs(light) and not defs(light) & defs(dark)
    # A tooltip is a block's own; the picture as a whole has a label for screen readers instead.
    assert light.find(f"{NS}title") is None and "gru" in light.get("aria-label")


def test_estimated_label_widths_hold_the_text_as_matplotlib_draws_it() -> None:
    """The overlap test uses estimated boxes: they must contain the text as drawn (DejaVu Sans)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    from rnncount.pictures.drawing import _mathtext

    measure = TextToPath()
    checked = 0
    for spec, shape in SPECS[:6]:
        for view in VIEWS:
            for t in layout(rnncount.count(spec, shape), view=view).texts():
                prop = FontProperties(
                    family="monospace" if t.mono else "sans-serif",
                    weight="bold" if t.bold else "normal",
                    style="italic" if t.italic else "normal",
                    size=t.size,
                )
                text = _mathtext(t.text)
                width, _, _ = measure.get_text_width_height_descent(text, prop, ismath="$" in text.replace(r"\$", ""))
                x0, _, x1, _ = t.box()
                assert width <= x1 - x0 + 0.5, (t.text, width, x1 - x0)
                checked += 1
    assert checked > 300
