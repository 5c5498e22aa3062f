"""rnncount quiz: Moodle XML and Canvas QTI, read back and checked against the formats' rules and the engine.

The files are parsed with the standard XML parser and checked with the rules of Moodle's question format
(question/format/xml: question types, <dataset_definitions>, {name} wildcards, fractions, feedback) and of
the QTI 1.2 package Canvas imports (imsmanifest.xml, calculated_question items with vars and var_sets).
Every formula is evaluated at every dataset item by a small evaluator written here (ast, no eval) and
compared with the engine: the right formula with the count, each mistake's formula with the checker's
number for that mistake. Golden files: RNNCOUNT_REGENERATE_GOLDEN=1 rewrites them from the code.
"""

from __future__ import annotations

import ast
import html
import io
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from rnncount.classroom import quiz
from rnncount.classroom.exercises import MISCONCEPTIONS, Exercise, candidates
from rnncount.cli import main
from rnncount.core.engine import count

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("RNNCOUNT_REGENERATE_GOLDEN") == "1"

# Moodle's grade fractions (question/engine/lib.php, question_bank::fraction_options_full), in percent.
MOODLE_FRACTIONS = {
    "100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30", "25", "20",
    "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0",
}  # fmt: skip
WILDCARD = re.compile(r"\{([A-Za-z_]\w*)\}")


def arithmetic(formula: str, values: dict[str, int]) -> int:
    """+ - * on whole numbers and named sizes, parentheses; anything else is refused (never eval)."""
    tree = ast.parse(WILDCARD.sub(r"\1", formula), mode="eval")

    def go(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return go(node.body)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            a, b = go(node.left), go(node.right)
            return a + b if isinstance(node.op, ast.Add) else a - b if isinstance(node.op, ast.Sub) else a * b
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name):
            return values[node.id]
        raise AssertionError(f"not plain arithmetic: {ast.dump(node)} in {formula!r}")

    return go(tree)


@pytest.fixture(scope="module")
def questions() -> list[quiz.QuizQuestion]:
    return quiz.quiz_questions(None, "medium", items=12, shapes=2, picture=False)


@pytest.fixture(scope="module")
def moodle(questions) -> ET.Element:
    return ET.fromstring(quiz.moodle_xml(questions).encode("utf-8"))


def _text(node: ET.Element, tag: str) -> str:
    found = node.find(f"{tag}/text")
    assert found is not None, f"<{tag}> has no <text>"
    return found.text or ""


def _kind(name: str) -> quiz.Kind:
    key = name.split()[2]
    return next(k for k in quiz.KINDS if k.key == key)


# --------------------------------------------------------------------------- Moodle


def test_moodle_file_follows_the_question_format(moodle):
    assert moodle.tag == "quiz"
    types = [q.get("type") for q in moodle.findall("question")]
    assert types[0] == "category" and set(types[1:]) == {"calculated", "shortanswer"}
    for q in moodle.findall("question")[1:]:
        assert _text(q, "name").strip()
        assert q.find("questiontext").get("format") == "html" and _text(q, "questiontext").strip()
        assert q.find("generalfeedback") is not None
        assert float(q.findtext("defaultgrade")) == 1 and 0 <= float(q.findtext("penalty")) <= 1
        answers = q.findall("answer")
        fractions = [a.get("fraction") for a in answers]
        assert set(fractions) <= MOODLE_FRACTIONS and fractions.count("100") >= 1
        for a in answers:
            assert a.find("text") is not None and a.find("feedback/text") is not None
            assert (a.find("feedback/text").text or "").strip()
        if q.get("type") != "calculated":
            assert q.findtext("usecase") in ("0", "1")
            continue
        assert fractions.count("100") == 1 and fractions[0] == "100"
        for a in answers:
            assert re.fullmatch(r"[{}\w\s+\-*()]+", a.findtext("text")), a.findtext("text")
            assert a.findtext("tolerance") == "0" and a.findtext("tolerancetype") in ("1", "2", "3")
            assert a.findtext("correctanswerformat") in ("1", "2") and a.findtext("correctanswerlength").isdigit()
        defs = q.findall("dataset_definitions/dataset_definition")
        names = [_text(d, "name") for d in defs]
        used = set(WILDCARD.findall(_text(q, "questiontext")))
        for a in answers:
            used |= set(WILDCARD.findall(a.findtext("text")))
        assert used and used <= set(names) and len(set(names)) == len(names)
        counts = set()
        for d in defs:
            assert _text(d, "status") in ("private", "shared") and d.findtext("type") == "calculated"
            assert _text(d, "distribution") in ("uniform", "loguniform") and _text(d, "decimals") == "0"
            lo, hi = float(_text(d, "minimum")), float(_text(d, "maximum"))
            items = d.findall("dataset_items/dataset_item")
            assert int(d.findtext("itemcount")) == len(items) == int(d.findtext("number_of_items")) >= 1
            assert [int(i.findtext("number")) for i in items] == list(range(1, len(items) + 1))
            assert all(lo <= float(i.findtext("value")) <= hi for i in items)
            counts.add(len(items))
        assert len(counts) == 1  # Moodle draws item k of every wildcard together


