"""rnncount: count the parameters and predict the shapes of Dense, Embedding and recurrent layers.

The arithmetic is pure Python (exact integers, no TensorFlow). Keras is imported
only when you ask for a real model: :func:`build_model`, :func:`explain`,
:func:`summary_text` and the dashboards.

>>> import rnncount
>>> rnncount.count("LSTM(32) > Dense(1)", (20, 100)).total
17057
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

from .engine import CountResult, LayerCount, count
from .errors import BuildTooLargeError, KerasUnavailableError, SpecError
from .formula import Formula
from .layers import (
    GRU,
    LSTM,
    Bidirectional,
    Block,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Layer,
    RepeatVector,
    SimpleRNN,
    TimeDistributed,
)
from .spec import format_spec, parse_shape, parse_spec

__version__ = "0.1.0"

# TensorFlow prints start-up lines (oneDNN, absl) straight to the process's stderr, which
# Jupyter shows in whichever cell first imports it. Quiet them unless the user chose otherwise;
# this costs nothing here, since TensorFlow itself is only imported when a model is built.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

# Names served lazily, so that `import rnncount` stays free of TensorFlow and matplotlib.
_LAZY = {
    "build_model": "rnncount.keras_bridge",
    "explain": "rnncount.keras_bridge",
    "summary_text": "rnncount.keras_bridge",
    "from_keras": "rnncount.keras_bridge",
    "diagram": "rnncount.drawing",
    "picture": "rnncount.drawing",
    "explore": "rnncount.widgets",
    "explore_stack": "rnncount.widgets",
    "Exercise": "rnncount.exercises",
    "diagnose": "rnncount.exercises",
    "problem_set": "rnncount.homework",
    "count_torch": "rnncount.pytorch",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rnncount' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Bidirectional",
    "Block",
    "BuildTooLargeError",
    "CountResult",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "Formula",
    "GRU",
    "LSTM",
    "KerasUnavailableError",
    "Layer",
    "LayerCount",
    "RepeatVector",
    "SimpleRNN",
    "SpecError",
    "TimeDistributed",
    "count",
    "format_spec",
    "parse_shape",
    "parse_spec",
    *_LAZY,
]
