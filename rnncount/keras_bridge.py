"""The bridge to real Keras 3: build a model from a stack, explain any model.

Keras (and TensorFlow) are imported on the first call, never at ``import rnncount``.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ._text import grid
from .engine import CountResult, count
from .errors import BuildTooLargeError, KerasUnavailableError, RnncountTypeError, SpecError, shown, type_name
from .formula import group_digits
from .layers import (
    GRU,
    LSTM,
    Bidirectional,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Layer,
    RepeatVector,
    SimpleRNN,
    TimeDistributed,
    format_shape,
)

#: Builds whose weights exceed this many parameters are refused (float32: 4 bytes each).
DEFAULT_MAX_PARAMS = 50_000_000

#: Keras summaries are rendered at this width so they neither wrap nor depend on the terminal.
SUMMARY_WIDTH = 96


def keras() -> Any:
    """Import Keras quietly with the TensorFlow backend and return the module."""
    # TensorFlow's C++ start-up lines would otherwise land in notebook outputs.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:
        import keras as _keras
    except ImportError as err:
        raise KerasUnavailableError(
            f"Keras 3 with TensorFlow is not installed ({err}); rnncount still counts every layer "
            "(formula-only mode), but cannot build real models: pip install tensorflow keras"
        ) from None
    return _keras


def _bytes(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if size < 1000 or unit == "PB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size} PB"  # pragma: no cover


def check_buildable(total: int, max_params: int = DEFAULT_MAX_PARAMS) -> None:
    """Refuse a build whose float32 weights would not fit a sane memory budget."""
    if total > max_params:
        raise BuildTooLargeError(
            f"not building this model in Keras: its {group_digits(total)} weights would need about "
            f"{_bytes(4 * total)} of memory (float32), over the limit of {group_digits(max_params)} "
            f"parameters ({_bytes(4 * max_params)}); the count itself needs no build"
        )


def _zeros(layer: Layer) -> dict[str, str]:
    # Zero initialisers skip the random (and, for recurrent kernels, orthogonal) draws;
    # a display model only needs the shapes.
    if isinstance(layer, Embedding):
        return {"embeddings_initializer": "zeros"}
    if isinstance(layer, (SimpleRNN, LSTM, GRU)):
        init = {"kernel_initializer": "zeros", "recurrent_initializer": "zeros", "bias_initializer": "zeros"}
        if isinstance(layer, LSTM) and "unit_forget_bias" not in layer.extra:
            init["unit_forget_bias"] = False  # else the forget-gate bias starts at ones
        return init
    if isinstance(layer, Dense):
        return {"kernel_initializer": "zeros", "bias_initializer": "zeros"}
    return {}


def keras_layer(layer: Layer, name: str, zeros: bool = False) -> Any:
    """The Keras 3 layer for one rnncount layer, with an explicit name."""
    L = keras().layers
    init = _zeros(layer) if zeros else {}
    extra = dict(getattr(layer, "extra", {}) or {})
    if isinstance(layer, Dense):
        return L.Dense(layer.units, use_bias=layer.use_bias, name=name, **extra, **init)
    if isinstance(layer, Embedding):
        return L.Embedding(layer.input_dim, layer.output_dim, name=name, **extra, **init)
    if isinstance(layer, Flatten):
        return L.Flatten(name=name)
    if isinstance(layer, Dropout):
        return L.Dropout(layer.rate, name=name, **extra)
    if isinstance(layer, RepeatVector):
        return L.RepeatVector(layer.n, name=name)
    if isinstance(layer, (SimpleRNN, LSTM, GRU)):
        kwargs: dict[str, Any] = {
            "use_bias": layer.use_bias,
            "return_sequences": layer.return_sequences,
            "return_state": layer.return_state,
        }
        if isinstance(layer, GRU):
            kwargs["reset_after"] = layer.reset_after
        return getattr(L, layer.kind)(layer.units, name=name, **kwargs, **extra, **init)
    if isinstance(layer, Bidirectional):
        inner = keras_layer(layer.layer, f"{name}_{layer.layer.keras_base_name}", zeros)
        return L.Bidirectional(inner, merge_mode=layer.merge_mode, name=name)
    if isinstance(layer, TimeDistributed):
        return L.TimeDistributed(keras_layer(layer.layer, f"{name}_dense", zeros), name=name)
    raise SpecError(f"no Keras layer for {layer!r}")  # pragma: no cover


def build_model(
    spec: CountResult | str | Sequence[Layer],
    input_shape: Any = None,
    *,
    zeros: bool = False,
    max_params: int = DEFAULT_MAX_PARAMS,
    name: str = "sequential",
) -> Any:
    """Build the real Keras model of a stack: ``keras.Input`` plus explicitly named layers.

    ``zeros=True`` uses zero initialisers (fast; for display). Raises
    :class:`BuildTooLargeError` before allocating anything when the weights would
    exceed ``max_params``.
    """
    if isinstance(max_params, bool) or not isinstance(max_params, int):
        raise RnncountTypeError(f"max_params must be a whole number of parameters, got {type_name(max_params)}")
    if max_params < 0:
        raise SpecError(f"max_params cannot be negative, got {shown(max_params)}")
    if not isinstance(name, str):
        raise RnncountTypeError(f"the model's name must be a string, got {type_name(name)}")
    if not isinstance(zeros, bool):
        raise RnncountTypeError(f"zeros must be True or False, got {type_name(zeros)}")
    result = spec if isinstance(spec, CountResult) else count(spec, input_shape)
    check_buildable(result.total, max_params)
    k = keras()
    first = result.layers[0].layer if result.layers else None
    dtype = "int32" if isinstance(first, Embedding) else "float32"
    inp = k.Input(shape=result.input_shape[1:], dtype=dtype, name="input")
    layers = []
    for lc in result.layers:
        # rnncount checks every option it passes on; what Keras still refuses becomes one line.
        with _keras_refusal(f"{lc.name} ({lc.type})"):
            layers.append(keras_layer(lc.layer, lc.name, zeros))
    with _keras_refusal(f"the model {name!r}"):
        if isinstance(result.output_shape, list):
            # Several output tensors (return_state, merge_mode=None) need the functional API.
            x = inp
            for layer in layers:
                x = layer(x)
            return k.Model(inp, x, name=name)
        return k.Sequential([inp, *layers], name=name)


@contextmanager
def _keras_refusal(what: str) -> Iterator[None]:
    """Turn Keras's refusal of an argument (ValueError, TypeError) into one SpecError line."""
    try:
        yield
    except (ValueError, TypeError) as err:
        first = next((line.strip() for line in str(err).splitlines() if line.strip()), type(err).__name__)
        first = first if len(first) <= 300 else first[:297] + "..."
        raise SpecError(f"Keras refuses {what}: {first}") from None


