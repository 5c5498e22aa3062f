"""Pictures of a layer or a stack: the weight blocks, the network unrolled in time, one step inside a cell.

One layout (:mod:`rnncount.pictures.layout`, boxes, labels and arrows in abstract
units) and two small renderers from it:

- :func:`to_svg` writes inline SVG for the page (dashboards, notebooks, slides):
  real text, a ``viewBox`` and ``width="100%"``, a tooltip on every block;
- :func:`diagram` draws a Matplotlib Figure for static output (``ax=``, PNG, PDF).

:func:`picture` gives both: ``.svg``, ``_repr_html_`` (so Jupyter shows the sharp
vector picture) and ``.figure()``. The views (:data:`VIEWS`, registered in
:mod:`rnncount.pictures.registry`):

- ``"weights"``: every Keras weight variable of every layer as the rectangle it is,
  cut into its weight blocks (Keras's column order) and coloured by block, all at one scale;
- ``"unrolled"``: a recurrent layer over its timesteps, the same kernel, recurrent kernel
  and bias in every copy of the cell, which is why T never changes the count;
- ``"cell"``: one step inside SimpleRNN, LSTM or GRU, drawn from the cell's graph
  (:mod:`rnncount.core.cells`), the weighted sums coloured like their blocks.

Only public Matplotlib is used, it is imported on first use, the global ``rcParams``
are never changed, and figures are made outside pyplot (none is left open).
"""

from __future__ import annotations

import base64
import functools
import html
import io
import os
import re
from collections.abc import Sequence
from typing import Any

from ..core.engine import CountResult, LayerCount, count
from ..core.layers import Layer
from ..errors import RnncountTypeError, SpecError, shown
from .describe import Description, describe
from .layout import (
    GATE_COLORS,
    MAX_LAYERS,
    Ellipse,
    Path,
    Rect,
    Scene,
    Text,
    segments,
)
from .registry import VIEWS, get_view
from .svg import scene_to_svg

#: Layout units per inch in a Figure drawn without ``ax`` (the picture is 10 inches wide).
UNITS_PER_INCH = 100.0

#: The environment variable naming the default theme of pictures: "dark" makes ``dark=`` default
#: to True (``rnncount lecture --dark`` sets it for its kernel); an explicit ``dark=`` always wins.
THEME_ENV = "RNNCOUNT_THEME"


def default_dark() -> bool:
    """True when ``RNNCOUNT_THEME`` asks for dark pictures (the default of every ``dark=``)."""
    return os.environ.get(THEME_ENV, "").strip().lower() == "dark"


def _dark(dark: Any) -> Any:
    """``dark`` as given, or the environment's default when it is None."""
    return default_dark() if dark is None else dark


__all__ = [
    "GATE_COLORS",
    "MAX_LAYERS",
    "VIEWS",
    "blocks_drawn",
    "diagram",
    "draw",
    "figure_svg",
    "layout",
    "picture",
    "render",
    "to_svg",
]


# --- arguments ---------------------------------------------------------------------------------


def _type_error(func: str, what: str, expected: str, value: Any) -> RnncountTypeError:
    return RnncountTypeError(f"{func}(): {what} must be {expected}, got {type(value).__name__} {shown(value)}")


def _check_options(
    func: str, *, view: Any, dark: Any, title: Any, error: Any = None, layer: Any = None, compact: Any = False
) -> None:
    get_view(view, func)
    if not isinstance(dark, bool):
        raise _type_error(func, "dark", "True or False", dark)
    if not isinstance(compact, bool):
        raise _type_error(func, "compact", "True or False", compact)
    if title is not None and not isinstance(title, str):
        raise _type_error(func, "title", "a str or None", title)
    if error is not None and not isinstance(error, str):
        raise _type_error(func, "error", "a str or None", error)
    if layer is not None and (isinstance(layer, bool) or not isinstance(layer, (int, str))):
        raise _type_error(func, "layer", "a layer name (str), a position (int) or None", layer)


