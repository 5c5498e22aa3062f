"""Reading rnncount's dashboards (rnncount.widgets) in a page, and what they must show for given control values."""

from __future__ import annotations

import re
from typing import Any

from _browser import UPDATE_S, image_bytes, math_text, normalize_math, poll, shows_number, slider_value

import rnncount
from rnncount.engine import CountResult
from rnncount.layers import format_shape


def explore_expected(state: dict[str, Any]) -> CountResult:
    """The count an explore() dashboard must show for these control values."""
    kind = state["layer"]
    if kind == "Dense":
        core: rnncount.Layer = rnncount.Dense(state["units"], use_bias=state["use_bias"])
    else:
        options: dict[str, Any] = {"use_bias": state["use_bias"], "return_sequences": state["return_sequences"]}
        if kind == "GRU":
            options["reset_after"] = state["reset_after"]
        core = getattr(rnncount, kind)(state["units"], **options)
        if state["bidirectional"]:
            core = rnncount.Bidirectional(core)
    layers = [core, rnncount.Dense(state["head"])] if state["head"] else [core]
    return rnncount.count(layers, (state["timesteps"], state["features"]))


def read_explore(dash: Any) -> dict[str, Any]:
    """The values of an explore() dashboard's controls, as the page shows them."""
    # In a long notebook JupyterLab renders a dashboard only once it scrolls into view: wait for its controls.
    active = dash.locator(".rnncount-layer button.mod-active")
    poll(lambda: None if active.inner_text().strip() else "the layer buttons are not drawn yet", 20, "dashboard")
    state: dict[str, Any] = {"layer": active.inner_text().strip()}
    for name in ("units", "features", "timesteps", "head"):
        state[name] = slider_value(dash.locator(f".rnncount-{name}"))
    for name in ("use_bias", "return_sequences", "reset_after", "bidirectional"):
        state[name] = dash.locator(f".rnncount-{name.replace('_', '-')} input[type=checkbox]").is_checked()
    return state


def _spec_line(result: CountResult) -> str:
    return f"{result.spec} on input {format_shape(result.input_shape)}"


def _picture_of(result: CountResult) -> bytes:
    from rnncount.views import Picture

    picture = Picture()
    try:
        return picture.update(result)
    finally:
        picture.close()


def latex_to_text(latex: str) -> str:
    """Enough of LaTeX's math to compare numbers: ``4 \\cdot \\left(5 + 1\\right) = 1{,}024`` -> ``4*(5+1)=1024``."""
    for a, b in (("\\cdot", "*"), ("\\times", "*"), ("\\left", ""), ("\\right", ""), ("{,}", ""), ("\\,", "")):
        latex = latex.replace(a, b)
    return latex


def views_complaint(dash: Any, result: CountResult, *, stack: bool, require_typeset: bool = True) -> str | None:
    """None when the formula, the summary and the picture of ``dash`` all show ``result``; else what is wrong."""
    spec = dash.locator(".rnncount-spec").inner_text().strip()
    if spec != _spec_line(result):
        return f"spec view shows {spec!r}, expected {_spec_line(result)!r}"

    # The formula: every weighted layer's numbers and count, and the total.
    formula = dash.locator(".rnncount-formula")
    if stack:
        text = formula.inner_text()
        rows = [r for r in text.splitlines() if r.strip()]
        for lc in result.layers:
            row = next((r for r in rows if re.search(rf"\b{re.escape(lc.name)}\b", r)), None)
            if row is None:
                return f"formula table has no row for {lc.name}: {text[:600]!r}"
            if not shows_number(row, lc.params):
                return f"formula row for {lc.name} lacks {lc.params:,}: {row!r}"
        if not re.search(rf"Total:.*{re.escape(f'{result.total:,}')}", text.replace("\n", " ")):
            return f"formula table lacks the total {result.total:,}: {text[-400:]!r}"
    else:
        raw = math_text(formula)
        if raw is None and require_typeset:
            return "formula not typeset by MathJax yet"
        # Untypeset, the page holds the LaTeX source: compare its numbers the same way.
        got = normalize_math(raw if raw is not None else latex_to_text(formula.inner_text()))
        for lc in result.layers:
            if lc.params:
                want = normalize_math(f"{lc.formula.numbers}={lc.params}")
                if want not in got:
                    return f"formula lacks {want!r} for {lc.name}: {got!r}"
        tail = got[got.rfind("total") :]
        if len(result.layers) > 1 and not re.search(rf"={result.total}(?!\d)", tail):
            return f"formula total is not {result.total:,}: {got!r}"

    # The Keras summary: one row per layer with its count, and the total.
    summary = dash.locator(".rnncount-summary").inner_text()
    if not re.search(rf"Total params:\s*{re.escape(f'{result.total:,}')}\b", summary):
        return f"Keras summary does not say 'Total params: {result.total:,}': {summary[-500:]!r}"
    for lc in result.layers:
        row = next((r for r in summary.splitlines() if f"{lc.name} (" in r), None)
        if row is None or not shows_number(row.rsplit("\u2502", 2)[-2] if "\u2502" in row else row, lc.params):
            return f"Keras summary row for {lc.name} does not show {lc.params:,}: {row!r}"

    # The picture: exactly what rnncount draws for this count, whose labels carry the numbers.
    img = dash.locator(".rnncount-diagram img").first
    if not img.is_visible():
        return "picture not visible"
    if image_bytes(img) != _picture_of(result):
        return "the picture in the page is not rnncount's drawing of the expected count"
    return layout_complaint(dash, stack=stack)


_FIT_JS = """(d, stack) => {
  const r = e => e.getBoundingClientRect();
  const out = [];
  const box = d.querySelector('.rnncount-summary'), pre = d.querySelector('.rnncount-summary-text');
  if (box && pre) {
    const right = r(pre).left + pre.scrollWidth;
    const over = Math.round(right - r(box).right);
    if (over > 1) out.push(`the Keras summary is ${over}px wider than its box`);
  }
  const frame = d.querySelector('.rnncount-diagram'), img = d.querySelector('.rnncount-diagram img');
  if (frame && img) {
    if (r(img).right > r(frame).right + 1) out.push('the picture is wider than its box');
    if (!stack && r(img).bottom > r(frame).bottom + 1) out.push('the picture is taller than its box');
  }
  return out.join('; ') || null;
}"""


def layout_complaint(dash: Any, *, stack: bool) -> str | None:
    """None when the whole Keras summary (every column) and the whole picture are in sight; else what is cut."""
    return dash.evaluate(_FIT_JS, stack)


def assert_views(dash: Any, result: CountResult, *, stack: bool, what: str, require_typeset: bool = True) -> None:
    poll(lambda: views_complaint(dash, result, stack=stack, require_typeset=require_typeset), UPDATE_S, what)


def diagram_labels(result: CountResult) -> list[str]:
    from rnncount.drawing import layout

    return [t["s"] for t in layout(result).texts]