def summary_text(model: Any, line_length: int = SUMMARY_WIDTH) -> str:
    """``model.summary()`` as the text Keras prints, at a fixed width, with no display side effects."""
    if not callable(getattr(model, "summary", None)) or not hasattr(model, "layers"):
        raise RnncountTypeError(f"summary_text() takes a Keras model, got {type_name(model)}")
    if isinstance(line_length, bool) or not isinstance(line_length, int):
        raise RnncountTypeError(f"line_length must be a whole number of characters, got {type_name(line_length)}")
    if not 40 <= line_length <= 1000:
        raise SpecError(f"line_length must be from 40 to 1000 characters, got {shown(line_length)}")
    chunks: list[str] = []

    def collect(text: str, line_break: bool | None = None) -> None:
        chunks.append(text)

    # rich sizes its console from COLUMNS (80 when not a terminal) and would cut the
    # table there, whatever line_length says; pin it for the duration of the call.
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(line_length + 4)
    try:
        try:
            from IPython.utils.capture import capture_output
        except ImportError:  # pragma: no cover - IPython ships with Jupyter
            model.summary(line_length=line_length, print_fn=collect)
        else:
            # Keras renders with rich, which also emits an empty display in Jupyter.
            with capture_output(display=True):
                model.summary(line_length=line_length, print_fn=collect)
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved
    return "\n".join(c.rstrip() for c in "".join(chunks).rstrip("\n").split("\n"))


def from_keras(layer: Any) -> Layer | None:
    """The rnncount layer matching a Keras layer, or ``None`` for a layer we have no formula for."""
    L = keras().layers
    name = getattr(layer, "name", None)
    cls = type(layer).__name__
    if type(layer) is L.Dense:
        return Dense(layer.units, use_bias=layer.use_bias, name=name)
    if type(layer) is L.Embedding:
        return Embedding(layer.input_dim, layer.output_dim, name=name)
    if type(layer) is L.Flatten:
        return Flatten(name=name)
    if type(layer) is L.Dropout:
        return Dropout(float(layer.rate), name=name)
    if type(layer) is L.RepeatVector:
        return RepeatVector(layer.n, name=name)
    if cls in ("SimpleRNN", "LSTM", "GRU") and type(layer) is getattr(L, cls):
        kwargs: dict[str, Any] = {
            "use_bias": layer.cell.use_bias,
            "return_sequences": layer.return_sequences,
            "return_state": layer.return_state,
        }
        if cls == "GRU":
            kwargs["reset_after"] = layer.cell.reset_after
        return {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}[cls](layer.units, name=name, **kwargs)
    if type(layer) is L.Bidirectional:
        inner = from_keras(layer.forward_layer)
        if isinstance(inner, (SimpleRNN, LSTM, GRU)) and not inner.return_state:
            return Bidirectional(inner, merge_mode=layer.merge_mode, name=name)
        return None
    if type(layer) is L.TimeDistributed:
        inner = from_keras(layer.layer)
        return TimeDistributed(inner, name=name) if isinstance(inner, Dense) else None
    return None


