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
import sys
from importlib import import_module
from typing import Any

from .core.engine import CountResult, LayerCount, count
from .core.formula import Formula
from .core.layers import (  # the layers around recurrent ones, and RNN(cell)
    GRU,
    LSTM,
    RNN,
    AdditiveAttention,
    Attention,
    BatchNormalization,
    Bidirectional,
    Block,
    Concatenate,
    Conv1D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GRUCell,
    Layer,
    LayerNormalization,
    LSTMCell,
    MultiHeadAttention,
    RepeatVector,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
    TimeDistributed,
)
from .core.spec import format_spec, parse_shape, parse_spec
from .errors import (
    BuildTooLargeError,
    KerasUnavailableError,
    ModelFileError,
    RnncountError,
    RnncountTypeError,
    SpecError,
)

__version__ = "0.1.0"

# TensorFlow prints start-up lines (oneDNN, absl) straight to the process's stderr, which
# Jupyter shows in whichever cell first imports it. Quiet them unless the user chose otherwise;
# this costs nothing here, since TensorFlow itself is only imported when a model is built.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

# Names served lazily, so that `import rnncount` stays free of TensorFlow and matplotlib.
_LAZY = {
    "build_model": "rnncount.bridges.keras",
    "explain": "rnncount.bridges.keras",
    "summary_text": "rnncount.bridges.keras",
    "from_keras": "rnncount.bridges.keras",
    "load_model_file": "rnncount.bridges.keras",
    "count_keras_layer": "rnncount.bridges.keras",
    "diagram": "rnncount.pictures.drawing",
    "picture": "rnncount.pictures.drawing",
    "explore": "rnncount.dashboards.widgets",
    "explore_stack": "rnncount.dashboards.widgets",
    "Exercise": "rnncount.classroom.exercises",
    "diagnose": "rnncount.classroom.exercises",
    "problem_set": "rnncount.classroom.homework",
    "count_torch": "rnncount.bridges.pytorch",
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
    "RnncountError",
    "RnncountTypeError",
    "SimpleRNN",
    "SpecError",
    "TimeDistributed",
    "RNN",
    "AdditiveAttention",
    "Attention",
    "BatchNormalization",
    "Concatenate",
    "Conv1D",
    "GRUCell",
    "LayerNormalization",
    "LSTMCell",
    "ModelFileError",
    "MultiHeadAttention",
    "SimpleRNNCell",
    "StackedRNNCells",
    "count",
    "format_spec",
    "parse_shape",
    "parse_spec",
    *_LAZY,
]

if sys.platform == "emscripten":  # the browser edition: Tab completion without jedi (see rnncount.browser)
    from .browser import use_ipython_completer

    use_ipython_completer()
