"""Reading rnncount's dashboards (rnncount.dashboards.widgets) in a page, and what they must show."""

from __future__ import annotations

import re
from typing import Any

from _browser import UPDATE_S, math_text, normalize_math, poll, shows_number, slider_value

import rnncount
from rnncount.core.engine import CountResult
from rnncount.core.layers import format_shape


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


SVG_NS = "{http://www.w3.org/2000/svg}"


def picture_expected(result: CountResult, view: str = "weights", layer: int | None = None) -> dict[str, Any]:
    """What the page's picture must hold for ``result``: rnncount's SVG texts and block counts, in order."""
    import xml.etree.ElementTree as ET

    from rnncount.pictures.drawing import to_svg

    root = ET.fromstring(to_svg(result, view=view, layer=layer))
    texts = ["".join(t.itertext()) for t in root.iter() if t.tag in ("text", f"{SVG_NS}text")]
    blocks = [g.get("data-params") for g in root.iter() if "rnncount-block" in g.get("class", "").split()]
    return {"texts": texts, "params": blocks}


# The inline SVG of a dashboard, as the browser parsed it.
_PICTURE_JS = """d => {
  const svg = d.querySelector('.rnncount-diagram svg.rnncount-picture');
  if (!svg) return null;
  const box = svg.getBoundingClientRect();
  return {
    texts: [...svg.querySelectorAll('text')].map(t => t.textContent),
    params: [...svg.querySelectorAll('g.rnncount-block')].map(g => g.getAttribute('data-params')),
    width: box.width,
    height: box.height,
    view: (d.querySelector('.rnncount-view button.mod-active') || {}).textContent || null,
  };
}"""


def page_picture(dash: Any) -> dict[str, Any] | None:
    """The texts (in order), the blocks' counts and the size of the dashboard's SVG picture; None without one."""
    return dash.evaluate(_PICTURE_JS)


def picture_complaint(dash: Any, result: CountResult, view: str = "weights", layer: int | None = None) -> str | None:
    """None when the page's picture is inline SVG showing exactly rnncount's picture of ``result``."""
    got = page_picture(dash)
    if got is None:
        return "no inline <svg class='rnncount-picture'> in the picture's box"
    if got["view"] is not None and got["view"].strip() != view:
        return f"the view toggle shows {got['view']!r}, expected {view!r}"
    if got["width"] < 50 or got["height"] < 20:
        return f"picture not visible ({got['width']:.0f} x {got['height']:.0f} px)"
    want = picture_expected(result, view, layer)
    if got["params"] != want["params"]:
        return f"the picture's blocks hold {got['params']}, rnncount's picture of {result.spec} {want['params']}"
    if got["texts"] != want["texts"]:
        missing = [t for t in want["texts"] if t not in got["texts"]][:5]
        return f"the picture's labels are not rnncount's for {result.spec} ({view}); missing e.g. {missing}"
    return None


def latex_to_text(latex: str) -> str:
    """Enough of LaTeX's math to compare numbers: ``4 \\cdot \\left(5 + 1\\right) = 1{,}024`` -> ``4*(5+1)=1024``."""
    for a, b in (("\\cdot", "*"), ("\\times", "*"), ("\\left", ""), ("\\right", ""), ("{,}", ""), ("\\,", "")):
        latex = latex.replace(a, b)
    return latex


