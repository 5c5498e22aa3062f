"""Maintain the course notebooks in ``notebooks/``.

Usage (from the repository root)::

    python tools/notebooks.py nav              # sync the navigation cells, the index's contents, lecture tags
    python tools/notebooks.py clean            # strip metadata, widget state, unchecked outputs
    python tools/notebooks.py execute [NB ...] # run on a fresh kernel, store the checked cells' outputs
    python tools/notebooks.py all [NB ...]     # nav, execute, clean: what to run after editing a notebook
    python tools/notebooks.py check            # exit 1 if nav or clean would change any notebook

Cells whose source has a ``# NBVAL_CHECK_OUTPUT`` line are "checked": ``pytest --nbval-lax``
compares their fresh output with the stored one, so they are committed with their outputs and an
execution count (nbval skips the comparison for a cell whose execution count is empty). Every
other cell is committed with no outputs and no execution count.

Navigation: each notebook has a ``<!--NAVIGATION-->`` Markdown cell after its title cell and
another at the end, linking the previous notebook, the index and the next one. The index
(``00_index.ipynb``) also has a ``<!--CONTENTS-->`` cell listing every notebook by its title.

Lecture mode reads two cell tags: ``lecture-skip`` leaves a cell out of the slides, ``slide`` starts
a new slide at a cell (a Markdown cell opening with ``# `` or ``## `` starts one by itself). ``nav``
tags what never belongs on a slide: the navigation and contents cells, the ``## Setup`` heading and
its code cell, and code cells that display nothing (their slide would be empty once the code is
hidden). Tags added by hand are kept.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
INDEX_NAME = "00_index.ipynb"

NAV_MARK = "<!--NAVIGATION-->"
CONTENTS_MARK = "<!--CONTENTS-->"
CHECK_MARK = "NBVAL_CHECK_OUTPUT"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}

# Cell metadata nbval reads (its tags); everything else is editor state and is dropped.
NBVAL_TAGS = {
    "nbval-check-output",
    "nbval-ignore-output",
    "nbval-skip",
    "nbval-raises-exception",
    "raises-exception",
}

# Cell tags lecture mode reads (a contract with rnncount's lecture mode): skip a cell, start a slide.
LECTURE_SKIP = "lecture-skip"
LECTURE_TAGS = {LECTURE_SKIP, "slide"}
KEPT_TAGS = NBVAL_TAGS | LECTURE_TAGS
SETUP_HEADING = "## Setup"

# The only outputs a checked cell may store: what nbval compares and a reader sees without a kernel. Text,
# and SVG pictures: rnncount's own, and Matplotlib's written with a fixed hash salt and no date, are the same
# bytes on every run (a PNG is not, and nbval does not compare it).
TEXT_MIMES = ("text/plain", "image/svg+xml")

_NUMBERED = re.compile(r"^\s*\d+\s*[.·:)-]\s*")


def notebook_paths(directory: Path = NOTEBOOKS) -> list[Path]:
    """The course notebooks in reading order (``00_index.ipynb``, ``01_...``, ...)."""
    return sorted(p for p in directory.glob("[0-9][0-9]_*.ipynb") if p.is_file())


def is_checked(cell: Any) -> bool:
    """True for a code cell nbval compares: a ``# NBVAL_CHECK_OUTPUT`` comment line, as nbval reads it."""
    if cell.get("cell_type") != "code":
        return False
    for line in cell.get("source", "").splitlines():
        line = line.strip()
        if line.startswith("#") and line.lstrip("#").strip() == CHECK_MARK:
            return True
    return "nbval-check-output" in cell.get("metadata", {}).get("tags", [])


def title_of(nb: Any) -> str:
    """The notebook's title: its first level-1 Markdown heading, without a leading number."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return _NUMBERED.sub("", line[2:].strip())
    return ""


def _label(path: Path, title: str) -> str:
    return f"{path.name[:2]} · {title}" if title else path.stem


def navigation_text(paths: Sequence[Path], titles: Sequence[str], k: int) -> str:
    """The navigation line of notebook ``k``: previous | contents | next."""
    parts = []
    if k > 0:
        parts.append(f"[← {_label(paths[k - 1], titles[k - 1])}]({paths[k - 1].name})")
    if paths[k].name != INDEX_NAME:
        parts.append(f"[Contents]({INDEX_NAME})")
    if k + 1 < len(paths):
        parts.append(f"[{_label(paths[k + 1], titles[k + 1])} →]({paths[k + 1].name})")
    return f"{NAV_MARK}\n" + " | ".join(parts)


def contents_text(paths: Sequence[Path], titles: Sequence[str]) -> str:
    """The index's list of notebooks."""
    lines = [CONTENTS_MARK, "## Contents", ""]
    for path, title in zip(paths, titles, strict=True):
        if path.name != INDEX_NAME:
            lines.append(f"- [{_label(path, title)}]({path.name})")
    return "\n".join(lines)


