"""Lecture mode: show a notebook's explanations and dashboards, without code, large enough to project.

``rnncount lecture notebooks/02_simple_rnn.ipynb`` starts Voila with the code cells stripped and a
projector template (big type, big sliders, wide page). The notebook runs in a fresh kernel; the
markdown, the outputs and the live widgets are all that the audience sees.

Voila is an optional dependency (``pip install "rnncount[lecture]"``); it is imported by the
subprocess only, so ``import rnncount`` never needs it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .errors import SpecError

#: Name of the Voila template written by :func:`write_template`.
TEMPLATE_NAME = "rnncount-lecture"

# CSS custom properties are the JupyterLab theme's own knobs, so widgets, markdown and outputs
# all scale together; `html:root` outranks the theme's `:root` whatever the load order.
_LECTURE_CSS = """
html:root {
  --jp-content-font-size1: 24px;
  --jp-content-font-size2: 1.25em;
  --jp-content-font-size3: 1.5em;
  --jp-content-font-size4: 1.8em;
  --jp-content-font-size5: 2.2em;
  --jp-ui-font-size1: 20px;
  --jp-code-font-size: 20px;
  --jp-code-line-height: 1.4;
  --jp-widgets-font-size: 22px;
  --jp-widgets-inline-height: 44px;
  --jp-widgets-inline-label-width: 220px;
  --jp-widgets-inline-width: 720px;
  --jp-widgets-slider-handle-size: 26px;
  --jp-widgets-slider-track-thickness: 8px;
}
body { font-size: 24px; line-height: 1.5; }
#rendered_cells { padding: 1.5em 3em 4em 3em; }
.jp-RenderedHTMLCommon, .jp-RenderedMarkdown { font-size: 24px; line-height: 1.5; max-width: 1600px; }
.jp-RenderedHTMLCommon h1 { font-size: 2.2em; }
.jp-RenderedHTMLCommon h2 { font-size: 1.7em; }
.jp-RenderedHTMLCommon h3 { font-size: 1.35em; }
.jp-OutputArea-output pre, .widget-html pre, .widget-label { font-size: 20px; }
.jp-OutputArea-output img, .widget-image { max-width: 100%; height: auto; }
.jp-OutputPrompt, .jp-InputPrompt { display: none; }
/* Dashboards set pixel widths for a notebook's type size; let labels and buttons grow with the big type. */
.widget-inline-hbox .widget-label { width: auto !important; min-width: 7em; max-width: none !important; }
.widget-hslider { width: auto !important; min-width: 640px; }
.widget-toggle-button { width: auto !important; padding: 0 0.9em; }
.rnncount-summary-text { font-size: 14px !important; }
/* The summary's 96 columns at 14 px: wrap below the picture rather than hide the counts' column. */
.rnncount-summary { min-width: min(100%, 840px) !important; }
/* Lecture mode has no code to run: hide the (stripped) inputs completely. */
.jp-Cell-inputWrapper:has(.jp-CodeMirrorEditor), .jp-CodeCell .jp-Cell-inputWrapper { display: none; }
"""

_INDEX = (
    "{%- extends 'voila/templates/lab/index.html.j2' -%}\n"
    "{%- block notebook_css -%}\n"
    "{{ super() }}\n"
    "<style>" + _LECTURE_CSS + "</style>\n"
    "{%- endblock notebook_css -%}\n"
)


def write_template(root: Path) -> Path:
    """Write the lecture template under ``root`` (a Jupyter data dir); returns ``root``.

    Voila finds it as ``--template=rnncount-lecture`` when ``root`` is on ``JUPYTER_PATH``.
    """
    folder = Path(root) / "voila" / "templates" / TEMPLATE_NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conf.json").write_text(json.dumps({"base_template": "lab"}, indent=2) + "\n", encoding="utf-8")
    (folder / "index.html.j2").write_text(_INDEX, encoding="utf-8")
    return Path(root)


def voila_command(
    notebook: str | os.PathLike[str],
    *,
    port: int | None = None,
    theme: str = "light",
    open_browser: bool = True,
    extra: Sequence[str] = (),
) -> list[str]:
    """The Voila command line for lecture mode (code stripped, projector template)."""
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--strip_sources=True",
        f"--template={TEMPLATE_NAME}",
        f"--theme={theme}",
        "--Voila.ip=127.0.0.1",
        "--VoilaConfiguration.show_tracebacks=False",
    ]
    if port is not None:
        cmd.append(f"--port={port}")
    if not open_browser:
        cmd.append("--no-browser")
    cmd.extend(extra)
    return cmd


def lecture_env(template_root: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for Voila: ``template_root`` first on JUPYTER_PATH, quiet TensorFlow."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(template_root), env.get("JUPYTER_PATH", "")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def run_lecture(
    notebook: str | os.PathLike[str],
    *,
    port: int | None = None,
    theme: str = "light",
    open_browser: bool = True,
) -> int:
    """Serve ``notebook`` in lecture mode until interrupted; returns Voila's exit status."""
    path = Path(notebook)
    if path.suffix != ".ipynb" or not path.is_file():
        raise SpecError(f"lecture mode needs a notebook file (.ipynb); {str(notebook)!r} is not one")
    if find_spec("voila") is None:
        raise SpecError('lecture mode needs Voila: pip install "rnncount[lecture]" (or: pip install "voila>=0.5,<0.6")')
    root = Path(tempfile.mkdtemp(prefix="rnncount-lecture-"))
    try:
        write_template(root)
        cmd = voila_command(path, port=port, theme=theme, open_browser=open_browser)
        proc = subprocess.Popen(cmd, env=lecture_env(root))
        try:
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


def _cmd_lecture(args: argparse.Namespace) -> int:
    return run_lecture(
        args.notebook,
        port=args.port,
        theme="dark" if args.dark else "light",
        open_browser=not args.no_browser,
    )


def add_lecture(sub: Any) -> None:
    """Register ``rnncount lecture`` (appended to :data:`rnncount.cli.SUBCOMMANDS`)."""
    p = sub.add_parser(
        "lecture",
        help="show a notebook without code, large enough to project (Voila)",
        description=(
            "Serve a notebook in lecture mode: explanations, outputs and live dashboards, code cells hidden, "
            "big type for a projector. Example: rnncount lecture notebooks/02_simple_rnn.ipynb"
        ),
    )
    p.add_argument("notebook", help="the notebook to show, e.g. notebooks/02_simple_rnn.ipynb")
    p.add_argument("--port", type=int, default=None, help="port to serve on (default: Voila's, 8866)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    p.add_argument("--dark", action="store_true", help="dark theme (for dim rooms)")
    p.set_defaults(func=_cmd_lecture)


__all__ = ["TEMPLATE_NAME", "add_lecture", "lecture_env", "run_lecture", "voila_command", "write_template"]