def _as_result(obj: Any, input_shape: Any, func: str = "diagram") -> CountResult:
    if isinstance(obj, CountResult):
        return obj
    if isinstance(obj, LayerCount):
        return CountResult(obj.input_shape, (obj,))
    if isinstance(obj, Layer):
        obj = [obj]
    if isinstance(obj, str) or (isinstance(obj, Sequence) and not isinstance(obj, (bytes, bytearray))):
        if input_shape is None:
            raise RnncountTypeError(
                f"{func}() needs input_shape with a spec or layers, e.g. {func}('LSTM(32)', (20, 100))"
            )
        return count(obj, input_shape)
    raise _type_error(func, "the first argument", "a spec string, a list of layers or a CountResult", obj)


def layout(
    result: CountResult,
    *,
    view: str = "weights",
    dark: bool | None = None,
    title: str | None = None,
    error: str | None = None,
    layer: int | str | None = None,
    compact: bool = False,
) -> Scene:
    """Lay out a counted stack as a :class:`Scene` (no drawing library needed).

    ``compact`` leaves out each layer's formula line and the note on scale (a dashboard
    shows them beside the picture).
    """
    dark = _dark(dark)
    _check_options("layout", view=view, dark=dark, title=title, error=error, layer=layer, compact=compact)
    return get_view(view).build(result, dark=dark, title=title, error=error, layer=layer, compact=compact)


def _empty(error: str | None) -> CountResult:
    del error
    return CountResult((None,), ())


# --- SVG -----------------------------------------------------------------------------------------


def to_svg(
    result_or_spec: CountResult | str | Sequence[Layer] | Layer | None,
    input_shape: Any = None,
    *,
    view: str = "weights",
    dark: bool | None = None,
    title: str | None = None,
    error: str | None = None,
    layer: int | str | None = None,
) -> str:
    """The picture as inline SVG markup (``<svg class="rnncount-picture" ...>``).

    ``result_or_spec`` is a :class:`CountResult`, a spec string or layers (with
    ``input_shape``). ``error`` is shown below the picture, for a stack that stops
    being valid (pass the valid part as the result, or None for the message alone).

    >>> to_svg("LSTM(32)", (20, 100)).startswith('<svg class="rnncount-picture"')
    True
    """
    dark = _dark(dark)
    _check_options("to_svg", view=view, dark=dark, title=title, error=error, layer=layer)
    if result_or_spec is None:
        if error is None:
            raise RnncountTypeError("to_svg(): give a spec, layers or a CountResult (or an error to show)")
        result = _empty(error)
    else:
        result = _as_result(result_or_spec, input_shape, "to_svg")
    scene = layout(result, view=view, dark=dark, title=title, error=error, layer=layer)
    about = describe(result, view, layer=layer, error=error, title=title)
    return scene_to_svg(scene, label=about.name, desc=about.text)


# --- Matplotlib ----------------------------------------------------------------------------------


def _mathtext(text: str) -> str:
    """Our markup as Matplotlib text: ``W_{xi}`` -> ``W$_{xi}$`` (mathtext, no LaTeX needed)."""
    out = []
    for s, sub in segments(text):
        if sub and re.fullmatch(r"[\w +\-−←→]*", s):
            out.append("$_{" + s.replace("−", "-").replace(" ", r"\ ") + "}$")
        else:  # plain text (a stray "_{" in a user's title stays as typed)
            out.append(s.replace("$", r"\$"))
    return "".join(out)


