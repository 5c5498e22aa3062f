"""The bridge to real Keras 3: build a model from a stack, explain any model.

Keras (and TensorFlow) are imported on the first call, never at ``import rnncount``.
"""

from __future__ import annotations

import html
import json
import math
import os
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..core.engine import CountResult, count
from ..core.formula import group_digits
from ..core.layers import (
    LAYER_TYPES,
    Embedding,
    Layer,
    MultiHeadAttention,
    format_shape,
)
from ..core.text import grid
from ..errors import (
    BuildTooLargeError,
    KerasUnavailableError,
    ModelFileError,
    RnncountTypeError,
    SpecError,
    shown,
    type_name,
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


def keras_layer(layer: Layer, name: str | None, zeros: bool = False) -> Any:
    """The Keras 3 layer for one rnncount layer, with an explicit name (each kind says how it is built)."""
    return layer.to_keras(keras().layers, name, zeros, lambda inner, inner_name: keras_layer(inner, inner_name, zeros))


def _call(klayer: Any, layer: Layer, x: Any) -> Any:
    """Call a Keras layer the way a linear stack feeds it: attention attends to itself."""
    if isinstance(x, (list, tuple)):
        x = list(keras().tree.flatten(x))  # StackedRNNCells' states come nested: (output, [h, c], h)
    if layer.inputs == "attention":
        query, value = (x[0], x[1]) if isinstance(x, list) else (x, x)
        if isinstance(layer, MultiHeadAttention):
            return klayer(query, value)
        return klayer([query, value])
    return klayer(x)


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
    functional = any(isinstance(lc.output_shape, list) or lc.layer.inputs != "one" for lc in result.layers)
    with _keras_refusal(f"the model {name!r}"):
        if functional:
            # Several output tensors (return_state, merge_mode=None), merge and attention layers
            # need the functional API.
            x = inp
            for klayer, lc in zip(layers, result.layers, strict=True):
                x = _call(klayer, lc.layer, x)
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
    """The rnncount layer matching a Keras layer, or ``None`` for a layer we have no formula for.

    Only Keras's own classes are matched (a subclass may add weights of its own). A frozen
    layer (``trainable=False``) comes back with ``extra={"trainable": False}``.
    """
    try:
        return _from_keras(layer)
    except (SpecError, AttributeError, KeyError, TypeError, ValueError):
        return None


def _from_keras(layer: Any) -> Layer | None:
    # Only Keras's own classes: a subclass may add weights of its own.
    cls = LAYER_TYPES.get(type(layer).__name__)
    if cls is None or getattr(keras().layers, cls.kind, None) is not type(layer):
        return None
    extra: dict[str, Any] = {} if layer.trainable else {"trainable": False}
    return cls.from_keras(layer, _from_keras, extra)


def _is_shape(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and all(d is None or isinstance(d, int) for d in value)


def _tensor_shapes(value: Any) -> list[tuple]:
    tree = keras().tree
    return [tuple(t.shape) for t in tree.flatten(value) if hasattr(t, "shape")]


def _input_shapes(layer: Any, ours: Layer) -> list[tuple] | None:
    """The shapes a layer was built on: from its build config, else from its input tensors.

    The build config is there for every built layer however it was called (with a mask,
    initial_state, constants, inside a subclassed model); the input tensors also list
    masks and states, so only the first one counts for a layer of one input.
    """
    shapes: list[tuple] | None = None
    try:
        config = layer.get_build_config() or {}
    except Exception:
        config = {}
    if "input_shape" in config:
        value = config["input_shape"]
        if _is_shape(value):
            shapes = [tuple(value)]
        elif isinstance(value, (list, tuple)) and all(_is_shape(v) for v in value):
            shapes = [tuple(v) for v in value]
    elif isinstance(config.get("shapes_dict"), dict):
        found = config["shapes_dict"]
        keys = ["query_shape", "value_shape", "key_shape"] if ours.inputs == "attention" else list(found)
        shapes = [tuple(found[k]) for k in keys if _is_shape(found.get(k))]
    if not shapes:
        try:
            shapes = _tensor_shapes(layer.input)
        except (AttributeError, ValueError):
            return None
    if not shapes:
        return None
    if ours.inputs == "one":
        shapes = shapes[:1]
    elif ours.inputs == "attention":
        shapes = shapes[:3]
    return [(None, *s[1:]) for s in shapes]


def _keras_output_shape(layer: Any) -> Any:
    try:
        shapes = _tensor_shapes(layer.output)
    except (AttributeError, ValueError):
        return None
    if not shapes:
        return None
    return shapes[0] if len(shapes) == 1 else shapes


def _size(weights: Any) -> int:
    return sum(math.prod(tuple(w.shape)) for w in weights)


@dataclass(frozen=True)
class ExplainRow:
    """One row of an explained Keras model: a layer, a nested model's heading, or its sub-total."""

    name: str
    type: str
    keras_params: int
    our_params: int | None
    formula: str
    output_shape: str
    keras_trainable: int = 0
    keras_non_trainable: int = 0
    our_trainable: int | None = None
    our_non_trainable: int | None = None
    depth: int = 0
    row: str = "layer"  # "layer", "model" (a nested model's heading) or "subtotal"
    note: str = ""

    @property
    def known(self) -> bool:
        return self.our_params is not None

    @property
    def match(self) -> bool:
        if self.row == "model":
            return True
        return self.our_params == self.keras_params and (
            self.our_trainable is None or self.our_trainable == self.keras_trainable
        )

    @property
    def counted(self) -> int:
        """Our count where we have one, else Keras's."""
        return self.our_params if self.our_params is not None else self.keras_params


@dataclass(frozen=True)
class Explanation:
    """A per-layer table for a Keras model: formula, our count, Keras's count, output shape."""

    model_name: str
    rows: tuple[ExplainRow, ...]
    keras_total: int = 0
    keras_trainable: int = 0
    keras_non_trainable: int = 0

    @property
    def layers(self) -> list[ExplainRow]:
        """The rows of layers (not nested models' headings and sub-totals)."""
        return [r for r in self.rows if r.row == "layer"]

    @property
    def our_total(self) -> int:
        """Our count of the whole model, with Keras's count for the layers we have no formula for."""
        return sum(r.counted for r in self.rows if r.depth == 0 and r.row != "model")

    @property
    def our_trainable(self) -> int:
        return sum(r.our_trainable if r.our_trainable is not None else r.keras_trainable for r in self.layers)

    @property
    def all_match(self) -> bool:
        """True when every layer we have a formula for agrees with Keras (counts and trainable split)."""
        return all(r.match for r in self.rows if r.known) and self.our_total == self.keras_total

    @property
    def unknown(self) -> list[str]:
        return [r.name for r in self.layers if not r.known]

    @property
    def mismatches(self) -> list[str]:
        return [r.name for r in self.layers if r.known and not r.match]

    @property
    def verdict(self) -> str:
        """``N of M layers counted by formula, all agree with Keras; K without a formula (...)``."""
        layers = self.layers
        m = len(layers)
        n = sum(r.known for r in layers)
        k = m - n
        if m == 0:
            return "The model has no layers to count."
        without = f"{k} without a formula (their counts are Keras's)"
        if n == 0:
            return f"0 of {m} layers counted by formula; {without}."
        bad = self.mismatches
        if bad:
            text = f"{n} of {m} layers counted by formula; {len(bad)} DISAGREE with Keras: {', '.join(bad)}"
        elif not self.all_match:
            text = f"{n} of {m} layers counted by formula; the model's total DISAGREES with Keras"
        else:
            text = f"{n} of {m} layers counted by formula, all agree with Keras"
        return f"{text}; {without}." if k else f"{text}."

    def _status(self, r: ExplainRow) -> str:
        if r.row == "model":
            return ""
        if not r.known:
            return "(Keras's count)"
        return "ok" if r.match else "MISMATCH"

    def table(self) -> str:
        split = self.keras_non_trainable > 0 or any(r.keras_non_trainable for r in self.rows)
        head = ["Layer (type)", "Output shape", "Formula", "Ours", "Keras"]
        if split:
            head.append("Non-trainable")
        head.append("")
        rows = []
        for r in self.rows:
            indent = "  " * r.depth
            label = f"{indent}{r.name} ({r.type})" if r.row != "subtotal" else f"{indent}sub-total of {r.name}"
            ours = "" if r.row == "model" else group_digits(r.our_params) if r.known else "-"
            keras_count = "" if r.row == "model" else group_digits(r.keras_params)
            row = [label, r.output_shape, r.formula, ours, keras_count]
            if split:
                row.append("" if r.row == "model" else group_digits(r.keras_non_trainable))
            row.append(self._status(r))
            rows.append(tuple(row))
        out = [f"Model: {self.model_name}", *grid(tuple(head), rows, right=(3, 4, 5) if split else (3, 4))]
        out.append(f"Total params: {group_digits(self.our_total)} (Keras: {group_digits(self.keras_total)})")
        out.append(
            f"Trainable params: {group_digits(self.our_trainable)} (Keras: {group_digits(self.keras_trainable)})"
        )
        out.append(
            f"Non-trainable params: {group_digits(self.our_total - self.our_trainable)} "
            f"(Keras: {group_digits(self.keras_non_trainable)})"
        )
        for r in self.layers:
            if r.note and r.type == "Lambda":
                out.append(f"{r.name}: {r.note}")
        out.append(self.verdict)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        def cell(r: ExplainRow) -> str:
            status = self._status(r)
            mark = {"ok": "&#10003;", "MISMATCH": "&#10007; mismatch", "": ""}.get(status, "(Keras&rsquo;s count)")
            pad = f"padding-left:{1.2 * r.depth:.1f}em"
            label = (
                f"sub-total of {html.escape(r.name)}"
                if r.row == "subtotal"
                else (f"<code>{html.escape(r.name)}</code> ({html.escape(r.type)})")
            )
            ours = "" if r.row == "model" else group_digits(r.our_params) if r.known else "&ndash;"
            keras_count = "" if r.row == "model" else group_digits(r.keras_params)
            return (
                f"<tr title='{html.escape(r.note)}'><td style='{pad}'>{label}</td>"
                f"<td><code>{html.escape(r.output_shape)}</code></td>"
                f"<td><code>{html.escape(r.formula)}</code></td>"
                f"<td style='text-align:right'>{ours}</td>"
                f"<td style='text-align:right'>{keras_count}</td><td>{mark}</td></tr>"
            )

        body = "".join(cell(r) for r in self.rows)
        return (
            f"<table class='rnncount-explain'><caption>{html.escape(self.model_name)}</caption>"
            "<tr><th>Layer (type)</th><th>Output shape</th><th>Formula</th><th>Ours</th><th>Keras</th><th></th></tr>"
            f"{body}<tr><th colspan='3' style='text-align:left'>Total (trainable {group_digits(self.keras_trainable)},"
            f" non-trainable {group_digits(self.keras_non_trainable)})</th>"
            f"<th style='text-align:right'>{group_digits(self.our_total)}</th>"
            f"<th style='text-align:right'>{group_digits(self.keras_total)}</th><th></th></tr></table>"
            f"<p>{html.escape(self.verdict)}</p>"
        )

    def to_dict(self) -> dict[str, Any]:
        """What ``rnncount explain --json`` prints."""
        return {
            "model": self.model_name,
            "total": self.keras_total,
            "trainable": self.keras_trainable,
            "non_trainable": self.keras_non_trainable,
            "our_total": self.our_total,
            "all_match": self.all_match,
            "counted": sum(r.known for r in self.layers),
            "layers_total": len(self.layers),
            "without_formula": self.unknown,
            "mismatches": self.mismatches,
            "verdict": self.verdict,
            "layers": [{**r.__dict__, "known": r.known, "match": r.match} for r in self.rows],
        }


def _count_layer(layer: Any, ours: Layer) -> tuple[Any, str]:
    """(the LayerCount of ``ours`` on the shapes ``layer`` was built on, or None; why not)."""
    from ..core.engine import LayerCount

    shapes = _input_shapes(layer, ours)
    if shapes is None:
        return None, ""
    try:
        built = ours.build_many(shapes) if len(shapes) > 1 or ours.inputs == "list" else ours.build(shapes[0])
    except SpecError as err:
        return None, f"cannot count: {err}"
    return LayerCount(layer.name, ours, built), ""


def count_keras_layer(layer: Any) -> Any:
    """The :class:`~rnncount.core.engine.LayerCount` of one built Keras layer, or ``None`` without a formula.

    The layer's input shapes come from its build config (or its input tensors), so it
    works however the layer was called and in any kind of model.
    """
    ours = from_keras(layer)
    return None if ours is None else _count_layer(layer, ours)[0]


def _layer_row(layer: Any, depth: int) -> ExplainRow:
    kind = type(layer).__name__
    keras_trainable, keras_non = _size(layer.trainable_weights), _size(layer.non_trainable_weights)
    keras_params = keras_trainable + keras_non
    keras_shape = _keras_output_shape(layer)
    ours = from_keras(layer)
    if ours is None:
        return ExplainRow(
            layer.name, kind, keras_params, None, f"no formula for {kind} (count from Keras)",
            format_shape(keras_shape) if keras_shape is not None else "?",
            keras_trainable, keras_non, depth=depth,
            note=f"rnncount has no formula for {kind}; its count is Keras's",
        )  # fmt: skip
    counted, problem = _count_layer(layer, ours)
    if counted is None:
        if ours.no_weights:  # no weights whatever the shape
            shown = format_shape(keras_shape) if keras_shape is not None else "?"
            return ExplainRow(
                layer.name, ours.type_name, keras_params, 0, "0 (no weights)", shown, keras_trainable, keras_non,
                0, 0, depth, note=ours.unknown_shape_note,
            )  # fmt: skip
        return ExplainRow(
            layer.name, ours.type_name, keras_params, None, problem or "no formula: its input shape is unknown",
            format_shape(keras_shape) if keras_shape is not None else "?", keras_trainable, keras_non, depth=depth,
        )  # fmt: skip
    shape = keras_shape if keras_shape is not None else counted.output_shape
    return ExplainRow(
        layer.name, ours.type_name, keras_params, counted.params, counted.formula.text, format_shape(shape),
        keras_trainable, keras_non, counted.trainable_params, counted.non_trainable_params, depth, note=counted.note,
    )  # fmt: skip


def _rows_above(n: int) -> str:
    return f"the {n} row above" if n == 1 else f"the {n} rows above"


def _rows(layers: Sequence[Any], depth: int) -> list[ExplainRow]:
    model_class = keras().Model
    rows: list[ExplainRow] = []
    for layer in layers:
        if type(layer).__name__ == "InputLayer":
            continue
        if not isinstance(layer, model_class):
            rows.append(_layer_row(layer, depth))
            continue
        # A model inside the model: its own layers, indented, then its sub-total.
        keras_trainable, keras_non = _size(layer.trainable_weights), _size(layer.non_trainable_weights)
        shape = _keras_output_shape(layer)
        shown = format_shape(shape) if shape is not None else ""
        inner = _rows(layer.layers, depth + 1)
        direct = [r for r in inner if r.depth == depth + 1 and r.row != "model"]
        rows.append(ExplainRow(layer.name, type(layer).__name__, 0, None, "a model inside the model:", shown,
                               depth=depth, row="model"))  # fmt: skip
        rows += inner
        trainable = sum(r.our_trainable if r.our_trainable is not None else r.keras_trainable for r in direct)
        rows.append(
            ExplainRow(
                layer.name, "sub-total", keras_trainable + keras_non, sum(r.counted for r in direct),
                _rows_above(len(direct)), "", keras_trainable, keras_non, trainable,
                sum(r.counted for r in direct) - trainable, depth, row="subtotal",
            )
        )  # fmt: skip
    return rows


def explain(model: Any) -> Explanation:
    """Explain any built Keras model (Sequential, functional, subclassed, nested), layer by layer.

    Layers rnncount knows are counted from their formula, however they are called (with a
    mask, ``initial_state`` or constants), and compared with Keras, counts and trainable split;
    a nested model's layers follow it, indented, with a sub-total. Any other layer is listed
    with Keras's count and "no formula for ...". ``str()`` of the result is the table,
    ``.verdict`` the one-line summary, ``.to_dict()`` the data.
    """
    k = keras()
    if not isinstance(model, k.Model):
        what = "None" if model is None else f"a {type(model).__name__}"
        hint = (
            "; to explain a saved file, load it with keras.saving.load_model(path) or run: rnncount explain FILE"
            if isinstance(model, (str, os.PathLike))
            else ""
        )
        if isinstance(model, k.layers.Layer):
            hint = "; put the layer in a model first, e.g. keras.Sequential([keras.Input(shape=...), layer])"
        raise RnncountTypeError(
            f"explain() takes a Keras model (keras.Sequential, keras.Model or one loaded with "
            f"keras.saving.load_model), got {what}{hint}"
        )
    if not model.built or (not model.weights and any(not lay.built for lay in model.layers)):
        raise SpecError(
            "this model is not built yet: weights exist only once a model knows its input shape "
            "(Keras shows '0 (unbuilt)'); start it with keras.Input(shape=...)"
        )
    rows = _rows(model.layers, 0)
    trainable, non = _size(model.trainable_weights), _size(model.non_trainable_weights)
    return Explanation(getattr(model, "name", "model"), tuple(rows), trainable + non, trainable, non)


_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _classes(config: Any) -> list[tuple[str, str]]:
    """Every (class_name, layer name) in a saved model's config, however deeply nested."""
    found: list[tuple[str, str]] = []
    if isinstance(config, dict):
        if isinstance(config.get("class_name"), str):
            inner = config.get("config")
            name = inner.get("name", "") if isinstance(inner, dict) else ""
            found.append((config["class_name"], name if isinstance(name, str) else ""))
        for value in config.values():
            found += _classes(value)
    elif isinstance(config, list):
        for value in config:
            found += _classes(value)
    return found


def _lambda_refusal(head: str, config: Any) -> None:
    lambdas = [name for cls, name in _classes(config) if cls == "Lambda"]
    if lambdas:
        raise ModelFileError(
            f"{head}: it holds a Lambda layer ({lambdas[0]!r}), whose Python code rnncount never runs (Keras's "
            "safe_mode stays on); if you trust the file, load it yourself with "
            "keras.saving.load_model(path, safe_mode=False) and pass the model to rnncount.explain"
        )


def _what_it_is(data: bytes) -> str:
    text = data[:200].lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text:
        return "it is a web page (HTML), not a model: the download saved a page instead of the file"
    if data.startswith(_HDF5_SIGNATURE):
        return "it is an HDF5 file, not a zip archive; if it is a Keras 2 model, name it .h5"
    if data.startswith(b"PK"):
        return "the zip archive is incomplete (cut short?); download it again"
    if text.startswith((b"{", b"[")):
        return "it is a text (JSON) file, not a zip archive: a .keras file is a zip of config.json and the weights"
    return "it is not a zip archive (a .keras file is one): the file is damaged or not a Keras model"


def _check_keras_zip(path: str, head: str) -> None:
    with open(path, "rb") as fh:
        start = fh.read(512)
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{head}: {_what_it_is(start)}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "config.json" not in names:
                held = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "") if names else "nothing"
                raise ModelFileError(
                    f"{head}: the zip archive has no config.json, so it is not a Keras model (it holds {held})"
                )
            bad = archive.testzip()
            if bad is not None:
                raise ModelFileError(f"{head}: the archive is corrupt (bad CRC in {bad}); download it again")
            raw = archive.read("config.json")
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as err:
        raise ModelFileError(f"{head}: the archive is corrupt ({_first_line(err)}); download it again") from None
    except Exception as err:
        raise ModelFileError(f"{head}: the archive is corrupt ({_first_line(err)}); download it again") from None
    try:
        config = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise ModelFileError(f"{head}: its config.json is not valid JSON ({_first_line(err)})") from None
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ModelFileError(f"{head}: its config.json does not describe a model (it has no class_name)")
    _lambda_refusal(head, config)


def _check_h5(path: str, head: str) -> None:
    with open(path, "rb") as fh:
        start = fh.read(512)
    if not start.startswith(_HDF5_SIGNATURE):
        if zipfile.is_zipfile(path):
            raise ModelFileError(f"{head}: it is a zip archive (a Keras 3 model?), not HDF5; name it .keras")
        raise ModelFileError(
            f"{head}: it is not an HDF5 file (an .h5 model starts with the HDF5 signature); "
            "the file is damaged or not a Keras model"
        )
    try:
        import h5py

        with h5py.File(path, "r") as f:
            raw = f.attrs.get("model_config")
    except ImportError:  # pragma: no cover - h5py comes with Keras
        return
    except Exception as err:
        raise ModelFileError(f"{head}: the HDF5 file is damaged ({_first_line(err)}); download it again") from None
    if raw is None:
        raise ModelFileError(f"{head}: the HDF5 file holds no model_config (only weights?), so it is not a model")
    try:
        config = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise ModelFileError(f"{head}: its model_config is not valid JSON ({_first_line(err)})") from None
    _lambda_refusal(head, config)


def _first_line(err: BaseException) -> str:
    text = " ".join(str(err).split("\n")[0].split()) or type(err).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _load_failure(head: str, err: BaseException) -> ModelFileError:
    import re

    text = str(err)
    unknown = re.search(r"[Cc]ould not (?:locate|deserialize)(?: class)? '(?:[\w.]+\.)?([^'.]+)'", text) or re.search(
        r"Unknown (?:layer|object|class)[^'\"]*['\"]([^'\"]+)['\"]", text
    )
    if unknown:
        return ModelFileError(
            f"{head}: it uses a class Keras does not know, {unknown.group(1)!r} (a custom layer or model); load it "
            "in Python with keras.saving.load_model(path, custom_objects=...) and pass the model to rnncount.explain"
        )
    if "safe_mode" in text or "Lambda" in text:
        return ModelFileError(
            f"{head}: it holds code (a Lambda layer) that rnncount never runs (Keras's safe_mode stays on)"
        )
    return ModelFileError(f"{head}: its config is not one Keras can build ({_first_line(err)})")


def load_model_file(path: str | os.PathLike) -> Any:
    """Load a saved Keras model (``.keras``, or a legacy ``.h5``) for :func:`explain`, safely.

    Never runs code from the file (``safe_mode`` stays on, and a Lambda layer is named
    before Keras sees it). A file that is not a loadable model raises
    :class:`~rnncount.errors.ModelFileError` with one line: what the file is and what is wrong.
    """
    import warnings
    from pathlib import Path

    shown = os.fspath(path)
    head = f"cannot read {shown!r} as a Keras model"
    p = Path(shown)
    if not p.exists():
        raise ModelFileError(f"{head}: there is no such file")
    if p.is_dir():
        if (p / "saved_model.pb").exists():
            raise ModelFileError(
                f"{head}: it is a TensorFlow SavedModel folder, which Keras 3 does not load; "
                "save the model as a .keras file (model.save('model.keras'))"
            )
        raise ModelFileError(f"{head}: it is a directory, not a file")
    try:
        size = p.stat().st_size
        with open(p, "rb"):
            pass
    except OSError as err:
        raise ModelFileError(f"{head}: the file cannot be opened ({err.strerror or _first_line(err)})") from None
    if size == 0:
        raise ModelFileError(f"{head}: the file is empty (0 bytes)")
    suffix = p.suffix.lower()
    if suffix == ".keras":
        _check_keras_zip(shown, head)
    elif suffix in (".h5", ".hdf5"):
        _check_h5(shown, head)
    else:
        raise ModelFileError(
            f"{head}: rnncount explains Keras model files ending in .keras (or legacy .h5), "
            f"and this one ends in {suffix or 'nothing'!r}"
        )
    k = keras()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return k.saving.load_model(shown, compile=False, safe_mode=True)
    except Exception as err:
        raise _load_failure(head, err) from None
