"""Shared test set-up: quiet TensorFlow before anything imports it."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Matplotlib must never try to open a window in tests.
os.environ.setdefault("MPLBACKEND", "Agg")
