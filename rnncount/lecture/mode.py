"""Lecture mode: a notebook as slides, without code, large enough to project, with live dashboards.

``rnncount lecture notebooks/03_lstm.ipynb`` serves the notebook through Voila with a template of
our own (``rnncount/lecture/data``): every ``#``/``##`` section, or a cell tagged ``slide``, begins a
slide that fills the screen; the arrow keys, PageUp/PageDown, Space, Home and End move between them;
cells tagged ``lecture-skip`` (and, untagged, the ``## Setup`` section and the ``<!--NAVIGATION-->``
links) still run but are not shown. The notebook runs on a fresh kernel while the first slides are
already on screen. ``--export deck.html`` runs the notebook once and writes a static deck (one HTML
file, no kernel) in which each dashboard shows its starting picture, formula and summary.

Nothing is fetched from the internet: Voila serves its own scripts, MathJax and icon fonts, and
the exported deck carries MathJax inside the file.

Voila is an optional dependency (``pip install "rnncount[lecture]"``); it is imported by the
subprocess only, so ``import rnncount`` never needs it.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Iterable, Mapping, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..pictures.drawing import THEME_ENV

#: Name of the Voila template (under ``DATA/voila/templates``) and of the export template.
TEMPLATE_NAME = "rnncount-lecture"
DECK_TEMPLATE_NAME = "rnncount-deck"
#: The package's Jupyter data directory: put on JUPYTER_PATH, Voila finds the template there.
DATA = Path(__file__).resolve().parent / "data"
TEMPLATE_DIR = DATA / "voila" / "templates" / TEMPLATE_NAME
#: MathJax 3 (``es5/tex-svg-full.js`` of the npm package ``mathjax``), inlined into exported decks.
MATHJAX_JS = DATA / "mathjax" / "tex-svg-full.js"

#: Cell tags: ``slide`` starts a slide at that cell; ``lecture-skip`` runs the cell but never shows it.
SLIDE_TAG = "slide"
SKIP_TAG = "lecture-skip"
#: The role of each cell, written into ``cell.metadata`` for the templates.
ROLE_KEY = "rnncount_lecture"
NAVIGATION_MARK = "<!--NAVIGATION-->"
#: Sections skipped even when nobody tagged them: they are for readers running the notebook.
SKIPPED_SECTIONS = ("setup",)

DEFAULT_PORT = 8866
_HEADING = re.compile(r"^(#{1,2})\s+(.*?)\s*#*\s*$")


# ---------------------------------------------------------------------------------------------
# Which cell starts a slide, which is skipped
# ---------------------------------------------------------------------------------------------


def _source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _tags(cell: Mapping[str, Any]) -> set[str]:
    tags = (cell.get("metadata") or {}).get("tags") or []
    return {str(t) for t in tags}


def slide_heading(cell: Mapping[str, Any]) -> str | None:
    """The ``#``/``##`` heading a markdown cell opens with (its first non-blank line), else None."""
    if cell.get("cell_type") != "markdown":
        return None
    for line in _source(cell).splitlines():
        if line.strip():
            m = _HEADING.match(line.strip())
            return m.group(2) if m else None
    return None


def lecture_roles(cells: Sequence[Mapping[str, Any]]) -> list[str]:
    """For each cell: ``"slide"`` (starts a slide), ``"skip"`` (runs, never shown) or ``""`` (shown).

    A slide starts at a markdown cell that opens with a ``#`` or ``##`` heading, or at a cell tagged
    ``slide``. Skipped: cells tagged ``lecture-skip``, markdown holding ``<!--NAVIGATION-->``, and
    every cell of a section whose heading cell is skipped, or is ``## Setup``, up to the next slide.
    """
    roles: list[str] = []
    skipping = False  # inside a skipped section
    for cell in cells:
        tags = _tags(cell)
        heading = slide_heading(cell)
        starts = heading is not None or SLIDE_TAG in tags
        if starts:
            skipping = SKIP_TAG in tags or (heading is not None and heading.strip().lower() in SKIPPED_SECTIONS)
            roles.append("skip" if skipping else "slide")
            continue
        navigation = cell.get("cell_type") == "markdown" and NAVIGATION_MARK in _source(cell)
        roles.append("skip" if skipping or SKIP_TAG in tags or navigation else "")
    return roles


