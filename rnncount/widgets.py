"""Live dashboards: controls drive the formula, the Keras summary and the weight-matrix picture.

``rnncount.explore()`` studies one layer (with an optional Dense head);
``rnncount.explore_stack(spec, input_shape)`` builds a whole stack. Both return an
ipywidgets container (display it, or leave it as the last line of a cell); they never
call ``display`` themselves. Every view is updated by assigning widget traits before
the control's assignment returns, so plain Python (and pytest) can drive them::

    w = rnncount.explore("GRU", units=4, features=5)
    w.controls["reset_after"].value = False
    w.formula_text, w.summary_text, w.figure

Stable CSS classes, for styling and browser tests:

- containers: ``rnncount-dashboard``, ``rnncount-explore``, ``rnncount-explore-stack``,
  ``rnncount-controls``, ``rnncount-views``
- views: ``rnncount-formula``, ``rnncount-summary``, ``rnncount-diagram`` (the box) and
  ``rnncount-diagram-image`` (the Image), ``rnncount-spec`` (the model as a spec string),
  ``rnncount-message`` (errors and notes shown above the views), ``rnncount-diagram-note``
  (what in the picture is not to scale)
- explore controls: ``rnncount-layer``, ``rnncount-units``, ``rnncount-features``,
  ``rnncount-timesteps``, ``rnncount-use-bias``, ``rnncount-return-sequences``,
  ``rnncount-reset-after``, ``rnncount-bidirectional``, ``rnncount-head``
- explore_stack controls: ``rnncount-features``, ``rnncount-timesteps``,
  ``rnncount-spec-input``, ``rnncount-manage-sequences``, ``rnncount-sequences-note``,
  ``rnncount-add-kind``, ``rnncount-add-units``, ``rnncount-add``; one ``rnncount-stack-row``
  per layer holding ``rnncount-row-kind``, ``rnncount-row-units``, ``rnncount-row-sequences``,
  ``rnncount-row-bidirectional``, ``rnncount-row-up``, ``rnncount-row-down``, ``rnncount-row-remove``
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as W

from .engine import CountResult
from .errors import SpecError
from .layers import RECURRENT, Bidirectional, Dense, Layer, format_shape
from .spec import format_spec, parse_shape, parse_spec
from .views import (
    DASHBOARD_MAX_PARAMS,
    MODELS,
    DisplayModel,
    ModelCache,
    Picture,
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

_SLIDER_STYLE = {"description_width": "90px"}


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
    """The three views shared by both dashboards, and the code that fills them."""

    def __init__(
        self,
        *,
        picture_height: str,
        stack: bool,
        max_params: int,
        cache: ModelCache | None,
    ) -> None:
        super().__init__()  # opens the widget's comm; without it Jupyter cannot display the dashboard
        self._max_params = max_params
        self._cache = cache if cache is not None else MODELS
        self._picture = Picture()
        self.result: CountResult | None = None
        self.error: str | None = None
        self._model: Any = None
        self.keras_params: int | None = None
        self.formula_text = ""
        self.summary_text = ""

        self._spec_view = W.HTML(layout=W.Layout(min_height="1.6em"))
        self._spec_view.add_class("rnncount-spec")
        self._message = W.HTML(layout=W.Layout(min_height="1.6em"))
        self._message.add_class("rnncount-message")
        formula_cls = W.HTML if stack else W.HTMLMath
        self._formula = formula_cls(layout=W.Layout(height="260px" if stack else "150px", overflow="auto"))
        self._formula.add_class("rnncount-formula")
        self._summary = W.HTML(layout=W.Layout(height="100%", overflow="auto"))
        # The picture (about 800 px wide at its natural size) and the summary (96 columns) sit side
        # by side on a wide page and wrap one above the other on a narrower one, rather than hide
        # the summary's last column (the counts) behind a scroll bar; both boxes have fixed sizes,
        # so the page never jumps as the views change.
        summary_box = W.Box(
            [self._summary],
            layout=W.Layout(
                height="420px" if stack else "320px",
                flex="1 1 600px",
                overflow="auto",
                min_width=f"min(100%, {SUMMARY_MIN_WIDTH})",
            ),
        )
        summary_box.add_class("rnncount-summary")
        self._summary_box = summary_box
        if stack:
            image_layout = W.Layout(width="100%", height="auto", margin="0")
            box_layout = W.Layout(
                height=picture_height, flex="1 1 800px", max_width="900px", overflow="auto", min_width="0"
            )
        else:
            # No margin: a widget's default 2px margin would make the image overflow its fixed-height box.
            image_layout = W.Layout(
                width="100%", height="100%", margin="0", object_fit="contain", object_position="top left"
            )
            box_layout = W.Layout(height=picture_height, flex="1 1 800px", max_width="900px", min_width="0")
        self._image = W.Image(format="png", layout=image_layout)
        self._image.add_class("rnncount-diagram-image")
        diagram_box = W.Box([self._image], layout=box_layout)
        diagram_box.add_class("rnncount-diagram")
        self._views = W.Box(
            [diagram_box, summary_box],
            layout=W.Layout(display="flex", flex_flow="row wrap", align_items="flex-start", width="100%"),
        )
        self._views.add_class("rnncount-views")
        self._diagram_note = W.HTML(layout=W.Layout(min_height="1.4em"))
        self._diagram_note.add_class("rnncount-diagram-note")

    @property
    def figure(self) -> Any:
        """The matplotlib Figure behind the picture (one per dashboard, reused)."""
        return self._picture.figure

    @property
    def model(self) -> Any:
        """The Keras display model of the current setting, or None when it was not built.

        Built with the shapes only (see :func:`rnncount.views.build_display_model`), on
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
        return formula_html(result)

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
        entry: DisplayModel | None = None
        if error is None and result.layers:
            self.formula_text = result.formula_text
            self._formula.value = self._formula_html(result)
            self.summary_text, entry = model_summary(result, self._cache, self._max_params)
            note = None if entry is not None else "The count and the picture need no Keras model."
            self._summary.value = summary_html(self.summary_text, note)
            self._message.value = ""
        elif error is None:
            self.formula_text = "no layers yet"
            self._formula.value = "<i>Add a layer to start.</i>"
            self.summary_text = "no layers yet"
            self._summary.value = summary_html(self.summary_text)
            self._message.value = ""
        else:
            self.formula_text = error
            self._formula.value = error_html(error)
            self.summary_text = f"Keras model not built: {error}"
            self._summary.value = summary_html(self.summary_text)
            self._message.value = error_html(error)
        self._model = entry.model if entry is not None else None
        self.keras_params = entry.keras_params if entry is not None else None
        self._image.value = self._picture.update(result, error)
        note = self._picture.note
        self._diagram_note.value = f"<small style='color:#555'>Picture: {html.escape(note)}</small>" if note else ""

    def close(self) -> None:
        picture = getattr(self, "_picture", None)  # __del__ may call this on a half-built widget
        if picture is not None:
            picture.close()
        super().close()

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
    ) -> None:
        if layer not in LAYER_KINDS:
            raise SpecError(f"explore: layer must be one of {', '.join(LAYER_KINDS)}, got {layer!r}")
        for what, value in (("units", units), ("features", features), ("timesteps", timesteps)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SpecError(f"explore: {what} must be a positive whole number, got {value!r}")
        super().__init__(picture_height="760px", stack=False, max_params=max_params, cache=cache)
        kind = W.ToggleButtons(options=list(LAYER_KINDS), value=layer, style={"button_width": "120px"})
        kind.add_class("rnncount-layer")
        self.controls: dict[str, W.ValueWidget] = {
            "layer": kind,
            "units": _slider("units", "units h", units, 1, max_units, "h: units (the size of the state)"),
            "features": _slider("features", "features i", features, 1, max_features, "i: input features per step"),
            "timesteps": _slider("timesteps", "timesteps T", timesteps, 1, max_timesteps, "T never changes the count"),
            "use_bias": _checkbox("use-bias", "use_bias", use_bias, "drop the bias terms when off"),
            "return_sequences": _checkbox(
                "return-sequences", "return_sequences", return_sequences, "changes the output shape, never the count"
            ),
            "reset_after": _checkbox("reset-after", "reset_after (GRU)", reset_after, "GRU: a second bias row"),
            "bidirectional": _checkbox(
                "bidirectional", "Bidirectional", bidirectional, "a forward and a backward copy"
            ),
            "head": _slider("head", "Dense head", head, 0, 128, "units of a Dense layer on top (0: none)"),
        }
        sliders = W.VBox([self.controls[k] for k in ("units", "features", "timesteps", "head")])
        toggles = W.VBox([self.controls[k] for k in ("use_bias", "return_sequences", "reset_after", "bidirectional")])
        controls = W.VBox([kind, W.HBox([sliders, toggles], layout=W.Layout(flex_flow="row wrap"))])
        controls.add_class("rnncount-controls")
        self.children = (controls, self._spec_view, self._message, self._formula, self._views, self._diagram_note)
        self.add_class("rnncount-dashboard")
        self.add_class("rnncount-explore")
        for control in self.controls.values():
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
    ) -> None:
        if isinstance(spec, CountResult):
            input_shape = spec.input_shape[1:] if input_shape is None else input_shape
            layers = [lc.layer for lc in spec.layers]
        else:
            layers = parse_spec(spec) if isinstance(spec, str) else list(spec)
        shape = parse_shape(input_shape if input_shape is not None else (30, 5))
        if len(shape) not in (1, 2):
            raise SpecError(f"explore_stack: give the input as timesteps,features (e.g. 30,5), got {shape!r}")
        super().__init__(picture_height="760px", stack=True, max_params=max_params, cache=cache)
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
        add_kind = W.Dropdown(options=list(_STACK_KINDS), value="LSTM", layout=W.Layout(width="120px"))
        add_kind.add_class("rnncount-add-kind")
        add_units = W.BoundedIntText(value=32, min=1, max=max_units, layout=W.Layout(width="90px"))
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
        self.children = (controls, self._spec_view, self._message, self._formula, self._views, self._diagram_note)
        self.add_class("rnncount-dashboard")
        self.add_class("rnncount-explore-stack")
        self._structure_changed()

    # -- public editing API (what the buttons call) --

    @property
    def layers(self) -> list[Layer]:
        """The current layers (a copy)."""
        return list(self._layers)

    def add_layer(self, kind: str | Layer = "LSTM", units: int = 32, index: int | None = None) -> None:
        """Add a layer (a kind with units, or a layer object) at ``index`` (default: the end)."""
        layer = kind if isinstance(kind, Layer) else _make(kind, units)
        self._layers.insert(len(self._layers) if index is None else index, layer)
        self._structure_changed()

    def remove_layer(self, index: int) -> None:
        del self._layers[index]
        self._structure_changed()

    def move_layer(self, index: int, delta: int) -> None:
        """Move a layer up (``delta=-1``) or down (``+1``)."""
        target = index + delta
        if 0 <= target < len(self._layers) and target != index:
            self._layers.insert(target, self._layers.pop(index))
            self._structure_changed()

    def set_layer(self, index: int, layer: Layer) -> None:
        self._layers[index] = layer
        self._structure_changed()

    def set_spec(self, spec: str) -> None:
        """Replace the whole stack with a spec string (a parse error is shown, the stack kept)."""
        try:
            layers = parse_spec(spec)
        except SpecError as err:
            self._message.value = error_html(str(err))
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
        for row in self.controls["rows"]:
            for w in row.values():
                w.close()
        rows = []
        boxes = []
        n = len(self._layers)
        for k, layer in enumerate(self._layers):
            row = self._row(k, layer, n)
            rows.append(row)
            box = W.HBox(
                [W.HTML(f"<b>{k + 1}.</b>", layout=W.Layout(width="28px")), *row.values()],
                layout=W.Layout(align_items="center", flex_flow="row wrap"),
            )
            box.add_class("rnncount-stack-row")
            boxes.append(box)
        for box in self._rows_box.children:
            box.close()
        self.controls["rows"] = rows
        self._rows_box.children = tuple(boxes)

    def _row(self, k: int, layer: Layer, n: int) -> dict[str, Any]:
        inner = _inner(layer)
        editable = inner.kind in _STACK_KINDS
        options = list(_STACK_KINDS) if editable else [*_STACK_KINDS, inner.kind]
        kind = W.Dropdown(options=options, value=inner.kind, layout=W.Layout(width="120px"))
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
        up = W.Button(icon="arrow-up", tooltip="move up", disabled=k == 0, layout=W.Layout(width="36px"))
        down = W.Button(icon="arrow-down", tooltip="move down", disabled=k == n - 1, layout=W.Layout(width="36px"))
        remove = W.Button(icon="times", tooltip="remove this layer", layout=W.Layout(width="36px"))
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