def _starts_with(cell: Any, mark: str) -> bool:
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith(mark)


def sync_navigation(nb: Any, path: Path, paths: Sequence[Path], titles: Sequence[str]) -> Any:
    """Return a copy of ``nb`` whose navigation cells (and contents, for the index) are current."""
    nb = copy.deepcopy(nb)
    k = [p.name for p in paths].index(path.name)
    nav = navigation_text(paths, titles, k)
    cells = [c for c in nb.cells if not _starts_with(c, NAV_MARK)]
    old_nav = [c for c in nb.cells if _starts_with(c, NAV_MARK)]
    top = old_nav[0] if old_nav else nbformat.v4.new_markdown_cell(id=f"nav-top-{path.name[:2]}")
    bottom = old_nav[-1] if len(old_nav) > 1 else nbformat.v4.new_markdown_cell(id=f"nav-bottom-{path.name[:2]}")
    top.source = bottom.source = nav
    cells = [*cells[:1], top, *cells[1:], bottom]
    if path.name == INDEX_NAME:
        contents = contents_text(paths, titles)
        found = [c for c in cells if _starts_with(c, CONTENTS_MARK)]
        if found:
            found[0].source = contents
        else:
            cells.insert(len(cells) - 1, nbformat.v4.new_markdown_cell(contents, id="contents"))
    nb.cells = cells
    return nb


