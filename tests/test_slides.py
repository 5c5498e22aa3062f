"""Every slide of every notebook, cut the way lecture mode cuts it, is short enough to project.

Lecture mode (``rnncount.lecture.mode``) turns each ``#``/``##`` section of a notebook into one slide and
hides the code; a slide's text is then the Markdown of all its shown cells together. At most
``MAX_WORDS`` of them (the same count as one Markdown cell, formulas and link targets left out), so
that a slide reads as one idea. tests/e2e/test_slides_fit.py measures the slides themselves in
Chromium: their height at 1920x1080 and the smallest text at 1280x720.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from test_notebooks import MAX_WORDS, PATHS, _ids, _words

from rnncount.lecture.mode import ROLE_KEY, prepare_notebook


def slides(path: Path) -> Iterator[tuple[int, str, list[Any]]]:
    """Each slide lecture mode makes of ``path``: its number (from 1), its first line, its shown cells."""
    nb = prepare_notebook(nbformat.read(path, as_version=4))
    current: list[Any] | None = None
    number = 0
    for cell in nb.cells:
        role = cell.metadata[ROLE_KEY]
        if role == "skip":
            continue
        if role == "slide":
            if current:
                yield number, _title(current), current
            number += 1
            current = []
        assert current is not None, "a shown cell before the first slide"
        current.append(cell)
    if current:
        yield number, _title(current), current
    assert number == nb.metadata[ROLE_KEY]["slides"], "the slides cut here are not the ones lecture mode counts"


def _title(cells: list[Any]) -> str:
    text = next((c.source for c in cells if c.cell_type == "markdown" and c.source.strip()), "(no text)")
    return text.strip().splitlines()[0][:60]


def slide_words(path: Path) -> list[tuple[int, str, int]]:
    """(slide number, first line, words of its Markdown) for every slide of ``path``."""
    return [
        (n, title, sum(_words(c.source) for c in cells if c.cell_type == "markdown"))
        for n, title, cells in slides(path)
    ]


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_every_slide_is_short(path: Path) -> None:
    """No slide of the lecture has more than MAX_WORDS words of text."""
    long = [f"slide {n} ({title!r}): {w} words" for n, title, w in slide_words(path) if w > MAX_WORDS]
    assert not long, f"{path.name}: split these slides (at most {MAX_WORDS} words each): " + "; ".join(long)


def test_slides_are_cut_as_lecture_mode_cuts_them(tmp_path: Path) -> None:
    """A heading inside a cell starts a slide, a skipped section is left out, and the words add up per slide."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\none two"),
        nbformat.v4.new_markdown_cell("## Setup\n\nskipped words here"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("## A\n\nthree four\n\n## B\n\nfive"),
        nbformat.v4.new_code_cell("print(x)"),
        nbformat.v4.new_markdown_cell("six seven eight"),
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert slide_words(path) == [(1, "# Title", 3), (2, "## A", 3), (3, "## B", 5)]
