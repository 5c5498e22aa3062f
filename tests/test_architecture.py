"""The package's layering: what may import what.

The counting core is pure (no framework bridge, no pictures, no classroom), no domain module
imports the command line, and only the command line prints verdicts and picks exit statuses.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rnncount"


def _imports(path: Path) -> set[str]:
    """Every rnncount module a file imports, resolved to its dotted name (lazy imports included)."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "rnncount" or name.startswith("rnncount.")}


def _modules(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: p.name)
def test_the_core_imports_no_bridge_picture_classroom_or_dashboard(path):
    outside = {
        name
        for name in _imports(path)
        if name.startswith(("rnncount.bridges", "rnncount.pictures", "rnncount.classroom", "rnncount.dashboards"))
    }
    assert not outside, f"{path.name} imports {sorted(outside)}"


@pytest.mark.parametrize(
    "path", [p for p in PACKAGE.rglob("*.py") if p.name not in ("cli.py", "__main__.py")], ids=lambda p: p.name
)
def test_no_domain_module_imports_the_command_line(path):
    assert not any(name.startswith("rnncount.cli") for name in _imports(path)), path