def views_complaint(
    dash: Any,
    result: CountResult,
    *,
    stack: bool,
    require_typeset: bool = True,
    view: str = "weights",
    layer: int | None = None,
) -> str | None:
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
    complaint = picture_complaint(dash, result, view, layer)
    if complaint is not None:
        return complaint
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
  const frame = d.querySelector('.rnncount-diagram'), svg = d.querySelector('.rnncount-diagram svg');
  if (frame && svg) {
    if (r(svg).right > r(frame).right + 1) out.push('the picture is wider than its box');
    if (frame.scrollWidth > frame.clientWidth + 1) out.push('the picture box scrolls sideways');
    // The picture takes its box's width: it is never a thumbnail in a corner.
    if (r(svg).width < frame.clientWidth - 2 - (frame.offsetWidth - frame.clientWidth)) {
      out.push(`the picture is ${Math.round(r(svg).width)}px wide in a ${frame.clientWidth}px box`);
    }
  }
  return out.join('; ') || null;
}"""


def layout_complaint(dash: Any, *, stack: bool) -> str | None:
    """None when the whole Keras summary (every column) and the whole picture are in sight; else what is cut."""
    return dash.evaluate(_FIT_JS, stack)


def assert_views(
    dash: Any,
    result: CountResult,
    *,
    stack: bool,
    what: str,
    require_typeset: bool = True,
    view: str = "weights",
    layer: int | None = None,
) -> None:
    poll(
        lambda: views_complaint(dash, result, stack=stack, require_typeset=require_typeset, view=view, layer=layer),
        UPDATE_S,
        what,
    )


# Every <text> of the dashboard's picture: its rendered box (viewport px) and its content.
_LABELS_JS = """d => {
  const svg = d.querySelector('.rnncount-diagram svg.rnncount-picture');
  if (!svg) return [];
  return [...svg.querySelectorAll('text')]
    .filter(t => t.textContent.trim())
    .map(t => { const b = t.getBoundingClientRect();
                return {s: t.textContent, x: b.left, y: b.top, w: b.width, h: b.height}; });
}"""


def label_boxes(dash: Any) -> list[dict[str, Any]]:
    """The rendered boxes of the picture's labels (``s``, ``x``, ``y``, ``w``, ``h`` in CSS px)."""
    return dash.evaluate(_LABELS_JS)


def smallest_label(dash: Any) -> dict[str, Any]:
    boxes = label_boxes(dash)
    assert boxes, "the picture has no labels"
    return min(boxes, key=lambda b: b["h"])


# The ink of every piece of text in the picture (a <text>'s own text and each <tspan>, so that a
# subscript is measured at its size and place): the piece's rendered box spans the font's whole
# ascent and descent, so the glyphs' own extent is measured with a canvas in the same font and
# scaled to that box. Two labels overlap when their ink boxes do.
_INK_JS = """d => {
  const svg = d.querySelector('.rnncount-diagram svg.rnncount-picture');
  if (!svg) return [];
  const ctx = document.createElement('canvas').getContext('2d');
  const out = [];
  svg.querySelectorAll('text').forEach((text, label) => {
    const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const s = node.textContent;
      if (!s.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const box = range.getBoundingClientRect();
      if (!box.height) continue;
      const st = getComputedStyle(node.parentElement);
      ctx.font = `${st.fontStyle} ${st.fontWeight} 100px ${st.fontFamily}`;
      const m = ctx.measureText(s);
      const k = box.height / (m.fontBoundingBoxAscent + m.fontBoundingBoxDescent);
      const baseline = box.top + m.fontBoundingBoxAscent * k;
      out.push({label, s: text.textContent, x: box.left, w: box.width,
                y: baseline - m.actualBoundingBoxAscent * k,
                h: (m.actualBoundingBoxAscent + m.actualBoundingBoxDescent) * k});
    }
  });
  return out;
}"""


def overlapping_labels(dash: Any, tolerance: float = 0.5) -> list[tuple[str, str, float, float]]:
    """Pairs of labels whose glyphs' ink boxes overlap by more than ``tolerance`` px both ways, with the overlap."""
    pieces = dash.evaluate(_INK_JS)
    pairs = []
    for k, a in enumerate(pieces):
        for b in pieces[k + 1 :]:
            if a["label"] == b["label"]:
                continue
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > tolerance and dy > tolerance:
                pairs.append((a["s"], b["s"], round(dx, 1), round(dy, 1)))
    return pairs


def diagram_labels(result: CountResult, view: str = "weights") -> list[str]:
    return picture_expected(result, view)["texts"]
