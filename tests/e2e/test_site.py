"""The browser edition (``rnncount site build``), built from this checkout and driven in Chromium.

The site is built into a temporary folder, served by a static file server on 127.0.0.1, and opened
in headless Chromium. Any request to another address fails the test: the site must run from its own
files. The one-time downloads of the build come from the cache that ``rnncount site fetch`` filled
at install time (.ci/run does it), so the build itself needs no network.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _axe import OURS, assert_no_violations, audit
from _browser import (
    SERVER_START_S,
    _free_port,
    assert_clean,
    poll,
    press_slider_until,
    run_all_cells_and_wait,
    stop_server,
    unavailable,
    wait_until,
)
from _dashboards import assert_views, explore_expected, picture_complaint, read_explore

from rnncount.classroom import Exercise
from rnncount.core.summary import LABEL

pytestmark = pytest.mark.e2e

BUILD_S = 900
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built from this checkout by the command a teacher runs."""
    out = tmp_path_factory.mktemp("lite") / "site"
    run = subprocess.run(
        [sys.executable, "-m", "rnncount", "site", "build", str(out)],
        capture_output=True,
        text=True,
        timeout=BUILD_S,
    )
    if run.returncode != 0:
        unavailable(f"rnncount site build failed: {run.stderr.strip()}")
    return out


class StaticServer:
    """``python -m http.server`` on 127.0.0.1: a static host like any other."""

    def __init__(self, root: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1", "--directory", str(root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the static server did not start")


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[StaticServer]:
    server = StaticServer(site)
    try:
        yield server
    finally:
        stop_server(server.proc)


def site_context(browser: Any, server: StaticServer, outside: list[str]) -> Any:
    """A browser context that serves only from ``server``: every other request is recorded and refused.

    The tests read JupyterLab's state through ``window.jupyterapp``, which JupyterLite exposes when its
    settings say ``exposeAppInBrowser``; the context adds that to the page's settings as it loads them
    (the site itself is served unchanged).
    """
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    context.set_default_timeout(30_000)
    ours = f"{server.base}/"

    def route(r: Any) -> None:
        url = r.request.url
        if not url.startswith(ours):
            if not url.startswith(("data:", "blob:")):
                outside.append(url)
            r.abort()
            return
        if urllib.parse.urlparse(url).path == "/jupyter-lite.json":
            resp = r.fetch()
            config = resp.json()
            config["jupyter-config-data"]["exposeAppInBrowser"] = "true"
            r.fulfill(response=resp, body=json.dumps(config))
            return
        r.continue_()

    context.route("**/*", route)
    context.on("request", lambda req: None if req.url.startswith((ours, "data:", "blob:")) else outside.append(req.url))
    return context


def open_site_notebook(pg: Any, server: StaticServer, name: str) -> None:
    """Open ``name`` from the landing page, as a learner does, and wait for its kernel to be idle."""
    pg.goto(f"{server.base}/", wait_until="domcontentloaded")
    link = pg.locator(f'#notebooks a[href$="path={name}"]')
    link.click()
    pg.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible", timeout=SERVER_START_S * 1000)
    pg.wait_for_function("() => !!window.jupyterapp", timeout=SERVER_START_S * 1000)
    wait_until(pg, lambda s: s and s["status"] == "idle", SERVER_START_S, f"the Pyodide kernel of {name}")


