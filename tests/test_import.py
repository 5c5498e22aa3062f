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


def test_formula_only_mode_without_keras():
    """Where TensorFlow cannot be installed, counting works and building says why it cannot."""
    code = (
        "import sys\n"
        "sys.modules['keras'] = None  # makes `import keras` fail, as on a machine without it\n"
        "import rnncount\n"
        "assert rnncount.count('GRU(4) > Dense(1)', (30, 5)).total == 137\n"
        "try:\n"
        "    rnncount.build_model('GRU(4)', (30, 5))\n"
        "except rnncount.KerasUnavailableError as err:\n"
        "    print(err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "formula-only mode" in out.stdout
