"""The dashboards, driven by setting control values as a lecturer's clicks would; Keras is the oracle."""

from __future__ import annotations

import gc
import itertools
import re
import weakref
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import ipywidgets as W
import pytest
import traitlets

import rnncount
from rnncount.core.formula import group_digits
from rnncount.dashboards.panels import ModelCache
from rnncount.dashboards.widgets import Explorer, StackExplorer, managed
from rnncount.errors import RnncountTypeError
from rnncount.pictures.drawing import MAX_LAYERS, VIEWS, to_svg

SVG = "{http://www.w3.org/2000/svg}"

TOGGLES = ("use_bias", "return_sequences", "reset_after", "bidirectional")


def expected_spec(kind: str, units: int, toggles: dict[str, bool], head: int = 0) -> str:
    """The model the controls describe, written independently of the widget code."""
    if kind == "Dense":
        core = f"Dense({units}{'' if toggles['use_bias'] else ', use_bias=False'})"
    else:
        opts = []
        if not toggles["use_bias"]:
            opts.append("use_bias=False")
        if toggles["return_sequences"]:
            opts.append("return_sequences=True")
        if kind == "GRU" and not toggles["reset_after"]:
            opts.append("reset_after=False")
        core = f"{kind}({', '.join([str(units), *opts])})"
        if toggles["bidirectional"]:
            core = f"Bidirectional({core})"
    return core + (f" > Dense({head})" if head else "")


def check_views(w: Explorer | StackExplorer, spec: str, shape: tuple) -> None:
    """Formula, summary and picture all agree with the engine and with the Keras model."""
    result = rnncount.count(spec, shape)
    assert w.error is None
    assert w.spec == result.spec
    assert w.formula_text == result.formula_text
    # Keras built the model the summary came from, and it agrees with every number shown.
    assert w.model is not None
    assert w.model.count_params() == result.total == w.keras_params
    assert [int(layer.count_params()) for layer in w.model.layers] == [lc.params for lc in result.layers]
    for lc in result.layers:
        assert f"{lc.name} ({lc.type.split('(')[0]}" in w.summary_text
        assert group_digits(lc.params) in w.summary_text
    assert f"Total params: {group_digits(result.total)}" in w.summary_text
    # The formula view holds the by-hand numbers; the summary view holds Keras's text, escaped.
    for lc in result.layers:
        if lc.params and isinstance(w, Explorer):
            assert lc.formula.latex in w._formula.value
        elif lc.params:
            assert lc.formula.text in w._formula.value
    assert "Model: &quot;sequential&quot;" in w._summary.value
    check_picture(w)


def unique_ids_removed(markup: str) -> str:
    """The markup with the per-picture id prefix (``rnncount7-``, unique in a page) made equal."""
    return re.sub(r"\brnncount\d+-", "rnncount-", markup)


def same_picture(a: str, b: str) -> bool:
    return unique_ids_removed(a) == unique_ids_removed(b)


def svg_root(markup: str) -> ET.Element:
    """The picture's markup parsed as XML (it must be well-formed), checked to be rnncount's picture."""
    root = ET.fromstring(markup)
    assert root.tag in ("svg", f"{SVG}svg")
    assert "rnncount-picture" in root.get("class", "").split()
    assert root.get("viewBox") and root.get("width") == "100%"
    return root


def svg_texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter() if t.tag in ("text", f"{SVG}text")]


def svg_blocks(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter() if "rnncount-block" in g.get("class", "").split()]


def check_picture(w: Explorer | StackExplorer) -> None:
    """The page's picture is the engine's SVG of the current count and view, with every block's count as text."""
    assert w._picture.value == w.picture_svg
    assert same_picture(w.picture_svg, to_svg(w.result, view=w.view, error=w.error, layer=w.picture_layer))
    root = svg_root(w.picture_svg)
    if w.view != "weights" or w.error is not None:
        return
    blocks = svg_blocks(root)
    layers = {lc.name: lc for lc in w.result.layers}
    drawn = {g.get("data-layer") for g in blocks}
    weighted = [lc.name for lc in w.result.layers if lc.blocks]
    if len(w.result.layers) <= MAX_LAYERS:
        assert drawn == set(weighted)
    else:  # a long stack: its first and last layers, and how many are left out
        assert drawn <= set(weighted) and weighted[0] in drawn and weighted[-1] in drawn
        assert any("more layers" in t for t in svg_texts(root))
    assert Counter((g.get("data-layer"), int(g.get("data-params"))) for g in blocks) == Counter(
        (name, b.params) for name in drawn for b in layers[name].blocks
    )
    for g in blocks:
        title = [t for t in g if t.tag in ("title", f"{SVG}title")]
        assert title and group_digits(int(g.get("data-params"))) in "".join(title[0].itertext())
    texts = " | ".join(svg_texts(root))
    for lc in w.result.layers:
        if lc.name in drawn:
            assert group_digits(lc.params) in texts, (lc.name, lc.params, texts)


