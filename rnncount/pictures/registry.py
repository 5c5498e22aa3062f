"""The picture views, in one registry: name -> how to lay it out, its label and a one-line note.

Everything that offers or names a view reads this table: the dispatch
(:func:`rnncount.pictures.drawing.layout`), the pictures' accessible labels, the command
line's ``--view`` choices and the dashboards' view toggle. A new view is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.engine import CountResult
from ..errors import RnncountTypeError, SpecError, shown
from .layout import Scene, weights_view


@dataclass(frozen=True)
class View:
    """One view of a picture."""

    name: str
    #: What the picture shows, in a few words (its accessible label, the command line's help).
    label: str
    #: One line for the dashboards: what the view shows and how to read it.
    note: str
    #: ``build(result, dark=, title=, error=, layer=, compact=)`` -> Scene.
    build: Callable[..., Scene]
    #: Whether ``layer=`` picks the layer shown (the unrolled and cell views show one recurrent layer).
    picks_layer: bool = False


def _weights(
    result: CountResult, *, dark: bool, title: str | None, error: str | None, layer: Any, compact: bool
) -> Scene:
    del layer  # every layer is drawn
    return weights_view(result, dark=dark, title=title, error=error, compact=compact)


def _unrolled(
    result: CountResult, *, dark: bool, title: str | None, error: str | None, layer: Any, compact: bool
) -> Scene:
    from .views import unrolled_view

    del compact
    return unrolled_view(result, dark=dark, title=title, error=error, layer=layer)


def _cell(result: CountResult, *, dark: bool, title: str | None, error: str | None, layer: Any, compact: bool) -> Scene:
    from .views import cell_view

    del compact
    return cell_view(result, dark=dark, title=title, error=error, layer=layer)


REGISTRY: dict[str, View] = {
    v.name: v
    for v in (
        View(
            "weights",
            "weight blocks",
            "Every Keras weight variable, cut into its weight blocks (a recurrent layer's gates and "
            "candidate) and drawn to one scale; hover a block for its name, shape and count.",
            _weights,
        ),
        View(
            "unrolled",
            "unrolled in time",
            "The layer unrolled over the timesteps: the same weights at every step, "
            "so the number of timesteps T never changes the count.",
            _unrolled,
            picks_layer=True,
        ),
        View(
            "cell",
            "one step inside the cell",
            "One timestep inside the cell, drawn from the step Keras computes: the weighted sums "
            "coloured like their weight blocks, then σ/tanh, ⊙ and +.",
            _cell,
            picks_layer=True,
        ),
    )
}

#: The view names, in the order they are offered.
VIEWS: tuple[str, ...] = tuple(REGISTRY)


def get_view(name: Any, func: str = "layout") -> View:
    """The view called ``name``; an unknown one is an error that lists the views."""
    listed = ", ".join(repr(v) for v in VIEWS)
    if not isinstance(name, str):
        raise RnncountTypeError(f"{func}(): view must be one of {listed}, got {type(name).__name__} {shown(name)}")
    if name not in REGISTRY:
        raise SpecError(f"{func}(): view must be one of {listed}, got {shown(name)}")
    return REGISTRY[name]