def render(scene: Scene, ax: Any, pool: Any = None) -> None:
    """Draw a laid-out scene into ``ax`` with public Matplotlib artists (``pool`` is ignored).

    Font sizes and line widths follow the size of ``ax``, so the picture keeps its
    proportions in any Axes.
    """
    del pool  # kept for callers of the former pooled renderer: artists are now always made anew
    from matplotlib.lines import Line2D
    from matplotlib.patches import Ellipse as MplEllipse
    from matplotlib.patches import FancyArrowPatch, Polygon, Rectangle
    from matplotlib.path import Path as MplPath

    fig = ax.figure
    fig_w, fig_h = fig.get_size_inches()
    pos = ax.get_position()
    ax_w, ax_h = fig_w * pos.width, fig_h * pos.height
    ptu = 72.0 * min(ax_w / scene.width, ax_h / scene.height)  # points per layout unit
    p = scene.palette
    for artist in list(ax.patches) + list(ax.lines) + list(ax.texts):
        if getattr(artist, "rnncount", False):
            artist.remove()
    added: list[Any] = []

    def add(artist: Any) -> Any:
        artist.rnncount = True
        artist.set_clip_on(False)
        ax.add_artist(artist)
        added.append(artist)
        return artist

    add(Rectangle((0, 0), scene.width, scene.height, facecolor=p["bg"], edgecolor="none", zorder=1))
    for item, group in scene.walk():
        if isinstance(item, Rect):
            patch = Rectangle(
                (item.x, item.y),
                item.w,
                item.h,
                facecolor=item.fill,
                edgecolor=item.stroke,
                linewidth=item.sw * ptu if item.stroke != "none" else 0,
                linestyle="--" if item.dash else "-",
                hatch="///" if item.hatch else None,
                zorder=2,
            )
            if item.hatch and hasattr(patch, "set_hatchcolor"):
                patch.set_hatchcolor("#555555")
            if group is not None and group.block is not None and group.items and group.items[0] is item:
                blk = group.block
                patch.set_gid(f"rnncount:{group.layer}:{blk.direction or ''}:{blk.name}")
                patch.rnncount_block = blk
                patch.rnncount_layer = group.layer
                patch.rnncount_variable = group.data.get("variable")
            add(patch)
        elif isinstance(item, Ellipse):
            add(
                MplEllipse(
                    (item.cx, item.cy),
                    2 * item.rx,
                    2 * item.ry,
                    facecolor=item.fill,
                    edgecolor=item.stroke,
                    linewidth=item.sw * ptu if item.stroke != "none" else 0,
                    zorder=2,
                )
            )
        elif isinstance(item, Path):
            if item.fill:
                add(Polygon(item.points, closed=True, facecolor=item.fill, edgecolor="none", zorder=2))
            elif item.arrow:
                add(
                    FancyArrowPatch(
                        path=MplPath(item.points),
                        arrowstyle="-|>",
                        mutation_scale=5 * item.sw * ptu,
                        shrinkA=0,
                        shrinkB=0,
                        color=item.color,
                        linewidth=item.sw * ptu,
                        linestyle="--" if item.dash else "-",
                        joinstyle="round",
                        zorder=2,
                    )
                )
            else:
                xs, ys = zip(*item.points, strict=True)
                add(
                    Line2D(
                        xs,
                        ys,
                        color=item.color,
                        linewidth=item.sw * ptu,
                        linestyle="--" if item.dash else "-",
                        solid_joinstyle="round",
                        zorder=2,
                    )
                )
        elif isinstance(item, Text):
            text = ax.text(
                item.x,
                item.y,
                _mathtext(item.text),
                fontsize=item.size * ptu,
                ha={"start": "left", "middle": "center", "end": "right"}[item.anchor],
                va="baseline",
                color=item.color,
                fontweight="bold" if item.bold else "normal",
                fontstyle="italic" if item.italic else "normal",
                family="monospace" if item.mono else "sans-serif",
                zorder=2,
                clip_on=False,
            )
            text.rnncount = True
            if item.gid:
                text.set_gid(item.gid)
    ax.set_xlim(0, scene.width)
    ax.set_ylim(scene.height, 0)  # y grows downwards
    ax.set_aspect("equal", adjustable="box", anchor="N")
    ax.set_facecolor(p["bg"])
    ax.set_axis_off()