def test_landing_page_lists_every_notebook(browser: Any, served: StaticServer) -> None:
    from rnncount.site import BROWSER_NOTEBOOKS

    outside: list[str] = []
    context = site_context(browser, served, outside)
    try:
        pg = context.new_page()
        pg.goto(f"{served.base}/", wait_until="load")
        assert "rnncount in your browser" in pg.title()
        hrefs = pg.locator("#notebooks a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert hrefs == [f"./notebooks/index.html?path={name}" for name, _, _ in BROWSER_NOTEBOOKS]
        for href in hrefs:  # every link leads to a notebook the site has
            name = href.split("path=")[1]
            with urllib.request.urlopen(f"{served.base}/files/{name}", timeout=10) as resp:
                assert json.loads(resp.read())["metadata"]["kernelspec"]["name"] == "python"
    finally:
        context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"


def test_simple_rnn_notebook_runs_in_the_browser(browser: Any, served: StaticServer, artifacts: Path) -> None:
    outside: list[str] = []
    context = site_context(browser, served, outside)
    try:
        pg = context.new_page()
        open_site_notebook(pg, served, "02_simple_rnn.ipynb")
        run_all_cells_and_wait(pg)
        assert_clean(pg, "02_simple_rnn (browser edition) after Run All")

        dash = pg.locator(".rnncount-explore").first
        dash.scroll_into_view_if_needed()
        before = read_explore(dash)
        first = explore_expected(before)
        assert_views(dash, first, stack=False, what="the browser dashboard as first shown")
        summary = dash.locator(".rnncount-summary").inner_text()
        assert LABEL in " ".join(summary.split()), summary
        assert "pip install" not in summary and "TensorFlow is not installed" not in summary
        dash.screenshot(path=str(artifacts / "site-02_simple_rnn-dashboard.png"))

        # The units slider, moved with the keyboard: formula, summary and picture follow the engine.
        press_slider_until(dash.locator(".rnncount-units"), "ArrowRight", before["units"] + 2)
        after = read_explore(dash)
        assert after == {**before, "units": before["units"] + 2}
        second = explore_expected(after)
        assert second.total != first.total
        assert_views(dash, second, stack=False, what=f"after units {before['units']} -> {after['units']}")

        # The three views of the picture.
        for view in ("unrolled", "cell", "weights"):
            dash.locator(".rnncount-view button", has_text=re.compile(rf"^\s*{view}\s*$")).click()
            poll(lambda v=view: picture_complaint(dash, second, v), 30, f"the {view} view")
            if view != "weights":
                dash.screenshot(path=str(artifacts / f"site-02_simple_rnn-{view}.png"))
        pg.screenshot(path=str(artifacts / "site-02_simple_rnn-1280.png"))

        # An exercise: Check a right answer, then a wrong one.
        ex = pg.locator(".rnncount-exercise").first
        ex.scroll_into_view_if_needed()
        right = Exercise("SimpleRNN(16)", (40, 8)).expected
        assert "SimpleRNN(16)" in ex.inner_text()
        box = ex.locator("input[type=text]")
        feedback = ex.locator(".rnncount-feedback")
        box.fill(str(right))
        ex.locator("button", has_text="Check").click()
        poll(
            lambda: None if "Right" in feedback.inner_text() else feedback.inner_text(),
            30,
            "feedback on a right answer",
        )
        wrong = 40 * 16 + 16 * 16 + 16  # the timesteps taken for i: a known mistake
        box.fill(str(wrong))
        ex.locator("button", has_text="Check").click()
        expected = Exercise("SimpleRNN(16)", (40, 8)).check(wrong).message
        poll(
            lambda: None if expected in feedback.inner_text() else feedback.inner_text(),
            30,
            "feedback on a wrong answer",
        )
        assert "Right" not in feedback.inner_text()
        ex.screenshot(path=str(artifacts / "site-02_simple_rnn-exercise.png"))
        assert_clean(pg, "02_simple_rnn (browser edition) after the exercise")

        # WCAG 2.1 A/AA on rnncount's own markup (the dashboard, its picture, the exercises), as in
        # JupyterLab: the page script must have named the slider handles in the browser edition too.
        poll(
            lambda: None if dash.locator("[role=slider][aria-label='units h']").count() == 1 else "handles not named",
            30,
            "the slider handles to be named",
        )
        for each in pg.locator(".rnncount-exercise").all():
            each.scroll_into_view_if_needed()
        result = audit(pg, what="browser edition 02_simple_rnn, rnncount's markup", include=OURS)
        print("\n[a11y] " + result.summary())
        assert_no_violations(result)
    finally:
        context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"


# --- the pure modules' tests, run inside Pyodide ----------------------------------------------------

#: Test files whose tests need no Keras, NumPy or matplotlib (those marked ``keras`` are deselected),
#: with the helpers they import. They run under pytest in the site's own kernel. Not here:
#: test_grade.py (worker processes, the repository's files). test_spec.py's hostile specs are here on
#: purpose: a text nested too deeply for Python's parser stops Pyodide unless it is refused first.
PYODIDE_TESTS = ("test_homework.py", "test_blocks_and_formulas.py", "test_spec.py")
PYODIDE_HELPERS = ("conftest.py", "_stacks.py", "test_keras_grid.py")

# Run code in the page's kernel and collect what it prints.
_EXECUTE_JS = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = '';
  const future = kernel.requestExecute({code, store_history: false});
  future.onIOPub = msg => {
    const t = msg.header.msg_type, c = msg.content;
    if (t === 'stream') out += c.text;
    if (t === 'error') out += c.ename + ': ' + c.evalue + '\\n' + (c.traceback || []).join('\\n');
  };
  const reply = await future.done;
  return {status: reply.content.status, out};
}"""


def wheel_of_installed(dist: str, dest: Path) -> Path:
    """A wheel of an installed pure-Python distribution, from its own files (nothing is downloaded)."""
    import base64
    import hashlib
    import importlib.metadata
    import zipfile

    d = importlib.metadata.distribution(dist)
    name, version = d.metadata["Name"].replace("-", "_"), d.version
    files = [f for f in d.files or [] if not str(f).startswith("..") and "__pycache__" not in str(f)]
    files = [f for f in files if not str(f).endswith(("RECORD", "INSTALLER", "REQUESTED", "direct_url.json"))]
    path = dest / f"{name}-{version}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            data = Path(f.locate()).read_bytes()
            zf.writestr(str(f), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{f},sha256={digest},{len(data)}")
        info = next(str(f).split("/")[0] for f in files if ".dist-info/" in str(f))
        record.append(f"{info}/RECORD,,")
        zf.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return path


def test_pure_modules_tests_pass_inside_pyodide(browser: Any, site: Path, served: StaticServer) -> None:
    tests_dir = Path(__file__).resolve().parents[1]
    extra = site / "_pyodide_tests"
    extra.mkdir(exist_ok=True)
    for name in (*PYODIDE_TESTS, *PYODIDE_HELPERS):
        (extra / name).write_bytes((tests_dir / name).read_bytes())
    wheels = [wheel_of_installed(d, extra).name for d in ("pytest", "pluggy", "iniconfig")]
    base = f"{served.base}/_pyodide_tests"
    code = f"""
