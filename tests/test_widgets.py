"""The dashboards, driven by setting control values as a lecturer's clicks would; Keras is the oracle."""

from __future__ import annotations

import gc
import itertools

import matplotlib
import pytest

matplotlib.use("Agg")

import ipywidgets as W
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

import rnncount
from rnncount.drawing import blocks_drawn
from rnncount.formula import group_digits
from rnncount.views import ModelCache
from rnncount.widgets import Explorer, StackExplorer, managed

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
    # The picture shows exactly the engine's blocks, and its PNG is in the Image.
    drawn = sorted(
        (p.rnncount_layer, p.rnncount_block.direction, p.rnncount_block.name) for p in blocks_drawn(w.figure)
    )
    assert drawn == sorted((lc.name, b.direction, b.name) for lc in result.layers for b in lc.blocks)
    labels = {t.get_text() for t in w.figure.axes[0].texts}
    assert {f"{lc.name} ({lc.type})" for lc in result.layers} <= labels
    assert w._image.value[:8] == b"\x89PNG\r\n\x1a\n"


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
    assert set(w.controls) == {"layer", "units", "features", "timesteps", "head", *TOGGLES}
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
    assert len(blocks_drawn(w.figure)) == 12


def test_figures_and_caches_stay_flat_over_300_moves() -> None:
    cache = ModelCache(maxsize=6)
    w = rnncount.explore("LSTM", units=4, features=8, cache=cache)
    figure = w.figure
    gc.collect()
    figures_before = sum(isinstance(o, Figure) for o in gc.get_objects())
    open_before = plt.get_fignums()
    # A lecture's worth of back-and-forth over a few settings, then new ones that evict old ones.
    for k in range(300):
        control, values = (("units", (4, 5, 6)), ("features", (8, 9)))[k % 2]
        w.controls[control].value = values[(k // 2 + k // 5) % len(values)]
        if k >= 292:
            w.controls["units"].value = 10 + k % 20
        assert len(cache) <= 6
    assert w.figure is figure
    assert plt.get_fignums() == open_before
    gc.collect()
    assert sum(isinstance(o, Figure) for o in gc.get_objects()) == figures_before
    assert len(w._picture._png) <= w._picture.cache_size
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
    # The picture shows the layers that work, then the message.
    drawn_layers = {p.rnncount_layer for p in blocks_drawn(s.figure)}
    assert drawn_layers == {"gru", "gru_1"}
    assert any(message[:40] in t.get_text().replace("\n", " ") for t in s.figure.axes[0].texts)
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


def test_a_picture_is_the_same_bytes_however_it_was_reached() -> None:
    """Browser tests compare the page's PNG with a fresh drawing: cached labels must not change pixels."""
    from rnncount import drawing as diagram_module
    from rnncount.views import Picture

    w = rnncount.explore("GRU", units=7, features=9)
    seen = {}
    for units in range(1, 9):  # the same labels drawn at other places first
        for features in (9, 3):
            w.controls["features"].value = features
            w.controls["units"].value = units
            seen[units, features] = w._image.value
    diagram_module._STAMPS.clear()
    for units, features in [(8, 3), (5, 9), (1, 3)]:
        assert Picture().update(rnncount.count(f"GRU({units})", (20, features))) == seen[units, features]


def test_without_keras_the_dashboard_still_counts_and_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnncount import keras_bridge

    def unavailable() -> None:
        raise rnncount.KerasUnavailableError("Keras 3 with TensorFlow is not installed (test)")

    monkeypatch.setattr(keras_bridge, "keras", unavailable)
    w = rnncount.explore("SimpleRNN", units=3, features=2, cache=ModelCache())
    assert w.model is None
    assert w.summary_text == "Keras model not built: Keras 3 with TensorFlow is not installed (test)"
    assert w.formula_text == rnncount.count("SimpleRNN(3)", (20, 2)).formula_text
    assert len(blocks_drawn(w.figure)) == 3