def figure_size(scene: Scene) -> tuple[float, float]:
    """The figure size (inches) of a scene drawn on its own: :data:`UNITS_PER_INCH` units per inch."""
    return (scene.width / UNITS_PER_INCH, scene.height / UNITS_PER_INCH)


def draw(
    fig: Any,
    result: CountResult,
    *,
    error: str | None = None,
    title: str | None = None,
    view: str = "weights",
    dark: bool | None = None,
    layer: int | str | None = None,
) -> Any:
    """Clear ``fig`` and draw ``result`` into it, sizing the figure to the picture; return the Axes.

    For callers that reuse one figure, so figures do not accumulate.
    """
    dark = _dark(dark)
    scene = layout(result, view=view, dark=dark, title=title, error=error, layer=layer)
    fig.clear()
    fig.set_size_inches(*figure_size(scene), forward=False)
    fig.set_facecolor(scene.palette["bg"])
    ax = fig.add_axes((0, 0, 1, 1))
    render(scene, ax)
    return ax


def _check_dpi(dpi: Any) -> float:
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)):
        raise _type_error("diagram", "dpi", "a number (dots per inch, e.g. 100)", dpi)
    if not 10 <= dpi <= 1200:
        raise SpecError(f"diagram(): dpi must be between 10 and 1200, got {shown(dpi)}")
    return float(dpi)


def _check_ax(ax: Any) -> None:
    if ax is None:
        return
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise _type_error("diagram", "ax", "a matplotlib Axes or None", ax)


def _scene_figure(scene: Scene, dpi: float) -> Any:
    fig = _figure_class()(figsize=figure_size(scene), dpi=dpi, facecolor=scene.palette["bg"])
    ax = fig.add_axes((0, 0, 1, 1))
    render(scene, ax)
    return fig


def diagram(
    spec: CountResult | LayerCount | Layer | str | Sequence[Layer],
    input_shape: Any = None,
    ax: Any = None,
    *,
    view: str = "weights",
    dark: bool | None = None,
    title: str | None = None,
    layer: int | str | None = None,
    error: str | None = None,
    dpi: float = 100,
) -> Any:
    """Draw the weight blocks of a layer or a stack (or another view); return the Matplotlib Figure.

    ``spec`` is a spec string or layers (with ``input_shape``), a :class:`CountResult`
    or one :class:`LayerCount`. ``view`` is ``"weights"`` (default), ``"unrolled"`` or
    ``"cell"``; ``layer`` picks the recurrent layer those two show (name or position;
    default the first recurrent layer). With ``ax`` the picture is drawn into that
    Axes; without it a new Figure (not registered with pyplot) sized to the picture
    is returned, which Jupyter displays inline. Save it with ``fig.savefig("x.pdf")``.

    >>> fig = diagram("LSTM(32) > Dense(1)", (20, 100))
    """
    dark = _dark(dark)
    _check_options("diagram", view=view, dark=dark, title=title, error=error, layer=layer)
    dpi = _check_dpi(dpi)
    _check_ax(ax)
    result = _as_result(spec, input_shape)
    scene = layout(result, view=view, dark=dark, title=title, error=error, layer=layer)
    if ax is None:
        fig = _scene_figure(scene, dpi)
        fig.rnncount_alt = describe(result, view, layer=layer, error=error, title=title).alt_text()
        return fig
    render(scene, ax)
    return ax.figure