def count_slides(cells: Sequence[Mapping[str, Any]]) -> int:
    """How many slides lecture mode makes of these cells."""
    roles = lecture_roles(cells)
    # Shown cells before the first slide start open a slide of their own.
    first = next((k for k, r in enumerate(roles) if r != "skip"), None)
    return sum(r == "slide" for r in roles) + (1 if first is not None and roles[first] == "" else 0)


def split_sections(source: str) -> list[str]:
    r"""Cut markdown at every ``#``/``##`` heading line (outside code fences and ``$$`` blocks).

    >>> split_sections("## A\ntext\n## B\nmore")
    ['## A\ntext', '## B\nmore']
    """
    parts: list[list[str]] = [[]]
    fence: str | None = None
    math = False
    for line in source.splitlines():
        stripped = line.strip()
        if fence is None and not math and _HEADING.match(stripped) and any(x.strip() for x in parts[-1]):
            parts.append([])
        if stripped.startswith(("```", "~~~")):
            mark = stripped[:3]
            fence = None if fence == mark else (fence or mark)
        elif fence is None and stripped.count("$$") % 2 == 1:
            math = not math
        parts[-1].append(line)
    return ["\n".join(p).strip("\n") for p in parts if any(x.strip() for x in p)] or [source]


_LINKS_LINE = re.compile(r"^\s*(\[[^\]]+\]\([^)\s]+\)\s*[·|•]?\s*)+$")


def drop_link_lines(source: str) -> str:
    """Markdown without the lines made only of links (``[Run on Binder](...) · [All notebooks](...)``).

    Such lines are a reader's way around the course; on a slide they are noise.
    """
    return "\n".join(line for line in source.splitlines() if not _LINKS_LINE.match(line))


def _split_markdown_cells(nb: Any) -> None:
    """One markdown cell per section: a heading in the middle of a cell starts a slide of its own."""
    cells = []
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown" and NAVIGATION_MARK not in _source(cell):
            cell["source"] = drop_link_lines(_source(cell))
        pieces = split_sections(_source(cell)) if cell.get("cell_type") == "markdown" else []
        if len(pieces) <= 1:
            cells.append(cell)
            continue
        for k, piece in enumerate(pieces):
            part = copy.deepcopy(cell)  # NotebookNode stays NotebookNode
            part["source"] = piece
            if k and "id" in part:
                part["id"] = f"{cell['id']}-{k}"
            cells.append(part)
    nb.cells = cells


def prepare_notebook(nb: Any, start: int = 1) -> Any:
    """Mark the slides: write each cell's role (see :func:`lecture_roles`) and the slide count into ``nb``.

    Markdown cells are first cut at each ``#``/``##`` heading (:func:`split_sections`). ``start``
    (1-based) is the slide to open on when the URL names none. Returns ``nb``.
    """
    _split_markdown_cells(nb)
    roles = lecture_roles(nb.cells)
    total = count_slides(nb.cells)
    first = True
    for cell, role in zip(nb.cells, roles, strict=True):
        # A shown cell before any heading opens the first slide.
        if role == "" and first:
            role = "slide"
        if role == "slide":
            first = False
        cell.setdefault("metadata", {})[ROLE_KEY] = role
    nb.metadata[ROLE_KEY] = {"slides": total, "start": max(1, min(int(start), max(total, 1)))}
    return nb


def prelaunch_hook(req: Any, notebook: Any, cwd: str, *, start: int = 1) -> Any:
    """Voila's ``VoilaConfiguration.prelaunch_hook``: mark the slides before the template renders."""
    return prepare_notebook(notebook, start)


# ---------------------------------------------------------------------------------------------
# Serving with Voila
# ---------------------------------------------------------------------------------------------

# jsonschema imports rfc3987_syntax when it is installed, which compiles ~35 Lark parsers (2-3 s of
# Voila's start-up on a busy machine) to check the "iri" format, which no Jupyter schema uses.
# A None entry in sys.modules makes that optional import fail fast (jsonschema then skips the check).
_VOILA_BOOT = "import sys; sys.modules['rfc3987_syntax'] = None; from voila.app import main; sys.exit(main())"

