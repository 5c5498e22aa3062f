"""The browser edition's path imports nothing that Pyodide cannot load.

The dashboards, pictures, exercises and the Keras-style summary run in a browser on Pyodide, where
there is no NumPy, matplotlib, Keras or TensorFlow. Here they run in a fresh interpreter in which
those packages cannot be imported at all (a meta path finder refuses them), as a browser notebook
uses them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCKED = ("numpy", "matplotlib", "keras", "tensorflow", "torch", "scipy", "pandas")

GUARD = textwrap.dedent(
    f"""
    import importlib.abc, sys
    BLOCKED = {BLOCKED!r}
    asked = []

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                asked.append(name)
                raise ModuleNotFoundError(f"No module named {{name!r}} (blocked: not in a browser)")
            return None

    sys.meta_path.insert(0, Refuse())
    """
)

BROWSER_PATH = textwrap.dedent(
    """
    import rnncount
    from rnncount.classroom import Choice, Exercise, Inverse
    from rnncount.core.summary import summary_table

    w = rnncount.explore(layer="LSTM", units=4, features=5, timesteps=30, head=1)
    for view in ("weights", "unrolled", "cell"):
        w.controls["view"].value = view
        assert "<svg" in w.picture_svg, view
    w.controls["units"].value = 7
    assert "computed by rnncount" in w.summary_text.lower(), w.summary_text
    assert w.result.total == rnncount.count("LSTM(7) > Dense(1)", (30, 5)).total
    s = rnncount.explore_stack("Embedding(1000, 16) > GRU(8, return_sequences=True) > LSTM(4) > Dense(1)", (50,))
    assert "computed by rnncount" in s.summary_text.lower()
    for view in ("weights", "unrolled", "cell"):
        rnncount.picture("GRU(3)", (10, 2), view=view)._repr_html_()
    ex = Exercise("LSTM(8)", (10, 16))
    assert ex.check(ex.expected).correct and not ex.check(ex.expected + 1).correct
    assert Choice("Which?", {"A": "a", "B": "b"}, "A", why="because").check("A").correct
    Inverse("LSTM({h})", (20, 50), 7_200, unknown="h")
    summary_table(rnncount.count("SimpleRNN(25) > Dense(1)", (3, 30)))
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    print("HEAVY", heavy, "ASKED", sorted(set(asked)))
    """
)


def test_dashboard_path_imports_no_numpy_matplotlib_keras_or_tensorflow() -> None:
    run = subprocess.run([sys.executable, "-c", GUARD + BROWSER_PATH], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("HEAVY"))
    assert line.startswith("HEAVY []"), line


def test_the_guard_blocks() -> None:
    """The guard itself works: with it, importing numpy fails (so the test above can fail)."""
    run = subprocess.run([sys.executable, "-c", GUARD + "import numpy"], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "blocked" in run.stderr


def test_every_browser_notebook_runs_without_numpy_matplotlib_keras_or_tensorflow() -> None:
    """Each cell of the browser notebooks, run in order with the heavy packages blocked."""
    import json

    from rnncount.site.build import BROWSER_NOTEBOOKS, notebook_dir

    for name, _, _ in BROWSER_NOTEBOOKS:
        nb = json.loads((notebook_dir() / name).read_text())
        assert nb["metadata"]["kernelspec"]["display_name"] == "Python (Pyodide)", name
        cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        assert cells, name
        body = "\n".join(f"_ = eval(compile({src!r}, 'cell', 'exec'))" for src in cells)
        check = "\nheavy = sorted(m for m in sys.modules if m.split('.')[0] in BLOCKED)\nprint('HEAVY', heavy)\n"
        run = subprocess.run([sys.executable, "-c", GUARD + body + check], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, f"{name}: {run.stderr[-2000:]}"
        assert "HEAVY []" in run.stdout, f"{name}: {run.stdout[-500:]}"