@functools.cache
def _figure_class() -> type:
    """A Figure that Jupyter shows as a picture even without ``%matplotlib inline``.

    Figures made outside pyplot have no display hook of their own, so a fresh kernel
    would print ``Figure(1000x761)``; ``_repr_png_`` renders it with Agg instead.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    class DiagramFigure(Figure):
        #: The picture in words (set by :func:`diagram`): the <img> alternative text in a page.
        rnncount_alt = ""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            FigureCanvasAgg(self).print_png(buffer)
            return buffer.getvalue()

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
            # The PNG, and the same PNG as an <img> with alternative text: JupyterLab, Voila and
            # nbconvert show the HTML one (their own image view writes no alt text).
            png = self._repr_png_()
            bundle: dict[str, Any] = {"image/png": png, "text/plain": repr(self)}
            if self.rnncount_alt:
                data = base64.b64encode(png).decode("ascii")
                width = round(self.get_figwidth() * self.dpi)
                bundle["text/html"] = (
                    f'<img alt="{html.escape(self.rnncount_alt)}" width="{width}" style="max-width:100%;height:auto" '
                    f'src="data:image/png;base64,{data}">'
                )
            return bundle

    return DiagramFigure


class AltFigure:
    """A Matplotlib figure shown with alternative text: Jupyter gets its PNG and an ``<img alt>``.

    JupyterLab's, Voila's and nbconvert's own image view writes no alternative text, so a plot a
    notebook shows this way reaches a screen reader as the words given here.
    """

    def __init__(self, fig: Any, alt: str) -> None:
        if not isinstance(alt, str) or not alt.strip():
            raise RnncountTypeError(f"figure_with_alt() needs the picture in words, got {alt!r}")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=fig.dpi)
        self.png, self.alt = buffer.getvalue(), alt
        self.width = round(fig.get_figwidth() * fig.dpi)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        data = base64.b64encode(self.png).decode("ascii")
        return {
            "image/png": self.png,
            "text/html": (
                f'<img alt="{html.escape(self.alt)}" width="{self.width}" style="max-width:100%;height:auto" '
                f'src="data:image/png;base64,{data}">'
            ),
            "text/plain": f"<figure: {self.alt}>",
        }


def figure_with_alt(fig: Any, alt: str) -> AltFigure:
    """Show ``fig`` (any Matplotlib figure) with ``alt`` as its alternative text; pyplot's copy is closed."""
    shown = AltFigure(fig, alt)
    import matplotlib.pyplot as plt

    plt.close(fig)  # else the inline backend shows it a second time, without the words
    return shown


#: The hash salt of a stored SVG's ids: Matplotlib otherwise salts them at random, and every run differs.
SVG_HASH_SALT = "rnncount"


class SvgFigure:
    """A Matplotlib figure as a fixed SVG with alternative text: what a checked notebook cell stores.

    Jupyter gets ``image/svg+xml`` (the picture, whose ``<title>`` and ``aria-label`` are the words)
    and ``text/plain`` (the same words). nbval compares both with the stored output, and a reader
    without a kernel (GitHub, nbviewer) sees the stored picture; the PNG of :class:`AltFigure`
    could be neither compared nor kept.
    """

    def __init__(self, svg: str, alt: str) -> None:
        self.svg, self.alt = svg, alt

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"image/svg+xml": self.svg, "text/plain": f"<figure: {self.alt}>"}

    def __repr__(self) -> str:
        return f"<figure: {self.alt}>"


def figure_svg(fig: Any, alt: str) -> SvgFigure:
    """``fig`` (any Matplotlib figure) as an SVG that is the same bytes on every run, named by ``alt``.

    The ids are salted with :data:`SVG_HASH_SALT` instead of at random, no date or creator is written,
    and text stays text (``svg.fonttype`` "none": no glyph outlines, whose bytes depend on the font
    files installed). The settings hold only while the figure is written; the global ``rcParams``
    are left as they were. pyplot's copy of ``fig`` is closed, so the inline backend does not show
    it a second time.
    """
    if not isinstance(alt, str) or not alt.strip():
        raise RnncountTypeError(f"figure_svg() needs the picture in words, got {alt!r}")
    import matplotlib
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # inlined in a page: no XML prolog or DOCTYPE
    head_end = svg.index(">") + 1
    label = html.escape(alt, quote=True)
    head = svg[:head_end].replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return SvgFigure(f"{head}\n <title>{html.escape(alt, quote=False)}</title>{svg[head_end:]}", alt)