_CONFIG = """\
# Written by rnncount lecture: mark slides and skipped cells before Voila renders the notebook.
import functools

import rnncount.lecture.mode

c.VoilaConfiguration.prelaunch_hook = functools.partial(rnncount.lecture.mode.prelaunch_hook, start={start})
"""


def write_config(root: Path, start: int = 1) -> Path:
    """Write the Voila config (``voila.py``) for lecture mode into ``root``; returns ``root``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "voila.py").write_text(_CONFIG.format(start=int(start)), encoding="utf-8")
    return root


def voila_command(
    notebook: str | os.PathLike[str],
    *,
    config_dir: str | os.PathLike[str],
    port: int,
    theme: str = "light",
    extra: Sequence[str] = (),
) -> list[str]:
    """The Voila command line for lecture mode (code stripped, slides template, no browser of its own)."""
    return [
        sys.executable,
        "-c",
        _VOILA_BOOT,
        str(notebook),
        "--strip_sources=True",
        f"--template={TEMPLATE_NAME}",
        f"--theme={theme}",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--no-browser",
        f"--Voila.config_file_paths={config_dir}",
        "--VoilaConfiguration.show_tracebacks=False",
        *extra,
    ]


def lecture_env(base: Mapping[str, str] | None = None, theme: str = "light") -> dict[str, str]:
    """The environment for Voila: the package's template first on JUPYTER_PATH, quiet TensorFlow.

    ``RNNCOUNT_THEME`` is set to ``theme``: the kernel inherits it, so with ``--dark`` every picture
    the notebook draws (dashboards, ``picture``, ``diagram``) uses the dark palette unless a cell
    says ``dark=`` itself; no CSS inversion of light pictures is needed.
    """
    env = dict(os.environ if base is None else base)
    env[THEME_ENV] = "dark" if theme in ("dark", "JupyterLab Dark") else "light"
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(DATA), env.get("JUPYTER_PATH", "")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(wanted: int | None) -> int:
    """``wanted`` if given; else Voila's usual 8866, or the next free port after it."""
    if wanted is not None:
        return wanted
    for port in range(DEFAULT_PORT, DEFAULT_PORT + 50):
        if _port_free(port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError, OSError),
            urllib.request.urlopen(url, timeout=2) as resp,
        ):
            if resp.status == 200:
                return True
        time.sleep(0.1)
    return False


