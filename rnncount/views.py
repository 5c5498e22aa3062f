"""What the dashboards show, computed without any widget: formula, Keras summary, picture.

The widgets in :mod:`rnncount.widgets` only wire controls to these functions, so the
logic can be tested (and benchmarked) on its own. Keras and matplotlib are imported
on first use.

Speed comes from three places: display models are built with zero initialisers
(only the shapes matter), their summaries are kept in an LRU cache keyed by the
spec and the input shape, and the picture is drawn into one reused Figure (its
artists updated in place, each label's bitmap and each glyph rendered once) whose
PNG bytes are cached by the picture's content.
"""

from __future__ import annotations

import hashlib
import html
import math
import struct
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .engine import CountResult, count
from .errors import BuildTooLargeError, KerasUnavailableError, SpecError
from .formula import group_digits
from .layers import GATE_NAMES, Layer

#: The Keras summary is rendered at this width: wide enough for Bidirectional names and shapes.
SUMMARY_LINE_LENGTH = 96

#: Dashboards refuse Keras builds above this many parameters (the count and picture still update).
DASHBOARD_MAX_PARAMS = 50_000_000

#: PNG resolution of the dashboards' picture.
DPI = 80

#: The picture's size (inches) snaps to multiples of this.
SIZE_STEP = 1.0


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
    weight model is built in milliseconds and costs no memory. ``count_params()`` and
    ``summary()`` read only shapes. Such a model cannot be trained or called; use
    :func:`rnncount.build_model` for that. If this Keras lacks the scope, the model is
    built with zero initialisers instead.
    """
    from .keras_bridge import build_model, keras

    k = keras()
    scope = getattr(k, "StatelessScope", None)
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - a Keras without this layout
        global_state = None
    if scope is None or global_state is None:  # pragma: no cover
        return build_model(result, zeros=True, max_params=max_params)
    pending = list(global_state.get_global_attribute("uninitialized_variables", []) or [])
    try:
        with scope(initialize_variables=False):
            model = build_model(result, zeros=True, max_params=max_params)
    finally:
        # Keras lists deferred variables to initialise them all later; ours must never be.
        global_state.set_global_attribute("uninitialized_variables", pending)
    return model


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
        from .keras_bridge import summary_text

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
        inner = getattr(lc.layer, "layer", lc.layer)
        if "i" in sym:
            parts.append(f"i = {group_digits(sym['i'])} input features")
        if "h" in sym:
            parts.append(f"h = {group_digits(sym['h'])} units")
        if "o" in sym:
            parts.append(f"o = {group_digits(sym['o'])} outputs")
        if "g" in sym:
            gates = ", ".join(GATE_NAMES.get(inner.kind, {}))
            parts.append(f"g = {sym['g']} gate blocks ({gates})")
        break
    shape = result.input_shape
    if len(shape) == 3:
        parts.append(f"T = {shape[1]} timesteps (changes shapes, never the count)")
    return "; ".join(parts)


def formula_html(result: CountResult) -> str:
    """The formula view: the LaTeX block for MathJax, then the symbols in words."""
    legend = html.escape(symbols_text(result))
    return (
        "<div class='rnncount-formula-body'>"
        f"$$\n{formula_latex(result)}\n$$"
        f"<div style='color:#444;font-size:0.95em'>{legend}</div>"
        "</div>"
    )


def stack_table_html(result: CountResult) -> str:
    """The monster builder's formula view: one row per layer with a running total."""
    rows = []
    running = 0
    for k, lc in enumerate(result.layers, 1):
        running += lc.params
        formula = lc.formula.text if lc.params else "0 (no weights)"
        from .layers import format_shape

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


def error_html(message: str) -> str:
    return (
        "<div class='rnncount-error' style='color:#B00020;font-weight:bold;white-space:normal'>"
        f"{html.escape(message)}</div>"
    )


# --- summary -------------------------------------------------------------------------------------


def summary_html(text: str, note: str | None = None) -> str:
    """The Keras summary as Keras prints it: monospace, no wrapping, escaped."""
    pre = (
        "<pre class='rnncount-summary-text' style=\"font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace;"
        ' font-size: 12px; line-height: 1.25; white-space: pre; margin: 0; overflow-x: auto">'
        f"{html.escape(text)}</pre>"
    )
    return pre if note is None else f"<div style='color:#555'>{html.escape(note)}</div>{pre}"


def model_summary(
    result: CountResult, cache: ModelCache = MODELS, max_params: int = DASHBOARD_MAX_PARAMS
) -> tuple[str, DisplayModel | None]:
    """The Keras summary text of ``result`` (built through the cache), or why it was not built."""
    try:
        entry = cache.get(result, max_params=max_params)
    except (BuildTooLargeError, KerasUnavailableError) as err:
        return f"Keras model not built: {err}", None
    return entry.summary, entry


# --- picture -------------------------------------------------------------------------------------


