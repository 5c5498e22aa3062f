"""In a real JupyterLab, in a real browser: run the notebooks, move the sliders with the keyboard, read the page.

Expected numbers come from ``rnncount.count`` for the values the sliders show; the picture must be inline
SVG whose labels and blocks are exactly those of ``rnncount.pictures.drawing.to_svg`` for that count (the kernel and
this test share one environment). Every wait is for a state of the page, never for a fixed time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from _browser import (
    REPO,
    UPDATE_S,
    assert_clean,
    open_notebook,
    poll,
    press_slider_until,
    run_all_cells_and_wait,
    scroll_to_top_and_wait,
    shows_number,
    shutdown_kernels,
    slider_value,
)
from _dashboards import (
    assert_views,
    diagram_labels,
    explore_expected,
    overlapping_labels,
    read_explore,
    smallest_label,
)

import rnncount
from rnncount.core.engine import CountResult

pytestmark = pytest.mark.e2e

DOCS_SCREENSHOT = REPO / "docs" / "dashboard.png"

#: A laptop's window: the smallest label of the picture must be this tall (CSS px) or more.
LAPTOP = {"width": 1280, "height": 900}
MIN_LABEL_PX = 11


def save_screenshot(target: Any, artifacts: Path, name: str) -> Path:
    path = artifacts / name
    target.screenshot(path=str(path))
    return path


def write_docs_screenshot(src: Path) -> None:
    """docs/dashboard.png for the README: written when missing, or when RNNCOUNT_UPDATE_SCREENSHOT=1."""
    if DOCS_SCREENSHOT.exists() and os.environ.get("RNNCOUNT_UPDATE_SCREENSHOT") != "1":
        return
    from PIL import Image

    DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(src) as im:
        # A 256-colour palette keeps the file small (well under 300 KB) and the UI crisp.
        im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(DOCS_SCREENSHOT, optimize=True)


# --- the tests ------------------------------------------------------------------------------------------


def switch_view(page: Any, dash: Any, result: CountResult, view: str, *, stack: bool) -> None:
    """Click a view of the toggle and wait until the page shows rnncount's picture of ``result`` in it."""
    dash.locator(".rnncount-view button", has_text=re.compile(rf"^\s*{view}\s*$")).click()
    assert_views(dash, result, stack=stack, what=f"the {view} view of {result.spec}", view=view)


def assert_labels_readable(dash: Any, what: str, *, overlaps: bool = True) -> dict[str, Any]:
    small = smallest_label(dash)
    assert small["h"] >= MIN_LABEL_PX, f"{what}: the label {small['s']!r} is {small['h']:.1f} px tall"
    if overlaps:
        pairs = overlapping_labels(dash)
        assert not pairs, f"{what}: labels overlap: {pairs[:5]}"
    return small


