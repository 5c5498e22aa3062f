"""Servers and page helpers for the real-browser tests (see conftest.py for the fixtures)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = Path(os.environ.get("RNNCOUNT_ARTIFACTS", REPO / "artifacts")) / "e2e"
CHROMIUM = os.environ.get("RNNCOUNT_CHROMIUM", "/usr/bin/chromium")
# Without the networking flags Chromium keeps dialling out, and this sandbox has no network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")

# Generous: a cold kernel imports TensorFlow and builds Keras models on a busy 2-core machine.
SERVER_START_S = 90
RUN_ALL_S = 300
UPDATE_S = 60

WIDGET_ERRORS = ("Error displaying widget", "Failed to load model class", "Failed to create view")


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(home: Path) -> dict[str, str]:
    """A clean Jupyter environment inside ``home``: no user config, settings or workspaces leak in."""
    env = dict(os.environ)
    # The test process forces Agg; a kernel must use the inline backend like a reader's.
    env.pop("MPLBACKEND", None)
    for name, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("IPYTHONDIR", "ipython"),
        ("MPLCONFIGDIR", "mpl"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server not ready after {timeout:.0f}s:\n{log.read_text(errors='replace')[-3000:]}")


def stop_server(proc: subprocess.Popen[bytes], shutdown_url: str | None = None) -> None:
    """Stop a server and everything it started (kernels run in the same process group)."""
    if proc.poll() is None and shutdown_url:
        try:
            urllib.request.urlopen(urllib.request.Request(shutdown_url, method="POST", data=b""), timeout=10)
            proc.wait(timeout=20)
        except Exception:
            pass
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError, PermissionError):  # kernels left behind by a server that died
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


@dataclass
class Server:
    """A running server: its base URL, token, root directory and log file."""

    base_url: str
    token: str
    root: Path
    log: Path
    proc: subprocess.Popen[bytes] = field(repr=False)

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}"


def start_lab(root: Path, home: Path) -> Server:
    """Start JupyterLab serving ``root``; the caller must :func:`stop_server` it."""
    port = _free_port()
    token = secrets.token_hex(16)
    settings = home / "lab-settings"
    # The news/update notifications would cover the notebook in screenshots.
    notif = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notif.parent.mkdir(parents=True, exist_ok=True)
    notif.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # window.jupyterapp lets the test read kernel status and cell outputs from the models.
        "--LabApp.expose_app_in_browser=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = home / "jupyterlab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=root, env=_server_env(home), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(f"http://127.0.0.1:{port}", token, root, log, proc)
    try:
        _wait_http(server.url("/api/status"), proc, log, SERVER_START_S)
    except Exception:
        stop_server(proc)
        raise
    return server


def start_lecture(notebook: Path, home: Path) -> Server:
    """Start ``rnncount lecture NOTEBOOK`` (Voila) without a browser; the caller must :func:`stop_server` it."""
    port = _free_port()
    cmd = [sys.executable, "-m", "rnncount", "lecture", str(notebook), f"--port={port}", "--no-browser"]
    log = home / "voila.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=notebook.parent,
            env=_server_env(home),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", "", notebook.parent, log, proc)
    try:
        _wait_http(f"{server.base_url}/voila/static/voila.js", proc, log, SERVER_START_S)
    except Exception:
        try:  # an older/newer Voila may serve its assets elsewhere; the root page proves it is up
            _wait_http(f"{server.base_url}/api/status", proc, log, 5)
        except Exception:
            stop_server(proc)
            raise
    return server


_NOTEBOOK_STATE_JS = """
() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const errors = [];
  for (const c of cells) {
    const outs = c.model.outputs.toJSON();
    for (const o of outs) {
      if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue);
    }
  }
  return {
    status: kernel ? kernel.status : 'none',
    total: cells.length,
    pending: cells.filter(c => c.model.executionCount === null).length,
    running: cells.filter(c => (c.promptNode && c.promptNode.textContent || '').includes('*')).length,
    errors: errors,
  };
}
"""


def page_problems(pg: Any) -> list[str]:
    """Error outputs and widget failures visible in the page, as readable lines (empty when clean)."""
    problems: list[str] = []
    for el in pg.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all():
        text = el.inner_text()
        if re.search(r"Traceback|Error\b|Exception\b", text):
            problems.append("stderr/error output: " + text.strip()[:1500])
    body = pg.locator("body").inner_text()
    for needle in WIDGET_ERRORS:
        if needle in body:
            idx = body.index(needle)
            problems.append(f"widget error in page: {body[max(0, idx - 200) : idx + 300]!r}")
    return problems


def assert_clean(pg: Any, what: str) -> None:
    problems = page_problems(pg)
    assert not problems, f"{what}:\n" + "\n".join(problems)


def open_notebook(pg: Any, server: Server, name: str) -> None:
    """Open ``name`` in JupyterLab and wait until its kernel is idle."""
    # A workspace of its own: nothing restored from an earlier test's layout.
    workspace = f"t{secrets.token_hex(4)}"
    pg.goto(server.url(f"/lab/workspaces/{workspace}/tree/{name}"), wait_until="domcontentloaded", timeout=60_000)
    pg.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").first.wait_for(
        state="visible", timeout=90_000
    )
    wait_until(pg, lambda s: s and s["status"] == "idle", SERVER_START_S, f"kernel for {name} to be idle")
    # More room for the notebook, as a reader would make it.
    pg.evaluate("() => window.jupyterapp.shell.collapseLeft()")


def wait_until(pg: Any, ok: Callable[[Any], bool], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = pg.evaluate(_NOTEBOOK_STATE_JS)
        dialog = pg.locator(".jp-Dialog")
        if dialog.count() and dialog.first.is_visible():  # e.g. "Select Kernel": nobody will answer it
            raise AssertionError(f"a dialog blocks {what}: {dialog.first.inner_text()[:500]!r}")
        if state and state["errors"]:
            raise AssertionError(f"error output while waiting for {what}: {state['errors']}")
        if ok(state):
            return state
        pg.wait_for_timeout(500)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last state {state}")


def run_all_cells(pg: Any) -> dict[str, Any]:
    """Run > Run All Cells from the menu bar, then wait until every code cell ran and the kernel is idle."""
    pg.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    pg.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    pg.wait_for_timeout(500)
    return wait_until(
        pg,
        lambda s: s and s["pending"] == 0 and s["running"] == 0 and s["status"] == "idle",
        RUN_ALL_S,
        "all cells to run",
    )


def press_slider(pg: Any, slider: Any, key: str, times: int = 1) -> None:
    """Move an ipywidgets slider like a keyboard user: focus its handle, press ``key``."""
    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(times):
        handle.press(key)
        pg.wait_for_timeout(100)


def slider_value(slider: Any, timeout: float = 10.0) -> int:
    """The integer a slider shows in its readout.

    In a long notebook JupyterLab renders a cell's widgets only once it scrolls into view, so the
    readout may still be empty for a moment: wait for its number.
    """
    readout = slider.locator(".widget-readout").first
    deadline = time.monotonic() + timeout
    text = readout.inner_text().strip()
    while not text and time.monotonic() < deadline:
        time.sleep(0.1)
        text = readout.inner_text().strip()
    return int(text.replace(",", "").replace("\u2009", "").replace(" ", ""))


def wait_text_change(locator: Any, before: str, timeout: float = UPDATE_S) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = locator.inner_text()
        if now != before:
            return now
        time.sleep(0.2)
    raise AssertionError(f"text did not change within {timeout:.0f}s: {before[:300]!r}")


def digits_variants(n: int) -> tuple[str, ...]:
    """How a count may be written in the page: 17057, 17,057, 17 057 (thin space)."""
    return (str(n), f"{n:,}", f"{n:,}".replace(",", "\u2009"), f"{n:,}".replace(",", " "), f"{n:,}".replace(",", "_"))


def shows_number(text: str, n: int) -> bool:
    """True when ``n`` appears in ``text`` as a whole number (not as part of a longer one)."""
    return any(re.search(rf"(?<![\d,\u2009_]){re.escape(v)}(?![\d,\u2009_]|\.\d)", text) for v in digits_variants(n))


def wait_for_lab_restored(pg: Any, timeout: float = SERVER_START_S) -> None:
    """Wait until JupyterLab has started and restored its layout (``app.restored``), however busy the machine."""
    pg.wait_for_function("() => !!(window.jupyterapp && window.jupyterapp.restored)", timeout=timeout * 1000)
    pg.evaluate("() => window.jupyterapp.restored.then(() => { window.__rnncountRestored = true; })")
    pg.wait_for_function("() => window.__rnncountRestored === true", timeout=timeout * 1000)


_CURRENT_PATH_JS = """
() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return w && w.context ? w.context.path : null;
}
"""


def wait_for_current_document(pg: Any, path: str, timeout: float = SERVER_START_S) -> None:
    """Wait until the document at ``path`` is JupyterLab's current widget."""
    poll(
        lambda: (
            None
            if pg.evaluate(_CURRENT_PATH_JS) == path
            else f"the current document is {pg.evaluate(_CURRENT_PATH_JS)}"
        ),
        timeout,
        f"waiting for {path} to be the current document",
    )


