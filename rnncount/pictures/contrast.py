"""Colour contrast as WCAG 2.1 defines it: relative luminance and the contrast ratio of two colours.

Text must reach :data:`NORMAL` (4.5:1) on its background, or :data:`LARGE` (3:1) when it is
large (at least 18 pt, or 14 pt bold). :func:`readable` moves a colour (a gate's hue, say)
towards black or white just enough to reach a ratio, so a label keeps its hue where it can.
"""

from __future__ import annotations

NORMAL = 4.5
LARGE = 3.0


def rgb(color: str) -> tuple[float, float, float]:
    """``#RRGGBB`` (or ``#RGB``) as three numbers from 0 to 1."""
    c = color.strip().lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    if len(c) != 6:
        raise ValueError(f"not a #RRGGBB colour: {color!r}")
    return (int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255)


def luminance(color: str) -> float:
    """WCAG relative luminance: linearised sRGB channels weighted 0.2126, 0.7152, 0.0722."""

    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(v) for v in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: str, b: str) -> float:
    """The contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def blend(color: str, other: str, amount: float) -> str:
    """``color`` moved towards ``other`` (0 = color, 1 = other), as #RRGGBB."""
    a, b = rgb(color), rgb(other)
    return "#" + "".join(f"{round(255 * (x + (y - x) * amount)):02X}" for x, y in zip(a, b, strict=True))


def readable(color: str, background: str, minimum: float = NORMAL) -> str:
    """``color`` itself if it reaches ``minimum`` on ``background``, else the least change that does.

    The colour is moved towards black on a light background and towards white on a dark one,
    in small steps, so a gate's label stays recognisably its gate's hue.
    """
    if ratio(color, background) >= minimum:
        return color
    target = "#000000" if ratio("#000000", background) >= ratio("#FFFFFF", background) else "#FFFFFF"
    for step in range(1, 101):
        moved = blend(color, target, step / 100)
        if ratio(moved, background) >= minimum:
            return moved
    return target