def test_simple_rnn_dashboard(lab: Any, page: Any, artifacts: Path) -> None:
    page.set_viewport_size(LAPTOP)
    open_notebook(page, lab, "notebooks/02_simple_rnn.ipynb")
    run_all_cells_and_wait(page)
    assert_clean(page, "02_simple_rnn after Run All")

    dash = page.locator(".rnncount-explore").first
    dash.scroll_into_view_if_needed()
    before = read_explore(dash)
    first = explore_expected(before)
    assert_views(dash, first, stack=False, what="dashboard as first shown")
    labels = " | ".join(diagram_labels(first))
    for lc in first.layers:
        assert shows_number(labels, lc.params), f"the picture's labels lack {lc.params:,}: {labels}"
    # Every control's label is shown whole (no "SimpleR..." on a projector).
    cut = dash.locator(".rnncount-controls button, .rnncount-controls label").evaluate_all(
        "els => els.filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.trim())"
    )
    assert cut == [], f"labels cut short: {cut}"
    small = assert_labels_readable(dash, "SimpleRNN picture at 1280 px")
    print(f"smallest label at 1280 px, {first.spec}: {small['h']:.1f} px ({small['s']!r})")

    # Units: two presses of the right arrow on the focused slider handle.
    press_slider_until(dash.locator(".rnncount-units"), "ArrowRight", before["units"] + 2)
    after_units = read_explore(dash)
    assert after_units == {**before, "units": before["units"] + 2}
    second = explore_expected(after_units)
    assert second.total != first.total
    assert_views(dash, second, stack=False, what=f"after units {before['units']} -> {after_units['units']}")

    # Features: one press up, the count must follow i.
    press_slider_until(dash.locator(".rnncount-features"), "ArrowRight", before["features"] + 1)
    after_features = read_explore(dash)
    assert after_features == {**after_units, "features": before["features"] + 1}
    third = explore_expected(after_features)
    assert third.total != second.total
    assert_views(dash, third, stack=False, what=f"after features {before['features']} -> {after_features['features']}")

    # Timesteps: the count must NOT change (the lesson of the notebook), the spec's shape must.
    press_slider_until(dash.locator(".rnncount-timesteps"), "ArrowLeft", before["timesteps"] - 1)
    after_t = read_explore(dash)
    assert after_t["timesteps"] == before["timesteps"] - 1
    fourth = explore_expected(after_t)
    assert fourth.total == third.total
    assert_views(dash, fourth, stack=False, what="after timesteps")

    # The three views switch, each showing rnncount's picture of the current count.
    for view in ("unrolled", "cell", "weights"):
        switch_view(page, dash, fourth, view, stack=False)
        assert_labels_readable(dash, f"the {view} view at 1280 px")
        dash.locator(".rnncount-picture-panel").screenshot(path=str(artifacts / f"02_simple_rnn-{view}.png"))

    assert_clean(page, "02_simple_rnn after moving the sliders")
    save_screenshot(dash, artifacts, "02_simple_rnn-dashboard.png")

    # The README's picture: the same dashboard switched to an LSTM (four gates, four colours), in a
    # window tall enough for the controls and all three views.
    dash.locator(".rnncount-layer button", has_text=re.compile(r"^\s*LSTM\s*$")).click()
    poll(lambda: None if read_explore(dash)["layer"] == "LSTM" else "layer", UPDATE_S, "the LSTM toggle")
    lstm = explore_expected(read_explore(dash))
    assert_views(dash, lstm, stack=False, what="the LSTM dashboard")
    small = assert_labels_readable(dash, "LSTM picture at 1280 px")
    print(f"smallest label at 1280 px, {lstm.spec}: {small['h']:.1f} px ({small['s']!r})")
    save_screenshot(dash, artifacts, "02_lstm-dashboard-1280.png")
    page.set_viewport_size({"width": 1900, "height": 1300})
    assert_views(dash, lstm, stack=False, what="the LSTM dashboard at 1900 px")
    scroll_to_top_and_wait(dash)
    write_docs_screenshot(save_screenshot(page, artifacts, "02_lstm-page.png"))
    shutdown_kernels(lab)


def _stack_expected(start: CountResult, row: int, units: int, features: int) -> CountResult:
    """The start stack with layer ``row``'s units and the input's features changed."""
    layers = [lc.layer for lc in start.layers]
    layer = layers[row]
    if isinstance(layer, rnncount.Bidirectional):
        layers[row] = layer.with_options(layer=layer.layer.with_options(units=units))
    else:
        layers[row] = layer.with_options(units=units)
    timesteps = start.input_shape[1]
    return rnncount.count(layers, (timesteps, features))


_SCROLL_JS = """d => { const f = d.querySelector('.rnncount-diagram');
  return {scroll: f.scrollHeight, client: f.clientHeight, width: f.clientWidth}; }"""