def _python_source(source: str) -> str:
    """The cell's source with IPython magics and shell escapes blanked, so that ``ast`` can read it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _displays(node: ast.AST) -> bool:
    """True for what puts something on screen: print(), display(), fig.show(), any use of pyplot.

    With Matplotlib's inline backend a figure made with ``plt`` is shown when the cell ends.
    """
    if isinstance(node, ast.Name) and node.id in {"plt", "pyplot"}:
        return True
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id in {"print", "display"}) or (
        isinstance(f, ast.Attribute) and f.attr in {"show", "display"}
    )


def shows_nothing(cell: Any) -> bool:
    """True for a code cell that displays nothing when run: no print or display, no value at its end.

    Such a cell makes an empty slide once lecture mode hides the code. A cell that cannot be parsed
    is assumed to show something.
    """
    if cell.get("cell_type") != "code" or is_checked(cell):
        return False
    source = _python_source(cell.get("source", ""))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    if not tree.body:
        return True
    last = tree.body[-1]
    if isinstance(last, ast.Expr) and not source.rstrip().endswith(";"):
        return False
    return not any(_displays(node) for node in ast.walk(tree))


def lecture_skipped(nb: Any) -> list[int]:
    """Indices of the cells that never belong on a slide (see the module's docstring)."""
    skipped = []
    cells = nb.cells
    for k, cell in enumerate(cells):
        if _starts_with(cell, NAV_MARK) or _starts_with(cell, CONTENTS_MARK) or shows_nothing(cell):
            skipped.append(k)
        elif cell.cell_type == "markdown" and cell.source.lstrip().startswith(SETUP_HEADING):
            skipped.append(k)
            code = next((j for j in range(k + 1, len(cells)) if cells[j].cell_type == "code"), None)
            if code is not None:
                skipped.append(code)
    return sorted(set(skipped))


def tag_lecture(nb: Any) -> Any:
    """Return a copy of ``nb`` with ``lecture-skip`` on the cells :func:`lecture_skipped` names."""
    nb = copy.deepcopy(nb)
    for k in lecture_skipped(nb):
        tags = list(nb.cells[k].get("metadata", {}).get("tags", []))
        if LECTURE_SKIP not in tags:
            nb.cells[k].setdefault("metadata", nbformat.NotebookNode())["tags"] = [*tags, LECTURE_SKIP]
    return nb


def _coalesce_streams(outputs: Iterable[Any]) -> list[Any]:
    merged: list[Any] = []
    for out in outputs:
        last = merged[-1] if merged else {}
        if out.get("output_type") == last.get("output_type") == "stream" and last["name"] == out["name"]:
            last["text"] += out["text"]
            continue
        merged.append(copy.deepcopy(out))
    return merged


def _clean_output(out: Any) -> Any | None:
    """Keep a checked cell's text and SVG output; drop bitmaps, widget views and rich displays."""
    kind = out.get("output_type")
    if kind == "stream":
        return nbformat.v4.new_output("stream", name=out["name"], text=out["text"])
    if kind in ("execute_result", "display_data"):
        data = {m: out["data"][m] for m in TEXT_MIMES if m in out.get("data", {})}
        if not data:
            return None
        new = nbformat.v4.new_output(kind, data=data)
        if kind == "execute_result":
            new["execution_count"] = out.get("execution_count")
        return new
    return copy.deepcopy(out)  # errors stay visible: a checked cell must not store one


def clean(nb: Any) -> Any:
    """Return a copy of ``nb`` fit to commit: minimal metadata, outputs only on checked cells."""
    nb = copy.deepcopy(nb)
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = nbformat.from_dict({"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)})
    seen: set[str] = set()
    n_code = 0
    for k, cell in enumerate(nb.cells):
        tags = [t for t in cell.get("metadata", {}).get("tags", []) if t in KEPT_TAGS]
        cell.metadata = nbformat.from_dict({"tags": tags} if tags else {})
        if not cell.get("id") or cell.id in seen:
            cell.id = f"cell-{k:02d}"
        seen.add(cell.id)
        if cell.cell_type != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        n_code += 1
        if is_checked(cell) and cell.outputs:
            # The count a top-to-bottom run gives; nbval only compares cells that have one.
            cell.execution_count = n_code
            outputs = [o for o in (_clean_output(o) for o in _coalesce_streams(cell.outputs)) if o is not None]
            for out in outputs:
                if out.get("output_type") == "execute_result":
                    out["execution_count"] = n_code
            cell.outputs = outputs
        else:
            cell.execution_count = None
            cell.outputs = []
    return nb


def execute(nb: Any, cwd: Path = NOTEBOOKS, timeout: int = 600, kernel_name: str = "python3") -> tuple[Any, list[str]]:
    """Run ``nb`` on a fresh kernel; return it with the checked cells' outputs refreshed, and problems found.

    A problem is an error in any cell or anything written to stderr (a warning) by any cell.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    ran = copy.deepcopy(nb)
    problems: list[str] = []
    client = NotebookClient(ran, timeout=timeout, kernel_name=kernel_name, resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute()
    except CellExecutionError as err:
        problems.append(f"error: {str(err).strip().splitlines()[-1] if str(err).strip() else err!r}")
    out = copy.deepcopy(nb)
    for k, (cell, done) in enumerate(zip(out.cells, ran.cells, strict=True)):
        if cell.cell_type != "code":
            continue
        for o in done.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                first = o["text"].strip().splitlines()[:1]
                problems.append(f"cell {k} wrote to stderr: {first[0] if first else ''}")
            elif o.get("output_type") == "error":
                problems.append(f"cell {k} raised {o.get('ename')}: {o.get('evalue')}")
        if is_checked(cell):
            cell.outputs = done.get("outputs", [])
            cell.execution_count = done.get("execution_count")
    return out, problems


def _read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def _write(nb: Any, path: Path) -> bool:
    """Write ``nb`` if it differs from the file; return True when the file changed."""
    text = nbformat.writes(nb) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def tidy(path: Path, paths: Sequence[Path]) -> Any:
    """The notebook at ``path`` as it should be committed (navigation synced, cleaned)."""
    titles = [title_of(_read(p)) for p in paths]
    return clean(tag_lecture(sync_navigation(_read(path), path, paths, titles)))


def _selected(names: Sequence[str], paths: Sequence[Path]) -> list[Path]:
    if not names:
        return list(paths)
    chosen = []
    for name in names:
        p = Path(name)
        match = [q for q in paths if q.name == p.name or q.name.startswith(p.name)]
        if not match:
            raise SystemExit(f"no notebook matches {name!r} in {NOTEBOOKS}")
        chosen.extend(match)
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["nav", "clean", "execute", "all", "check"])
    parser.add_argument("notebooks", nargs="*", help="notebook names or number prefixes (default: all)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell when executing")
    args = parser.parse_args(argv)

    paths = notebook_paths()
    if not paths:
        print(f"no notebooks in {NOTEBOOKS}", file=sys.stderr)
        return 2
    status = 0
    for path in _selected(args.notebooks, paths):
        before = path.read_text(encoding="utf-8")
        if args.command == "check":
            if _read(path) != tidy(path, paths):
                print(f"{path.name}: out of date (run: python tools/notebooks.py nav, then clean)")
                status = 1
            continue
        if args.command in ("nav", "all"):
            titles = [title_of(_read(p)) for p in paths]
            _write(tag_lecture(sync_navigation(_read(path), path, paths, titles)), path)
        if args.command in ("execute", "all"):
            print(f"{path.name}: executing ...", flush=True)
            nb, problems = execute(_read(path), cwd=path.parent, timeout=args.timeout)
            for problem in problems:
                print(f"{path.name}: {problem}")
            if problems:
                status = 1
            if any(p.startswith("error") or " raised " in p for p in problems):
                continue  # keep the stored outputs rather than store a broken run
            _write(nb, path)
        _write(clean(_read(path)), path)
        print(f"{path.name}: {'unchanged' if path.read_text(encoding='utf-8') == before else 'updated'}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
