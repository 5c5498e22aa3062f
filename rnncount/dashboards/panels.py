"""What the dashboards show, computed without any widget: formula, Keras summary, picture.

The widgets in :mod:`rnncount.dashboards.widgets` only wire controls to these functions, so the
logic can be tested (and benchmarked) on its own. Keras is imported on first use.

Speed comes from two places: display models are built without allocating their
weights (only the shapes matter), and their summaries are kept in an LRU cache keyed
by the spec and the input shape. The picture is SVG markup from
:func:`rnncount.pictures.drawing.to_svg`: text, never pixels, so it costs no rendering here.
"""

from __future__ import annotations

import html
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.engine import CountResult, count
from ..core.formula import group_digits
from ..core.layers import LAYER_TYPES, Layer
from ..core.summary import summary_table
from ..errors import BuildTooLargeError, KerasUnavailableError, SpecError
from ..pictures.layout import kind_of
from .colours import colour

#: The Keras summary is rendered at this width: wide enough for Bidirectional names and shapes.
SUMMARY_LINE_LENGTH = 96

#: Dashboards refuse Keras builds above this many parameters (the count and picture still update).
DASHBOARD_MAX_PARAMS = 50_000_000

#: Nor do they build stacks of more layers than this: Keras takes about a second per hundred layers
#: to build and summarise, and the count and the picture of a longer stack need no build.
DASHBOARD_MAX_LAYERS = 100


@dataclass(frozen=True)
class DisplayModel:
    """Keras's summary text and parameter count of a display model, and the model when just built."""

    summary: str
    keras_params: int
    model: Any = None


def build_display_model(result: CountResult, max_params: int = DASHBOARD_MAX_PARAMS) -> Any:
    """The real Keras model of ``result``, built for display: shapes and counts, no weight values.

    Inside ``keras.StatelessScope(initialize_variables=False)`` Keras creates every
    variable with its shape but defers allocating its values, so even a 16-million
    weight model is built in tens of milliseconds and costs no memory. ``count_params()``
    and ``summary()`` read only shapes. Such a model cannot be trained or called; use
    :func:`rnncount.build_model` for that.
    """
    from ..bridges.keras import build_model, keras

    k = keras()
    # Keras lists every deferred variable in its per-thread global state, to allocate them all
    # when the next initialising StatelessScope closes; ours must never be, and must not be kept
    # alive by that list. Keras has no public call to drop the list (initialize_all_variables
    # and global_state are private), but the state is thread-local: built in a thread of its
    # own, the list dies with the thread, and the caller's state is never touched.
    policy = k.config.dtype_policy()
    out: dict[str, Any] = {}

    def build() -> None:
        try:
            k.config.set_dtype_policy(policy)  # the caller's policy (also thread-local), so sizes match theirs
            with k.StatelessScope(initialize_variables=False):
                out["model"] = build_model(result, zeros=True, max_params=max_params)
        except BaseException as err:  # re-raised in the caller's thread
            out["error"] = err

    worker = threading.Thread(target=build, name="rnncount-display-model", daemon=True)
    worker.start()
    worker.join()
    if "error" in out:
        raise out["error"]
    return out["model"]