def test_stack_builder_dashboard(lab: Any, page: Any, artifacts: Path) -> None:
    page.set_viewport_size(LAPTOP)
    open_notebook(page, lab, "notebooks/06_stacks_and_monsters.ipynb")
    run_all_cells_and_wait(page)
    assert_clean(page, "06_stacks_and_monsters after Run All")

    dash = page.locator(".rnncount-explore-stack").first
    dash.scroll_into_view_if_needed()
    spec = dash.locator(".rnncount-spec")
    # A long notebook's widgets are drawn only once they scroll into view.
    poll(lambda: None if spec.inner_text().strip() else "the spec is not drawn yet", 20, "stack builder")
    spec_text = spec.inner_text().strip()
    m = re.fullmatch(r"(.+) on input \(None, (\d+), (\d+)\)", spec_text)
    assert m, f"unexpected spec view {spec_text!r}"
    features = slider_value(dash.locator(".rnncount-features"))
    timesteps = slider_value(dash.locator(".rnncount-timesteps"))
    assert (int(m.group(2)), int(m.group(3))) == (timesteps, features)
    start = rnncount.count(m.group(1), (timesteps, features))
    assert_views(dash, start, stack=True, what="stack builder as first shown")

    # The builder opens on a short stack (the monsters are exercises); a teacher types monster #2 in.
    monster = " > ".join(
        [f"{k}({u}, return_sequences=True)" for k, u in (("SimpleRNN", 30), ("GRU", 20), ("GRU", 25), ("GRU", 22))]
        + ["GRU(21, return_sequences=True)", "SimpleRNN(10)", "Dense(50)", "Dense(50)", "Dense(50)", "Dense(50)"]
        + ["Dense(1)"]
    )
    typed = dash.locator(".rnncount-spec-input input")
    typed.fill(monster)
    typed.press("Enter")
    poll(lambda: None if spec.inner_text().strip().startswith("SimpleRNN(30") else "not updated yet", 30, "monster")
    m = re.fullmatch(r"(.+) on input \(None, (\d+), (\d+)\)", spec.inner_text().strip())
    assert m, spec.inner_text()
    start = rnncount.count(m.group(1), (timesteps, features))
    assert_views(dash, start, stack=True, what="the monster typed into the stack builder")

    # The monster reads without zooming: full labels, none overlapping, the box scrolls if it must.
    assert len(start.layers) >= 11
    small = assert_labels_readable(dash, f"the {len(start.layers)}-layer monster at 1280 px")
    print(f"smallest label at 1280 px, {len(start.layers)}-layer stack: {small['h']:.1f} px ({small['s']!r})")
    box = dash.evaluate(_SCROLL_JS)
    print(f"monster picture box: {box['width']} px wide, {box['client']} px tall, content {box['scroll']} px")
    frame = dash.locator(".rnncount-diagram")
    frame.screenshot(path=str(artifacts / "06_monster-picture-top.png"))
    if box["scroll"] > box["client"] + 1:
        frame.evaluate("f => { f.scrollTop = f.scrollHeight; }")
        poll(
            lambda: None if frame.evaluate("f => f.scrollTop + f.clientHeight >= f.scrollHeight - 1") else "scrolling",
            10,
            "the picture's box to scroll to its end",
        )
        frame.screenshot(path=str(artifacts / "06_monster-picture-end.png"))
        frame.evaluate("f => { f.scrollTop = 0; }")

    # The second layer's units slider (its row in the builder), moved up by three.
    row = 1
    units_slider = dash.locator(".rnncount-stack-row").nth(row).locator(".rnncount-row-units")
    units = slider_value(units_slider)
    layer = start.layers[row].layer
    assert units == getattr(layer, "layer", layer).units
    press_slider_until(units_slider, "ArrowRight", units + 3)
    second = _stack_expected(start, row, units + 3, features)
    assert second.total != start.total
    assert_views(dash, second, stack=True, what=f"after layer {row + 1} units {units} -> {units + 3}")

    # The input's features, one down with the keyboard: the first layer's i changes.
    press_slider_until(dash.locator(".rnncount-features"), "ArrowLeft", features - 1)
    third = _stack_expected(start, row, units + 3, features - 1)
    assert third.total != second.total
    assert_views(dash, third, stack=True, what=f"after features {features} -> {features - 1}")

    for view in ("unrolled", "cell", "weights"):
        switch_view(page, dash, third, view, stack=True)
        assert_labels_readable(dash, f"the stack's {view} view at 1280 px")
        dash.locator(".rnncount-picture-panel").screenshot(path=str(artifacts / f"06_stack-{view}.png"))
    # The unrolled and cell views of another layer, chosen in the dropdown of recurrent layers.
    switch_view(page, dash, third, "cell", stack=True)
    chooser = dash.locator(".rnncount-picture-layer select")
    recurrent = [k for k, lc in enumerate(third.layers) if lc.layer.recurrent]
    assert chooser.locator("option").count() == len(recurrent)
    chooser.select_option(index=2)
    assert_views(
        dash, third, stack=True, what="the cell view of the third recurrent layer", view="cell", layer=recurrent[2]
    )
    assert_labels_readable(dash, "the cell view of the third recurrent layer")
    dash.locator(".rnncount-picture-panel").screenshot(path=str(artifacts / "06_stack-cell-layer3.png"))

    assert_clean(page, "06_stacks_and_monsters after moving the sliders")
    save_screenshot(dash, artifacts, "06_stack_builder-dashboard.png")
    shutdown_kernels(lab)