def blocks_drawn(fig_or_ax: Any) -> list[Any]:
    """The weight-block rectangles of a drawn Figure, each with ``.rnncount_block`` (for tests and tools)."""
    axes = fig_or_ax.get_axes() if hasattr(fig_or_ax, "get_axes") else [fig_or_ax]
    return [
        p
        for ax in axes
        for p in ax.patches
        if (p.get_gid() or "").startswith("rnncount:") and getattr(p, "rnncount_block", None) is not None
    ]


# --- both ----------------------------------------------------------------------------------------


class Picture:
    """A picture as inline SVG (``.svg``, shown by Jupyter) and as a Matplotlib Figure (``.figure()``)."""

    def __init__(self, scene: Scene, svg: str, description: Description | None = None) -> None:
        self.scene = scene
        self.svg = svg
        #: What the picture shows in words (its accessible name and description).
        self.description = description

    @property
    def alt_text(self) -> str:
        """The picture in words, for a handout's or a slide's alternative text ("" when unknown)."""
        return self.description.alt_text() if self.description else ""

    def _repr_html_(self) -> str:
        return self.svg

    def figure(self, dpi: float = 100) -> Any:
        """The same picture as a new Matplotlib Figure (for PNG or PDF)."""
        return _scene_figure(self.scene, _check_dpi(dpi))

    def save(self, path: str | os.PathLike[str], dpi: float = 150) -> None:
        """Write the picture as .svg, .png or .pdf, chosen by the file's extension."""
        save_picture(self, path, dpi=dpi)

    def __repr__(self) -> str:
        return f"<rnncount picture: {self.scene.view} view, {self.scene.width:g} x {self.scene.height:g} units>"


def picture(
    spec_or_result: CountResult | LayerCount | Layer | str | Sequence[Layer],
    input_shape: Any = None,
    *,
    view: str = "weights",
    dark: bool | None = None,
    title: str | None = None,
    layer: int | str | None = None,
    error: str | None = None,
) -> Picture:
    """The picture of a layer or stack as an object Jupyter shows as sharp inline SVG.

    >>> pic = picture("GRU(4) > Dense(1)", (30, 5), view="unrolled")
    >>> pic.svg.startswith("<svg")
    True
    """
    dark = _dark(dark)
    _check_options("picture", view=view, dark=dark, title=title, error=error, layer=layer)
    result = _as_result(spec_or_result, input_shape, "picture")
    scene = layout(result, view=view, dark=dark, title=title, error=error, layer=layer)
    about = describe(result, view, layer=layer, error=error, title=title)
    return Picture(scene, scene_to_svg(scene, label=about.name, desc=about.text), about)


FORMATS = (".svg", ".png", ".pdf")


def save_picture(pic: Picture, path: str | os.PathLike[str], dpi: float = 150) -> None:
    """Write ``pic`` to ``path`` as SVG, PNG or PDF by the extension; SpecError for an unknown one."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in FORMATS:
        raise SpecError(f"cannot write {os.fspath(path)!r}: the file name must end in .svg, .png or .pdf")
    if ext == ".svg":
        svg = pic.svg
        if pic.description is not None:  # a file on its own: its name as <title> too, for any viewer
            svg = scene_to_svg(pic.scene, label=pic.description.name, desc=pic.description.text, title=True)
        data = '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"
        with open(path, "w", encoding="utf-8") as f:
            f.write(data)
        return
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if ext == ".png":  # a monster is tall: keep the bitmap under ~40 megapixels
        dpi = min(dpi, max(30.0, 6000.0 / (pic.scene.height / UNITS_PER_INCH)))
    fig = pic.figure(dpi=dpi)
    FigureCanvasAgg(fig)
    fig.savefig(path, format=ext[1:], dpi=dpi, facecolor=pic.scene.palette["bg"])
