"""The committed notebooks: clean, linked, Keras 3 only, and every stored output re-checked by nbval.

nbval (``pytest --nbval-lax notebooks``) runs the notebooks; these tests read the files as committed,
so what a reader sees on the web carries no editor state, no stale outputs and no dead links.
"""

from __future__ import annotations

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
        assert set(cell.metadata) <= {"tags"} and set(tags) <= tool.NBVAL_TAGS, f"cell {k}: {dict(cell.metadata)}"
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
                assert set(out.get("data", {})) <= {"text/plain"}, f"{where}: stores {set(out['data'])}"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_no_absolute_paths(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = ABSOLUTE_PATH.search(text)
    assert found is None, f"absolute path near {text[max(0, found.start() - 60) : found.end() + 60]!r}"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_code_is_keras_3(path: Path) -> None:
    for k, cell in enumerate(_code_cells(_read(path))):
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
    shown += "\n".join(c.source for c in _code_cells(nb) if "Exercise(" in c.source)
    known = {int(n.replace(",", "")) for n in NUMBER.findall(shown)}
    for cell in nb.cells:
        if cell.cell_type != "markdown" or cell.source.startswith((tool.NAV_MARK, tool.CONTENTS_MARK)):
            continue
        text = LINK.sub("]", cell.source).replace("{,}", ",")  # link targets are file names, not claims
        for n in NUMBER.findall(text):
            value = int(n.replace(",", ""))
            if value >= 10:
                assert value in known, f"{n} in {cell.source[:80]!r}... is not computed by any checked cell"


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
    assert [o["output_type"] for o in out.cells[2].outputs] == ["stream", "display_data"]
    assert out.cells[2].outputs[0]["text"] == "2\n"
    assert out.cells[2].outputs[1]["data"] == {"text/plain": "<Figure>"}
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
