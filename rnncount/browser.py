"""What rnncount does when it runs in the browser edition (Pyodide), and only there."""

from __future__ import annotations

import importlib.util
import sys


def use_ipython_completer() -> bool:
    """Let IPython's own completer answer Tab where jedi is absent; True if it changed anything.

    The browser edition serves jedi as an empty stand-in (it is 1.7 MB of a first visit), but the
    Pyodide kernel switches IPython to jedi unconditionally, and IPython then completes nothing. IPython
    is not imported here: if no shell is running there is nothing to change.
    """
    if importlib.util.find_spec("jedi") is not None or "IPython" not in sys.modules:
        return False
    shell = sys.modules["IPython"].get_ipython()
    completer = getattr(shell, "Completer", None)
    if completer is None or not completer.use_jedi:
        return False
    completer.use_jedi = False
    return True