def _make(kind: str, units: int, use_bias: bool = True) -> Layer:
    if kind == "Dense":
        return Dense(units, use_bias=use_bias)
    if kind in RECURRENT:
        return RECURRENT[kind](units, use_bias=use_bias)
    raise SpecError(f"explore_stack: choose a layer kind among {', '.join(_STACK_KINDS)}, got {kind!r}")


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
    ``max_features``, ``max_timesteps`` (slider ranges) and ``max_params`` (the
    largest model built in Keras; larger ones still get their formula and picture).
    Returns the widget; display it (it does not display itself).
    """
    return Explorer(layer, units, features, timesteps, **options)


def explore_stack(
    spec: str | Sequence[Layer] | CountResult = "", input_shape: Any = None, **options: Any
) -> StackExplorer:
    """The monster builder: start from a spec (or nothing), then add, remove, reorder and edit layers.

    ``input_shape`` is ``(timesteps, features)`` (default ``(30, 5)``). Shows the
    per-layer formula table with a running total, the Keras summary and the picture
    of every layer. Options: ``manage_sequences`` (default: on, unless the spec
    breaks the usual rule on purpose), ``max_units``, ``max_features``,
    ``max_timesteps``, ``max_params``. Returns the widget.
    """
    return StackExplorer(spec, input_shape, **options)


__all__ = ["Explorer", "StackExplorer", "explore", "explore_stack", "managed"]