@pytest.fixture(scope="module")
def explorer() -> Explorer:
    return rnncount.explore("LSTM", units=6, features=5, timesteps=7)


@pytest.mark.parametrize("kind", ["Dense", "SimpleRNN", "LSTM", "GRU"])
def test_every_layer_type_times_every_toggle(explorer: Explorer, kind: str) -> None:
    w = explorer
    w.controls["layer"].value = kind
    for values in itertools.product([True, False], repeat=len(TOGGLES)):
        toggles = dict(zip(TOGGLES, values, strict=True))
        for name, value in toggles.items():
            w.controls[name].value = value
        check_views(w, expected_spec(kind, 6, toggles), (7, 5))
    # Toggles that do not apply to the layer are greyed out.
    assert w.controls["reset_after"].disabled == (kind != "GRU")
    assert w.controls["bidirectional"].disabled == (kind == "Dense")


def test_sliders_and_head(explorer: Explorer) -> None:
    w = explorer
    w.controls["layer"].value = "GRU"
    for name, value in {**dict.fromkeys(TOGGLES, False), "use_bias": True}.items():
        w.controls[name].value = value
    toggles = {t: w.controls[t].value for t in TOGGLES}
    for units, features, timesteps, head in [(1, 1, 1, 0), (3, 30, 50, 1), (64, 128, 20, 3), (17, 2, 9, 0)]:
        w.controls["units"].value = units
        w.controls["features"].value = features
        w.controls["timesteps"].value = timesteps
        w.controls["head"].value = head
        check_views(w, expected_spec("GRU", units, toggles, head), (timesteps, features))
    w.controls["head"].value = 0


def test_timesteps_change_shapes_never_counts() -> None:
    w = rnncount.explore("SimpleRNN", units=4, features=3, timesteps=10, return_sequences=True)
    before = w.formula_text
    w.controls["timesteps"].value = 25
    assert w.formula_text == before
    assert "(None, 25, 4)" in w.summary_text
    assert "T = 25 timesteps" in w._formula.value


def test_explore_defaults_and_layout() -> None:
    w = rnncount.explore()
    assert isinstance(w, W.VBox)
    assert w.spec == "LSTM(32)" and w.input_shape == (20, 100)
    assert w.result.total == 17024 == w.model.count_params()
    assert set(w.controls) == {"layer", "units", "features", "timesteps", "head", "view", *TOGGLES}
    for name in ("units", "features", "timesteps"):
        slider = w.controls[name]
        assert slider.continuous_update is False
        assert f"rnncount-{name}" in slider._dom_classes
    assert w.controls["units"].max >= 512 and w.controls["features"].max >= 512
    classes = {c for widget in _walk(w) for c in widget._dom_classes}
    assert {
        "rnncount-explore",
        "rnncount-formula",
        "rnncount-summary",
        "rnncount-diagram",
        "rnncount-diagram-svg",
        "rnncount-view",
        "rnncount-layer",
        "rnncount-use-bias",
        "rnncount-return-sequences",
        "rnncount-reset-after",
        "rnncount-bidirectional",
        "rnncount-head",
        "rnncount-spec",
    } <= classes
    # Fixed heights, so the page does not jump as views change.
    assert w._formula.layout.height and w._summary_box.layout.height
    # A plain VBox to the front end, so display(w) works in JupyterLab, Voila and nbval.
    assert (w._model_name, w._view_name) == ("VBoxModel", "VBoxView")
    assert repr(w) == "<Explorer: LSTM(32) on (None, 20, 100)>"
    with pytest.raises(rnncount.SpecError):
        rnncount.explore("Conv1D")
    with pytest.raises(TypeError):
        rnncount.explore(colour="red")


