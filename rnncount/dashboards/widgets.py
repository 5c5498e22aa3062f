"""Live dashboards: controls drive the formula, the Keras summary and the picture.

``rnncount.explore()`` studies one layer (with an optional Dense head);
``rnncount.explore_stack(spec, input_shape)`` builds a whole stack. Both return an
ipywidgets container (display it, or leave it as the last line of a cell); they never
call ``display`` themselves. Every view is updated by assigning widget traits before
the control's assignment returns, so plain Python (and pytest) can drive them::

    w = rnncount.explore("GRU", units=4, features=5)
    w.controls["reset_after"].value = False
    w.controls["view"].value = "cell"
    w.formula_text, w.summary_text, w.picture_svg

The picture is inline SVG (from :func:`rnncount.pictures.drawing.to_svg`): real text, sharp at
any zoom, as wide as its box, with a tooltip on every block. A toggle switches between
the views "weights" (the weight blocks, coloured by block), "unrolled" (the layer over the
timesteps) and "cell" (one step inside the cell).

Stable CSS classes, for styling and browser tests:

- containers: ``rnncount-dashboard``, ``rnncount-explore``, ``rnncount-explore-stack``,
  ``rnncount-controls``, ``rnncount-views``, ``rnncount-picture-panel`` (the view toggle,
  its caption and the picture)
- views: ``rnncount-formula``, ``rnncount-summary``, ``rnncount-diagram`` (the picture's
  box: as wide as the dashboard allows, scrolling vertically when the picture is taller)
  and ``rnncount-diagram-svg`` (the HTML holding the ``<svg class="rnncount-picture">``),
  ``rnncount-view`` (the view toggle), ``rnncount-picture-layer`` (which recurrent layer the
  unrolled and cell views show, when there are several), ``rnncount-diagram-note`` (what the view shows),
  ``rnncount-spec`` (the model as a spec string), ``rnncount-message`` (errors and notes
  shown above the views)
- explore controls: ``rnncount-layer``, ``rnncount-units``, ``rnncount-features``,
  ``rnncount-timesteps``, ``rnncount-use-bias``, ``rnncount-return-sequences``,
  ``rnncount-reset-after``, ``rnncount-bidirectional``, ``rnncount-head``
- explore_stack controls: ``rnncount-features``, ``rnncount-timesteps``,
  ``rnncount-spec-input``, ``rnncount-manage-sequences``, ``rnncount-sequences-note``,
  ``rnncount-add-kind``, ``rnncount-add-units``, ``rnncount-add``; one ``rnncount-stack-row``
  per layer holding ``rnncount-row-kind``, ``rnncount-row-units``, ``rnncount-row-sequences``,
  ``rnncount-row-bidirectional``, ``rnncount-row-up``, ``rnncount-row-down``, ``rnncount-row-remove``;
  a stack longer than 12 layers has rows for its first and last six and one ``rnncount-stack-more`` line

Wrong arguments raise rnncount's own errors before any widget is made:
:class:`~rnncount.errors.RnncountTypeError` (a TypeError) for a value of the wrong type,
:class:`~rnncount.errors.SpecError` (a ValueError) for a value out of range.
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Sequence
from typing import Any

import ipywidgets as W

from ..core.engine import CountResult
from ..core.layers import RECURRENT, Bidirectional, Dense, Layer, format_shape
from ..core.spec import format_spec, parse_shape, parse_spec
from ..errors import RnncountTypeError, SpecError, shown
from .a11y import SR_ONLY, script_widget
from .colours import colour
from .panels import (
    DASHBOARD_MAX_PARAMS,
    MODELS,
    DisplayModel,
    ModelCache,
    build_display_model,
    count_prefix,
    error_html,
    formula_html,
    model_summary,
    stack_table_html,
    summary_html,
)

LAYER_KINDS = ("Dense", "SimpleRNN", "LSTM", "GRU")

#: The width of the Keras summary's 96 columns at its 12 px monospace type, with the box's padding.
SUMMARY_MIN_WIDTH = "720px"

#: The picture takes the whole width of the dashboard unless this much room is left for the
#: summary beside it: at a laptop's width (and in lecture mode) the summary goes below.
PICTURE_MIN_WIDTH = "1000px"

#: The picture's box grows with the picture up to this height, then scrolls (a picture is never
#: shrunk to fit: its labels must stay readable).
PICTURE_MAX_HEIGHT = "760px"


def _registry() -> dict:
    from ..pictures.registry import REGISTRY

    return REGISTRY


#: What each view of the picture shows, in one line under the toggle (from the views' registry).
VIEW_NOTES = {name: view.note for name, view in _registry().items()}

_SLIDER_STYLE = {"description_width": "90px"}


def _views() -> tuple[str, ...]:
    return tuple(_registry())


# --- checking arguments --------------------------------------------------------------------------


def _given(value: Any) -> str:
    """``str 'x'``: the type name and a short repr, for messages."""
    return f"{type(value).__name__} {shown(value)}"  # shown(): safe for huge numbers and a broken __repr__


def _whole(where: str, name: str, value: Any, lo: int = 1, meaning: str = "") -> int:
    """``value`` as an int, or rnncount's error naming what was expected and what was given."""
    what = f" ({meaning})" if meaning else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise RnncountTypeError(f"{where}: {name} must be a whole number{what}, got {_given(value)}")
    if value < lo:
        raise SpecError(f"{where}: {name} must be at least {lo}{what}, got {value}")
    return int(value)