def _items(q: ET.Element) -> list[dict[str, int]]:
    defs = q.findall("dataset_definitions/dataset_definition")
    columns = {
        _text(d, "name"): [int(i.findtext("value")) for i in d.findall("dataset_items/dataset_item")] for d in defs
    }
    n = len(next(iter(columns.values())))
    return [{k: v[j] for k, v in columns.items()} for j in range(n)]


def test_every_formula_equals_the_engine_at_every_item_and_no_item_is_ambiguous(moodle, questions):
    calculated = [q for q in moodle.findall("question") if q.get("type") == "calculated"]
    python = [q for q in questions if q.kind.ask == "params"]
    assert len(calculated) == len(python) == 10
    checked = 0
    for q, pq in zip(calculated, python, strict=True):
        kind = _kind(_text(q, "name"))
        assert kind is pq.kind
        answers = q.findall("answer")
        assert len(answers) == 1 + len(pq.distractors)
        for values in _items(q):
            spec, shape = kind.model(values)
            result = count(spec, shape)
            got = [arithmetic(a.findtext("text"), values) for a in answers]
            assert got[0] == result.total, (spec, shape)
            mistakes = candidates(result)
            for d, value in zip(pq.distractors, got[1:], strict=True):
                assert any(c.key == d.key and c.value == value for c in mistakes), (spec, d.key, value)
            assert len(set(got)) == len(got), (spec, got)  # the right answer and every mistake differ
            checked += 1
    assert checked == 10 * 12


def test_each_mistake_has_its_own_formula_and_the_checkers_sentence(questions):
    by_kind = {q.kind.key: q for q in questions if q.kind.ask == "params"}
    keys = {k: {d.key for d in q.distractors} for k, q in by_kind.items()}
    assert {"forgot_bias", "forgot_gates", "wrong_gate_count", "timesteps_as_features"} <= keys["lstm"]
    assert "gru_reset_after" in keys["gru"] and "gru_reset_after" in keys["gru_reset_after_false"]
    assert "bidirectional_not_doubled" in keys["bidirectional"]
    assert {"dense_recurrent_formula", "left_out_layer"} <= keys["stack"]
    assert {"conv_input_channels", "conv_kernel_size"} <= keys["conv1d"] and "embedding_bias" in keys["embedding"]
    assert {"forgot_gates", "conv_input_channels", "conv_kernel_size", "weights_per_timestep"} <= keys["conv_lstm2d"]
    # The feedback is the checker's sentence with the sizes as wildcards: filled in, it is what check says.
    q = by_kind["gru"]
    d = next(d for d in q.distractors if d.key == "gru_reset_after")
    values = q.items[0]
    spec, shape = q.kind.model(values)
    wrong = arithmetic(d.formula, values)
    said = Exercise(spec, shape).check(wrong).message

    def fill(match: re.Match[str]) -> str:
        return f"{arithmetic(match.group(1), values):,}" if match.group(1) else str(values[match.group(2)])

    filled = re.sub(r"\{=((?:[^{}]|\{\w+\})*)\}|\{(\w+)\}", fill, d.feedback)
    assert filled == said, (filled, said)
    assert "the reset_after=False formula" in filled and f"3*({values['i']}*{values['h']}" in filled


