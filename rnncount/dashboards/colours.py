"""The text colours the dashboards and exercises write, for a light and a dark page.

A dashboard sits on the page of its notebook, lecture or Voila app, so its text colours must be
readable on that page's background, not only on white: #B00020 (the light pictures' error red)
is 2.6:1 on JupyterLab's dark #111111 and 2.45:1 on lecture mode's dark slides. Each theme has its
own colours, taken from the pictures' palette where the role is the same, and every one reaches
4.5:1 (WCAG 2.1 AA) on every background of its theme in :data:`BACKGROUNDS` (the accessibility tests compute it).
"""

from __future__ import annotations

from ..pictures.layout import PALETTES

#: The backgrounds a dashboard can sit on, per theme (dark=True): JupyterLab's page and cell
#: colours, the pictures' own background and lecture mode's slide background.
BACKGROUNDS: dict[bool, tuple[str, ...]] = {
    False: ("#FFFFFF", PALETTES[False]["bg"]),
    True: ("#111111", "#212121", PALETTES[True]["bg"], "#15171A"),
}

#: Text colours by role: an error, secondary text (legends, notes), and an exercise's right and
#: wrong feedback.
COLOURS: dict[bool, dict[str, str]] = {
    False: {
        "error": PALETTES[False]["error"],
        "muted": PALETTES[False]["muted"],
        "right": "#1A7F37",
        "wrong": "#B35900",
    },
    True: {
        "error": PALETTES[True]["error"],
        "muted": PALETTES[True]["muted"],
        "right": "#6FDD8B",
        "wrong": "#FFB366",
    },
}


def colour(role: str, dark: bool | None = None) -> str:
    """The colour of ``role`` ("error", "muted", "right", "wrong") for a dark or light page.

    ``dark=None`` is the environment's default theme (``RNNCOUNT_THEME``), as for pictures.
    """
    if dark is None:
        from ..pictures.drawing import default_dark

        dark = default_dark()
    return COLOURS[bool(dark)][role]