def test_the_dashboards_never_display_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a dashboard called display()")

    monkeypatch.setattr(IPython.display, "display", refuse)
    w = rnncount.explore("GRU", units=3, features=2)
    w.controls["units"].value = 4
    s = rnncount.explore_stack("LSTM(4) > Dense(1)", (10, 3))
    s.controls["add"].click()


def test_too_large_to_build_still_counts_and_draws() -> None:
    w = rnncount.explore("LSTM", units=8, features=8, max_params=2_000)
    assert w.model is not None
    w.controls["units"].value = 64
    result = rnncount.count("LSTM(64)", (20, 8))
    assert w.model is None
    assert w.formula_text == result.formula_text
    assert w.summary_text.startswith("Keras model not built:")
    assert group_digits(result.total) in w.summary_text
    assert "need no Keras model" in w._summary.value
    check_picture(w)
    assert len(svg_blocks(svg_root(w.picture_svg))) == len(result.layers[0].blocks) == 12


def test_caches_stay_flat_and_no_figure_is_made_over_300_moves() -> None:
    from matplotlib.figure import Figure

    cache = ModelCache(maxsize=6)
    w = rnncount.explore("LSTM", units=4, features=8, cache=cache)
    gc.collect()
    figures_before = sum(isinstance(o, Figure) for o in gc.get_objects())
    # A lecture's worth of back-and-forth over a few settings, then new ones that evict old ones.
    for k in range(300):
        control, values = (("units", (4, 5, 6)), ("features", (8, 9)))[k % 2]
        w.controls[control].value = values[(k // 2 + k // 5) % len(values)]
        if k >= 292:
            w.controls["units"].value = 10 + k % 20
        if k % 50 == 0:
            w.controls["view"].value = VIEWS[(k // 50) % len(VIEWS)]
        assert len(cache) <= 6
    check_picture(w)
    gc.collect()
    # The live picture is markup: no Matplotlib figure is made, or kept, by a dashboard.
    assert sum(isinstance(o, Figure) for o in gc.get_objects()) == figures_before
    assert cache.hits > cache.misses  # revisited settings come from the cache
    # The cache keeps text, not Keras models (thousands of objects each, for the collector to scan).
    assert all(entry.model is None for entry in cache._items.values())


def test_model_of_a_cached_setting_is_built_on_demand() -> None:
    cache = ModelCache()
    w = rnncount.explore("GRU", units=5, features=3, cache=cache)
    w.controls["units"].value = 6
    w.controls["units"].value = 5  # the summary now comes from the cache
    assert cache.hits == 1
    result = rnncount.count("GRU(5)", (20, 3))
    assert w.model is not None
    assert w.model is w.model  # built once per setting
    assert w.model.count_params() == result.total == w.keras_params
    assert [tuple(v.shape) for v in w.model.weights] == [shape for _, shape in result.layers[0].weights]


# --- the monster builder -------------------------------------------------------------------------

SEED = "GRU(4, return_sequences=True) > GRU(2, return_sequences=True) > SimpleRNN(25) > Dense(1)"


def test_stack_from_a_spec_string() -> None:
    s = rnncount.explore_stack(SEED, (30, 5))
    check_views(s, SEED, (30, 5))
    assert s.result.total == 906
    assert [row["units"].value for row in s.controls["rows"]] == [4, 2, 25, 1]
    assert s.controls["manage_sequences"].value is True
    assert "managed for you" in s._note.value
    running = [132, 180, 880, 906]
    for value in running:
        assert f">{group_digits(value)}</td>" in s._formula.value


def test_a_stack_built_by_clicking_equals_its_spec_string() -> None:
    s = rnncount.explore_stack("", (30, 5))
    assert s.result.total == 0 and s.summary_text == "no layers yet"
    add_kind, add_units = s.controls["add_kind"], s.controls["add_units"]
    for kind, units in [("GRU", 4), ("LSTM", 9), ("GRU", 2), ("SimpleRNN", 25), ("Dense", 1)]:
        add_kind.value, add_units.value = kind, units
        s.controls["add"].click()
    s.controls["rows"][1]["remove"].click()  # drop the LSTM again
    check_views(s, SEED, (30, 5))
    # Reorder: move the SimpleRNN up, then back down.
    s.controls["rows"][2]["up"].click()
    check_views(s, "GRU(4, return_sequences=True) > SimpleRNN(25, return_sequences=True) > GRU(2) > Dense(1)", (30, 5))
    s.controls["rows"][1]["down"].click()
    check_views(s, SEED, (30, 5))
    # Edit a row: type, units and Bidirectional.
    s.controls["rows"][0]["kind"].value = "LSTM"
    s.controls["rows"][0]["units"].value = 6
    s.controls["rows"][1]["bidirectional"].value = True
    spec = "LSTM(6, return_sequences=True) > Bidirectional(GRU(2, return_sequences=True)) > SimpleRNN(25) > Dense(1)"
    check_views(s, spec, (30, 5))
    s.controls["timesteps"].value = 12
    s.controls["features"].value = 40
    check_views(s, spec, (12, 40))
    assert s.controls["spec"].value == rnncount.count(spec, (12, 40)).spec


def test_turning_off_return_sequences_in_the_middle_teaches() -> None:
    s = rnncount.explore_stack(SEED, (30, 5))
    s.controls["rows"][1]["return_sequences"].value = False
    with pytest.raises(rnncount.SpecError) as err:
        rnncount.count(s.spec, (30, 5))
    message = str(err.value)
    assert s.error == message and "return_sequences=True" in message
    assert message in s.formula_text and message in s.summary_text
    assert "Traceback" not in s._formula.value + s._summary.value + s._message.value
    assert "rnncount-error" in s._message.value
    assert s.model is None
    # Management stops, so the consequence stays visible; the note says so.
    assert s.controls["manage_sequences"].value is False
    assert "yourself" in s._note.value
    # The picture shows the layers that work (their blocks), then the message.
    check_picture(s)
    root = svg_root(s.picture_svg)
    working = rnncount.count(s.layers[:2], (30, 5))
    assert Counter(int(g.get("data-params")) for g in svg_blocks(root)) == Counter(
        b.params for lc in working.layers for b in lc.blocks
    )
    assert message[:40] in " ".join(" ".join(svg_texts(root)).split())
    # Managing again fixes it.
    s.controls["manage_sequences"].value = True
    check_views(s, SEED, (30, 5))


def test_typing_a_spec() -> None:
    s = rnncount.explore_stack("Dense(2)", (4,))
    s.controls["spec"].value = "Dense(8) > Dense(1)"
    check_views(s, "Dense(8) > Dense(1)", (4,))
    s.controls["spec"].value = "Dense(8) > Conv9(1)"  # a typo: the message, the stack kept
    assert "Conv9" in s._message.value and s.spec == "Dense(8) > Dense(1)"
    e = rnncount.explore_stack("Embedding(1000, 8) > LSTM(4) > Dense(1)", 50)
    check_views(e, "Embedding(1000, 8) > LSTM(4) > Dense(1)", (50,))
    assert e.controls["features"].disabled and not e.controls["timesteps"].disabled
    e.controls["timesteps"].value = 60
    assert "(None, 60, 8)" in e.summary_text


def test_managed_rule() -> None:
    layers = rnncount.parse_spec("LSTM(4) > GRU(3) > Dense(2) > SimpleRNN(2, return_sequences=True) > Dense(1)")
    assert rnncount.format_spec(managed(layers)) == (
        "LSTM(4, return_sequences=True) > GRU(3, return_sequences=True) > Dense(2) > SimpleRNN(2) > Dense(1)"
    )
    enc_dec = rnncount.parse_spec("LSTM(8) > RepeatVector(5) > LSTM(8) > TimeDistributed(Dense(2))")
    assert rnncount.format_spec(managed(enc_dec)) == (
        "LSTM(8) > RepeatVector(5) > LSTM(8, return_sequences=True) > TimeDistributed(Dense(2))"
    )


def test_stack_from_a_count_result_keeps_a_deliberate_spec() -> None:
    result = rnncount.count("SimpleRNN(20, return_sequences=True) > Dense(1)", (15, 30))
    s = StackExplorer(result)
    # The spec breaks the usual rule on purpose (many-to-many): it is kept, unmanaged.
    assert s.controls["manage_sequences"].value is False
    check_views(s, "SimpleRNN(20, return_sequences=True) > Dense(1)", (15, 30))


def _walk(widget: W.Widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_a_picture_is_the_same_markup_however_it_was_reached() -> None:
    """Browser tests compare the page's picture with a fresh drawing: nothing of an earlier setting may leak in."""
    w = rnncount.explore("GRU", units=7, features=9)
    seen = {}
    for view in VIEWS:
        w.controls["view"].value = view
        for units in range(1, 9):
            for features in (9, 3):
                w.controls["features"].value = features
                w.controls["units"].value = units
                seen[view, units, features] = w.picture_svg
    for view in VIEWS:
        for units, features in [(8, 3), (5, 9), (1, 3)]:
            fresh = to_svg(rnncount.count(f"GRU({units})", (20, features)), view=view)
            assert same_picture(fresh, seen[view, units, features])
    assert len({unique_ids_removed(seen[v, 5, 9]) for v in VIEWS}) == len(VIEWS)  # the views differ


def test_without_keras_the_dashboard_still_counts_and_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnncount.bridges import keras as keras_bridge

    def unavailable() -> None:
        raise rnncount.KerasUnavailableError("Keras 3 with TensorFlow is not installed (test)")

    monkeypatch.setattr(keras_bridge, "keras", unavailable)
    w = rnncount.explore("SimpleRNN", units=3, features=2, cache=ModelCache())
    assert w.model is None
    assert w.summary_text == "Keras model not built: Keras 3 with TensorFlow is not installed (test)"
    assert w.formula_text == rnncount.count("SimpleRNN(3)", (20, 2)).formula_text
    check_picture(w)
    assert len(svg_blocks(svg_root(w.picture_svg))) == 3


# --- the picture's views ---------------------------------------------------------------------------


@pytest.mark.parametrize("maker", ["explore", "explore_stack"])
def test_the_view_toggle_switches_the_picture_only(maker: str) -> None:
    cache = ModelCache()
    if maker == "explore":
        w = rnncount.explore("LSTM", units=5, features=3, timesteps=4, cache=cache)
    else:
        w = rnncount.explore_stack("GRU(4, return_sequences=True) > LSTM(3) > Dense(1)", (4, 3), cache=cache)
    assert w.view == "weights" == w.controls["view"].value
    assert tuple(w.controls["view"].options) == tuple(VIEWS)
    assert "rnncount-view" in w.controls["view"]._dom_classes
    formula, summary, misses = w.formula_text, w.summary_text, cache.misses
    pictures = {}
    for view in VIEWS:
        w.controls["view"].value = view
        assert w.view == view
        check_picture(w)
        pictures[view] = w.picture_svg
        assert w.formula_text == formula and w.summary_text == summary
    assert cache.misses == misses  # a view change builds no Keras model
    assert len({unique_ids_removed(p) for p in pictures.values()}) == len(VIEWS)
    # The unrolled view names the steps; its picture follows the sliders like the others.
    w.view = "unrolled"
    texts = svg_texts(svg_root(w.picture_svg))
    assert any("t=1" in t for t in texts), texts
    w.controls["timesteps"].value = 3
    check_picture(w)
    with pytest.raises(rnncount.SpecError, match="view"):
        w.view = "sideways"


def test_the_stack_chooses_the_layer_to_unroll() -> None:
    s = rnncount.explore_stack("GRU(4, return_sequences=True) > LSTM(3) > Dense(1)", (5, 2))
    chooser = s._picture_layer
    assert "rnncount-picture-layer" in chooser._dom_classes
    assert chooser.layout.display == "none"  # the weights view shows every layer
    s.view = "cell"
    assert chooser.layout.display != "none"
    assert [k for _, k in chooser.options] == [0, 1]
    assert s.picture_layer is None and "gru (GRU)" in " ".join(svg_texts(svg_root(s.picture_svg)))
    chooser.value = 1
    assert s.picture_layer == 1
    check_picture(s)
    assert "lstm (LSTM)" in " ".join(svg_texts(svg_root(s.picture_svg)))
    s.controls["rows"][0]["units"].value = 5  # the choice survives an edit
    assert chooser.value == 1
    check_picture(s)
    s.remove_layer(0)  # one recurrent layer left: nothing to choose
    assert chooser.layout.display == "none" and s.picture_layer is None
    check_picture(s)
    w = rnncount.explore("LSTM", units=3, features=2, head=2, view="unrolled")
    assert w._picture_layer.layout.display == "none"


def test_the_view_can_be_chosen_when_the_dashboard_is_made() -> None:
    w = rnncount.explore("GRU", units=3, features=2, view="cell", reset_after=False)
    assert w.view == "cell"
    check_picture(w)
    s = rnncount.explore_stack("SimpleRNN(4) > Dense(1)", (6, 2), view="unrolled")
    assert s.view == "unrolled"
    check_picture(s)
    d = rnncount.explore("LSTM", units=3, features=2, dark=True)
    assert same_picture(d.picture_svg, to_svg(d.result, view="weights", dark=True))
    assert not same_picture(d.picture_svg, to_svg(d.result, view="weights"))


def test_the_dark_default_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """RNNCOUNT_THEME=dark (``rnncount lecture --dark``) makes dashboards dark; dark= always wins."""
    monkeypatch.setenv("RNNCOUNT_THEME", "dark")
    for make in (
        lambda **kw: rnncount.explore("LSTM", units=3, features=2, **kw),
        lambda **kw: rnncount.explore_stack("GRU(3) > Dense(1)", (5, 2), **kw),
    ):
        assert 'data-theme="dark"' in make().picture_svg
        assert 'data-theme="light"' in make(dark=False).picture_svg
    monkeypatch.setenv("RNNCOUNT_THEME", "light")
    assert 'data-theme="light"' in rnncount.explore("LSTM", units=3, features=2).picture_svg
    assert 'data-theme="dark"' in rnncount.explore("LSTM", units=3, features=2, dark=True).picture_svg
    monkeypatch.delenv("RNNCOUNT_THEME")
    assert 'data-theme="light"' in rnncount.explore_stack("GRU(3)", (5, 2)).picture_svg


def test_picture_box_takes_the_width_and_scrolls_rather_than_shrinks() -> None:
    s = rnncount.explore_stack(" > ".join(["LSTM(16)"] * 10 + ["Dense(1)"]), (50, 40))
    box = s._diagram_box
    assert "rnncount-diagram" in box._dom_classes and s._picture in box.children
    assert box.layout.width == "100%" and box.layout.overflow == "hidden auto" and box.layout.max_height
    assert box.layout.height is None  # no fixed height to squeeze the picture into
    svg = svg_root(s.picture_svg)
    assert not svg.get("height")  # the viewBox sets the aspect; the width sets the scale
    assert len(svg_blocks(svg)) == sum(len(lc.blocks) for lc in s.result.layers)


# --- wrong arguments get rnncount's own errors ----------------------------------------------------------

STACK = "LSTM(4, return_sequences=True) > GRU(3) > Dense(1)"


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: rnncount.explore_stack(5, (10, 3)), RnncountTypeError, ["spec string", "got int 5"]),
        (lambda: rnncount.explore_stack(b"LSTM(3)", (10, 3)), RnncountTypeError, ["got bytes"]),
        (lambda: rnncount.explore_stack(["LSTM(3)", 7], (10, 3)), RnncountTypeError, ["item 1", "got int 7"]),
        (lambda: rnncount.explore_stack(["LSTM(3)", "Conv(2)"], (10, 3)), rnncount.SpecError, ["item 1", "Conv"]),
        (lambda: rnncount.explore_stack("LSTM(3)", 2.5), RnncountTypeError, ["input_shape", "got float 2.5"]),
        (lambda: rnncount.explore_stack("LSTM(3)", (10, 3), manage_sequences="no"), RnncountTypeError, ["str"]),
        (lambda: rnncount.explore_stack("LSTM(3)", (10, 3), max_units=0), rnncount.SpecError, ["max_units", "0"]),
        (lambda: rnncount.explore_stack("LSTM(3)", (10, 3), view=3), RnncountTypeError, ["view", "got int 3"]),
        (lambda: rnncount.explore_stack("LSTM(3)", (10, 3), colour="red"), RnncountTypeError, ["colour"]),
        (lambda: rnncount.explore(head="x"), RnncountTypeError, ["head", "whole number", "got str 'x'"]),
        (lambda: rnncount.explore(head=-1), rnncount.SpecError, ["head", "at least 0", "got -1"]),
        (lambda: rnncount.explore(units=2.5), RnncountTypeError, ["units", "got float 2.5"]),
        (lambda: rnncount.explore(units=0), rnncount.SpecError, ["units", "at least 1", "got 0"]),
        (lambda: rnncount.explore(features=True), RnncountTypeError, ["features", "got bool True"]),
        (lambda: rnncount.explore(use_bias="yes"), RnncountTypeError, ["use_bias", "True or False", "got str"]),
        (lambda: rnncount.explore(bidirectional=1), RnncountTypeError, ["bidirectional", "got int 1"]),
        (lambda: rnncount.explore(max_units="1024"), RnncountTypeError, ["max_units", "got str '1024'"]),
        (lambda: rnncount.explore(max_params=None), RnncountTypeError, ["max_params", "got NoneType"]),
        (lambda: rnncount.explore(cache={}), RnncountTypeError, ["cache", "ModelCache", "got dict"]),
        (lambda: rnncount.explore(layer=3), RnncountTypeError, ["layer", "got int 3"]),
        (lambda: rnncount.explore(layer="Conv1D"), rnncount.SpecError, ["layer", "LSTM", "'Conv1D'"]),
        (lambda: rnncount.explore(view="side"), rnncount.SpecError, ["view", "weights", "'side'"]),
        (lambda: rnncount.explore(dark="yes"), RnncountTypeError, ["dark", "got str"]),
        (lambda: rnncount.explore(colour="red"), RnncountTypeError, ["colour", "use_bias"]),
    ],
)
def test_wrong_arguments_say_what_was_expected_and_given(call, error, words) -> None:
    with pytest.raises(error) as info:
        call()
    assert not isinstance(info.value, traitlets.TraitError)
    assert isinstance(info.value, ValueError if error is rnncount.SpecError else TypeError)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_a_list_of_spec_strings_or_layers_is_a_stack() -> None:
    s = rnncount.explore_stack(["LSTM(4, return_sequences=True)", rnncount.GRU(3), "Dense(1)"], (10, 3))
    check_views(s, STACK, (10, 3))
    t = rnncount.explore_stack(["LSTM(4, return_sequences=True) > GRU(3)", "Dense(1)"], (10, 3))
    assert t.spec == s.spec


@pytest.mark.parametrize(
    ("edit", "error", "words"),
    [
        (lambda s: s.set_layer(0, "x"), rnncount.SpecError, ["set_layer", "unknown layer 'x'"]),
        (lambda s: s.set_layer(0, 5), RnncountTypeError, ["set_layer", "got int 5"]),
        (lambda s: s.set_layer(0, "LSTM(2) > LSTM(3)"), rnncount.SpecError, ["one layer", "got 2"]),
        (lambda s: s.set_layer(3, "LSTM(2)"), rnncount.SpecError, ["0 to 2", "got 3"]),
        (lambda s: s.remove_layer(5), rnncount.SpecError, ["remove_layer", "0 to 2", "3 layers", "got 5"]),
        (lambda s: s.remove_layer(-1), rnncount.SpecError, ["0 to 2", "got -1"]),
        (lambda s: s.remove_layer("0"), RnncountTypeError, ["index", "got str '0'"]),
        (lambda s: s.move_layer(7, 1), rnncount.SpecError, ["move_layer", "got 7"]),
        (lambda s: s.move_layer(0, "down"), RnncountTypeError, ["delta", "got str 'down'"]),
        (lambda s: s.add_layer("LSTM", "x"), RnncountTypeError, ["units", "got str 'x'"]),
        (lambda s: s.add_layer("LSTM", 0), rnncount.SpecError, ["units", "at least 1"]),
        (lambda s: s.add_layer("Conv1D"), rnncount.SpecError, ["Conv1D"]),
        (lambda s: s.add_layer(3.5), RnncountTypeError, ["got float 3.5"]),
        (lambda s: s.add_layer("GRU", 2, index=9), rnncount.SpecError, ["0 to 3", "got 9"]),
        (lambda s: s.set_spec(None), RnncountTypeError, ["set_spec", "got NoneType"]),
    ],
)
def test_wrong_edits_raise_and_keep_the_stack(edit, error, words) -> None:
    s = rnncount.explore_stack(STACK, (10, 3))
    with pytest.raises(error) as info:
        edit(s)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    check_views(s, STACK, (10, 3))  # nothing changed


def test_edits_by_spec_string_and_by_index() -> None:
    s = rnncount.explore_stack(STACK, (10, 3))
    s.set_layer(1, "SimpleRNN(5)")
    s.add_layer("Dense(2)", index=2)
    s.add_layer("LSTM", 2, index=0)
    spec = "LSTM(2, return_sequences=True) > LSTM(4, return_sequences=True) > SimpleRNN(5) > Dense(2) > Dense(1)"
    check_views(s, spec, (10, 3))
    s.remove_layer(0)
    s.move_layer(2, -1)
    check_views(s, "LSTM(4, return_sequences=True) > Dense(2) > SimpleRNN(5) > Dense(1)", (10, 3))


# --- display models ----------------------------------------------------------------------------------------


def test_display_models_leave_keras_state_alone() -> None:
    """Built without allocating weights, and nothing in Keras keeps them alive (or allocates them later)."""
    import keras

    from rnncount.dashboards.panels import build_display_model

    result = rnncount.count("Bidirectional(LSTM(512)) > Dense(3)", (20, 512))
    model = build_display_model(result)
    assert model.count_params() == result.total
    assert [tuple(v.shape) for v in model.weights] == [s for lc in result.layers for _, s in lc.weights]
    ref = weakref.ref(model)
    # A user's own stateless scope allocates every deferred variable of its thread when it closes.
    with keras.StatelessScope():
        pass
    del model
    gc.collect()
    assert ref() is None
    for module in (rnncount.dashboards.panels, rnncount.dashboards.widgets):
        assert "keras.src" not in Path(module.__file__).read_text(encoding="utf-8")


# --- long stacks -------------------------------------------------------------------------------------------


def test_a_thousand_layer_stack_is_bounded_in_time_and_memory() -> None:
    import time
    import tracemalloc

    from rnncount.dashboards.widgets import ROWS_SHOWN

    layers = [rnncount.Dense(2) for _ in range(1000)]
    result = rnncount.count(layers, (4,))
    tracemalloc.start()
    start = time.perf_counter()
    s = rnncount.explore_stack(layers, (4,), cache=ModelCache())
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 20, elapsed  # generous: about 0.3 s of CPU on a quiet machine (see tests/benchmarks)
    assert peak < 50e6, peak
    assert s.result.total == result.total and s.error is None
    # Rows of controls for the first and last layers, and a line saying how many are left out.
    rows = s.controls["rows"]
    assert len(rows) == 1000 and sum(r is not None for r in rows) == ROWS_SHOWN
    assert rows[0] is not None and rows[-1] is not None and rows[500] is None
    more = [c for c in s._rows_box.children if "rnncount-stack-more" in c._dom_classes]
    assert len(more) == 1 and f"{1000 - ROWS_SHOWN:,} more layers" in more[0].value
    # Keras is not asked to build a thousand layers; the count and the picture need no build.
    assert s.model is None and s.summary_text.startswith("Keras model not built: 1,000 layers")
    assert group_digits(result.total) in s.summary_text
    check_picture(s)
    assert len(s.picture_svg) < 200_000
    # Edits reach every layer, shown or not; the last row's buttons act on the last layer.
    s.set_layer(500, "Dense(3)")
    assert s.result.total == rnncount.count([*layers[:500], rnncount.Dense(3), *layers[501:]], (4,)).total
    s.controls["rows"][-1]["remove"].click()
    assert len(s.layers) == 999 and s.result.layers[-1].name == "dense_998"


def test_a_broken_long_stack_shows_its_longest_working_part() -> None:
    layers = [rnncount.LSTM(3, return_sequences=True) for _ in range(300)] + [rnncount.LSTM(2), rnncount.LSTM(2)]
    s = rnncount.explore_stack(layers, (5, 2), manage_sequences=False)
    with pytest.raises(rnncount.SpecError) as err:
        rnncount.count(layers, (5, 2))
    assert s.error == str(err.value)
    assert s.result.spec == rnncount.count(layers[:301], (5, 2)).spec
    check_picture(s)
