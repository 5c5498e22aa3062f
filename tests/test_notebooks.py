"""The committed notebooks: clean, linked, Keras 3 only, and every stored output re-checked by nbval.

nbval (``pytest --nbval-lax notebooks``) runs the notebooks; these tests read the files as committed,
so what a reader sees on the web carries no editor state, no stale outputs and no dead links. They also
hold the course to its teaching rules: short Markdown cells (one idea each), lecture-mode tags on the
cells that never belong on a slide, outputs that say what they show, and exercises that never give
their answer away when the notebook is run top to bottom.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def _load_tool() -> Any:
    spec = importlib.util.spec_from_file_location("notebooks_tool", ROOT / "tools" / "notebooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()
PATHS = tool.notebook_paths(NOTEBOOKS)
INDEX = NOTEBOOKS / tool.INDEX_NAME
# The lessons: each has a live dashboard (the browser tests drive those of 02 and 06).
LESSONS = [p for p in PATHS if p.name[:2] in {"01", "02", "03", "04", "05", "06"}]

# Keras 2 / tf.keras idioms that Keras 3 rejects or warns about, and the Keras 3 way.
KERAS2_IDIOMS = {
    r"\binput_shape\s*=(?!=)": "give the shape to keras.Input(shape=...) instead of a layer's input_shape=",
    r"\binput_length\s*=": "Embedding has no input_length in Keras 3; use keras.Input(shape=(T,))",
    r"\btf\.keras\b|\btensorflow\.keras\b|from tensorflow import keras": "import keras (Keras 3), not tf.keras",
    r"from keras\.models import|from keras\.layers import": "use keras.Sequential and keras.layers.X",
    r"\bCuDNN(LSTM|GRU)\b": "Keras 3's LSTM and GRU use cuDNN by themselves",
    r"\.predict_classes\(|\.fit_generator\(": "removed in Keras 3",
    r"\bK\.tensorflow_backend\b|keras\.backend\.tensorflow_backend": "removed in Keras 3",
}
# A checked cell that shows what Keras 3 does with Keras 2 code says so in this comment.
KERAS2_ON_PURPOSE = "# Keras 2 code, shown on purpose"

# One idea per Markdown cell: a slide's worth of words (formulas and link targets not counted).
MAX_WORDS = 120
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.DOTALL)
INLINE_MATH = re.compile(r"\$[^$]+\$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.MULTILINE)
# References name years and chapters ("Cho et al. (2014)", "ch. 9-10"); they are not counts to compute.
CITATION = re.compile(r"et al\.,?\s*\(?\d{4}\)?|\b(?:ch|chapters?|sections?)\.?\s*\d+(?:\s*[-\u2013]\s*\d+)?")
FURTHER_READING = "## Further reading"
# What the checker says about an answer, and what a solution prints: never shown unasked.
FEEDBACK_MARKS = ("\u2717", "Not quite", "It looks as if", "Solution:", "Answer:")
QUESTION = re.compile(r"\b(Exercise|Choice|Inverse|Design|Ranking)\(")
REVEALING_METHODS = {"check", "solution", "hint", "hints", "answer", "feedback", "diagnose"}

# Absolute paths would tie a notebook to one machine.
ABSOLUTE_PATH = re.compile(
    r"(?<![\w.~])(/(home|Users|root|tmp|work|mnt|opt|private|var/folders)/|[A-Za-z]:\\\\|file://)"
)
LINK = re.compile(r"\]\(([^)\s]+)\)")
NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?![\w]|[.,]\d)")


def _read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def _code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def _text_outputs(cell: Any) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        else:
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_the_series_is_there() -> None:
    names = [p.name for p in PATHS]
    assert names[0] == tool.INDEX_NAME
    assert [n[:2] for n in names] == [f"{k:02d}" for k in range(len(names))], "notebooks are numbered 00, 01, ..."
    assert len(LESSONS) == 6


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_notebook_is_valid_nbformat(path: Path) -> None:
    nbformat.validate(_read(path))


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_notebook_metadata_is_minimal(path: Path) -> None:
    nb = _read(path)
    assert set(nb.metadata) == {"kernelspec", "language_info"}, "no widget state or editor metadata"
    assert nb.metadata["language_info"] == {"name": "python"}
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["kernelspec"]["language"] == "python"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_cells_carry_no_metadata(path: Path) -> None:
    for k, cell in enumerate(_read(path).cells):
        tags = cell.metadata.get("tags", [])
        assert set(cell.metadata) <= {"tags"} and set(tags) <= tool.KEPT_TAGS, f"cell {k}: {dict(cell.metadata)}"
        assert "attachments" not in cell, f"cell {k}: pasted attachments; add images as files"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_outputs_only_on_checked_cells(path: Path) -> None:
    for k, cell in enumerate(_code_cells(_read(path))):
        where = f"code cell {k + 1}: {cell.source.splitlines()[0] if cell.source else ''!r}"
        if not tool.is_checked(cell):
            assert cell.outputs == [], f"{where}: an unchecked cell must be committed without outputs"
            assert cell.execution_count is None, f"{where}: an unchecked cell must have no execution count"
            continue
        # nbval compares a cell only if it has an execution count: without one the check is silently skipped.
        assert isinstance(cell.execution_count, int), f"{where}: a checked cell needs its execution count"
        assert cell.outputs, f"{where}: a checked cell is committed with the output it checks"
        for out in cell.outputs:
            kind = out.get("output_type")
            assert kind != "error", f"{where}: stores an error"
            if kind == "stream":
                assert out["name"] == "stdout", f"{where}: writes to stderr (a warning?): {out['text'][:200]}"
            else:
                assert set(out.get("data", {})) <= set(tool.TEXT_MIMES), f"{where}: stores {set(out['data'])}"
                # A picture nbval can re-check is the same bytes on every run: no date written into it.
                svg = out.get("data", {}).get("image/svg+xml", "")
                assert "<dc:date>" not in svg, f"{where}: its SVG carries a date (savefig(metadata={{'Date': None}}))"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_no_absolute_paths(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = ABSOLUTE_PATH.search(text)
    assert found is None, f"absolute path near {text[max(0, found.start() - 60) : found.end() + 60]!r}"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_code_is_keras_3(path: Path) -> None:
    for k, cell in enumerate(_code_cells(_read(path))):
        if KERAS2_ON_PURPOSE in cell.source:
            # Shown on purpose, so the reader must see what Keras 3 makes of it: a checked output.
            assert tool.is_checked(cell), f"code cell {k + 1}: Keras 2 code shown on purpose needs a checked output"
            continue
        for pattern, advice in KERAS2_IDIOMS.items():
            found = re.search(pattern, cell.source)
            assert found is None, f"code cell {k + 1}: {found.group(0)!r}: {advice}"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_setup_cell(path: Path) -> None:
    nb = _read(path)
    code = _code_cells(nb)
    assert code, "a notebook without code has no Setup cell"
    setup = code[0].source
    k = nb.cells.index(code[0])
    assert k > 0 and "## Setup" in nb.cells[k - 1].source, "a '## Setup' heading introduces the first code cell"
    for needed in ("import keras", "import rnncount", "keras.__version__", "TF_CPP_MIN_LOG_LEVEL"):
        assert needed in setup, f"the Setup cell lacks {needed!r}"
    assert setup.index("TF_CPP_MIN_LOG_LEVEL") < setup.index("import keras"), "quiet TensorFlow before importing it"
    assert not tool.is_checked(code[0]), "versions vary: the Setup cell's output is not checked"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_links_resolve(path: Path) -> None:
    for cell in _read(path).cells:
        if cell.cell_type != "markdown":
            continue
        for target in LINK.findall(cell.source):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            file = target.split("#")[0]
            assert (path.parent / file).exists(), f"link to {target!r}, which does not exist"


@pytest.mark.parametrize("k", range(len(PATHS)), ids=_ids(PATHS))
def test_navigation_links_previous_index_and_next(k: int) -> None:
    path = PATHS[k]
    nb = _read(path)
    nav = [c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith(tool.NAV_MARK)]
    assert len(nav) == 2, "one navigation cell after the title, one at the end"
    assert nb.cells[-1].source == nav[-1], "the last cell is the navigation"
    for cell in nav:
        targets = LINK.findall(cell)
        if k + 1 < len(PATHS):
            assert PATHS[k + 1].name in targets, "links the next notebook"
        if k > 0:
            assert PATHS[k - 1].name in targets, "links the previous notebook"
            assert tool.INDEX_NAME in targets, "links the index"


def test_index_links_every_notebook() -> None:
    text = "\n".join(c.source for c in _read(INDEX).cells if c.cell_type == "markdown")
    for path in PATHS[1:]:
        assert f"]({path.name})" in text, f"the index does not link {path.name}"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_committed_as_the_tool_writes_it(path: Path) -> None:
    """``python tools/notebooks.py nav`` and ``clean`` would change nothing."""
    nb = _read(path)
    assert tool.tidy(path, PATHS) == nb, "run: python tools/notebooks.py nav && python tools/notebooks.py clean"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_has_a_dashboard(path: Path) -> None:
    cells = [c for c in _code_cells(_read(path)) if re.search(r"rnncount\.explore(_stack)?\(", c.source)]
    assert cells, "each lesson has a live dashboard"
    for cell in cells:
        assert not tool.is_checked(cell), "widget views are never compared; do not mark a dashboard as checked"
        last = cell.source.strip().splitlines()[-1]
        assert last.startswith("rnncount.explore"), "the dashboard is the cell's last expression (it is displayed)"


@pytest.mark.parametrize("path", [*LESSONS, INDEX], ids=_ids([*LESSONS, INDEX]))
def test_numbers_in_the_text_are_computed(path: Path) -> None:
    """Every number of two or more digits in the text is printed or used by a checked cell (or defines an exercise)."""
    nb = _read(path)
    checked = [c for c in _code_cells(nb) if tool.is_checked(c)]
    shown = "\n".join(_text_outputs(c) + "\n" + c.source for c in checked)
    # An exercise's question states its model; the model is defined by the cell that makes the exercise.
    shown += "\n".join(c.source for c in _code_cells(nb) if QUESTION.search(c.source))
    known = {int(n.replace(",", "")) for n in NUMBER.findall(shown)}
    for cell in nb.cells:
        if cell.cell_type != "markdown" or cell.source.startswith((tool.NAV_MARK, tool.CONTENTS_MARK)):
            continue
        if cell.source.startswith(FURTHER_READING):
            continue  # references: years, chapters and page numbers, not counts
        text = LINK.sub("]", cell.source).replace("{,}", ",")  # link targets are file names, not claims
        text = CITATION.sub("", text)
        for n in NUMBER.findall(text):
            value = int(n.replace(",", ""))
            if value >= 10:
                assert value in known, f"{n} in {cell.source[:80]!r}... is not computed by any checked cell"


def _words(markdown: str) -> int:
    """Words a reader reads in a Markdown cell: a formula counts as one word, link targets and table rules as none."""
    text = DISPLAY_MATH.sub(" x ", markdown)
    text = INLINE_MATH.sub(" x ", text)
    text = LINK.sub("]", text)
    text = TABLE_RULE.sub(" ", text)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.DOTALL)
    return len([w for w in re.split(r"[\s|]+", text) if re.search(r"\w", w)])


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_markdown_cells_are_short(path: Path) -> None:
    """One idea per cell: no Markdown cell is longer than a slide can show."""
    for k, cell in enumerate(_read(path).cells):
        if cell.cell_type == "markdown":
            n = _words(cell.source)
            assert n <= MAX_WORDS, f"cell {k} has {n} words (at most {MAX_WORDS}): split it: {cell.source[:80]!r}"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_a_heading_opens_its_cell(path: Path) -> None:
    """A "#" or "##" heading starts a slide, so it is the first line of a cell, never in the middle of one."""
    for k, cell in enumerate(_read(path).cells):
        if cell.cell_type != "markdown" or cell.source.startswith((tool.NAV_MARK, tool.CONTENTS_MARK)):
            continue  # the tool's cells: a mark, then the heading
        body = re.sub(r"```.*?```", "", cell.source, flags=re.DOTALL).splitlines()[1:]
        late = [line for line in body if re.match(r"#{1,2} ", line)]
        assert not late, f"cell {k}: {late[0]!r} starts a new slide; begin a new cell there"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_setup_and_navigation_are_left_out_of_lecture_mode(path: Path) -> None:
    nb = _read(path)
    skip = tool.LECTURE_SKIP
    for k, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown" and cell.source.startswith((tool.NAV_MARK, tool.CONTENTS_MARK)):
            assert skip in tags, f"cell {k}: a navigation cell is tagged {skip!r}"
        if cell.cell_type == "markdown" and cell.source.startswith(tool.SETUP_HEADING):
            assert skip in tags, f"cell {k}: the Setup heading is tagged {skip!r}"
            code = next(c for c in nb.cells[k + 1 :] if c.cell_type == "code")
            assert skip in code.metadata.get("tags", []), f"the Setup cell after cell {k} is tagged {skip!r}"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_no_empty_slides(path: Path) -> None:
    """A code cell that displays nothing would be an empty slide once lecture mode hides the code."""
    for k, cell in enumerate(_code_cells(_read(path))):
        if tool.shows_nothing(cell):
            first = cell.source.splitlines()[0] if cell.source else ""
            assert tool.LECTURE_SKIP in cell.metadata.get("tags", []), f"code cell {k + 1} ({first!r}) shows nothing"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_outputs_say_what_they_show(path: Path) -> None:
    """A stored output never has a line of bare numbers: a line of prose says what each number is."""
    for k, cell in enumerate(_code_cells(_read(path))):
        for line in _text_outputs(cell).splitlines():
            bare = re.search(r"\d", line) and not re.search(r"[^\W\d_]", line)
            assert not bare, f"code cell {k + 1} prints bare numbers: {line.strip()!r}; say what they are"


def _revealing_calls(source: str) -> list[str]:
    """Calls that show a checker's verdict, a hint or a solution: printed, displayed or a cell's last value."""
    try:
        tree = ast.parse(tool._python_source(source))
    except SyntaxError:
        return []

    def revealing(node: ast.AST) -> list[str]:
        return [
            ast.unparse(n)
            for n in ast.walk(node)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in REVEALING_METHODS
        ]

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"print", "display"}:
            found += [call for arg in node.args for call in revealing(arg)]
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not source.rstrip().endswith(";"):
        found += revealing(tree.body[-1])
    return list(dict.fromkeys(found))


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_run_all_gives_no_answer_away(path: Path) -> None:
    """Running the notebook top to bottom shows no verdict, hint or solution: those come only on request."""
    for k, cell in enumerate(_code_cells(_read(path))):
        shown = _revealing_calls(cell.source)
        assert not shown, f"code cell {k + 1} shows {shown[0]!r} on Run All; check answer keys silently"
        text = _text_outputs(cell)
        for mark in FEEDBACK_MARKS:
            assert mark not in text, f"code cell {k + 1} stores checker feedback ({mark!r}): {text[:120]!r}"


def _questions_and_verified(nb: Any) -> tuple[dict[str, int], set[str]]:
    """Names bound to a new question (Exercise, Choice, ...) with their code cell, and names given to verify()."""
    made: dict[str, int] = {}
    verified: set[str] = set()
    for k, cell in enumerate(_code_cells(nb)):
        try:
            tree = ast.parse(tool._python_source(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                func = node.value.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if QUESTION.match(name + "("):
                    made.update({t.id: k + 1 for t in node.targets if isinstance(t, ast.Name)})
            is_verify = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "verify"
            if is_verify and tool.is_checked(cell):
                verified.update(a.id for a in node.args if isinstance(a, ast.Name))
    return made, verified


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_every_answer_key_is_verified(path: Path) -> None:
    """nbval proves each exercise's key against Keras, silently: a checked cell calls verify() on every question."""
    made, verified = _questions_and_verified(_read(path))
    missing = {name: k for name, k in made.items() if name not in verified}
    assert not missing, f"questions never given to verify() in a checked cell: {missing} (name: code cell)"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_ends_with_further_reading(path: Path) -> None:
    cells = [c for c in _read(path).cells if c.cell_type == "markdown"]
    assert cells[-2].source.startswith(FURTHER_READING), "the last cell before the navigation is 'Further reading'"
    assert len(LINK.findall(cells[-2].source)) >= 3, "further reading links its references"


