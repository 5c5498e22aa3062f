"""Exercises, homework sets and class grading, all checked by the same misconception-aware checker.

The names notebooks use are served from here lazily, so that importing the package stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_NAMES = {
    "Exercise": "exercises",
    "Choice": "exercises",
    "Design": "exercises",
    "Inverse": "exercises",
    "Ranking": "exercises",
    "verify": "exercises",
    "diagnose": "exercises",
    "problem_set": "homework",
    "grade_csv": "grade",
}


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_NAMES))


__all__ = sorted(_NAMES)