def test_shape_questions_accept_what_check_accepts_and_name_the_mistakes(moodle, questions):
    short = [q for q in moodle.findall("question") if q.get("type") == "shortanswer"]
    python = [q for q in questions if q.kind.ask == "shape"]
    assert len(short) == len(python) == 6
    named = set()
    for q, pq in zip(short, python, strict=True):
        spec, shape = pq.kind.model(pq.items[0])
        ex = Exercise(spec, shape, ask="shape")
        for a in q.findall("answer"):
            fb = ex.check(a.findtext("text"))
            if a.get("fraction") == "100":
                assert fb.correct, a.findtext("text")
            else:
                assert not fb.correct and fb.misconception != "unknown"
                # Feedback is HTML (format="html"): the sentence, escaped.
                assert html.unescape(a.find("feedback/text").text or "").strip() == fb.message
                named.add(fb.misconception)
    assert {"return_sequences_shape", "bidirectional_width", "timesteps_as_features"} <= named


def test_question_text_shows_the_code_and_the_input_and_feedback_the_formula(moodle):
    q = next(q for q in moodle.findall("question") if q.get("type") == "calculated" and "lstm (" in _text(q, "name"))
    text = _text(q, "questiontext")
    assert "keras.Input(shape=({T}, {i}))" in text and "layers.LSTM({h}" in text and "(None, {T}, {i})" in text
    general = _text(q, "generalfeedback")
    assert "g*(i*h + h*h + h) = 4*({i}*{h} + {h}*{h} + {h}) = {=4*({i}*{h} + {h}*{h} + {h})}" in general


def test_the_weights_picture_is_inline_svg_in_the_feedback():
    (q,) = quiz.quiz_questions(["lstm"], "easy", items=3)
    assert "<svg" in q.general_feedback and "rnncount-picture" in q.general_feedback
    root = ET.fromstring(quiz.moodle_xml([q]).encode())
    assert "<svg" in _text(root.findall("question")[1], "generalfeedback")


# --------------------------------------------------------------------------- Canvas QTI


