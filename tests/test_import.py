"""`import rnncount` stays light: no TensorFlow, Keras, matplotlib or widgets until needed."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_heavy_modules():
    code = (
        "import sys, rnncount\n"
        "rnncount.count('LSTM(4) > Dense(1)', (30, 5))\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib', 'ipywidgets', 'torch') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_names_resolve():
    code = "import sys, rnncount\nrnncount.build_model\nprint('keras' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # Resolving the bridge module is still free: Keras loads on the first call.
    assert out.stdout.strip() == "False"
