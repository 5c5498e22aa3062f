"""axe-core audits (WCAG 2.0 and 2.1, levels A and AA) of pages in the real-browser tests.

axe-core's script comes from the PyPI package ``axe-playwright-python`` (a test dependency: it ships
``axe.min.js`` inside the wheel, so nothing is fetched at run time); it is injected into the page
and run there with rnncount's own options, so every rule's outcome is reported.

:func:`audit` is the one entry point: the JupyterLab dashboards, lecture mode's slides, the exported
deck, the grade report and the browser edition's notebook page call it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _browser import unavailable

#: The WCAG 2.1 level A and AA rules (and the 2.0 ones they build on).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: rnncount's own markup on a notebook page (the dashboards, their pictures, the exercises): the
#: JupyterLab and browser-edition audits are scoped to it, since the notebook's chrome is not ours.
OURS = [".rnncount-dashboard", ".rnncount-exercise", "svg.rnncount-picture"]

#: Rules that cannot apply to a page of ours, each with the reason. Nothing else is switched off:
#: a rule that finds nothing to check is reported as inapplicable by axe itself.
NOT_APPLICABLE: dict[str, str] = {}


def _axe_script() -> str:
    try:
        import axe_playwright_python
    except ImportError:
        unavailable('axe-playwright-python is not installed (pip install -e ".[test]")')
    path = Path(axe_playwright_python.__file__).with_name("axe.min.js")
    if not path.is_file():
        unavailable(f"{path} is missing from axe-playwright-python")
    return path.read_text(encoding="utf-8")


_SCRIPT: list[str] = []


@dataclass
class Audit:
    """The outcome of one audit: how many rules ran, and each violation with where it is."""

    what: str
    rules: int
    applicable: int
    version: str
    violations: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.what}: axe {self.version}, {self.rules} WCAG A/AA rules run ({self.applicable} applicable), "
            f"{len(self.violations)} violated"
        )

    def details(self) -> str:
        lines = []
        for v in self.violations:
            where = (
                "; ".join(f"{n['target']}: {n.get('failureSummary', '').strip()[:300]}" for n in v["nodes"][:4])
                or "(no node)"
            )
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} -- {len(v['nodes'])} node(s): {where}")
        return "\n".join(lines)


def audit(page: Any, *, what: str, include: list[str] | None = None, exclude: list[str] | None = None) -> Audit:
    """Run axe-core's WCAG 2.1 A/AA rules on ``page`` (only inside ``include`` selectors when given)."""
    if not _SCRIPT:
        _SCRIPT.append(_axe_script())
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_SCRIPT[0])
    context: Any = "document"
    if include or exclude:
        context = {}
        if include:
            context["include"] = [[s] for s in include]
        if exclude:
            context["exclude"] = [[s] for s in exclude]
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "rules": {rule: {"enabled": False} for rule in NOT_APPLICABLE},
        "resultTypes": ["violations"],
    }
    context_js = "document" if context == "document" else json.dumps(context)
    result = page.evaluate(f"() => axe.run({context_js}, {json.dumps(options)})")
    kinds = ("violations", "passes", "incomplete", "inapplicable")
    rules = {r["id"] for k in kinds for r in result.get(k, [])}
    applicable = {r["id"] for k in ("violations", "passes", "incomplete") for r in result.get(k, [])}
    return Audit(what, len(rules), len(applicable), result["testEngine"]["version"], result["violations"])


def assert_no_violations(a: Audit) -> None:
    assert not a.violations, a.summary() + ":\n" + a.details()