def _qti(data: bytes) -> tuple[ET.Element, ET.Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
        ns = {"m": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
        resources = manifest.findall("m:resources/m:resource", ns)
        assert len(resources) == 1 and resources[0].get("type") == "imsqti_xmlv1p2"
        href = resources[0].get("href")
        assert href in names and resources[0].find("m:file", ns).get("href") == href
        return manifest, ET.fromstring(z.read(href))


def test_qti_package_for_canvas(questions):
    _, root = _qti(quiz.qti_zip(questions))
    ns = {"q": quiz.QTI_NAMESPACE}
    assert root.tag == f"{{{quiz.QTI_NAMESPACE}}}questestinterop"
    items = root.findall("q:assessment/q:section/q:item", ns)
    assert len(items) == len(questions) and len({i.get("ident") for i in items}) == len(items)
    checked = 0
    for item, pq in zip(items, questions, strict=True):
        fields = {
            f.findtext("q:fieldlabel", namespaces=ns): f.findtext("q:fieldentry", namespaces=ns)
            for f in item.findall("q:itemmetadata/q:qtimetadata/q:qtimetadatafield", ns)
        }
        if pq.kind.ask == "shape":
            assert fields["question_type"] == "short_answer_question"
            accepted = [v.text for v in item.findall(".//q:respcondition/q:conditionvar/q:varequal", ns)]
            assert accepted == list(pq.accepted)
            continue
        assert fields["question_type"] == "calculated_question"
        calc = item.find("q:itemproc_extension/q:calculated", ns)
        assert calc.findtext("q:answer_tolerance", namespaces=ns) == "0"
        formulas = calc.findall("q:formulas/q:formula", ns)
        assert len(formulas) == 1
        ranges = {
            v.get("name"): (float(v.findtext("q:min", namespaces=ns)), float(v.findtext("q:max", namespaces=ns)))
            for v in calc.findall("q:vars/q:var", ns)
        }
        text = item.findtext("q:presentation/q:material/q:mattext", namespaces=ns)
        assert set(re.findall(r"\[(\w+)\]", text)) <= set(ranges)
        assert ranges == {n: (float(lo), float(hi)) for n, (lo, hi) in pq.ranges.items()}
        for vs in calc.findall("q:var_sets/q:var_set", ns):
            values = {v.get("name"): int(float(v.text)) for v in vs.findall("q:var", ns)}
            assert all(ranges[n][0] <= x <= ranges[n][1] for n, x in values.items())
            answer = int(float(vs.findtext("q:answer", namespaces=ns)))
            spec, shape = pq.kind.model(values)
            assert arithmetic(formulas[0].text, values) == answer == count(spec, shape).total
            checked += 1
        feedback = html.unescape(item.findtext("q:itemfeedback/q:flow_mat/q:material/q:mattext", namespaces=ns))
        # What Canvas cannot carry per answer is listed for the student in the general feedback.
        for d in pq.distractors:
            assert MISCONCEPTIONS[d.key].title in feedback
    assert checked == 10 * 12


# --------------------------------------------------------------------------- golden files


def _golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if REGENERATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"{path} is missing: run with RNNCOUNT_REGENERATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} differs from the golden file (RNNCOUNT_REGENERATE_GOLDEN=1 rewrites it)"


def test_golden_quiz_in_each_format(tmp_path):
    args = ["quiz", "--topics", "gru,shape_last", "--difficulty", "easy", "--items", "4", "--shapes", "1"]
    args += ["--no-picture", "--seed", "golden"]
    assert main([*args, "--moodle", str(tmp_path / "q.xml"), "--qti", str(tmp_path / "q.zip")]) == 0
    _golden("quiz_small.xml", (tmp_path / "q.xml").read_bytes())
    with zipfile.ZipFile(tmp_path / "q.zip") as z:
        assert sorted(z.namelist()) == sorted(["imsmanifest.xml", quiz.QTI_PATH])
        _golden("quiz_small_imsmanifest.xml", z.read("imsmanifest.xml"))
        _golden("quiz_small_qti.xml", z.read(quiz.QTI_PATH))
    _golden("quiz_small.zip", (tmp_path / "q.zip").read_bytes())


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--topics", "transformer"], "unknown quiz topic"),
        (["--range", "h=9:3"], "is empty"),
        (["--range", "h=nine"], "NAME=LO:HI"),
        (["--range", "q=1:3"], "no chosen question has a size"),
        (["--topics", "simple_rnn", "--range", "T=1:1", "--range", "i=1:1", "--range", "h=1:1"], "keeps the right"),
        (["--items", "0"], "items must be from 1"),
        ([], "say where to write"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(tmp_path, capsys, extra, says):
    out = [] if extra == [] else ["--moodle", str(tmp_path / "q.xml"), "--qti", str(tmp_path / "q.zip")]
    assert main(["quiz", *extra, *out]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_path_leaves_nothing_half_written(tmp_path, capsys, monkeypatch):
    good = tmp_path / "q.xml"
    assert main(["quiz", "--topics", "dense", "--items", "2", "--moodle", str(good), "--qti", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # the Moodle file is not written either
    assert main(["quiz", "--topics", "dense", "--items", "2", "--moodle", str(tmp_path / "no" / "q.xml")]) == 2
    assert "does not exist" in capsys.readouterr().err

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(quiz.os, "replace", fail)
    assert main(["quiz", "--topics", "dense", "--items", "2", "--moodle", str(good)]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no quiz file and no temporary file left behind


def test_the_safe_evaluator_refuses_anything_but_arithmetic():
    assert quiz.evaluate("4*({i}*{h} + {h}*{h} + {h})", {"i": 3, "h": 2}) == 4 * (6 + 4 + 2)
    for bad in ("__import__('os')", "{h}**2", "{h}/2", "open", "[1]"):
        with pytest.raises(ValueError):
            quiz.evaluate(bad, {"h": 2})


def test_a_formula_nested_too_deeply_is_refused_before_it_is_parsed(monkeypatch):
    # In the browser (Pyodide) Python's parser recursing on such a text stops the interpreter.
    import ast
    import types

    parsed = []
    watched = types.SimpleNamespace(**vars(ast))
    watched.parse = lambda source, *a, **k: parsed.append(source) or ast.parse(source, *a, **k)
    monkeypatch.setattr(quiz, "ast", watched)
    terms = " + ".join(["4*({i}*{h} + {h}*{h} + {h})"] * 12)
    assert quiz.evaluate(terms, {"i": 3, "h": 2}) == 12 * 4 * (6 + 4 + 2)
    parsed.clear()
    for deep in ("{h}+" * 3000 + "1", "(" * 3000 + "1" + ")" * 3000, "-" * 5000 + "1"):
        with pytest.raises(ValueError, match="nests more than"):
            quiz.evaluate(deep, {"h": 2})
    assert parsed == []
