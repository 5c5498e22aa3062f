"""Binder: the files in binder/ are what repo2docker reads, and an environment built from them alone runs the course.

repo2docker ignores pyproject.toml once binder/ exists, so these tests read binder/ and nothing else:
- the pins are exact and fall inside the ranges pyproject.toml promises;
- ``repo2docker --no-build --no-run --debug .`` (no Docker, no network) writes a Dockerfile that uses
  Python 3.11, installs binder/requirements.txt and runs binder/postBuild;
- a fresh virtual environment gets exactly binder/requirements.txt, then binder/postBuild runs in a copy
  of the repository, and the notebooks pass under nbval there. A broken Binder shows up here first.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)$")


def _requirements() -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in (BINDER / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = PIN.match(line)
        assert m, f"binder/requirements.txt: {line!r} is not an exact pin (name==version)"
        pins[_norm(m.group(1))] = m.group(2)
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_binder_files_are_complete() -> None:
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    pins = _requirements()
    for needed in ("tensorflow-cpu", "keras", "numpy", "matplotlib", "jupyterlab", "ipywidgets", "voila"):
        assert needed in pins, f"binder/requirements.txt must pin {needed}"
    # A local install in requirements.txt would rebuild the TensorFlow layer on every commit.
    assert not re.search(r"^\s*(-e|\.)", (BINDER / "requirements.txt").read_text(), re.M)
    post = BINDER / "postBuild"
    text = post.read_text()
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    assert text.startswith("#!"), "binder/postBuild needs a shebang line"
    assert re.search(r"^set -e", text, re.M)
    assert re.search(r"pip install .*--no-deps.* \.\s*$", text, re.M)


def test_binder_pins_fit_pyproject_ranges() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    from packaging.requirements import Requirement

    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = _requirements()
    env = {"sys_platform": "linux", "platform_machine": "x86_64", "python_version": "3.11"}  # Binder's platform
    checked = 0
    for dep in deps:
        req = Requirement(dep)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = _norm(req.name)
        if name in pins:
            assert req.specifier.contains(pins[name], prereleases=True), (
                f"binder pins {name}=={pins[name]} but pyproject.toml asks for {req}"
            )
            checked += 1
    assert checked >= 5, f"only {checked} pyproject dependencies are pinned in binder/requirements.txt"


def _repo2docker() -> list[str]:
    exe = Path(sys.executable).with_name("repo2docker")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("repo2docker")
    if found:
        return [found]
    if IN_CI:
        pytest.fail("repo2docker is not installed (pip install jupyter-repo2docker)", pytrace=False)
    pytest.skip("repo2docker is not installed (pip install jupyter-repo2docker)")


def test_repo2docker_dockerfile() -> None:
    """repo2docker writes the Dockerfile without Docker or network: Python 3.11, requirements, postBuild."""
    cmd = [*_repo2docker(), "--no-build", "--no-run", "--debug", "."]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "FROM " in out, "no Dockerfile in repo2docker's output:\n" + out[-3000:]
    assert "python=3.11" in out, "repo2docker does not build Python 3.11 (binder/runtime.txt)"
    assert re.search(r'pip install .*-r "?binder/requirements\.txt', out), out[-3000:]
    assert "binder/postBuild" in out
    # binder/ wins: repo2docker must not install from the root pyproject.toml.
    assert not re.search(r"pip install[^\n]*(-e )?\.\s*$", out.split("binder/postBuild")[0], re.M)


def _copy_repo(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(
        ".git", "artifacts", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache",
        ".ipynb_checkpoints", ".hypothesis", ".venv",
    )  # fmt: skip
    shutil.copytree(REPO, dest, ignore=ignore)
    return dest


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """tmp_path, emptied afterwards: pytest keeps old tmp dirs, and this one holds a ~2 GB environment."""
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.mark.binder
def test_fresh_binder_environment_runs_the_notebooks(scratch: Path) -> None:
    """Build a venv from binder/ alone (requirements.txt, then postBuild) and run the notebooks under nbval in it."""
    tmp_path = scratch
    repo = _copy_repo(tmp_path / "repo")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    py = str(bindir / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = str(bindir) + os.pathsep + env.get("PATH", "")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # Only the fresh environment's own kernel ("python3" from its ipykernel), no user-level kernelspecs or config.
    for name in ("JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "IPYTHONDIR"):
        env[name] = str(tmp_path / name.lower())
    env.pop("JUPYTER_PATH", None)

    # The test runner is not part of Binder's image: add the versions this suite runs with.
    try:
        tools = [f"nbval=={version('nbval')}", f"pytest=={version('pytest')}"]
    except PackageNotFoundError:  # pragma: no cover - nbval is a test dependency
        tools = ["nbval", "pytest"]
    pip = subprocess.run(
        [py, "-m", "pip", "install", "-q", "-r", str(repo / "binder" / "requirements.txt"), *tools],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert pip.returncode == 0, pip.stdout[-2000:] + pip.stderr[-4000:]

    # repo2docker runs postBuild from the repository root with the environment's python first on PATH.
    post = subprocess.run(
        ["bash", str(repo / "binder" / "postBuild")], cwd=repo, env=env, capture_output=True, text=True, timeout=600
    )
    assert post.returncode == 0, post.stdout[-2000:] + post.stderr[-4000:]

    # The package came from postBuild, non-editable, into the fresh venv (not from this checkout).
    where = subprocess.run(
        [py, "-c", "import rnncount, keras, ipywidgets, voila; print(rnncount.__file__); print(keras.__version__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert where.returncode == 0, where.stderr[-3000:]
    assert Path(where.stdout.splitlines()[0]).resolve().is_relative_to(venv.resolve()), where.stdout
    assert where.stdout.splitlines()[1] == _requirements()["keras"]

    notebooks = sorted(p.name for p in (repo / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks to run"
    run = subprocess.run(
        [py, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", "notebooks"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", run.stdout) and " failed" not in run.stdout, run.stdout[-2000:]