def _flag(where: str, name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if type(value).__module__ == "numpy" and type(value).__name__.startswith("bool"):
        return bool(value)
    raise RnncountTypeError(f"{where}: {name} must be True or False, got {_given(value)}")


def _choice(where: str, name: str, value: Any, choices: Sequence[str]) -> str:
    if not isinstance(value, str):
        raise RnncountTypeError(f"{where}: {name} must be a string, one of {', '.join(choices)}; got {_given(value)}")
    if value not in choices:
        raise SpecError(f"{where}: {name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _common_options(where: str, max_params: Any, cache: Any, view: Any, dark: Any) -> tuple[int, str, bool]:
    max_params = _whole(where, "max_params", max_params, 1, "the largest model built in Keras")
    if cache is not None and not isinstance(cache, ModelCache):
        raise RnncountTypeError(
            f"{where}: cache must be a rnncount.dashboards.panels.ModelCache or None, got {_given(cache)}"
        )
    # dark=None: the environment's default (RNNCOUNT_THEME=dark, set by ``rnncount lecture --dark``).
    if dark is None:
        from ..pictures.drawing import default_dark

        dark = default_dark()
    return max_params, _choice(where, "view", view, _views()), _flag(where, "dark", dark)


# --- widgets ---------------------------------------------------------------------------------------


def _slider(name: str, description: str, value: int, lo: int, hi: int, tooltip: str) -> W.IntSlider:
    slider = W.IntSlider(
        value=value,
        min=lo,
        max=max(hi, value),
        description=description,
        continuous_update=False,  # each release rebuilds a Keras model: update on release only
        style=_SLIDER_STYLE,
        layout=W.Layout(width="420px"),
        tooltip=tooltip,
    )
    slider.add_class(f"rnncount-{name}")
    return slider


def _checkbox(name: str, description: str, value: bool, tooltip: str) -> W.Checkbox:
    box = W.Checkbox(value=value, description=description, indent=False, tooltip=tooltip, layout=W.Layout(width="auto"))
    box.add_class(f"rnncount-{name}")
    return box


class _Dashboard(W.VBox):
    """The views shared by both dashboards, and the code that fills them."""

    def __init__(
        self,
        *,
        stack: bool,
        max_params: int,
        cache: ModelCache | None,
        view: str,
        dark: bool,
    ) -> None:
        super().__init__()  # opens the widget's comm; without it Jupyter cannot display the dashboard
        self._max_params = max_params
        self._cache = cache if cache is not None else MODELS
        self._dark = dark
        self.result: CountResult | None = None
        self.error: str | None = None
        self._model: Any = None
        self.keras_params: int | None = None
        self.formula_text = ""
        self.summary_text = ""
        #: The SVG markup the picture shows (updated with every change, like the texts).
        self.picture_svg = ""
        #: What a screen reader announces once a change settles: the count (or the error), in one line.
        self.announcement = ""
        # Read out by a polite live region (see rnncount.dashboards.a11y), never shown.
        self._announce = W.HTML()
        self._announce.add_class("rnncount-announce")
        self._a11y = script_widget()

        self._spec_view = W.HTML(layout=W.Layout(min_height="1.6em"))
        self._spec_view.add_class("rnncount-spec")
        self._message = W.HTML(layout=W.Layout(min_height="1.6em"))
        self._message.add_class("rnncount-message")
        formula_cls = W.HTML if stack else W.HTMLMath
        self._formula = formula_cls(layout=W.Layout(height="260px" if stack else "150px", overflow="auto"))
        self._formula.add_class("rnncount-formula")
        self._summary = W.HTML(layout=W.Layout(height="100%", overflow="auto"))
        summary_box = W.Box(
            [self._summary],
            layout=W.Layout(
                height="420px" if stack else "320px",
                flex="1 1 600px",
                overflow="auto",
                min_width=f"min(100%, {SUMMARY_MIN_WIDTH})",
            ),
            tabbable=True,  # it scrolls: the keyboard must reach it
        )
        summary_box.add_class("rnncount-summary")
        self._summary_box = summary_box

        # The picture: SVG as wide as its box (its viewBox scales it, text included). A tall
        # picture (a monster stack) scrolls inside its box rather than shrink to a thumbnail.
        self._picture = W.HTML(layout=W.Layout(width="100%", margin="0"))
        self._picture.add_class("rnncount-diagram-svg")
        # Tabbable: a keyboard user reaches the box and scrolls a tall picture with the arrow keys.
        diagram_box = W.Box(
            [self._picture],
            layout=W.Layout(width="100%", max_height=PICTURE_MAX_HEIGHT, overflow="hidden auto"),
            # No tooltip: ipywidgets 8.1 cannot draw a Box with one ("Could not create a view"); the page
            # script names the box instead (rnncount.dashboards.a11y).
            tabbable=True,
        )
        diagram_box.add_class("rnncount-diagram")
        self._diagram_box = diagram_box
        view_toggle = W.ToggleButtons(
            options=list(_views()),
            value=view,
            tooltips=[VIEW_NOTES.get(v, v) for v in _views()],
            style={"button_width": "110px"},
        )
        view_toggle.add_class("rnncount-view")
        view_toggle.observe(lambda _change: self._refresh_picture(), names="value")
        self._view_toggle = view_toggle
        # Which recurrent layer the unrolled and cell views show, when the model has several.
        picture_layer = W.Dropdown(
            description="layer", style={"description_width": "50px"}, tooltip="the layer the picture shows"
        )
        picture_layer.layout = W.Layout(width="300px", display="none")
        picture_layer.add_class("rnncount-picture-layer")
        picture_layer.observe(self._picture_layer_chosen, names="value")
        self._picture_layer = picture_layer
        self._choosing = False
        self._diagram_note = W.HTML(layout=W.Layout(min_height="1.4em"))
        self._diagram_note.add_class("rnncount-diagram-note")
        # The picture and the summary (96 columns) sit side by side on a wide page and wrap one
        # above the other on a narrower one (a laptop, a projector): the picture then takes the
        # whole width, and the summary's last column (the counts) is never hidden.
        panel = W.VBox(
            [
                W.HBox(
                    [view_toggle, picture_layer, self._diagram_note],
                    layout=W.Layout(flex_flow="row wrap", align_items="center"),
                ),
                diagram_box,
            ],
            layout=W.Layout(flex=f"1 1 {PICTURE_MIN_WIDTH}", min_width=f"min(100%, {PICTURE_MIN_WIDTH})"),
        )
        panel.add_class("rnncount-picture-panel")
        self._views = W.Box(
            [panel, summary_box],
            layout=W.Layout(display="flex", flex_flow="row wrap", align_items="flex-start", width="100%"),
        )
        self._views.add_class("rnncount-views")

    @property
    def view(self) -> str:
        """The picture's view: "weights", "unrolled" or "cell" (the toggle's value)."""
        return self._view_toggle.value

    @view.setter
    def view(self, value: str) -> None:
        self._view_toggle.value = _choice(type(self).__name__, "view", value, _views())

    @property
    def model(self) -> Any:
        """The Keras display model of the current setting, or None when it was not built.

        Built with the shapes only (see :func:`rnncount.dashboards.panels.build_display_model`), on
        first access when the summary came from the cache.
        """
        if self._model is None and self.keras_params is not None and self.result is not None:
            self._model = build_display_model(self.result, self._max_params)
        return self._model

    @property
    def spec(self) -> str:
        """The current model as a spec string."""
        return format_spec(self._current_layers())

    @property
    def input_shape(self) -> tuple:
        return self._current_shape()

    def _current_layers(self) -> list[Layer]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _current_shape(self) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError

    def _formula_html(self, result: CountResult) -> str:
        return formula_html(result, self._dark)

    def refresh(self) -> None:
        """Recompute every view from the controls (called after each change)."""
        layers = self._current_layers()
        shape = self._current_shape()
        result, error = count_prefix(layers, shape)
        self.result, self.error = result, error
        spec = format_spec(layers) or "(no layers yet)"
        self._spec_view.value = (
            f"<code>{html.escape(spec)}</code> on input <code>{html.escape(format_shape((None, *shape)))}</code>"
        )
        # The views are sent in order of their cost: the formula, then the picture (the browser draws
        # it while the kernel builds the Keras model), then the Keras summary.
        entry: DisplayModel | None = None
        if error is None and result.layers:
            self.formula_text = result.formula_text
            self._formula.value = self._formula_html(result)
            self._message.value = ""
            self._refresh_picture()
            self.summary_text, entry = model_summary(result, self._cache, self._max_params)
            note = None if entry is not None else "The count and the picture need no Keras model."
            self._summary.value = summary_html(self.summary_text, note, self._dark)
        else:
            if error is None:
                self.formula_text = "no layers yet"
                self._formula.value = "<i>Add a layer to start.</i>"
                self.summary_text = "no layers yet"
                self._message.value = ""
            else:
                self.formula_text = error
                self._formula.value = error_html(error, self._dark)
                self.summary_text = f"Keras model not built: {error}"
                self._message.value = error_html(error, self._dark)
            self._refresh_picture()
            self._summary.value = summary_html(self.summary_text, dark=self._dark)
        self._model = entry.model if entry is not None else None
        self.keras_params = entry.keras_params if entry is not None else None
        self._announce_now(result, error)

    def _announce_now(self, result: CountResult, error: str | None) -> None:
        if error is not None:
            text = f"Not a valid stack: {error}"
        elif not result.layers:
            text = "No layers yet."
        else:
            total = f"{result.total:,} parameter" + ("" if result.total == 1 else "s")
            text = f"Total {total}; output {format_shape(result.layers[-1].output_shape)}."
        self.announcement = text
        self._announce.value = f'<span style="{SR_ONLY}">{html.escape(text)}</span>'

    @property
    def picture_layer(self) -> int | None:
        """The index of the layer the unrolled and cell views show; None for the first recurrent layer."""
        options = self._picture_layer.options
        if self.view == "weights" or not options or self._picture_layer.value == options[0][1]:
            return None
        return self._picture_layer.value

    def _picture_layer_chosen(self, _change: dict[str, Any]) -> None:
        if not self._choosing:
            self._refresh_picture()

    def _update_picture_layers(self) -> None:
        """Offer the recurrent layers to the unrolled and cell views (the dropdown shows when there are two or more)."""
        assert self.result is not None
        options = [
            (f"{k + 1}. {lc.name} ({lc.type.split('(')[0]})", k)
            for k, lc in enumerate(self.result.layers)
            if lc.layer.recurrent
        ]
        dropdown = self._picture_layer
        if [tuple(o) for o in dropdown.options] != options:
            keep = dropdown.value if dropdown.value in [k for _, k in options] else None
            self._choosing = True
            try:
                dropdown.options = options
                dropdown.value = keep if keep is not None else (options[0][1] if options else None)
            finally:
                self._choosing = False
        dropdown.layout.display = "flex" if len(options) > 1 and self.view != "weights" else "none"

    def _refresh_picture(self) -> None:
        from ..pictures.drawing import to_svg

        if self.result is None:  # a view changed while the dashboard is being built
            return
        view = self.view
        self._update_picture_layers()
        self.picture_svg = to_svg(self.result, view=view, dark=self._dark, error=self.error, layer=self.picture_layer)
        self._picture.value = self.picture_svg
        note = VIEW_NOTES.get(view, "")
        # JupyterLab's secondary text colour (readable in its light and dark themes), else the dashboard's own.
        color = f"var(--jp-content-font-color2, {colour('muted', self._dark)})"
        self._diagram_note.value = f"<small style='color:{color}'>{html.escape(note)}</small>" if note else ""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.spec or '(no layers)'} on {format_shape((None, *self.input_shape))}>"


class Explorer(_Dashboard):
    """One layer (Dense, SimpleRNN, LSTM or GRU) with sliders and toggles; see :func:`explore`."""

    def __init__(
        self,
        layer: str = "LSTM",
        units: int = 32,
        features: int = 100,
        timesteps: int = 20,
        *,
        use_bias: bool = True,
        return_sequences: bool = False,
        reset_after: bool = True,
        bidirectional: bool = False,
        head: int = 0,
        max_units: int = 1024,
        max_features: int = 1024,
        max_timesteps: int = 200,
        max_params: int = DASHBOARD_MAX_PARAMS,
        cache: ModelCache | None = None,
        view: str = "weights",
        dark: bool | None = None,
    ) -> None:
        where = "explore"
        layer = _choice(where, "layer", layer, LAYER_KINDS)
        units = _whole(where, "units", units, 1, "the size of the state, or a Dense layer's outputs")
        features = _whole(where, "features", features, 1, "input features per timestep")
        timesteps = _whole(where, "timesteps", timesteps, 1, "the length of the sequence")
        head = _whole(where, "head", head, 0, "the units of a Dense layer on top, 0 for none")
        toggles = {
            "use_bias": _flag(where, "use_bias", use_bias),
            "return_sequences": _flag(where, "return_sequences", return_sequences),
            "reset_after": _flag(where, "reset_after", reset_after),
            "bidirectional": _flag(where, "bidirectional", bidirectional),
        }
        max_units = _whole(where, "max_units", max_units, 1, "the units slider's largest value")
        max_features = _whole(where, "max_features", max_features, 1, "the features slider's largest value")
        max_timesteps = _whole(where, "max_timesteps", max_timesteps, 1, "the timesteps slider's largest value")
        max_params, view, dark = _common_options(where, max_params, cache, view, dark)
        super().__init__(stack=False, max_params=max_params, cache=cache, view=view, dark=dark)
        kind = W.ToggleButtons(
            options=list(LAYER_KINDS),
            value=layer,
            style={"button_width": "120px"},
            tooltips=[f"count a {k} layer" for k in LAYER_KINDS],
        )
        kind.add_class("rnncount-layer")
        self.controls: dict[str, W.ValueWidget] = {
            "layer": kind,
            "units": _slider("units", "units h", units, 1, max_units, "h: units (the size of the state)"),
            "features": _slider("features", "features i", features, 1, max_features, "i: input features per step"),
            "timesteps": _slider("timesteps", "timesteps T", timesteps, 1, max_timesteps, "T never changes the count"),
            "use_bias": _checkbox("use-bias", "use_bias", toggles["use_bias"], "drop the bias terms when off"),
            "return_sequences": _checkbox(
                "return-sequences",
                "return_sequences",
                toggles["return_sequences"],
                "changes the output shape, never the count",
            ),
            "reset_after": _checkbox(
                "reset-after", "reset_after (GRU)", toggles["reset_after"], "GRU: a second bias row"
            ),
            "bidirectional": _checkbox(
                "bidirectional", "Bidirectional", toggles["bidirectional"], "a forward and a backward copy"
            ),
            "head": _slider("head", "Dense head", head, 0, 128, "units of a Dense layer on top (0: none)"),
            "view": self._view_toggle,
        }
        sliders = W.VBox([self.controls[k] for k in ("units", "features", "timesteps", "head")])
        toggles_box = W.VBox(
            [self.controls[k] for k in ("use_bias", "return_sequences", "reset_after", "bidirectional")]
        )
        controls = W.VBox([kind, W.HBox([sliders, toggles_box], layout=W.Layout(flex_flow="row wrap"))])
        controls.add_class("rnncount-controls")
        self.children = (
            controls,
            self._spec_view,
            self._message,
            self._formula,
            self._views,
            self._announce,
            self._a11y,
        )
        self.add_class("rnncount-dashboard")
        self.add_class("rnncount-explore")
        for name, control in self.controls.items():
            if name != "view":  # the view changes only the picture (see _Dashboard)
                control.observe(self._changed, names="value")
        self._enable()
        self.refresh()

    def _enable(self) -> None:
        kind = self.controls["layer"].value
        recurrent = kind != "Dense"
        self.controls["return_sequences"].disabled = not recurrent
        self.controls["bidirectional"].disabled = not recurrent
        self.controls["reset_after"].disabled = kind != "GRU"
        # A Dense layer's units are its outputs o; a recurrent layer's are its state size h.
        self.controls["units"].description = "units o" if kind == "Dense" else "units h"

    def _changed(self, change: dict[str, Any]) -> None:
        if change["owner"] is self.controls["layer"]:
            self._enable()
        self.refresh()

    def _current_shape(self) -> tuple:
        return (self.controls["timesteps"].value, self.controls["features"].value)

    def _current_layers(self) -> list[Layer]:
        c = {k: w.value for k, w in self.controls.items()}
        core: Layer
        if c["layer"] == "Dense":
            core = Dense(c["units"], use_bias=c["use_bias"])
        else:
            kwargs: dict[str, Any] = {"use_bias": c["use_bias"], "return_sequences": c["return_sequences"]}
            if c["layer"] == "GRU":
                kwargs["reset_after"] = c["reset_after"]
            core = RECURRENT[c["layer"]](c["units"], **kwargs)
            if c["bidirectional"]:
                core = Bidirectional(core)
        return [core, Dense(c["head"])] if c["head"] else [core]


# --- the monster builder -------------------------------------------------------------------------

_STACK_KINDS = ("SimpleRNN", "LSTM", "GRU", "Dense")

#: A stack longer than this gets rows of controls for its first and last layers only.
ROWS_SHOWN = 12

SEQUENCES_NOTE = (
    "<b>return_sequences is managed for you:</b> every recurrent layer that feeds another recurrent "
    "layer returns the whole sequence <code>(None, T, h)</code>, because a recurrent layer reads a sequence; "
    "the last one returns only its final state <code>(None, h)</code>. Untick a middle layer's "
    "<code>return_sequences</code> to see what Keras would say."
)
SEQUENCES_MANUAL_NOTE = (
    "<b>You manage return_sequences yourself.</b> Tick <i>manage return_sequences</i> to let every "
    "recurrent layer that feeds another one return its sequence again."
)


def _close_tree(widget: W.Widget) -> None:
    """Close a widget, its children, and their Layout and Style widgets (each is a widget of its own)."""
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, W.Widget):
            part.close()
    widget.close()