def test_revealing_calls_are_found() -> None:
    """The Run All rule sees printed and displayed verdicts, and lets silent key checks through."""
    assert _revealing_calls("print(ex1.check(12))") == ["ex1.check(12)"]
    assert _revealing_calls("ex1.solution()") == ["ex1.solution()"]
    assert _revealing_calls("x = 1\ndisplay(ex.hint())") == ["ex.hint()"]
    assert _revealing_calls("assert ex1.check(ex1.expected)\nex1.widget()") == []
    assert _revealing_calls("ok = ex1.check(3)\nex1.widget();") == []
    assert _revealing_calls("%time ex.check(1)\nex.widget()") == []


def test_words_are_counted_as_read() -> None:
    assert _words("## A title\n\nOne two [three](03_x.ipynb) $i \\cdot h$.") == 6
    assert _words("| a | b |\n|---|---|\n| one | two |") == 4
    assert _words("$$\nx_t W + h_{t-1} U + b\n$$\nso") == 2
    assert _words("<!--NAVIGATION-->\n[← 01 · Dense](01_dense.ipynb)") == 2


def test_tool_tags_what_never_belongs_on_a_slide() -> None:
    """tag_lecture() skips navigation, Setup and code that shows nothing; it keeps tags set by hand."""
    cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_markdown_cell(tool.NAV_MARK + "\n[next](01_a.ipynb)"),
        nbformat.v4.new_markdown_cell("## Setup\n\nRun this first."),
        nbformat.v4.new_code_cell("import os\n%matplotlib inline\nimport keras"),
        nbformat.v4.new_code_cell("ex1 = make()"),
        nbformat.v4.new_code_cell("ex1 = make()\nex1.widget()"),
        nbformat.v4.new_code_cell("x = 2\nprint(x)"),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nx = 2"),
        nbformat.v4.new_code_cell("fig = draw()\nfig;"),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2]);"),
        nbformat.v4.new_markdown_cell("## Idea", metadata={"tags": ["slide"]}),
    ]
    # 0 title, 1 navigation, 2-3 Setup, 4 an assignment, 8 a value hidden by ";"; 9 draws a figure.
    nb = nbformat.v4.new_notebook(cells=cells)
    assert tool.lecture_skipped(nb) == [1, 2, 3, 4, 8]
    out = tool.tag_lecture(nb)
    assert [tool.LECTURE_SKIP in c.metadata.get("tags", []) for c in out.cells] == [
        k in {1, 2, 3, 4, 8} for k in range(len(cells))
    ]
    assert out.cells[-1].metadata["tags"] == ["slide"]
    assert tool.tag_lecture(out) == out, "tagging twice changes nothing"
    assert tool.clean(out).cells[1].metadata["tags"] == [tool.LECTURE_SKIP], "clean() keeps lecture tags"