import os, sys, micropip
from pyodide.http import pyfetch
await micropip.install({[f"{base}/{w}" for w in wheels]!r}, deps=False)
os.makedirs("/tmp/pyodide_tests", exist_ok=True)
for name in {[*PYODIDE_TESTS, *PYODIDE_HELPERS]!r}:
    data = await (await pyfetch("{base}/" + name)).bytes()
    open("/tmp/pyodide_tests/" + name, "wb").write(data)
import pytest
os.chdir("/tmp/pyodide_tests")
rc = pytest.main(["-q", "-x", "-m", "not keras", "-p", "no:cacheprovider", "-p", "no:faulthandler", "--capture=sys",
                  "-W", "ignore::pytest.PytestUnknownMarkWarning", *{list(PYODIDE_TESTS)!r}])
print("PYTEST_EXIT", int(rc))
"""
    outside: list[str] = []
    context = site_context(browser, served, outside)
    try:
        pg = context.new_page()
        open_site_notebook(pg, served, "00_start.ipynb")
        pg.set_default_timeout(600_000)
        result = pg.evaluate(_EXECUTE_JS, code)
    finally:
        context.close()
    out = result["out"]
    print(out[-3000:])
    assert result["status"] == "ok", out[-4000:]
    assert "PYTEST_EXIT 0" in out, out[-4000:]
    passed = re.search(r"(\d+) passed", out)
    assert passed and int(passed.group(1)) >= 180, out[-2000:]  # about 200 natively, the Keras ones deselected
    assert outside == [], f"requests left 127.0.0.1: {outside}"


# Ask the page's kernel to complete ``code`` at its end, as Tab does.
_COMPLETE_JS = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const reply = await kernel.requestComplete({code, cursor_pos: code.length});
  return reply.content;
}"""


def test_tab_completion_and_tracebacks_work_with_the_compiled_modules(browser: Any, served: StaticServer) -> None:
    # jedi is a stand-in and the start's modules are bytecode: IPython's own completer must still
    # complete, and an error inside rnncount must still show rnncount's source lines.
    outside: list[str] = []
    context = site_context(browser, served, outside)
    try:
        pg = context.new_page()
        open_site_notebook(pg, served, "00_start.ipynb")
        setup = pg.evaluate(_EXECUTE_JS, "import rnncount, json\nprint('ready')")
        assert setup["status"] == "ok" and "ready" in setup["out"], setup
        reply = pg.evaluate(_COMPLETE_JS, "rnncount.expl")
        assert reply["status"] == "ok" and any(m.endswith("explore") for m in reply["matches"]), reply
        reply = pg.evaluate(_COMPLETE_JS, "json.dum")
        assert any(m.endswith("dumps") for m in reply["matches"]), reply
        failed = pg.evaluate(_EXECUTE_JS, "rnncount.count('LSTM(-3)', (5, 2))")
        assert failed["status"] == "error", failed
        assert "SpecError" in failed["out"] and "spec.py" in failed["out"], failed["out"][-2000:]
    finally:
        context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"