def _check_notebook(notebook: str | os.PathLike[str]) -> Path:
    path = Path(notebook)
    if path.suffix != ".ipynb" or not path.is_file():
        raise SpecError(f"lecture mode needs a notebook file (.ipynb); {str(notebook)!r} is not one")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise SpecError(f"cannot read {str(notebook)!r} as a notebook: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise SpecError(f"cannot read {str(notebook)!r} as a notebook: it has no list of cells")
    return path


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_lecture(
    notebook: str | os.PathLike[str],
    *,
    port: int | None = None,
    theme: str = "light",
    open_browser: bool = True,
    slide: int = 1,
) -> int:
    """Serve ``notebook`` as slides until interrupted; returns Voila's exit status.

    ``slide`` (1-based) is the slide the page opens on (the URL's ``#/N`` wins on a reload).
    """
    path = _check_notebook(notebook)
    if find_spec("voila") is None:
        raise SpecError('lecture mode needs Voila: pip install "rnncount[lecture]" (or: pip install "voila>=0.5,<0.6")')
    if slide < 1:
        raise SpecError(f"--slide counts from 1, got {slide}")
    port = pick_port(port)
    root = Path(tempfile.mkdtemp(prefix="rnncount-lecture-"))
    try:
        write_config(root, slide)
        cmd = voila_command(path, config_dir=root, port=port, theme=theme)
        proc = subprocess.Popen(cmd, env=lecture_env(theme=theme))
        url = f"http://127.0.0.1:{port}/"
        with contextlib.suppress(ValueError):  # not the main thread: leave SIGTERM alone
            # Stopped like a service (SIGTERM): stop Voila and its kernels too, as Ctrl+C does.
            signal.signal(signal.SIGTERM, _interrupt)
        try:
            if _wait_until_up(url + "voila/static/voila.js", proc):
                print(f"rnncount lecture: {url}#/{slide}  (Ctrl+C stops)", flush=True)
                if open_browser:
                    webbrowser.open(f"{url}#/{slide}")
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            return 130
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# A static deck: run the notebook once, each widget becomes the HTML of what it shows
# ---------------------------------------------------------------------------------------------

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_LAYOUT_STYLES = (
    "width",
    "min_width",
    "max_width",
    "height",
    "min_height",
    "max_height",
    "flex",
    "flex_flow",
    "align_items",
    "justify_content",
    "margin",
    "padding",
    "overflow",
    "object_fit",
    "object_position",
)


def _layout_style(widget: Any, extra: str = "") -> str:
    layout = getattr(widget, "layout", None)
    rules = []
    for name in _LAYOUT_STYLES:
        value = getattr(layout, name, None) if layout is not None else None
        if value:
            rules.append(f"{name.replace('_', '-')}: {value}")
    if extra:
        rules.append(extra)
    return html.escape("; ".join(rules), quote=True)


def _classes(widget: Any, *more: str) -> str:
    # `_dom_classes` is the name ipywidgets' public state protocol gives the classes (get_state()).
    state = widget.get_state(["_dom_classes"]) if hasattr(widget, "get_state") else {}
    return html.escape(" ".join([*more, *state.get("_dom_classes", ())]), quote=True)


def widget_html(widget: Any) -> str:
    """Static HTML of what an ipywidgets widget shows now (boxes, text, images, controls' values).

    The exported deck shows it instead of the live widget: a dashboard's formula, summary and
    picture at the notebook's starting values, and its controls as read-only labels.
    """
    import ipywidgets as W

    def control(label: str, value: str, cls: str) -> str:
        lab = f'<span class="rn-static-label">{html.escape(label)}</span>' if label else ""
        return (
            f'<div class="rn-static-control {_classes(widget, cls)}" style="{_layout_style(widget)}">'
            f'{lab}<span class="rn-static-value">{value}</span></div>'
        )

    w = widget
    if getattr(getattr(w, "layout", None), "display", None) == "none":
        return ""  # hidden in the live dashboard (e.g. the layer choice of a one-layer picture)
    description = str(getattr(w, "description", "") or "")
    if isinstance(w, W.Box):
        direction = "column" if isinstance(w, W.VBox) else "row"
        inner = "".join(widget_html(c) for c in w.children)
        style = _layout_style(w, f"display: flex; flex-direction: {direction}; flex-wrap: wrap; gap: 0.3em")
        return f'<div class="rn-static-box {_classes(w)}" style="{style}">{inner}</div>'
    if isinstance(w, W.HTML | W.HTMLMath):
        label = f'<span class="rn-static-label">{html.escape(description)}</span>' if description else ""
        return f'<div class="rn-static-html {_classes(w)}" style="{_layout_style(w)}">{label}{w.value}</div>'
    if isinstance(w, W.Label):
        return f'<div class="rn-static-text {_classes(w)}">{html.escape(str(w.value))}</div>'
    if isinstance(w, W.Image):
        fmt = str(w.format or "png")
        mime = "image/svg+xml" if fmt.startswith("svg") else f"image/{fmt}"
        data = base64.b64encode(bytes(w.value)).decode("ascii")
        return (
            f'<div class="rn-static-image {_classes(w)}"><img alt="" src="data:{mime};base64,{data}" '
            f'style="{_layout_style(w, "max-width: 100%")}"></div>'
        )
    if isinstance(w, W.Output):
        parts = []
        for out in w.outputs:
            data = out.get("data", {})
            if "text/html" in data:
                parts.append(data["text/html"])
            elif "image/svg+xml" in data:
                parts.append(data["image/svg+xml"])
            elif "image/png" in data:
                parts.append(f'<img alt="" src="data:image/png;base64,{data["image/png"]}">')
            elif "text/plain" in data or out.get("text"):
                parts.append(f"<pre>{html.escape(str(data.get('text/plain', out.get('text', ''))))}</pre>")
        return f'<div class="rn-static-output {_classes(w)}">{"".join(parts)}</div>'
    if isinstance(w, W.Button):
        return f'<button class="rn-static-button {_classes(w)}" disabled>{html.escape(description)}</button>'
    if isinstance(w, W.ToggleButtons | W.RadioButtons):
        labels = [str(o[0]) if isinstance(o, tuple) else str(o) for o in w.options]
        chosen = str(w.label)
        items = "".join(
            f'<span class="rn-static-option{" rn-static-chosen" if label == chosen else ""}">'
            f"{html.escape(label)}</span>"
            for label in labels
        )
        return control(description, items, "rn-static-options")
    if isinstance(w, W.Checkbox | W.ToggleButton):
        return control("", f"{'☑' if w.value else '☐'} {html.escape(description)}", "rn-static-check")
    if isinstance(w, W.Valid):
        return control(description, "✓" if w.value else "✗", "rn-static-valid")
    if hasattr(w, "value"):
        value = w.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            shown = f"{value:,}"
        else:
            shown = str(getattr(w, "label", None) or value)
        return control(description, html.escape(shown), "rn-static-value-control")
    return ""


def static_widget_outputs(model_ids: Iterable[str]) -> dict[str, str]:
    """Run in the kernel: the static HTML (:func:`widget_html`) of each live widget, by model id."""
    from ipywidgets import widget_serialization

    out = {}
    for model_id in model_ids:
        # The public way to turn a widget reference ("IPY_MODEL_<id>") back into the widget.
        widget = widget_serialization["from_json"](f"IPY_MODEL_{model_id}", None)
        out[model_id] = widget_html(widget) if not isinstance(widget, str) else ""
    return out


def _execute(nb: Any, cwd: Path, timeout: int, theme: str = "light") -> None:
    """Run ``nb`` in a fresh kernel; then replace every live widget output by its static HTML."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    with client.setup_kernel(env=lecture_env(theme=theme)):
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as err:
                first = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
                raise SpecError(f"the notebook stopped with an error in cell {index + 1}: {first}") from None
        ids = [
            out["data"][_WIDGET_MIME]["model_id"]
            for cell in nb.cells
            for out in cell.get("outputs", [])
            if _WIDGET_MIME in out.get("data", {})
        ]
        if not ids:
            return
        probe = nbformat.v4.new_code_cell(
            "import json as _json, rnncount.lecture.mode as _lecture\n"
            f"print(_json.dumps(_lecture.static_widget_outputs({json.dumps(ids)})))"
        )
        nb.cells.append(probe)  # nbclient writes the executed cell back into the notebook
        try:
            client.execute_cell(probe, len(nb.cells) - 1)
        finally:
            nb.cells.pop()
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")
    errors = [o for o in probe.outputs if o.get("output_type") == "error"]
    if errors:
        raise SpecError(f"cannot draw the widgets for the deck: {errors[0].get('ename')}: {errors[0].get('evalue')}")
    static = json.loads(text.strip().splitlines()[-1])
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if _WIDGET_MIME in data:
                model_id = data[_WIDGET_MIME]["model_id"]
                out["data"] = {"text/html": static.get(model_id, "")}
                out.setdefault("metadata", {})


def export_deck(
    notebook: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    theme: str = "light",
    slide: int = 1,
    timeout: int = 600,
) -> Path:
    """Run ``notebook`` and write it as a static slide deck (one HTML file, nothing fetched); returns ``out``."""
    import nbformat
    from nbconvert import HTMLExporter

    path = _check_notebook(notebook)
    nb = nbformat.read(path, as_version=4)
    _execute(nb, path.resolve().parent, timeout, theme)
    prepare_notebook(nb, slide)
    exporter = HTMLExporter(
        template_name=DECK_TEMPLATE_NAME,
        extra_template_basedirs=[str(DATA / "nbconvert" / "templates")],
        extra_template_paths=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        theme=theme,
    )
    mathjax = MATHJAX_JS.read_text(encoding="utf-8")
    body, _ = exporter.from_notebook_node(nb, resources={"rnncount_mathjax": mathjax})
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


__all__ = [
    "DATA",
    "SKIP_TAG",
    "SLIDE_TAG",
    "TEMPLATE_NAME",
    "count_slides",
    "export_deck",
    "lecture_env",
    "lecture_roles",
    "prelaunch_hook",
    "prepare_notebook",
    "run_lecture",
    "slide_heading",
    "voila_command",
    "widget_html",
    "write_config",
]