def test_tool_check_command_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    assert tool.main(["check"]) == 0, capsys.readouterr().out


def test_tool_clean_strips_what_it_should() -> None:
    """clean() removes editor state and unchecked outputs, and keeps what nbval compares."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3"}, "widgets": {"state": {}}, "toc": {}}
    plain = nbformat.v4.new_code_cell("x = 1\nx", execution_count=4, metadata={"collapsed": True})
    plain.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=4)]
    checked = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(2)", execution_count=9)
    checked.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="2"),
        nbformat.v4.new_output("stream", name="stdout", text="\n"),
        nbformat.v4.new_output("display_data", data={"image/png": "AAAA", "text/plain": "<Figure>"}),
        nbformat.v4.new_output(
            "display_data", data={"image/svg+xml": "<svg/>", "text/html": "<b/>", "text/plain": "<SVG>"}
        ),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# T", metadata={"tags": ["nbval-skip", "x"]}), plain, checked]
    out = tool.clean(nb)
    assert json.loads(json.dumps(out.metadata)) == {
        "kernelspec": tool.KERNELSPEC,
        "language_info": {"name": "python"},
    }
    assert out.cells[0].metadata == {"tags": ["nbval-skip"]}
    assert out.cells[1].outputs == [] and out.cells[1].execution_count is None and out.cells[1].metadata == {}
    assert out.cells[2].execution_count == 2
    assert [o["output_type"] for o in out.cells[2].outputs] == ["stream", "display_data", "display_data"]
    assert out.cells[2].outputs[0]["text"] == "2\n"
    assert out.cells[2].outputs[1]["data"] == {"text/plain": "<Figure>"}
    assert out.cells[2].outputs[2]["data"] == {"image/svg+xml": "<svg/>", "text/plain": "<SVG>"}
    nbformat.validate(out)


def test_tool_navigation_for_a_new_notebook(tmp_path: Path) -> None:
    """sync_navigation() adds the navigation cells to a notebook that has none, linking its neighbours."""
    names = ["00_index.ipynb", "01_a.ipynb", "02_b.ipynb"]
    paths = [tmp_path / n for n in names]
    titles = ["Index", "First", "Second"]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# First"), nbformat.v4.new_code_cell("1")]
    out = tool.sync_navigation(nb, paths[1], paths, titles)
    assert [c.source.startswith(tool.NAV_MARK) for c in out.cells] == [False, True, False, True]
    assert "(00_index.ipynb)" in out.cells[1].source and "(02_b.ipynb)" in out.cells[1].source
    again = tool.sync_navigation(out, paths[1], paths, titles)
    assert again == out, "syncing twice changes nothing"
    index = tool.sync_navigation(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# I")]), paths[0], paths, titles
    )
    assert any(c.source.startswith(tool.CONTENTS_MARK) and "(02_b.ipynb)" in c.source for c in index.cells)
