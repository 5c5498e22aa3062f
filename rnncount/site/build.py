"""Build the browser edition: JupyterLite + the Pyodide kernel + a local Pyodide, rnncount and ipywidgets preloaded.

The site is static files only. Everything it loads at run time is inside it: Pyodide's core (from
the npm package ``pyodide``), the pure-Python wheels the kernel needs (from PyPI, at the exact
versions Pyodide's lock file names), ipywidgets and its front end, rnncount itself, and the
MathJax bundled with JupyterLite's math renderer. Nothing comes from a CDN.

Why it is built this way:

- The npm ``pyodide`` package is Pyodide's core only; the wheels its lock file names are on PyPI with
  other checksums than Pyodide's own builds, so the lock is rewritten to point at the files in the
  site with their real checksums, and trimmed to them (a name the site cannot serve is not listed).
- Every package the kernel needs is *preloaded* from that lock (``loadPyodideOptions.packages``), so
  the kernel never calls micropip to resolve anything: that is what used to reach PyPI (an install
  that failed fell back to PyPI even with ``disablePyPIFallback``) and it is faster too.
- JupyterLite, its Pyodide kernel and Pyodide are pinned together (:data:`PINS`): a kernel release
  can need a JupyterLite release that does not exist yet.
- Each build starts from an empty cache and output folder: an incremental ``jupyter lite build``
  once dropped the local ``pyodideUrl``, and the kernel then went to a CDN.
- What the kernel and rnncount import at start is stored as bytecode (:func:`precompile`): Pyodide
  would compile each module from source at every start, which was most of the kernel's start.

The one-time downloads (``npm pack`` and ``pip download``, the ordinary clients) are kept in a cache
folder (``RNNCOUNT_SITE_CACHE``, default ``~/.cache/rnncount/site``) so later builds need no network.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from ..errors import RnncountError

#: Versions that are known to work together; change them together.
PINS = {"jupyterlite-core": "0.8.6", "jupyterlite-pyodide-kernel": "0.8.6", "pyodide": "314.0.6"}

#: The Python that Pyodide 314 runs, for ``pip download``.
PYODIDE_PYTHON = "3.14"

#: Wheels the kernel needs that Pyodide's lock does not name, with pinned versions (ipywidgets follows
#: the installed front end, so the Python side and the widget manager always match).
COMM_VERSION = "0.2.3"

#: What the kernel loads from the lock before it starts: the names the Pyodide kernel would
#: otherwise install with micropip/piplite, then ipywidgets and rnncount.
PRELOAD = ("micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython", "ipywidgets", "rnncount")

#: The lock's packages whose wheels the site serves (with their dependencies, found in the lock).
LOCK_ROOTS = ("micropip", "packaging", "ipython", "traitlets")

#: Packages the kernel asks for that the site serves as empty stand-ins (name -> why), like the Pyodide
#: kernel's own stand-in for widgetsnbextension. jedi and parso are 1.7 MB of a first visit's 15; without
#: them IPython completes names and attributes with its own completer.
STAND_INS = {"jedi": "IPython's own completer does the browser edition's Tab completion"}

#: What the kernel imports before it answers, and what the notebooks import: compiled at build time.
START_IMPORTS = (
    "piplite.piplite",
    "pyodide_kernel",
    "ipywidgets",
    "rnncount",
    "rnncount.dashboards",
    "rnncount.classroom",
)

#: Packages whose modules keep their sources beside the bytecode (their tracebacks show source lines).
KEEP_SOURCE = ("rnncount",)

#: The browser notebooks, in the order of the landing page: (file, title, what it is about).
BROWSER_NOTEBOOKS = (
    ("00_start.ipynb", "Start here", "how the browser edition works, the symbols, where to go next"),
    ("01_dense_and_embedding.ipynb", "Dense and Embedding", "i*o + o and V*d: the two layers around every RNN"),
    ("02_simple_rnn.ipynb", "SimpleRNN", "one set of weights for every timestep: i*h + h*h + h"),
    ("03_lstm.ipynb", "LSTM", "three gates and a candidate: four weight blocks"),
    ("04_gru.ipynb", "GRU", "three weight blocks and Keras 3's two bias rows"),
    ("05_stacks_and_monsters.ipynb", "Stacks and monsters", "one layer's output width is the next layer's i"),
    ("06_self_test.ipynb", "Self-test", "ten questions of every kind, with feedback on wrong answers"),
)

#: How the browser notebooks link to a notebook of the full course: ``[text](COURSE/03_lstm.ipynb)``.
COURSE_LINK = re.compile(r"\[([^\]]+)\]\(COURSE/([^)\s]+)\)")

MARKER = ".rnncount-site.json"
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"
WIDGETS_EXTENSION = "@jupyter-widgets/jupyterlab-manager"
# Pyodide's npm package also has type declarations, source maps, demo consoles and the classic-script loader
# (which falls back to a CDN): the kernel runs in a module worker and needs only pyodide.mjs.
PYODIDE_SKIP = re.compile(r"(\.d\.ts|\.map|\.html|README\.md|package\.json|^pyodide\.js)$")


class SiteError(RnncountError):
    """A site that cannot be built: the message says why in one line."""


# --- the one-time downloads ----------------------------------------------------------------------


def default_cache() -> Path:
    """Where the downloads are kept between builds."""
    env = os.environ.get("RNNCOUNT_SITE_CACHE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "rnncount" / "site"


def _pyodide_tarball(cache: Path) -> Path:
    return cache / f"pyodide-{PINS['pyodide']}.tgz"


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and "is ignored" not in ln]
    return lines[-1] if lines else "no output"


def _read_lock(tarball: Path) -> dict:
    try:
        with tarfile.open(tarball) as tar:
            member = tar.extractfile("package/pyodide-lock.json")
            if member is None:
                raise KeyError("package/pyodide-lock.json")
            return json.loads(member.read())
    except (tarfile.TarError, KeyError, OSError, ValueError) as err:
        raise SiteError(f"{tarball} is not the npm package of Pyodide ({err}); delete it and build again") from None


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_closure(lock: dict, roots: Iterable[str] = LOCK_ROOTS) -> list[dict]:
    """The lock's entries for ``roots`` and everything they depend on, sorted by name."""
    packages = {_normal(k): v for k, v in lock["packages"].items()}
    seen: dict[str, dict] = {}
    todo = [_normal(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        entry = packages.get(name)
        if entry is None:
            raise SiteError(f"Pyodide {PINS['pyodide']}'s lock file has no package {name!r}")
        seen[name] = entry
        todo.extend(_normal(d) for d in entry["depends"])
    return [seen[k] for k in sorted(seen)]


def _wheel_requirements(lock: dict) -> dict[str, str]:
    """File name -> pip requirement of every wheel downloaded from PyPI."""
    wanted = {e["file_name"]: f"{e['name']}=={e['version']}" for e in lock_closure(lock)}
    ipw = _installed_version("ipywidgets")
    wanted[f"ipywidgets-{ipw}-py3-none-any.whl"] = f"ipywidgets=={ipw}"
    wanted[f"comm-{COMM_VERSION}-py3-none-any.whl"] = f"comm=={COMM_VERSION}"
    return wanted


def _installed_version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        raise SiteError(f"missing build dependency: {dist} (install it with: pip install -e '.[site]')") from None


def fetch_downloads(cache: Path | None = None) -> Path:
    """Download what a build needs into ``cache`` (if not there yet) and return the cache folder."""
    cache = Path(cache) if cache is not None else default_cache()
    try:
        (cache / "wheels").mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SiteError(f"cannot create the download cache {cache}: {err.strerror or err}") from None
    tarball = _pyodide_tarball(cache)
    if not tarball.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise SiteError("missing build dependency: npm (to download Pyodide once; Debian: apt-get install npm)")
        spec = f"pyodide@{PINS['pyodide']}"
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            run = subprocess.run(
                [npm, "pack", spec, "--pack-destination", tmp, "--silent"],
                capture_output=True,
                text=True,
                cwd=tmp,
            )
            got = Path(tmp) / tarball.name
            if run.returncode != 0 or not got.is_file():
                raise SiteError(
                    f"could not download {spec} with npm (no network? the download is needed once): "
                    f"{_last_line(run.stderr or run.stdout)}"
                )
            _read_lock(got)
            got.replace(tarball)
    wanted = _wheel_requirements(_read_lock(tarball))
    missing = sorted(req for name, req in wanted.items() if not (cache / "wheels" / name).is_file())
    if missing:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        cmd += ["--python-version", PYODIDE_PYTHON, "--implementation", "py", "--abi", "none", "--platform", "any"]
        cmd += ["--disable-pip-version-check", "-q", "-d", str(cache / "wheels"), *missing]
        run = subprocess.run(cmd, capture_output=True, text=True)
        still = sorted(n for n in wanted if not (cache / "wheels" / n).is_file())
        if run.returncode != 0 or still:
            raise SiteError(
                f"could not download {len(missing)} wheels with pip (no network? the download is needed once): "
                f"{_last_line(run.stderr or run.stdout)}"
            )
    return cache


# --- rnncount as a wheel, built here (no build backend, no network) -------------------------------


def _rnncount_files() -> list[tuple[str, bytes]]:
    """The modules the browser imports: every ``.py`` of the package (the command line imports them all), no data."""
    root = Path(__file__).resolve().parents[1]
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).as_posix()
        parts = rel.split("/")
        # site/pyodide/ holds the build's own scripts, which run under Node.js, not in the site.
        if "__pycache__" in parts or rel.startswith("rnncount/site/pyodide/"):
            continue
        out.append((rel, path.read_bytes()))
    return out


def build_rnncount_wheel(dest: Path) -> Path:
    """Write ``rnncount-VERSION-py3-none-any.whl`` into ``dest`` and return its path."""
    from .. import __version__

    dist = f"rnncount-{__version__}.dist-info"
    files = _rnncount_files()
    files.append(
        (
            f"{dist}/METADATA",
            f"Metadata-Version: 2.1\nName: rnncount\nVersion: {__version__}\nRequires-Python: >=3.10\n".encode(),
        )
    )
    wheel_file = b"Wheel-Version: 1.0\nGenerator: rnncount.site\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files.append((f"{dist}/WHEEL", wheel_file))
    return _write_wheel(dest / f"rnncount-{__version__}-py3-none-any.whl", dist, files)


def _write_wheel(path: Path, dist: str, files: list[tuple[str, bytes]]) -> Path:
    """Write ``files`` and their RECORD as the wheel ``path``, reproducibly."""
    record = []
    for name, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    files = [*files, (f"{dist}/RECORD", ("\n".join(record) + "\n").encode())]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


# --- the lock ------------------------------------------------------------------------------------


def _wheel_imports(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        tops = {n.split("/")[0] for n in zf.namelist() if "/" in n and not n.split("/")[0].endswith(".dist-info")}
    return sorted(t for t in tops if t.isidentifier())


def _wheel_meta(path: Path) -> tuple[str, str]:
    m = re.match(r"(?P<name>.+?)-(?P<version>[^-]+)-", path.name)
    if not m:
        raise SiteError(f"{path.name} is not a wheel file name")
    return m["name"], m["version"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rewrite_lock(lock: dict, wheel_dir: Path, extra: dict[str, tuple[Path, list[str]]]) -> dict:
    """Pyodide's lock, trimmed to the wheels in ``wheel_dir`` with their real checksums, plus ``extra``.

    ``extra`` maps a package name to (its wheel in ``wheel_dir``, the names it depends on).
    """
    packages: dict[str, dict] = {}
    for entry in lock_closure(lock):
        wheel = wheel_dir / entry["file_name"]
        packages[_normal(entry["name"])] = {**entry, "sha256": _sha256(wheel), "unvendored_tests": False}
    for name, (wheel, depends) in extra.items():
        _, version = _wheel_meta(wheel)
        packages[_normal(name)] = {
            "name": name,
            "version": version,
            "file_name": wheel.name,
            "install_dir": "site",
            "sha256": _sha256(wheel),
            "package_type": "package",
            "imports": _wheel_imports(wheel),
            "depends": depends,
            "unvendored_tests": False,
        }
    return {"info": lock["info"], "packages": dict(sorted(packages.items()))}


# --- the build -----------------------------------------------------------------------------------


def _find_labextension(name: str) -> Path:
    from jupyter_core.paths import jupyter_path

    for root in jupyter_path("labextensions"):
        pkg = Path(root) / name
        if (pkg / "package.json").is_file():
            return pkg
    raise SiteError(f"missing build dependency: the JupyterLab extension {name} (pip install -e '.[site]')")


def check_build_dependencies() -> None:
    """Raise :class:`SiteError` unless the pinned JupyterLite and its Pyodide kernel are installed."""
    for dist in ("jupyterlite-core", "jupyterlite-pyodide-kernel"):
        version = _installed_version(dist)
        if version != PINS[dist]:
            raise SiteError(
                f"the site needs {dist}=={PINS[dist]}, found {version} (reinstall with: pip install -e '.[site]')"
            )
    _installed_version("jupyterlab_widgets")


def _check_out_dir(out: Path) -> None:
    if not out.parent.is_dir():
        raise SiteError(f"no such directory: {out.parent} (create it first, or choose another place for the site)")
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is a file, not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SiteError(f"{out} is not empty and not an rnncount site: choose a new or empty directory")


def notebook_dir() -> Path:
    """The browser notebooks shipped with the package."""
    return Path(str(resources.files("rnncount.site") / "notebooks"))


def link_course(text: str, course_url: str | None) -> str:
    """Point the notebooks' links to the full course at ``course_url`` (its notebooks folder), or unlink them."""
    if course_url:
        base = course_url.rstrip("/")
        return COURSE_LINK.sub(lambda m: f"[{m[1]}]({base}/{m[2]})", text)
    return COURSE_LINK.sub(lambda m: f"{m[1]} (`notebooks/{m[2]}` in rnncount's repository)", text)


def _copy_notebook(src: Path, dest: Path, course_url: str | None) -> None:
    nb = json.loads(src.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            cell["source"] = link_course(source, course_url)
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _landing_html(course_url: str | None) -> str:
    from .. import __version__

    full = (
        f'<a href="{html.escape(course_url)}">the full course</a>'
        if course_url
        else "the full course (the <code>notebooks/</code> of rnncount's repository)"
    )
    items = "\n".join(
        f'      <li><a href="./notebooks/index.html?path={name}"><b>{title}</b></a> <span>{about}</span></li>'
        for name, title, about in BROWSER_NOTEBOOKS
    )
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>rnncount in your browser</title>
  <!-- JupyterLite's apps read the site's settings from this element of the root page. -->
  <script id="jupyter-config-data" type="application/json" data-jupyter-lite-root=".">{{}}</script>
  <style>
    body {{ font-family: system-ui, "DejaVu Sans", sans-serif; max-width: 46rem; margin: 2.5rem auto;
           padding: 0 1rem; line-height: 1.5; color: #1f2328; }}
    h1 {{ font-size: 1.9rem; margin-bottom: .2rem; }}
    .lead {{ color: #555; margin-top: 0; }}
    ol {{ padding-left: 1.3rem; }} li {{ margin: .45rem 0; }}
    li span {{ color: #555; }} li span::before {{ content: " \\2014  "; }}
    a {{ color: #0b5cad; }}
    .note {{ background: #f3f6fa; border-left: 4px solid #0b5cad; padding: .6rem .9rem; }}
    footer {{ color: #666; font-size: .9rem; margin-top: 2rem; }}
  </style>
</head>
<body>
  <h1>rnncount in your browser</h1>
  <p class="lead">Count the parameters and predict the shapes of Dense, Embedding, SimpleRNN, LSTM and GRU
  layers in your head. Nothing to install: Python runs inside this page.</p>
  <div class="note">Open a notebook, then run it with <b>Run &rsaquo; Run All Cells</b> (or Shift+Enter, cell by cell).
  The first start takes a few seconds while Python loads; after that it is quick, also offline.</div>
  <ol id="notebooks">
{items}
  </ol>
  <p>Prefer the full JupyterLab? <a href="./lab/index.html">Open every notebook in JupyterLab</a>.</p>
  <p>This edition is the pure-Python part of the course: the counting engine, the formulas, the pictures,
  the dashboards and the exercises. The proofs against real Keras models (which need TensorFlow, and so a
  Python outside the browser) are in {full}.</p>
  <footer>rnncount {__version__} &middot; JupyterLite {PINS["jupyterlite-core"]} &middot;
  Pyodide {PINS["pyodide"]}</footer>
</body>
</html>
"""


def _lite_config(out: Path, cache_dir: Path, extensions: list[Path]) -> dict:
    return {
        "LiteBuildConfig": {
            "apps": ["lab", "notebooks", "tree"],
            "contents": ["content"],
            "ignore_sys_prefix": True,
            "federated_extensions": [str(p) for p in extensions],
            "no_sourcemaps": True,
            "no_unused_shared_packages": True,
            "output_dir": str(out),
            "cache_dir": str(cache_dir),
        },
    }


def _lite_settings() -> dict:
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "rnncount",
            "litePluginSettings": {
                f"{KERNEL_EXTENSION}:kernel": {
                    "disablePyPIFallback": True,
                    "loadPyodideOptions": {"packages": list(PRELOAD)},
                }
            },
        },
    }


def _stage_pyodide(tarball: Path, dest: Path, cache: Path, kernel_ext: Path, lock: dict) -> None:
    """Unpack Pyodide's core into ``dest``, add every wheel and write the rewritten lock."""
    dest.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            rel = member.name.removeprefix("package/")
            if not member.isfile() or "/" in rel or PYODIDE_SKIP.search(rel) or rel == "pyodide-lock.json":
                continue
            src = tar.extractfile(member)
            if src is not None:
                (dest / rel).write_bytes(src.read())
    for entry in lock_closure(lock):
        shutil.copy2(cache / "wheels" / entry["file_name"], dest / entry["file_name"])
    ipw = _installed_version("ipywidgets")
    extra_src = {
        "comm": (cache / "wheels" / f"comm-{COMM_VERSION}-py3-none-any.whl", []),
        "ipywidgets": (
            cache / "wheels" / f"ipywidgets-{ipw}-py3-none-any.whl",
            ["comm", "ipython", "traitlets", "widgetsnbextension"],
        ),
    }
    kernel_wheels = kernel_ext / "static" / "pypi"
    for name, depends in (
        ("pyodide-kernel", ["comm", "ipython"]),
        ("ipykernel", ["pyodide-kernel"]),
        ("piplite", ["micropip"]),
        ("widgetsnbextension", []),
    ):
        found = sorted(kernel_wheels.glob(f"{name.replace('-', '_')}-*.whl"))
        if name == "widgetsnbextension":  # the kernel ships stand-ins for ipywidgets 7 and 8
            found = [w for w in found if "-4." in w.name]
        if not found:
            raise SiteError(f"the Pyodide kernel extension at {kernel_ext} has no {name} wheel")
        extra_src[name] = (found[-1], depends)
    extra: dict[str, tuple[Path, list[str]]] = {}
    for name, (wheel, depends) in extra_src.items():
        shutil.copy2(wheel, dest / wheel.name)
        extra[name] = (dest / wheel.name, depends)
    for name, why in STAND_INS.items():
        extra[name] = (stand_in_wheel(name, why, dest), [])
    wheel = build_rnncount_wheel(dest)
    extra["rnncount"] = (wheel, [])
    (dest / "pyodide-lock.json").write_text(json.dumps(rewrite_lock(lock, dest, extra), indent=1, sort_keys=True))
    precompile(dest)
    # The archives changed: the lock's checksums are taken again (the browser checks them).
    (dest / "pyodide-lock.json").write_text(json.dumps(rewrite_lock(lock, dest, extra), indent=1, sort_keys=True))


def stand_in_wheel(name: str, why: str, dest: Path) -> Path:
    """An empty wheel named ``name`` (metadata only): the kernel finds the package installed, and ``import`` fails."""
    version = "0.0.0"
    dist = f"{name}-{version}.dist-info"
    files = [
        (
            f"{dist}/METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            f"Summary: a stand-in: rnncount's browser edition leaves {name} out ({why})\n".encode(),
        ),
        (f"{dist}/WHEEL", b"Wheel-Version: 1.0\nGenerator: rnncount.site\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    return _write_wheel(dest / f"{name}-{version}-py3-none-any.whl", dist, files)


def precompile(pyodide_dir: Path) -> dict:
    """Compile what the site imports at start to bytecode, in place, with Pyodide itself (run by Node.js).

    Pyodide otherwise compiles every module from source at each start: the standard library's alone
    took most of its start. The report says which archives changed and what could not be imported.
    """
    node = shutil.which("node")
    if node is None:
        raise SiteError(
            "missing build dependency: node (Node.js runs Pyodide to compile the site's Python; "
            "Debian: apt-get install nodejs)"
        )
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    archives = ["python_stdlib.zip", *sorted({e["file_name"] for e in lock["packages"].values()})]
    request = {
        "packages": sorted(lock["packages"]),
        "imports": list(START_IMPORTS),
        "archives": archives,
        "stdlib": "python_stdlib.zip",
        "keep_source": list(KEEP_SOURCE),
    }
    script = Path(str(resources.files("rnncount.site") / "pyodide" / "precompile.mjs"))
    run = subprocess.run(
        [node, str(script), str(pyodide_dir), json.dumps(request)], capture_output=True, text=True, timeout=600
    )
    if run.returncode != 0:
        raise SiteError(f"compiling the site's Python with Pyodide failed: {_last_line(run.stderr or run.stdout)}")
    try:
        return json.loads(run.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise SiteError(f"compiling the site's Python gave no report: {_last_line(run.stderr)}") from None


def build_site(
    out_dir: str | os.PathLike[str],
    cache: Path | None = None,
    course_url: str | None = None,
    quiet: bool = True,
) -> Path:
    """Build the browser edition into ``out_dir`` (new, empty, or an earlier build) and return its path.

    ``course_url`` is where the full course's notebooks are on the web (the ``notebooks/`` folder of
    the repository); the pages that say "proved in the full course" link there.
    """
    out = Path(out_dir).expanduser().resolve()
    _check_out_dir(out)
    check_build_dependencies()
    kernel_ext = _find_labextension(KERNEL_EXTENSION)
    widgets_ext = _find_labextension(WIDGETS_EXTENSION)
    cache = fetch_downloads(cache)
    lock = _read_lock(_pyodide_tarball(cache))
    notebooks = notebook_dir()
    with tempfile.TemporaryDirectory(prefix="rnncount-site-") as tmp:
        work = Path(tmp)
        lite = work / "lite"
        staged = work / "out"
        (lite / "content").mkdir(parents=True)
        for name, _, _ in BROWSER_NOTEBOOKS:
            src = notebooks / name
            if not src.is_file():
                raise SiteError(f"the package is missing its browser notebook {name}")
            _copy_notebook(src, lite / "content" / name, course_url)
        _stage_pyodide(_pyodide_tarball(cache), lite / "static" / "pyodide", cache, kernel_ext, lock)
        (lite / "jupyter_lite_config.json").write_text(
            json.dumps(_lite_config(staged, work / "cache", [kernel_ext, widgets_ext]), indent=1)
        )
        (lite / "jupyter-lite.json").write_text(json.dumps(_lite_settings(), indent=1))
        env = dict(os.environ)
        env.pop("JUPYTERLITE_PYODIDE_URL", None)
        run = subprocess.run(
            [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite)],
            cwd=lite,
            capture_output=True,
            text=True,
            env=env,
        )
        if run.returncode != 0:
            raise SiteError(f"jupyter lite build failed: {_last_line(run.stderr + run.stdout)}")
        if not quiet:
            print(run.stdout[-2000:])
        _check_output(staged)
        (staged / "index.html").write_text(_landing_html(course_url))
        (staged / MARKER).write_text(json.dumps({"pins": PINS, "notebooks": [n for n, _, _ in BROWSER_NOTEBOOKS]}))
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(staged, out)
    return out


def _check_output(site: Path) -> None:
    """Refuse a site whose kernel would load Pyodide (or anything) from outside itself."""
    config = json.loads((site / "jupyter-lite.json").read_text())
    settings = config["jupyter-config-data"]["litePluginSettings"][f"{KERNEL_EXTENSION}:kernel"]
    url = settings.get("pyodideUrl", "")
    if not url.startswith("./") or not (site / url).is_file():
        raise SiteError(f"the build did not point the kernel at the local Pyodide (pyodideUrl={url!r})")
    for other in settings.get("pipliteUrls", []):
        if not other.startswith("./"):
            raise SiteError(f"the build lists a wheel index outside the site: {other}")


# --- the command line ----------------------------------------------------------------------------


def add_site_command(sub: object) -> None:
    """Register ``rnncount site build OUT_DIR`` and ``rnncount site fetch``."""
    p = sub.add_parser(  # type: ignore[attr-defined]
        "site",
        help="build the browser edition of the course: a static site (JupyterLite on Pyodide), no server",
        description=(
            "Build the course's browser edition: JupyterLite with the Pyodide kernel, rnncount and ipywidgets "
            "preloaded, nothing loaded from a CDN. Needs the site extra: pip install -e '.[site]'."
        ),
    )
    actions = p.add_subparsers(dest="site_command", metavar="ACTION")
    actions.required = True
    build = actions.add_parser("build", help="build the site into OUT_DIR (new, empty, or an earlier build)")
    build.add_argument("out_dir", metavar="OUT_DIR", help="where to write the site; its parent must exist")
    build.add_argument("--course-url", help="where the full course's notebooks are on the web, for the links")
    build.add_argument("--cache", type=Path, help="the download cache (default: $RNNCOUNT_SITE_CACHE or ~/.cache)")
    build.set_defaults(func=_cmd_build)
    fetch = actions.add_parser("fetch", help="download what a build needs once (Pyodide with npm, wheels with pip)")
    fetch.add_argument("--cache", type=Path, help="the download cache (default: $RNNCOUNT_SITE_CACHE or ~/.cache)")
    fetch.set_defaults(func=_cmd_fetch)


def _cmd_build(args: object) -> int:
    out = build_site(args.out_dir, cache=args.cache, course_url=args.course_url)  # type: ignore[attr-defined]
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"built the browser edition in {out} ({size / 1e6:.1f} MB); serve it with any static web server")
    return 0


def _cmd_fetch(args: object) -> int:
    print(f"downloads ready in {fetch_downloads(args.cache)}")  # type: ignore[attr-defined]
    return 0
