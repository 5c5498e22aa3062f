"""Inline SVG from a laid-out :class:`~rnncount.pictures.layout.Scene`.

The markup scales with its box (``viewBox``, ``width="100%"``, no pixel size), keeps
real ``<text>`` (selectable, searchable, sharp at any zoom) and gives every weight
block a ``<g class="rnncount-block">`` with an SVG ``<title>`` tooltip and ``data-``
attributes (layer, Keras variable, gate, parameter count). Pure string building: no
drawing library is needed.
"""

from __future__ import annotations

import hashlib
from html import escape
from typing import Any

from .layout import Ellipse, Group, Path, Rect, Scene, Text, segments, sub_size

FONT_FAMILY = "'DejaVu Sans', Verdana, 'Helvetica Neue', Arial, sans-serif"
MONO_FAMILY = "'DejaVu Sans Mono', Menlo, Consolas, monospace"


def _n(v: float) -> str:
    """Short numbers: 12.0 -> '12', 12.345 -> '12.35'."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _text(t: Text) -> str:
    attrs = [f'x="{_n(t.x)}"', f'y="{_n(t.y)}"', f'font-size="{_n(t.size)}"', f'fill="{t.color}"']
    if t.anchor != "start":
        attrs.append(f'text-anchor="{t.anchor}"')
    if t.bold:
        attrs.append('font-weight="bold"')
    if t.italic:
        attrs.append('font-style="italic"')
    if t.mono:
        attrs.append(f'font-family="{_attr(MONO_FAMILY)}"')
    if t.gid:
        attrs.append(f'id="{_attr(t.gid)}"')
    parts = segments(t.text)
    if len(parts) == 1 and not parts[0][1]:
        body = escape(parts[0][0], quote=False)
    else:
        body = ""
        shifted = False
        small = _n(sub_size(t.size))
        for s, sub in parts:
            if sub:
                body += f'<tspan dy="{_n(0.28 * t.size)}" font-size="{small}">{escape(s, quote=False)}</tspan>'
                shifted = True
            elif shifted:
                body += f'<tspan dy="{_n(-0.28 * t.size)}">{escape(s, quote=False)}</tspan>'
                shifted = False
            else:
                body += escape(s, quote=False)
    return f"<text {' '.join(attrs)}>{body}</text>"


def _item(item: Any, hatch_id: str, arrows: dict[str, str]) -> str:
    if isinstance(item, Text):
        return _text(item)
    if isinstance(item, Rect):
        attrs = f'x="{_n(item.x)}" y="{_n(item.y)}" width="{_n(item.w)}" height="{_n(item.h)}"'
        if item.rx:
            attrs += f' rx="{_n(item.rx)}"'
        out = f'<rect {attrs} fill="{item.fill}" stroke="{item.stroke}" stroke-width="{_n(item.sw)}"'
        if item.dash:
            out += ' stroke-dasharray="6 4"'
        out += "/>"
        if item.hatch:
            out += f'<rect {attrs} fill="url(#{hatch_id})" stroke="none"/>'
        return out
    if isinstance(item, Ellipse):
        return (
            f'<ellipse cx="{_n(item.cx)}" cy="{_n(item.cy)}" rx="{_n(item.rx)}" ry="{_n(item.ry)}" '
            f'fill="{item.fill}" stroke="{item.stroke}" stroke-width="{_n(item.sw)}"/>'
        )
    if isinstance(item, Path):
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in item.points)
        if item.fill:
            return f'<polygon points="{pts}" fill="{item.fill}" stroke="none"/>'
        out = f'<polyline points="{pts}" fill="none" stroke="{item.color}" stroke-width="{_n(item.sw)}"'
        out += ' stroke-linejoin="round"'
        if item.dash:
            out += ' stroke-dasharray="7 5"'
        if item.arrow:
            out += f' marker-end="url(#{arrows[item.color]})"'
        return out + "/>"
    raise TypeError(f"cannot draw {type(item).__name__}")  # pragma: no cover


def scene_to_svg(scene: Scene, *, label: str = "") -> str:
    """The scene as one ``<svg class="rnncount-picture">`` element (no XML prolog: it is inlined)."""
    p = scene.palette
    # Ids are made from the content, so the same picture is the same markup, and two different
    # pictures in one page never share a pattern or a marker. The placeholder (NUL, which no
    # valid XML holds) is replaced once all is written.
    uid = "\x00id\x00"
    hatch_id = f"{uid}-hatch"
    w, h = _n(scene.width), _n(scene.height)
    head = (
        f'<svg class="rnncount-picture" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        f'width="100%" preserveAspectRatio="xMidYMin meet" role="img" '
        f'data-view="{scene.view}" data-theme="{"dark" if scene.dark else "light"}" '
        f'aria-label="{_attr(label)}" font-family="{_attr(FONT_FAMILY)}" '
        f'style="max-width:100%;height:auto;display:block;background:{p["bg"]}">'
    )
    out = [head]
    colors = {item.color for item, _ in scene.walk() if isinstance(item, Path) and item.arrow}
    arrows = {color: f"{uid}-arrow{k}" for k, color in enumerate(sorted(colors))}
    out.append(
        "<defs>"
        f'<pattern id="{hatch_id}" patternUnits="userSpaceOnUse" width="8" height="8" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" stroke="#333333" '
        'stroke-width="1.6" stroke-opacity="0.55"/></pattern>'
        + "".join(
            f'<marker id="{mid}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
            for color, mid in arrows.items()
        )
        + "</defs>"
    )
    out.append(f'<rect x="0" y="0" width="{w}" height="{h}" fill="{p["bg"]}"/>')
    for item in scene.items:
        if isinstance(item, Group):
            data = " ".join(f'data-{k}="{_attr(v)}"' for k, v in item.data.items())
            out.append(f'<g class="{item.cls}" {data}>')
            if item.tip:
                out.append(f"<title>{escape(item.tip, quote=False)}</title>")
            out.extend(_item(sub, hatch_id, arrows) for sub in item.items)
            out.append("</g>")
        else:
            out.append(_item(item, hatch_id, arrows))
    out.append("</svg>")
    markup = "".join(out)
    digest = hashlib.blake2b(markup.encode(), digest_size=6).hexdigest()
    return markup.replace("\x00id\x00", f"rnncount-{digest}")
