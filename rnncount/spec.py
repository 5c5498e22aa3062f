"""Spec strings, parsed (never evaluated) into layer objects.

A spec is written the way a teacher writes a model on a slide::

    SimpleRNN(30, return_sequences=True) > GRU(20) > Dense(1)

Each layer is a call with literal arguments; ``Bidirectional`` and
``TimeDistributed`` take a nested call. Python's ``ast`` reads the text and only
literals are accepted, so nothing a user types is ever executed.
"""

from __future__ import annotations

import ast
import difflib
from typing import Any

from .errors import SpecError
from .layers import (
    LAYER_TYPES,
    Layer,
    cosmetic_options,
)

# Positional parameter names, in Keras's order.
_POSITIONAL: dict[str, tuple[str, ...]] = {
    "Dense": ("units",),
    "Embedding": ("input_dim", "output_dim"),
    "Flatten": (),
    "Dropout": ("rate",),
    "RepeatVector": ("n",),
    "SimpleRNN": ("units",),
    "LSTM": ("units",),
    "GRU": ("units",),
    "Bidirectional": ("layer",),
    "TimeDistributed": ("layer",),
}

# The layers around recurrent layers (convolutions, pooling, normalisation, attention, merging),
# and RNN(cell): (positional parameters, keyword parameters), in Keras's order.
_MORE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "RNN": (("cell",), ("cell", "return_sequences", "return_state")),
    "SimpleRNNCell": (("units",), ("units", "use_bias")),
    "LSTMCell": (("units",), ("units", "use_bias")),
    "GRUCell": (("units",), ("units", "use_bias", "reset_after")),
    "StackedRNNCells": (("cells",), ("cells",)),
    **{
        kind: (
            ("filters", "kernel_size", "strides", "padding"),
            ("filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "use_bias"),
        )
        for kind in ("Conv1D", "Conv2D")
    },
    **{
        kind: (("pool_size", "strides", "padding"), ("pool_size", "strides", "padding"))
        for kind in ("MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D")
    },
    **{
        kind: ((), ("keepdims",))
        for kind in ("GlobalMaxPooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling2D")
    },
    "BatchNormalization": (("axis",), ("axis", "center", "scale")),
    "LayerNormalization": (("axis",), ("axis", "center", "scale", "rms_scaling")),
    "MultiHeadAttention": (
        ("num_heads", "key_dim", "value_dim"),
        ("num_heads", "key_dim", "value_dim", "use_bias", "output_shape"),
    ),
    "Attention": (("use_scale", "score_mode"), ("use_scale", "score_mode")),
    "AdditiveAttention": (("use_scale",), ("use_scale",)),
    "Concatenate": (("axis",), ("axis",)),
    **{kind: ((), ()) for kind in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")},
    "Reshape": (("target_shape",), ("target_shape",)),
    "Permute": (("dims",), ("dims",)),
    "Masking": (("mask_value",), ("mask_value",)),
    "SpatialDropout1D": (("rate",), ("rate",)),
    "GaussianNoise": (("stddev",), ("stddev",)),
    "Activation": (("activation",), ("activation",)),
    "Lambda": (("function",), ("function",)),
}
_POSITIONAL.update({kind: pos for kind, (pos, _) in _MORE.items()})

_KEYWORDS: dict[str, tuple[str, ...]] = {
    "Dense": ("units", "use_bias"),
    "Embedding": ("input_dim", "output_dim"),
    "Flatten": (),
    "Dropout": ("rate",),
    "RepeatVector": ("n",),
    "SimpleRNN": ("units", "use_bias", "return_sequences", "return_state"),
    "LSTM": ("units", "use_bias", "return_sequences", "return_state"),
    "GRU": ("units", "use_bias", "return_sequences", "return_state", "reset_after"),
    "Bidirectional": ("layer", "merge_mode", "backward_layer"),
    "TimeDistributed": ("layer",),
    **{kind: kw for kind, (_, kw) in _MORE.items()},
}

# Keras 2 habits that no longer work, with what to do instead.
_KERAS2 = {
    "input_shape": "input_shape= on a layer is a Keras 2 idiom; give the input shape separately "
    "(count(spec, input_shape) or --input), which becomes keras.Input(shape=...)",
    "input_dim": "input_dim= on a layer is a Keras 2 idiom; give the input shape separately",
    "input_length": "input_length= was removed from Embedding in Keras 3; the sequence length comes "
    "from the input shape (e.g. --input 100)",
    "batch_input_shape": "batch_input_shape= is a Keras 2 idiom; give the input shape separately",
}

_PREFIXES = ("keras.layers", "layers", "tf.keras.layers", "keras.src.layers")


def _where(node: ast.AST, index: int | None = None) -> str:
    col = getattr(node, "col_offset", None)
    parts = []
    if index is not None:
        parts.append(f"layer {index}")
    if col is not None:
        parts.append(f"column {col + 1}")
    return ", ".join(parts)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _layer_name(func: ast.AST, where: str) -> str:
    dotted = _dotted(func)
    if dotted is None:
        raise SpecError(f"{where}: expected a layer name such as LSTM(32), got {ast.unparse(func)!r}")
    prefix, _, name = dotted.rpartition(".")
    if prefix and prefix not in _PREFIXES:
        raise SpecError(f"{where}: {dotted!r} is not a layer; write the layer's name, e.g. LSTM(32)")
    if name not in LAYER_TYPES:
        close = difflib.get_close_matches(name, list(LAYER_TYPES), n=1, cutoff=0.6)
        lowered = {k.lower(): k for k in LAYER_TYPES}
        hint = close[0] if close else lowered.get(name.lower())
        known = ", ".join(LAYER_TYPES)
        extra = f"; did you mean {hint}?" if hint else f" (known layers: {known})"
        raise SpecError(f"{where}: unknown layer {name!r}{extra}")
    return name


def _literal(node: ast.AST, what: str, where: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise SpecError(
            f"{where}: {what} must be a literal value (a number, True/False, a string or None), "
            f"got {ast.unparse(node)!r}"
        ) from None


def _parse_call(node: ast.AST, index: int, nested: bool = False) -> Layer:
    where = _where(node, index)
    if isinstance(node, (ast.Name, ast.Attribute)) and _dotted(node):
        name = _layer_name(node, where)
        raise SpecError(f"{where}: {name} needs parentheses, e.g. {name}({'32' if _POSITIONAL[name] else ''})")
    if not isinstance(node, ast.Call):
        raise SpecError(f"{where}: expected a layer such as LSTM(32), got {ast.unparse(node)!r}")
    kind = _layer_name(node.func, where)
    where = f"{kind} ({where})"
    if kind == "Lambda":
        raise SpecError(
            f"{where}: a Lambda runs a Python function, which a spec never holds (nothing typed is run), "
            "so its output shape cannot be known in general; use rnncount.explain on the Keras model"
        )
    positional = _POSITIONAL[kind]
    allowed = set(_KEYWORDS[kind])
    cosmetic = cosmetic_options(kind)
    args: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    if len(node.args) > len(positional):
        raise SpecError(
            f"{where}: takes {len(positional)} positional argument(s) "
            f"({', '.join(positional) or 'none'}), got {len(node.args)}"
        )
    nested_param = "layer" if kind in ("Bidirectional", "TimeDistributed") else None
    # Bidirectional(..., backward_layer=GRU(...)), RNN(LSTMCell(4)), StackedRNNCells([LSTMCell(4), GRUCell(2)])
    nested_more = {"Bidirectional": "backward_layer", "RNN": "cell"}.get(kind)
    for pname, arg in zip(positional, node.args, strict=False):
        args[pname] = arg
    for kw in node.keywords:
        if kw.arg is None:
            raise SpecError(f"{where}: ** arguments are not allowed in a spec")
        if kw.arg in args:
            raise SpecError(f"{where}: {kw.arg} is given twice")
        args[kw.arg] = kw.value
    values: dict[str, Any] = {}
    name: str | None = None
    for key, arg in args.items():
        if key in (nested_param, nested_more):
            values[key] = _parse_call(arg, index, nested=True)
        elif kind == "StackedRNNCells" and key == "cells":
            if not isinstance(arg, (ast.List, ast.Tuple)):
                raise SpecError(f"{where}: cells must be a list of cells, e.g. [LSTMCell(8), GRUCell(4)]")
            values[key] = [_parse_call(elt, index, nested=True) for elt in arg.elts]
        elif key == "name":
            name = _literal(arg, "name", where)
            if not isinstance(name, str) or not name.isidentifier():
                raise SpecError(f"{where}: name must be a simple identifier string, got {name!r}")
        elif key in allowed:
            values[key] = _literal(arg, key, where)
        elif key in cosmetic:
            extra[key] = _literal(arg, key, where)
        elif key in _KERAS2:
            raise SpecError(f"{where}: {_KERAS2[key]}")
        elif key == "return_state" or key == "reset_after":
            raise SpecError(f"{where}: {key} is not an option of {kind}")
        else:
            known = sorted(allowed | cosmetic | {"name"})
            raise SpecError(f"{where}: unknown argument {key!r} (known: {', '.join(known)})")
    missing = [p for p in positional if p not in values and p not in _DEFAULTS.get(kind, ())]
    if missing:
        raise SpecError(f"{where}: missing {', '.join(missing)}, e.g. {_example(kind)}")
    cls = LAYER_TYPES[kind]
    try:
        layer = cls(**values, name=name, extra=extra)  # type: ignore[call-arg]
    except SpecError as err:
        raise SpecError(f"{where}: {str(err).split(': ', 1)[-1]}") from None
    if nested and kind in ("Bidirectional", "TimeDistributed"):
        raise SpecError(f"{where}: {kind} cannot wrap another wrapper")
    return layer


# Positional parameters that may be left out (they have defaults).
_DEFAULTS = {
    "Dropout": ("rate",),
    "Conv1D": ("strides", "padding"),
    "Conv2D": ("strides", "padding"),
    "MultiHeadAttention": ("value_dim",),
    **{
        kind: _MORE[kind][0]
        for kind in (
            "MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D", "BatchNormalization",
            "LayerNormalization", "Attention", "AdditiveAttention", "Concatenate", "Masking",
        )
    },
}  # fmt: skip


def _example(kind: str) -> str:
    return {
        "Embedding": "Embedding(10000, 100)",
        "RepeatVector": "RepeatVector(30)",
        "Bidirectional": "Bidirectional(LSTM(32))",
        "TimeDistributed": "TimeDistributed(Dense(1))",
        "Conv1D": "Conv1D(32, 3)",
        "Conv2D": "Conv2D(32, 3)",
        "RNN": "RNN(LSTMCell(32))",
        "StackedRNNCells": "StackedRNNCells([LSTMCell(8), GRUCell(4)])",
        "MultiHeadAttention": "MultiHeadAttention(2, 16)",
        "Reshape": "Reshape((5, 6))",
        "Permute": "Permute((2, 1))",
        "SpatialDropout1D": "SpatialDropout1D(0.2)",
        "GaussianNoise": "GaussianNoise(0.1)",
        "Activation": "Activation('relu')",
    }.get(kind, f"{kind}(32)")


def parse_spec(text: str) -> list[Layer]:
    """Parse ``"LSTM(32, return_sequences=True) > Dense(1)"`` into layer objects.

    Layers are separated by ``>``; an empty string gives an empty stack. Raises
    :class:`SpecError` with a one-line message that says where the problem is.
    """
    if not isinstance(text, str):
        raise SpecError(f"a spec is a string such as 'LSTM(32) > Dense(1)', got {type(text).__name__}")
    source = " ".join(text.replace("→", ">").split())
    if not source:
        return []
    if len(source) > 10_000:
        raise SpecError("the spec is longer than 10,000 characters")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        col = err.offset or 0
        msg = (err.msg or "invalid syntax").replace("'(' was never closed", "a '(' is never closed")
        raise SpecError(f"column {col}: cannot read the spec ({msg}): {source!r}") from None
    except (MemoryError, RecursionError, ValueError):
        raise SpecError("the spec is too deeply nested to read") from None
    body = tree.body
    if isinstance(body, ast.Compare):
        bad = [op for op in body.ops if not isinstance(op, ast.Gt)]
        if bad:
            raise SpecError(f"{_where(body)}: separate layers with '>' (e.g. LSTM(32) > Dense(1))")
        nodes = [body.left, *body.comparators]
    else:
        nodes = [body]
    return [_parse_call(node, i + 1) for i, node in enumerate(nodes)]


def format_spec(layers: list[Layer]) -> str:
    """The inverse of :func:`parse_spec`."""
    return " > ".join(layer.spec() for layer in layers)


def parse_shape(text: str | int | tuple | list) -> tuple:
    """Parse an input shape without the batch: ``"30,5"``, ``"None,5"``, ``"200"`` or a tuple."""
    if isinstance(text, int) and not isinstance(text, bool):
        dims: list[Any] = [text]
    elif isinstance(text, (tuple, list)):
        dims = list(text)
    elif isinstance(text, str):
        cleaned = text.strip().strip("()[]").strip()
        if not cleaned:
            raise SpecError(f"input shape {text!r} is empty; give it without the batch, e.g. 30,5 or 200")
        dims = []
        for part in cleaned.split(","):
            part = part.strip()
            if part == "" and dims:
                continue  # a trailing comma, as in (200,)
            if part in ("None", "none", "?"):
                dims.append(None)
            elif part.lstrip("+").isdigit():
                dims.append(int(part))
            else:
                raise SpecError(
                    f"input shape {text!r}: {part!r} is not a size; give whole numbers or None, "
                    "without the batch, e.g. 30,5 (timesteps, features) or 200 (token ids)"
                )
    else:
        raise SpecError(f"input shape must be like (30, 5), got {text!r}")
    if not dims or len(dims) > 4:
        raise SpecError(f"input shape {text!r} must have 1 to 4 dimensions (without the batch)")
    for d in dims:
        if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d <= 0):
            raise SpecError(f"input shape {text!r}: sizes must be positive whole numbers or None, got {d!r}")
    return tuple(dims)


__all__ = ["format_spec", "parse_shape", "parse_spec"]
