"""``rnncount site build``: bad input gets one line and exit status 2; the pieces of a build, without a browser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rnncount.site import build


def _cli(*args: str, env: dict[str, str] | None = None, pre: str = "") -> subprocess.CompletedProcess[str]:
    code = pre + "import sys\nfrom rnncount.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, env=env or dict(os.environ)
    )


def _one_line_exit_2(run: subprocess.CompletedProcess[str], needle: str) -> None:
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert needle in lines[0], lines[0]


def test_no_such_parent_directory(tmp_path: Path) -> None:
    _one_line_exit_2(_cli("site", "build", str(tmp_path / "missing" / "site")), "no such directory")


def test_out_dir_that_is_not_a_site(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    _one_line_exit_2(_cli("site", "build", str(tmp_path)), "not empty and not an rnncount site")


def test_missing_build_dependency(tmp_path: Path) -> None:
    # As on a machine without the site extra: the JupyterLite distribution is not installed.
    pre = (
        "import importlib.metadata as md\n"
        "_real = md.version\n"
        "def version(name):\n"
        "    if name == 'jupyterlite-core':\n"
        "        raise md.PackageNotFoundError(name)\n"
        "    return _real(name)\n"
        "md.version = version\n"
    )
    run = _cli("site", "build", str(tmp_path / "site"), pre=pre)
    _one_line_exit_2(run, "missing build dependency: jupyterlite-core")
    assert "pip install -e '.[site]'" in run.stderr


def test_no_network_for_the_one_time_downloads(tmp_path: Path) -> None:
    # An empty cache, and registries that cannot be reached (a closed port on this machine).
    env = dict(os.environ)
    env.update(
        RNNCOUNT_SITE_CACHE=str(tmp_path / "cache"),
        npm_config_registry="http://127.0.0.1:9/",
        npm_config_fetch_retries="0",
        npm_config_fetch_timeout="3000",
        npm_config_cache=str(tmp_path / "npm-cache"),
        npm_config_offline="true",
    )
    _one_line_exit_2(_cli("site", "build", str(tmp_path / "site"), env=env), "could not download pyodide@")


def test_lock_closure_follows_dependencies() -> None:
    lock = {
        "packages": {
            "micropip": {"name": "micropip", "depends": [], "file_name": "m.whl"},
            "packaging": {"name": "packaging", "depends": [], "file_name": "p.whl"},
            "ipython": {"name": "ipython", "depends": ["traitlets", "prompt_toolkit"], "file_name": "i.whl"},
            "prompt-toolkit": {"name": "prompt_toolkit", "depends": ["wcwidth"], "file_name": "pt.whl"},
            "wcwidth": {"name": "wcwidth", "depends": [], "file_name": "w.whl"},
            "jedi": {"name": "jedi", "depends": ["parso"], "file_name": "j.whl"},
            "parso": {"name": "parso", "depends": [], "file_name": "pa.whl"},
            "traitlets": {"name": "traitlets", "depends": [], "file_name": "t.whl"},
            "numpy": {"name": "numpy", "depends": [], "file_name": "n.whl"},
        }
    }
    names = [e["name"] for e in build.lock_closure(lock, ("micropip", "packaging", "ipython", "jedi", "traitlets"))]
    assert sorted(names) == sorted(
        ["micropip", "packaging", "ipython", "prompt_toolkit", "wcwidth", "jedi", "parso", "traitlets"]
    )
    del lock["packages"]["parso"]
    with pytest.raises(build.SiteError, match="no package 'parso'"):
        build.lock_closure(lock, ("ipython", "jedi"))


def test_rnncount_wheel_has_the_package_and_a_valid_record(tmp_path: Path) -> None:
    wheel = build.build_rnncount_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        record = zf.read(next(n for n in names if n.endswith("RECORD"))).decode()
    assert "rnncount/__init__.py" in names and "rnncount/core/summary.py" in names
    assert "rnncount/dashboards/widgets.py" in names
    assert "rnncount/site/build.py" in names  # the command line registers `rnncount site` from it
    assert not any(n.endswith((".ipynb", ".js")) for n in names)  # code only: no notebooks, no MathJax
    assert {line.split(",")[0] for line in record.splitlines()} == set(names)


def test_course_links() -> None:
    text = "proved in [notebook 03 of the full course](COURSE/03_lstm.ipynb)."
    assert build.link_course(text, "https://example.org/course/notebooks/") == (
        "proved in [notebook 03 of the full course](https://example.org/course/notebooks/03_lstm.ipynb)."
    )
    assert "COURSE/" not in build.link_course(text, None) and "notebooks/03_lstm.ipynb" in build.link_course(text, None)


def test_every_browser_notebook_is_package_data_with_links_that_resolve() -> None:
    names = {name for name, _, _ in build.BROWSER_NOTEBOOKS}
    assert names == {p.name for p in build.notebook_dir().glob("*.ipynb")}
    course = Path(__file__).resolve().parents[1] / "notebooks"
    for name in sorted(names):
        nb = json.loads((build.notebook_dir() / name).read_text())
        text = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        for target in build.COURSE_LINK.findall(text):
            assert (course / target[1]).is_file(), f"{name} links to the full course's {target[1]}, which is missing"
        for other in __import__("re").findall(r"\]\((\d\d_[a-z_]+\.ipynb)\)", text):
            assert other in names, f"{name} links to {other}"


def test_without_node_the_build_says_what_is_missing(tmp_path: Path) -> None:
    # Node.js runs Pyodide at build time to compile the site's Python; a PATH without it.
    env = dict(os.environ, PATH=str(tmp_path / "empty-bin"))
    (tmp_path / "empty-bin").mkdir()
    run = _cli("site", "build", str(tmp_path / "site"), env=env)
    _one_line_exit_2(run, "missing build dependency: node")
    assert not (tmp_path / "site").exists()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built") / "site"
    try:
        build.build_site(out)
    except build.SiteError as err:
        pytest.skip(f"the site cannot be built here: {err}")
    return out / "static" / "pyodide"


def test_the_modules_imported_at_start_are_compiled_and_the_lock_matches(built: Path) -> None:
    with zipfile.ZipFile(built / "python_stdlib.zip") as zf:
        names = set(zf.namelist())
    # Pyodide's own start and the kernel's imports: bytecode in place of the source.
    for module in ("asyncio/__init__", "json/decoder", "inspect", "pydoc", "email/message"):
        assert f"{module}.pyc" in names and f"{module}.py" not in names, module
    assert "mailbox.py" in names and "mailbox.pyc" not in names  # never imported at start: left as source
    lock = json.loads((built / "pyodide-lock.json").read_text())
    wheels = {e["name"]: built / e["file_name"] for e in lock["packages"].values()}
    for entry in lock["packages"].values():
        assert build._sha256(built / entry["file_name"]) == entry["sha256"], entry["name"]
    with zipfile.ZipFile(wheels["ipython"]) as zf:
        names = set(zf.namelist())
        record = zf.read(next(n for n in names if n.endswith(".dist-info/RECORD"))).decode()
    assert "IPython/core/interactiveshell.pyc" in names and "IPython/core/interactiveshell.py" not in names
    assert "IPython/core/interactiveshell.pyc,sha256=" in record and "IPython/core/interactiveshell.py," not in record
    with zipfile.ZipFile(wheels["rnncount"]) as zf:
        names = set(zf.namelist())
    # rnncount keeps its sources, so that its tracebacks show the lines.
    assert "rnncount/core/engine.py" in names
    assert any(n.startswith("rnncount/core/__pycache__/engine.cpython-") and n.endswith(".pyc") for n in names)
    assert not any(n.startswith("rnncount/site/pyodide/") for n in names)


def test_jedi_is_a_stand_in_that_cannot_be_imported(built: Path) -> None:
    lock = json.loads((built / "pyodide-lock.json").read_text())
    entry = lock["packages"]["jedi"]
    assert entry["depends"] == [] and "parso" not in lock["packages"]
    with zipfile.ZipFile(built / entry["file_name"]) as zf:
        names = zf.namelist()
        metadata = zf.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert all(".dist-info/" in n for n in names), names
    assert "stand-in" in metadata