@dataclass(frozen=True)
class ExplainRow:
    """One layer of an explained Keras model."""

    name: str
    type: str
    keras_params: int
    our_params: int | None
    formula: str
    output_shape: str

    @property
    def known(self) -> bool:
        return self.our_params is not None

    @property
    def match(self) -> bool:
        return self.our_params == self.keras_params


@dataclass(frozen=True)
class Explanation:
    """A per-layer table for a Keras model: formula, our count, Keras's count, output shape."""

    model_name: str
    rows: tuple[ExplainRow, ...]

    @property
    def keras_total(self) -> int:
        return sum(r.keras_params for r in self.rows)

    @property
    def all_match(self) -> bool:
        """True when every layer we have a formula for agrees with Keras."""
        return all(r.match for r in self.rows if r.known)

    @property
    def unknown(self) -> list[str]:
        return [r.name for r in self.rows if not r.known]

    def table(self) -> str:
        head = ("Layer (type)", "Output shape", "Formula", "Ours", "Keras", "")
        rows = [
            (
                f"{r.name} ({r.type})",
                r.output_shape,
                r.formula,
                group_digits(r.our_params) if r.known else "-",
                group_digits(r.keras_params),
                ("ok" if r.match else "MISMATCH") if r.known else "(Keras's count)",
            )
            for r in self.rows
        ]
        out = [f"Model: {self.model_name}", *grid(head, rows, right=(3, 4))]
        out.append(f"Total params (Keras): {group_digits(self.keras_total)}")
        if self.unknown:
            out.append(f"No formula yet for: {', '.join(self.unknown)} (their counts are Keras's)")
        out.append("Every formula agrees with Keras." if self.all_match else "Some layers DISAGREE with Keras.")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        body = "".join(
            "<tr>"
            f"<td><code>{html.escape(r.name)}</code> ({html.escape(r.type)})</td>"
            f"<td><code>{html.escape(r.output_shape)}</code></td>"
            f"<td><code>{html.escape(r.formula)}</code></td>"
            f"<td style='text-align:right'>{group_digits(r.our_params) if r.known else '&ndash;'}</td>"
            f"<td style='text-align:right'>{group_digits(r.keras_params)}</td>"
            f"<td>{('&#10003;' if r.match else '&#10007; mismatch') if r.known else '(Keras&rsquo;s count)'}</td>"
            "</tr>"
            for r in self.rows
        )
        return (
            f"<table class='rnncount-explain'><caption>{html.escape(self.model_name)}</caption>"
            "<tr><th>Layer (type)</th><th>Output shape</th><th>Formula</th><th>Ours</th><th>Keras</th><th></th></tr>"
            f"{body}<tr><th colspan='4' style='text-align:left'>Total (Keras)</th>"
            f"<th style='text-align:right'>{group_digits(self.keras_total)}</th><th></th></tr></table>"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_name,
            "total": self.keras_total,
            "all_match": self.all_match,
            "layers": [r.__dict__ for r in self.rows],
        }


def _shape_of(tensor: Any) -> Any:
    if isinstance(tensor, (list, tuple)) and tensor and hasattr(tensor[0], "shape"):
        return [tuple(t.shape) for t in tensor]
    return tuple(tensor.shape)


def explain(model: Any) -> Explanation:
    """Explain any built Keras model (Sequential or functional), layer by layer.

    Layers rnncount knows are counted from their formula and compared with Keras;
    any other layer is listed with Keras's count and "no formula yet".
    """
    if not getattr(model, "built", True) or (not model.weights and any(not lay.built for lay in model.layers)):
        raise SpecError(
            "this model is not built yet: weights exist only once a model knows its input shape "
            "(Keras shows '0 (unbuilt)'); start it with keras.Input(shape=...)"
        )
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        keras_params = int(layer.count_params())
        try:
            out_shape = _shape_of(layer.output)
            in_shape = _shape_of(layer.input)
        except (AttributeError, ValueError):
            out_shape = in_shape = None
        ours = from_keras(layer)
        our_params = None
        formula = "no formula yet"
        if ours is not None and in_shape is not None and not isinstance(in_shape, list):
            try:
                counted = count([ours], in_shape[1:]).layers[0]
            except SpecError as err:
                formula = f"cannot count: {err}"
            else:
                our_params = counted.params
                formula = counted.formula.text
        rows.append(
            ExplainRow(
                name=layer.name,
                type=ours.type_name if ours is not None else type(layer).__name__,
                keras_params=keras_params,
                our_params=our_params,
                formula=formula,
                output_shape=format_shape(out_shape) if out_shape is not None else "?",
            )
        )
    return Explanation(getattr(model, "name", "model"), tuple(rows))