class ModelCache:
    """An LRU cache of display-model summaries keyed by (spec, input shape).

    Only the summary text and Keras's count are kept, never the model: a Keras model
    is thousands of Python objects, and a cache full of them made the interpreter's
    full garbage collections (which scan every object, TensorFlow's included) come
    several times as often, each a pause of over 100 ms in the middle of a drag.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[tuple[str, tuple], DisplayModel] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()

    def get(self, result: CountResult, max_params: int = DASHBOARD_MAX_PARAMS) -> DisplayModel:
        """The summary of ``result``'s display model, built on a miss; raises BuildTooLargeError past ``max_params``.

        On a miss the returned entry also carries the model just built (the cache does not keep it).
        """
        key = (result.spec, tuple(result.input_shape))
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            self.hits += 1
            return found
        self.misses += 1
        from ..bridges.keras import summary_text

        model = build_display_model(result, max_params)
        entry = DisplayModel(summary_text(model, line_length=SUMMARY_LINE_LENGTH), int(model.count_params()))
        self._items[key] = entry
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)
        return DisplayModel(entry.summary, entry.keras_params, model)


#: Shared by every dashboard of the session, so revisiting a setting is instant.
MODELS = ModelCache()


# --- formula -------------------------------------------------------------------------------------


def _latex_name(name: str) -> str:
    return name.replace("_", r"\_")


def formula_latex(result: CountResult) -> str:
    """Per-layer formulas and the total as a MathJax-friendly ``aligned`` block (no ``$``)."""
    rows = [
        rf"\mathtt{{{_latex_name(lc.name)}}} &: {lc.formula.latex}"
        if lc.params
        else rf"\mathtt{{{_latex_name(lc.name)}}} &: 0 \text{{ (no weights)}}"
        for lc in result.layers
    ]
    parts = " + ".join(group_digits(lc.params, latex=True) for lc in result.layers) or "0"
    total = group_digits(result.total, latex=True)
    rows.append(rf"\textbf{{total}} &: {parts}" + (f" = {total}" if len(result.layers) > 1 else ""))
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def symbols_text(result: CountResult) -> str:
    """The symbols of the first weighted layer, in words: ``i = 100 features per timestep, h = 32 units, ...``."""
    parts: list[str] = []
    for lc in result.layers:
        if not lc.params:
            continue
        sym = lc.formula.symbols
        # RNN(LSTMCell(4)) has an LSTM's blocks; the symbols of a StackedRNNCells are its last cell's.
        inner = LAYER_TYPES[kind_of(lc, lc.blocks[-1])]
        if "i" in sym:
            parts.append(f"i = {group_digits(sym['i'])} input features")
        if "h" in sym:
            parts.append(f"h = {group_digits(sym['h'])} units")
        if "o" in sym:
            parts.append(f"o = {group_digits(sym['o'])} outputs")
        if "g" in sym:
            gates = ", ".join(getattr(inner, "gates", ()))
            parts.append(f"g = {sym['g']} weight blocks ({gates})")
        break
    shape = result.input_shape
    if len(shape) == 3:
        parts.append(f"T = {shape[1]} timesteps (changes shapes, never the count)")
    return "; ".join(parts)


def formula_html(result: CountResult, dark: bool | None = None) -> str:
    """The formula view: the LaTeX block for MathJax, then the symbols in words (coloured for a dark page or not)."""
    legend = html.escape(symbols_text(result))
    return (
        "<div class='rnncount-formula-body'>"
        f"$$\n{formula_latex(result)}\n$$"
        f"<div style='color:{colour('muted', dark)};font-size:0.95em'>{legend}</div>"
        "</div>"
    )


def stack_table_html(result: CountResult) -> str:
    """The monster builder's formula view: one row per layer with a running total."""
    rows = []
    running = 0
    for k, lc in enumerate(result.layers, 1):
        running += lc.params
        formula = lc.formula.text if lc.params else "0 (no weights)"
        from ..core.layers import format_shape

        rows.append(
            "<tr>"
            f"<td>{k}</td><td><code>{html.escape(lc.name)}</code> ({html.escape(lc.type)})</td>"
            f"<td><code>{html.escape(format_shape(lc.output_shape))}</code></td>"
            f"<td><code>{html.escape(formula)}</code></td>"
            f"<td style='text-align:right'>{group_digits(lc.params)}</td>"
            f"<td style='text-align:right'>{group_digits(running)}</td>"
            "</tr>"
        )
    return (
        "<table class='rnncount-stack-table' style='border-collapse:collapse'>"
        "<tr><th>#</th><th>Layer (type)</th><th>Output shape</th><th>Formula</th>"
        "<th style='text-align:right'>Params</th><th style='text-align:right'>Running total</th></tr>"
        + "".join(rows)
        + f"<tr><th colspan='4' style='text-align:left'>Total: {html.escape(result.total_formula)}</th>"
        f"<th style='text-align:right'>{group_digits(result.total)}</th><th></th></tr></table>"
    )


def error_html(message: str, dark: bool | None = None) -> str:
    """An error in the dashboard, in the error colour of a dark page or a light one."""
    return (
        f"<div class='rnncount-error' style='color:{colour('error', dark)};font-weight:bold;white-space:normal'>"
        f"{html.escape(message)}</div>"
    )


# --- summary -------------------------------------------------------------------------------------


def summary_html(text: str, note: str | None = None, dark: bool | None = None) -> str:
    """The Keras summary as Keras prints it: monospace, no wrapping, escaped."""
    pre = (
        "<pre class='rnncount-summary-text' style=\"font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace;"
        ' font-size: 12px; line-height: 1.25; white-space: pre; margin: 0; overflow-x: auto">'
        f"{html.escape(text)}</pre>"
    )
    return pre if note is None else f"<div style='color:{colour('muted', dark)}'>{html.escape(note)}</div>{pre}"


def model_summary(
    result: CountResult,
    cache: ModelCache = MODELS,
    max_params: int = DASHBOARD_MAX_PARAMS,
    max_layers: int = DASHBOARD_MAX_LAYERS,
) -> tuple[str, DisplayModel | None]:
    """The Keras summary text of ``result`` (built through the cache), or why it was not built.

    Where Keras cannot be imported (in a browser, on Pyodide) it is rnncount's own table in Keras's
    layout, labelled as rnncount's, never advice to install TensorFlow.
    """
    if len(result.layers) > max_layers:
        return (
            f"Keras model not built: {len(result.layers):,} layers are more than a dashboard builds in Keras "
            f"({max_layers}); the count ({group_digits(result.total)} params) needs no build",
            None,
        )
    try:
        entry = cache.get(result, max_params=max_params)
    except KerasUnavailableError:
        return summary_table(result, line_length=SUMMARY_LINE_LENGTH), None
    except BuildTooLargeError as err:
        return f"Keras model not built: {err}", None
    return entry.summary, entry


# --- the state of a dashboard --------------------------------------------------------------------


def count_prefix(layers: Sequence[Layer], input_shape: Any) -> tuple[CountResult, str | None]:
    """Count a stack; if it fails, count the longest prefix that works and return the teaching message."""
    try:
        return count(list(layers), input_shape), None
    except SpecError as err:
        message = str(err)
    # A stack fails at its first bad layer, so every longer prefix fails too: search for the longest
    # one that counts (a few counts, not one per layer, for a stack of a thousand layers).
    best, lo, hi = count([], input_shape), 0, len(layers) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            best, lo = count(list(layers[:mid]), input_shape), mid
        except SpecError:
            hi = mid - 1
    return best, message