def wait_for_wired_link(link: Any, timeout: float = SERVER_START_S) -> None:
    """Wait until JupyterLab has taken over a rendered Markdown link to a local file.

    JupyterLab resolves such a link asynchronously: it adds its click handler (which opens the file
    in JupyterLab), then rewrites the ``href`` to the file's download URL (``/files/...``). A click
    before that follows the raw link instead, so the rewritten ``href`` is the state to wait for.
    """
    poll(
        lambda: None if "/files/" in (link.get_attribute("href") or "") else f"href is {link.get_attribute('href')!r}",
        timeout,
        "waiting for JupyterLab to wire the link",
    )


def shutdown_kernels(server: Server) -> None:
    """Shut down every kernel of ``server`` (each test's TensorFlow kernel holds ~0.5 GB)."""
    req = urllib.request.Request(server.url("/api/kernels"))
    with contextlib.suppress(Exception), urllib.request.urlopen(req, timeout=10) as resp:
        for k in json.loads(resp.read()):
            with contextlib.suppress(Exception):
                urllib.request.urlopen(
                    urllib.request.Request(server.url(f"/api/kernels/{k['id']}"), method="DELETE"), timeout=20
                )


# ---------------------------------------------------------------------------------------------
# Reading a dashboard (rnncount.dashboards.widgets) from the page
# ---------------------------------------------------------------------------------------------