def _inner(layer: Layer) -> Layer:
    return layer.layer if isinstance(layer, Bidirectional) else layer


def _set_sequences(layer: Layer, value: bool) -> Layer:
    if isinstance(layer, Bidirectional):
        return layer.with_options(layer=layer.layer.with_options(return_sequences=value))
    if layer.recurrent:
        return layer.with_options(return_sequences=value)
    return layer


def managed(layers: Sequence[Layer]) -> list[Layer]:
    """The stack with return_sequences set the usual way.

    A recurrent layer returns sequences when a later layer needs one (another
    recurrent layer or TimeDistributed) before anything that needs a vector
    (RepeatVector) or flattens; otherwise (the last recurrent layer) it does not.
    """
    out = list(layers)
    for k, layer in enumerate(out):
        if not layer.recurrent:
            continue
        needs = False
        for later in out[k + 1 :]:
            if later.recurrent or later.kind == "TimeDistributed":
                needs = True
                break
            if later.kind in ("RepeatVector", "Flatten"):
                break
        out[k] = _set_sequences(layer, needs)
    return out


class StackExplorer(_Dashboard):
    """The monster builder: add, remove, reorder and edit layers; see :func:`explore_stack`."""

    def __init__(
        self,
        spec: str | Sequence[Layer] | CountResult = "",
        input_shape: Any = None,
        *,
        manage_sequences: bool | None = None,
        max_units: int = 1024,
        max_features: int = 1024,
        max_timesteps: int = 500,
        max_params: int = DASHBOARD_MAX_PARAMS,
        cache: ModelCache | None = None,
        view: str = "weights",
        dark: bool | None = None,
    ) -> None:
        where = "explore_stack"
        if isinstance(spec, CountResult):
            input_shape = spec.input_shape[1:] if input_shape is None else input_shape
            layers = [lc.layer for lc in spec.layers]
        else:
            layers = _layers_of(where, spec)
        if input_shape is not None and not isinstance(input_shape, (str, numbers.Integral, tuple, list)):
            raise RnncountTypeError(
                f"{where}: input_shape must be a tuple such as (30, 5) (timesteps, features), "
                f"a whole number or a string such as '30,5'; got {_given(input_shape)}"
            )
        shape = parse_shape(input_shape if input_shape is not None else (30, 5))
        if len(shape) not in (1, 2):
            raise SpecError(f"explore_stack: give the input as timesteps,features (e.g. 30,5), got {shape!r}")
        if manage_sequences is not None:
            manage_sequences = _flag(where, "manage_sequences", manage_sequences)
        max_units = _whole(where, "max_units", max_units, 1, "the units sliders' largest value")
        max_features = _whole(where, "max_features", max_features, 1, "the features slider's largest value")
        max_timesteps = _whole(where, "max_timesteps", max_timesteps, 1, "the timesteps slider's largest value")
        max_params, view, dark = _common_options(where, max_params, cache, view, dark)
        super().__init__(stack=True, max_params=max_params, cache=cache, view=view, dark=dark)
        self._max_units = max_units
        self._layers: list[Layer] = list(layers)
        self._busy = False
        if manage_sequences is None:
            # Keep a spec exactly as given unless it already follows the usual rule.
            manage_sequences = not self._layers or managed(self._layers) == self._layers
        # The input: (T, i) for sequences; (T,) for token ids (Embedding); (i,) for vectors.
        t_value = shape[0]
        i_value = shape[-1]
        self._timesteps_none = t_value is None
        timesteps = _slider("timesteps", "timesteps T", t_value or 1, 1, max_timesteps, "T never changes a count")
        features = _slider("features", "features i", i_value or 1, 1, max_features, "i: input features per step")
        if len(shape) == 1:
            embedded = bool(self._layers) and self._layers[0].kind == "Embedding"
            (features if embedded else timesteps).disabled = True
            self._one_d = "timesteps" if embedded else "features"
        else:
            self._one_d = None
        timesteps.disabled = timesteps.disabled or self._timesteps_none
        spec_input = W.Text(
            value=format_spec(self._layers),
            description="spec",
            continuous_update=False,
            layout=W.Layout(width="100%"),
            placeholder="e.g. GRU(4) > GRU(2) > SimpleRNN(25) > Dense(1)",
        )
        spec_input.add_class("rnncount-spec-input")
        manage = _checkbox("manage-sequences", "manage return_sequences", manage_sequences, "set it the usual way")
        note = W.HTML(layout=W.Layout(min_height="3.2em"))
        note.add_class("rnncount-sequences-note")
        add_kind = W.Dropdown(
            options=list(_STACK_KINDS), value="LSTM", layout=W.Layout(width="120px"), tooltip="kind of the layer to add"
        )
        add_kind.add_class("rnncount-add-kind")
        add_units = W.BoundedIntText(
            value=32, min=1, max=max_units, layout=W.Layout(width="90px"), tooltip="units of the layer to add"
        )
        add_units.add_class("rnncount-add-units")
        add = W.Button(description="Add layer", icon="plus", button_style="primary")
        add.add_class("rnncount-add")
        self._rows_box = W.VBox()
        self.controls: dict[str, Any] = {
            "timesteps": timesteps,
            "features": features,
            "spec": spec_input,
            "manage_sequences": manage,
            "add_kind": add_kind,
            "add_units": add_units,
            "add": add,
            "rows": [],
            "view": self._view_toggle,
        }
        self._note = note
        timesteps.observe(self._input_changed, names="value")
        features.observe(self._input_changed, names="value")
        spec_input.observe(self._spec_typed, names="value")
        manage.observe(self._manage_changed, names="value")
        add.on_click(lambda _b: self.add_layer(add_kind.value, add_units.value))
        controls = W.VBox(
            [
                W.HBox([timesteps, features], layout=W.Layout(flex_flow="row wrap")),
                spec_input,
                self._rows_box,
                W.HBox([add_kind, add_units, add], layout=W.Layout(margin="4px 0")),
                manage,
                note,
            ]
        )
        controls.add_class("rnncount-controls")
        self.children = (
            controls,
            self._spec_view,
            self._message,
            self._formula,
            self._views,
            self._announce,
            self._a11y,
        )
        self.add_class("rnncount-dashboard")
        self.add_class("rnncount-explore-stack")
        self._structure_changed()

    # -- public editing API (what the buttons call) --

    @property
    def layers(self) -> list[Layer]:
        """The current layers (a copy)."""
        return list(self._layers)

    def add_layer(self, kind: str | Layer = "LSTM", units: int = 32, index: int | None = None) -> None:
        """Add a layer at ``index`` (default: the end): a kind ("LSTM") with ``units``, a spec string
        ("GRU(8, reset_after=False)") or a layer object (``rnncount.GRU(8)``)."""
        where = "explore_stack.add_layer"
        if isinstance(kind, str) and kind in _STACK_KINDS:
            new = [_make(kind, _whole(where, "units", units, 1, "the new layer's size"))]
        elif isinstance(kind, str) and kind.strip() and kind.strip()[0].isupper() and "(" in kind:
            new = _layers_of(where, kind)
        elif isinstance(kind, (str, Layer)):
            new = _layers_of(where, [kind])
        else:
            raise RnncountTypeError(
                f"{where}: give a layer kind ({', '.join(_STACK_KINDS)}), a spec string such as 'LSTM(32)' "
                f"or a layer object such as rnncount.LSTM(32); got {_given(kind)}"
            )
        at = len(self._layers) if index is None else self._index(where, index, insert=True)
        self._layers[at:at] = new
        self._structure_changed()

    def remove_layer(self, index: int) -> None:
        """Remove the layer at ``index`` (0 is the first)."""
        del self._layers[self._index("explore_stack.remove_layer", index)]
        self._structure_changed()

    def move_layer(self, index: int, delta: int) -> None:
        """Move a layer up (``delta=-1``) or down (``+1``); past either end it stays where it is."""
        where = "explore_stack.move_layer"
        index = self._index(where, index)
        if isinstance(delta, bool) or not isinstance(delta, numbers.Integral):
            raise RnncountTypeError(f"{where}: delta must be a whole number (-1: up, +1: down), got {_given(delta)}")
        target = index + int(delta)
        if 0 <= target < len(self._layers) and target != index:
            self._layers.insert(target, self._layers.pop(index))
            self._structure_changed()

    def set_layer(self, index: int, layer: Layer | str) -> None:
        """Replace the layer at ``index`` with a layer object or a one-layer spec string ("LSTM(8)")."""
        where = "explore_stack.set_layer"
        index = self._index(where, index)
        new = _layers_of(where, [layer])
        if len(new) != 1:
            raise SpecError(f"{where}: give one layer to put at {index}, got {len(new)}: {format_spec(new)}")
        self._layers[index] = new[0]
        self._structure_changed()

    def set_spec(self, spec: str) -> None:
        """Replace the whole stack with a spec string (a parse error is shown, the stack kept)."""
        if not isinstance(spec, str):
            raise RnncountTypeError(
                f"explore_stack.set_spec: spec must be a string such as 'LSTM(8)', got {_given(spec)}"
            )
        try:
            layers = parse_spec(spec)
        except SpecError as err:
            self._message.value = error_html(str(err), self._dark)
            self.error = str(err)
            return
        self._layers = layers
        if self.controls["manage_sequences"].value and managed(layers) != layers:
            self._busy = True
            try:
                self.controls["manage_sequences"].value = False
            finally:
                self._busy = False
        self._structure_changed()

    # -- internals --

    def _index(self, where: str, index: Any, insert: bool = False) -> int:
        """``index`` checked against the stack (one past the end allowed when inserting)."""
        n = len(self._layers)
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise RnncountTypeError(
                f"{where}: index must be a whole number (0 is the first layer), got {_given(index)}"
            )
        last = n if insert else n - 1
        if not 0 <= index <= last:
            if last < 0:
                raise SpecError(f"{where}: the stack has no layers yet, so there is no layer {shown(index)}")
            layers = f"{n} layer{'s' if n != 1 else ''}"
            raise SpecError(f"{where}: index must be from 0 to {last} (the stack has {layers}), got {shown(index)}")
        return int(index)

    def _current_layers(self) -> list[Layer]:
        return list(self._layers)

    def _current_shape(self) -> tuple:
        t = None if self._timesteps_none else self.controls["timesteps"].value
        i = self.controls["features"].value
        if self._one_d == "timesteps":
            return (t,)
        if self._one_d == "features":
            return (i,)
        return (t, i)

    def _formula_html(self, result: CountResult) -> str:
        return stack_table_html(result)

    def _structure_changed(self) -> None:
        if self.controls["manage_sequences"].value:
            self._layers = managed(self._layers)
        self._rebuild_rows()
        self.refresh()

    def refresh(self) -> None:
        self._busy = True
        try:
            self.controls["spec"].value = format_spec(self._layers)
        finally:
            self._busy = False
        self._note.value = SEQUENCES_NOTE if self.controls["manage_sequences"].value else SEQUENCES_MANUAL_NOTE
        super().refresh()

    def _rebuild_rows(self) -> None:
        n = len(self._layers)
        rows: list[dict[str, Any] | None] = [None] * n
        boxes: list[W.Widget] = []
        # A long stack gets rows for its first and last layers only (a thousand rows of controls would
        # take minutes to make); the others are edited in the spec box or with set_layer().
        shown = range(n) if n <= ROWS_SHOWN else [*range(ROWS_SHOWN // 2), *range(n - ROWS_SHOWN // 2, n)]
        for k in shown:
            if n > ROWS_SHOWN and k == n - ROWS_SHOWN // 2:
                more = W.HTML(
                    f"<i>… {n - ROWS_SHOWN:,} more layers (edit them in the spec box, or with set_layer()) …</i>"
                )
                more.add_class("rnncount-stack-more")
                boxes.append(more)
            layer = self._layers[k]
            row = self._row(k, layer, n)
            rows[k] = row
            box = W.HBox(
                [W.HTML(f"<b>{k + 1}.</b>", layout=W.Layout(width="28px")), *row.values()],
                layout=W.Layout(align_items="center", flex_flow="row wrap"),
            )
            box.add_class("rnncount-stack-row")
            boxes.append(box)
        old = self._rows_box.children
        self.controls["rows"] = rows
        self._rows_box.children = tuple(boxes)
        for box in old:
            _close_tree(box)

    def _row(self, k: int, layer: Layer, n: int) -> dict[str, Any]:
        inner = _inner(layer)
        editable = inner.kind in _STACK_KINDS
        options = list(_STACK_KINDS) if editable else [*_STACK_KINDS, inner.kind]
        kind = W.Dropdown(
            options=options, value=inner.kind, layout=W.Layout(width="120px"), tooltip=f"kind of layer {k + 1}"
        )
        units_value = getattr(inner, "units", None)
        units = W.IntSlider(
            value=units_value or 1,
            min=1,
            max=max(self._max_units, units_value or 1),
            continuous_update=False,
            disabled=units_value is None,
            description="units",
            style={"description_width": "40px"},
            layout=W.Layout(width="300px"),
        )
        seq = W.Checkbox(
            value=bool(getattr(inner, "return_sequences", False)),
            description="return_sequences",
            indent=False,
            disabled=not layer.recurrent,
            layout=W.Layout(width="150px"),
        )
        bidi = W.Checkbox(
            value=isinstance(layer, Bidirectional),
            description="Bidirectional",
            indent=False,
            disabled=not layer.recurrent,
            layout=W.Layout(width="120px"),
        )
        # An icon button's tooltip is its accessible name: it says which layer it acts on.
        up = W.Button(icon="arrow-up", tooltip=f"move layer {k + 1} up", disabled=k == 0, layout=W.Layout(width="36px"))
        down = W.Button(
            icon="arrow-down", tooltip=f"move layer {k + 1} down", disabled=k == n - 1, layout=W.Layout(width="36px")
        )
        remove = W.Button(icon="times", tooltip=f"remove layer {k + 1}", layout=W.Layout(width="36px"))
        if not editable:
            units.description = ""
            units.layout.display = "none"
        row = {"kind": kind, "units": units, "return_sequences": seq, "bidirectional": bidi}
        row |= {"up": up, "down": down, "remove": remove}
        for name, w in row.items():
            w.add_class(f"rnncount-row-{name.replace('return_', '').replace('_', '-')}")
        kind.observe(lambda ch, k=k: self._row_kind(k, ch["new"]), names="value")
        units.observe(lambda ch, k=k: self._row_units(k, ch["new"]), names="value")
        seq.observe(lambda ch, k=k: self._row_sequences(k, ch["new"]), names="value")
        bidi.observe(lambda ch, k=k: self._row_bidirectional(k, ch["new"]), names="value")
        up.on_click(lambda _b, k=k: self.move_layer(k, -1))
        down.on_click(lambda _b, k=k: self.move_layer(k, +1))
        remove.on_click(lambda _b, k=k: self.remove_layer(k))
        return row

    def _row_kind(self, k: int, kind: str) -> None:
        old = self._layers[k]
        inner = _inner(old)
        units = getattr(inner, "units", 32)
        layer = _make(kind, units, use_bias=getattr(inner, "use_bias", True))
        if isinstance(old, Bidirectional) and layer.recurrent:
            layer = Bidirectional(layer, merge_mode=old.merge_mode)
        self.set_layer(k, layer)

    def _row_units(self, k: int, units: int) -> None:
        layer = self._layers[k]
        if isinstance(layer, Bidirectional):
            self._layers[k] = layer.with_options(layer=layer.layer.with_options(units=units))
        elif hasattr(layer, "units"):
            self._layers[k] = layer.with_options(units=units)
        self.refresh()

    def _row_sequences(self, k: int, value: bool) -> None:
        if self._busy:
            return
        self._layers[k] = _set_sequences(self._layers[k], value)
        manage = self.controls["manage_sequences"]
        if manage.value and managed(self._layers) != self._layers:
            # The user overrides the rule: stop managing, so the consequence stays visible.
            self._busy = True
            try:
                manage.value = False
            finally:
                self._busy = False
        self.refresh()

    def _row_bidirectional(self, k: int, value: bool) -> None:
        layer = self._layers[k]
        if value and not isinstance(layer, Bidirectional) and layer.recurrent:
            self.set_layer(k, Bidirectional(layer))
        elif not value and isinstance(layer, Bidirectional):
            self.set_layer(k, layer.layer)

    def _input_changed(self, _change: dict[str, Any]) -> None:
        self.refresh()

    def _spec_typed(self, change: dict[str, Any]) -> None:
        if not self._busy:
            self.set_spec(change["new"])

    def _manage_changed(self, change: dict[str, Any]) -> None:
        if self._busy:
            return
        if change["new"]:
            self._structure_changed()
        else:
            self.refresh()


def _layers_of(where: str, spec: Any) -> list[Layer]:
    """The layers of a spec string, or of a list whose items are layer objects or spec strings."""
    if isinstance(spec, str):
        return parse_spec(spec)
    if isinstance(spec, Layer):
        return [spec]
    if not isinstance(spec, Sequence) or isinstance(spec, (bytes, bytearray)):
        raise RnncountTypeError(
            f"{where}: give a spec string such as 'LSTM(32) > Dense(1)', a list of layers "
            f"(rnncount.LSTM(32) or 'LSTM(32)') or a CountResult; got {_given(spec)}"
        )
    layers: list[Layer] = []
    for k, item in enumerate(spec):
        if isinstance(item, Layer):
            layers.append(item)
        elif isinstance(item, str):
            try:
                layers.extend(parse_spec(item))
            except SpecError as err:
                raise SpecError(f"{where}: item {k} of the list, {item!r}: {err}") from None
        else:
            raise RnncountTypeError(
                f"{where}: item {k} of the list must be a layer (rnncount.LSTM(32)) or a spec string "
                f"('LSTM(32)'), got {_given(item)}"
            )
    return layers


def _make(kind: str, units: int, use_bias: bool = True) -> Layer:
    if kind == "Dense":
        return Dense(units, use_bias=use_bias)
    if kind in RECURRENT:
        return RECURRENT[kind](units, use_bias=use_bias)
    raise SpecError(f"explore_stack: choose a layer kind among {', '.join(_STACK_KINDS)}, got {kind!r}")


_EXPLORE_OPTIONS = (
    "use_bias",
    "return_sequences",
    "reset_after",
    "bidirectional",
    "head",
    "max_units",
    "max_features",
    "max_timesteps",
    "max_params",
    "cache",
    "view",
    "dark",
)
_STACK_OPTIONS = (
    "manage_sequences",
    "max_units",
    "max_features",
    "max_timesteps",
    "max_params",
    "cache",
    "view",
    "dark",
)


def _check_options(where: str, options: dict[str, Any], known: Sequence[str]) -> None:
    unknown = [name for name in options if name not in known]
    if unknown:
        raise RnncountTypeError(f"{where}: unknown option {unknown[0]!r}; the options are {', '.join(known)}")


def explore(
    layer: str = "LSTM",
    units: int = 32,
    features: int = 100,
    timesteps: int = 20,
    **options: Any,
) -> Explorer:
    """A dashboard for one layer: sliders and toggles drive the formula, the Keras summary and the picture.

    ``layer`` is "Dense", "SimpleRNN", "LSTM" or "GRU". Options: ``use_bias``,
    ``return_sequences``, ``reset_after``, ``bidirectional`` (the toggles' starting
    values), ``head`` (units of a Dense head, 0 for none), ``max_units``,
    ``max_features``, ``max_timesteps`` (slider ranges), ``max_params`` (the
    largest model built in Keras; larger ones still get their formula and picture),
    ``view`` (the picture: "weights", "unrolled" or "cell") and ``dark`` (a picture
    for a dark page; default: dark when the environment variable ``RNNCOUNT_THEME`` is
    "dark", as in ``rnncount lecture --dark``). Returns the widget; display it (it does not display itself).
    """
    _check_options("explore", options, _EXPLORE_OPTIONS)
    return Explorer(layer, units, features, timesteps, **options)


def explore_stack(
    spec: str | Sequence[Layer | str] | CountResult = "", input_shape: Any = None, **options: Any
) -> StackExplorer:
    """The monster builder: start from a spec (or nothing), then add, remove, reorder and edit layers.

    ``spec`` is a spec string ("GRU(4) > Dense(1)"), a list of layer objects or spec
    strings, or a :class:`~rnncount.CountResult`. ``input_shape`` is ``(timesteps,
    features)`` (default ``(30, 5)``). Shows the per-layer formula table with a running
    total, the Keras summary and the picture of every layer (a long stack scrolls in its
    box). Options: ``manage_sequences`` (default: on, unless the spec breaks the usual
    rule on purpose), ``max_units``, ``max_features``, ``max_timesteps``,
    ``max_params``, ``view`` ("weights", "unrolled" or "cell") and ``dark`` (default from
    ``RNNCOUNT_THEME``, as for :func:`explore`). Returns the
    widget.
    """
    _check_options("explore_stack", options, _STACK_OPTIONS)
    return StackExplorer(spec, input_shape, **options)


__all__ = ["Explorer", "StackExplorer", "explore", "explore_stack", "managed"]
