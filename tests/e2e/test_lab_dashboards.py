"""In a real JupyterLab, in a real browser: run the notebooks, move the sliders with the keyboard, read the page.

Expected numbers come from ``rnncount.count`` for the values the sliders show; the picture is compared
byte for byte with what rnncount draws for that count (the kernel and this test share one environment).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from _browser import (
    REPO,
    assert_clean,
    open_notebook,
    poll,
    press_slider,
    run_all_cells,
    scroll_to_top_of,
    shows_number,
    shutdown_kernels,
    slider_value,
)
from _dashboards import assert_views, diagram_labels, explore_expected, read_explore

import rnncount
from rnncount.engine import CountResult

pytestmark = pytest.mark.e2e

DOCS_SCREENSHOT = REPO / "docs" / "dashboard.png"


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


def test_simple_rnn_dashboard(lab: Any, page: Any, artifacts: Path) -> None:
    open_notebook(page, lab, "notebooks/02_simple_rnn.ipynb")
    run_all_cells(page)
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

    # Units: two presses of the right arrow on the focused slider handle.
    press_slider(page, dash.locator(".rnncount-units"), "ArrowRight", times=2)
    poll(lambda: None if slider_value(dash.locator(".rnncount-units")) == before["units"] + 2 else "units", 20, "units")
    after_units = read_explore(dash)
    assert after_units == {**before, "units": before["units"] + 2}
    second = explore_expected(after_units)
    assert second.total != first.total
    assert_views(dash, second, stack=False, what=f"after units {before['units']} -> {after_units['units']}")

    # Features: one press up, the count must follow i.
    press_slider(page, dash.locator(".rnncount-features"), "ArrowRight", times=1)
    poll(
        lambda: None if slider_value(dash.locator(".rnncount-features")) == before["features"] + 1 else "features",
        20,
        "features",
    )
    after_features = read_explore(dash)
    assert after_features == {**after_units, "features": before["features"] + 1}
    third = explore_expected(after_features)
    assert third.total != second.total
    assert_views(dash, third, stack=False, what=f"after features {before['features']} -> {after_features['features']}")

    # Timesteps: the count must NOT change (the lesson of the notebook), the spec's shape must.
    press_slider(page, dash.locator(".rnncount-timesteps"), "ArrowLeft", times=1)
    after_t = read_explore(dash)
    assert after_t["timesteps"] == before["timesteps"] - 1
    fourth = explore_expected(after_t)
    assert fourth.total == third.total
    assert_views(dash, fourth, stack=False, what="after timesteps")

    assert_clean(page, "02_simple_rnn after moving the sliders")
    save_screenshot(dash, artifacts, "02_simple_rnn-dashboard.png")
    # A taller window for the README's picture, so the controls and all three views fit in it.
    page.set_viewport_size({"width": 1900, "height": 1300})
    scroll_to_top_of(dash)
    write_docs_screenshot(save_screenshot(page, artifacts, "02_simple_rnn-page.png"))
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


def test_stack_builder_dashboard(lab: Any, page: Any, artifacts: Path) -> None:
    open_notebook(page, lab, "notebooks/06_stacks_and_monsters.ipynb")
    run_all_cells(page)
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

    # The second layer's units slider (its row in the builder), moved up by three.
    row = 1
    units_slider = dash.locator(".rnncount-stack-row").nth(row).locator(".rnncount-row-units")
    units = slider_value(units_slider)
    layer = start.layers[row].layer
    assert units == getattr(layer, "layer", layer).units
    press_slider(page, units_slider, "ArrowRight", times=3)
    second = _stack_expected(start, row, units + 3, features)
    assert second.total != start.total
    assert_views(dash, second, stack=True, what=f"after layer {row + 1} units {units} -> {units + 3}")

    # The input's features, one down with the keyboard: the first layer's i changes.
    press_slider(page, dash.locator(".rnncount-features"), "ArrowLeft", times=1)
    third = _stack_expected(start, row, units + 3, features - 1)
    assert third.total != second.total
    assert_views(dash, third, stack=True, what=f"after features {features} -> {features - 1}")

    assert_clean(page, "06_stacks_and_monsters after moving the sliders")
    save_screenshot(dash, artifacts, "06_stack_builder-dashboard.png")
    shutdown_kernels(lab)