_IMAGE_B64_JS = """
async (img) => {
  const resp = await fetch(img.src);
  const buf = new Uint8Array(await resp.arrayBuffer());
  let s = '';
  for (let k = 0; k < buf.length; k += 0x8000) s += String.fromCharCode.apply(null, buf.subarray(k, k + 0x8000));
  return btoa(s);
}
"""

_MATH_TEXT_JS = """
(el) => {
  const mml = Array.from(el.querySelectorAll('mjx-assistive-mml, math'));
  return mml.length ? mml.map(e => e.textContent).join(' ') : null;
}
"""


def image_bytes(img: Any) -> bytes:
    """The bytes of an <img> as the page holds them (ipywidgets serves them as a blob: URL)."""
    return base64.b64decode(img.evaluate(_IMAGE_B64_JS))


def math_text(el: Any) -> str | None:
    """The text of the typeset math inside ``el`` (MathJax's MathML copy), or None before typesetting."""
    return el.evaluate(_MATH_TEXT_JS)


def normalize_math(text: str) -> str:
    """Formula text without spaces, thousands separators or typographic operators: ``4*3+3*3+3=24``."""
    for a, b in (("\u22c5", "*"), ("\u00d7", "*"), ("\u00b7", "*"), ("\u2212", "-"), ("{,}", "")):
        text = text.replace(a, b)
    return re.sub(r"[\s,\u2009\u202f]", "", text)


def poll(check: Callable[[], str | None], timeout: float, what: str) -> None:
    """Call ``check`` until it returns None (all good) or ``timeout`` passes; fail with its last complaint."""
    deadline = time.monotonic() + timeout
    complaint: str | None = "never checked"
    while time.monotonic() < deadline:
        try:
            complaint = check()
        except Exception as err:  # a view may be re-rendering while we read it
            complaint = f"{type(err).__name__}: {err}"
        if complaint is None:
            return
        time.sleep(0.25)
    raise AssertionError(f"{what}: {complaint}")


def scroll_to_top_of(el: Any) -> None:
    """Scroll the page (or the notebook) so that ``el`` starts at the top of the window."""
    el.evaluate("e => e.scrollIntoView({block: 'start'})")
    el.page.wait_for_timeout(300)


def run_all_cells_and_wait(pg: Any) -> dict[str, Any]:
    """Run > Run All Cells, then wait for the run to start and to finish (states only, no fixed pause)."""
    pg.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    pg.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    wait_until(pg, lambda s: s and (s["pending"] > 0 or s["running"] > 0 or s["status"] != "idle"), 60, "the run")
    return wait_until(
        pg,
        lambda s: s and s["pending"] == 0 and s["running"] == 0 and s["status"] == "idle",
        RUN_ALL_S,
        "all cells to run",
    )


def press_slider_until(slider: Any, key: str, target: int, timeout: float = UPDATE_S) -> None:
    """Press ``key`` on a slider's focused handle, one press at a time, each time waiting for its readout
    to change, until the readout shows ``target``."""
    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(1000):
        value = slider_value(slider)
        if value == target:
            return
        handle.press(key)
        poll(lambda v=value: None if slider_value(slider) != v else f"still {v}", timeout, f"slider to leave {value}")
    raise AssertionError(f"the slider never reached {target}")


def scroll_to_top_and_wait(el: Any) -> None:
    """Scroll so that ``el`` starts at the top of the window, and wait until it stops moving."""
    el.evaluate("e => e.scrollIntoView({block: 'start'})")
    last: list[float] = []

    def settled() -> str | None:
        top = el.evaluate("e => e.getBoundingClientRect().top")
        last.append(top)
        return None if len(last) > 1 and abs(last[-1] - last[-2]) < 0.5 else f"top at {top}"

    poll(settled, 10, "the page to stop scrolling")