class Picture:
    """One reused matplotlib Figure (outside pyplot) and an LRU cache of its PNG bytes.

    When a picture's PNG is already cached, its artists are only redrawn into the
    Figure when someone looks at :attr:`figure`, so revisiting a setting costs no
    drawing at all.
    """

    def __init__(self, dpi: float = DPI, cache_size: int = 64) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self._figure = Figure(dpi=dpi)
        FigureCanvasAgg(self._figure)
        self.ax = self._figure.add_axes((0, 0, 1, 1))
        self.dpi = dpi
        self._png: OrderedDict[str, bytes] = OrderedDict()
        self.cache_size = cache_size
        self.key: str | None = None
        self.note = ""
        self._pending: Any = None
        self._drawn_key: str | None = None
        self._artists: dict[str, list[Any]] = {}

    @property
    def figure(self) -> Any:
        """The Figure, showing the latest picture."""
        self._sync()
        return self._figure

    def _sync(self) -> None:
        if self._pending is None:
            return
        from .drawing import figure_size, render

        canvas, self._pending = self._pending, None
        if self._drawn_key == self.key:
            return
        # Sizes snap to a grid, so that most updates keep the figure's size: Agg then reuses its
        # renderer, and with it the caches of glyphs, text layouts and mathtext parses.
        width, height = (math.ceil(v / SIZE_STEP) * SIZE_STEP for v in figure_size(canvas))
        if (width, height) != tuple(self._figure.get_size_inches()):
            self._figure.set_size_inches(width, height, forward=False)
        # The artists of the last picture are updated in place (see drawing.render).
        render(canvas, self.ax, self._artists)
        self._drawn_key = self.key

    def update(self, result: CountResult, error: str | None = None) -> bytes:
        """Lay out the picture of ``result`` (and ``error``) and return its PNG bytes."""
        from .drawing import layout, scale_note

        canvas = layout(result, error=error, compact=True)
        self.note = scale_note(canvas)
        self.key = _canvas_key(canvas)
        self._pending = canvas
        png = self._png.get(self.key)
        if png is not None:
            self._png.move_to_end(self.key)
            return png
        self._sync()
        png = _png_bytes(self._figure)
        self._png[self.key] = png
        while len(self._png) > self.cache_size:
            self._png.popitem(last=False)
        return png

    def close(self) -> None:
        # Called from Widget.__del__ too, possibly at interpreter exit: only drop references.
        self._png.clear()


def _png_bytes(figure: Any) -> bytes:
    """Render with Agg and encode as an opaque PNG (RGB, zlib level 1: it is sent, not archived)."""
    import numpy as np

    canvas = figure.canvas
    canvas.draw()
    return _encode_png(np.asarray(canvas.buffer_rgba()))


def _encode_png(pixels: Any) -> bytes:
    """A PNG of 8-bit RGB from an (height, width, 3 or 4) array; a 4th (alpha) channel is dropped.

    Each row is stored with filter type 0 (none) and the whole is deflated at level 1:
    Pillow's encoder tries a filter per row, which costs more than the compression
    itself on these mostly flat pictures and barely changes the size. The pixels are
    copied once, straight into the rows to deflate.
    """
    import numpy as np

    height, width = pixels.shape[:2]
    rows = np.empty((height, 1 + 3 * width), np.uint8)
    rows[:, 0] = 0
    rows[:, 1:].reshape(height, width, 3)[...] = pixels[:, :, :3]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        (b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), _chunk(b"IDAT", _deflate(rows)), _chunk(b"IEND", b""))
    )


_DEFLATE_POOL: Any = None


def _deflate(rows: Any) -> bytes:
    """``zlib.compress(rows, 1)``, but the two halves are deflated at once on two threads.

    zlib releases the GIL, so on two cores this halves the longest step of the encoding.
    The halves are independent deflate streams joined into one (the first ends with a
    sync flush); the split depends only on the picture, so the bytes are reproducible.
    """
    global _DEFLATE_POOL
    data = memoryview(rows).cast("B")
    if len(rows) < 64:
        return zlib.compress(data, 1)
    if _DEFLATE_POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _DEFLATE_POOL = ThreadPoolExecutor(1, thread_name_prefix="rnncount-png")
    half = (len(rows) // 2) * rows.shape[1]
    first = _DEFLATE_POOL.submit(_deflate_part, data[:half], False)
    body2, adler2 = _deflate_part(data[half:], True)
    body1, adler1 = first.result()
    return b"\x78\x01" + body1 + body2 + struct.pack(">I", _adler32_combine(adler1, adler2, len(data) - half))


def _deflate_part(data: Any, last: bool) -> tuple[bytes, int]:
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)  # raw deflate: the zlib wrapper is written once
    body = compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
    return body, zlib.adler32(data)


def _adler32_combine(adler1: int, adler2: int, len2: int) -> int:
    """The Adler-32 of two buffers end to end, from theirs (zlib's adler32_combine)."""
    base = 65521
    rem = len2 % base
    sum1 = adler1 & 0xFFFF
    sum2 = (rem * sum1) % base
    sum1 = (sum1 + (adler2 & 0xFFFF) + base - 1) % base
    sum2 = (sum2 + ((adler1 >> 16) & 0xFFFF) + ((adler2 >> 16) & 0xFFFF) + base - rem) % base
    return sum1 | (sum2 << 16)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _canvas_key(canvas: Any) -> str:
    """A digest of everything a canvas draws, so equal pictures share one PNG."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr(canvas.items).encode())  # a Scene: its items are dataclasses with a full repr
    return h.hexdigest()


# --- the state of a dashboard --------------------------------------------------------------------


def count_prefix(layers: Sequence[Layer], input_shape: Any) -> tuple[CountResult, str | None]:
    """Count a stack; if it fails, count the longest prefix that works and return the teaching message."""
    try:
        return count(list(layers), input_shape), None
    except SpecError as err:
        message = str(err)
    for k in range(len(layers) - 1, -1, -1):
        try:
            return count(list(layers[:k]), input_shape), message
        except SpecError:
            continue
    return count([], input_shape), message  # pragma: no cover - the empty stack always counts
