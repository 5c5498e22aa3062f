"""Accessibility without a browser: pictures described in words, colours that reach WCAG 2.1 AA, named controls.

The browser half (axe-core audits, keyboard-only runs) is tests/e2e/test_accessibility_browser.py.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _stacks import kinds_in, random_grid_case

import rnncount
from rnncount.core.engine import CountResult, count
from rnncount.core.formula import group_digits
from rnncount.core.layers import LAYER_TYPES
from rnncount.pictures import layout as L
from rnncount.pictures.contrast import LARGE, NORMAL, luminance, ratio, readable
from rnncount.pictures.describe import describe
from rnncount.pictures.drawing import layout, picture, to_svg
from rnncount.pictures.registry import VIEWS

REPO = Path(__file__).resolve().parents[1]
NS = "{http://www.w3.org/2000/svg}"
SLIDES_CSS = REPO / "rnncount/lecture/data/voila/templates/rnncount-lecture/rnncount_slides.css"

#: Kinds no picture can show from a spec, with the reason.
NOT_DRAWABLE = {
    "Lambda": "a spec never holds the function, so the engine cannot build it (explain() reads it from Keras)",
}

CORE = [
    ("LSTM(32)", (20, 100)),
    ("LSTM(32) > Dense(1)", (20, 100)),
    ("GRU(4) > Dense(1)", (30, 5)),
    ("GRU(4, reset_after=False)", (30, 5)),
    ("SimpleRNN(25) > Dense(1)", (3, 30)),
    ("Bidirectional(LSTM(3), merge_mode='sum')", (7, 2)),
    ("Bidirectional(GRU(4, return_sequences=True)) > TimeDistributed(Dense(2))", (None, 5)),
    ("Embedding(100, 8) > LSTM(4, use_bias=False)", (10,)),
    ("Dense(3)", (4,)),
    ("GlobalMaxPooling2D() > Dense(2)", (5, 5, 3)),
]


def _has_scalar_weight(result: CountResult) -> bool:
    return any(not blk.shape for lc in result.layers for blk in lc.blocks)


def _cases() -> list[CountResult]:
    """The core examples, then seeded random stacks until every kind of LAYER_TYPES has appeared."""
    results = [count(spec, shape) for spec, shape in CORE]
    seen = {k for r in results for lc in r.layers for k in kinds_in(lc.layer)}
    wanted = set(LAYER_TYPES) - set(NOT_DRAWABLE)
    seed = 0
    while not wanted <= seen and seed < 2000:
        case = random_grid_case(random.Random(seed))
        seed += 1
        new = set().union(*(kinds_in(layer) for layer in case.layers)) - seen
        if new:
            results.append(count(case.layers, case.input_shape))
            seen |= new
    if not wanted <= seen:  # kinds the random stacks never make: the conformance matrix's cases
        from test_conformance import CASES as MATRIX

        for kind in sorted(wanted - seen):
            for spec, shape in MATRIX.get(kind, []):
                results.append(count(spec, shape))
                seen |= {k for lc in results[-1].layers for k in kinds_in(lc.layer)}
    assert wanted <= seen, f"no example of {sorted(wanted - seen)}"
    return results


CASES = _cases()


def _block_said(text: str, name: str, params: int) -> bool:
    """``name`` is in ``text`` with its count after it, within the same phrase (before the next ';')."""
    return bool(
        re.search(rf"(?<![\w]){re.escape(name)}(?![\w])[^;]*?(?<![\d,]){re.escape(group_digits(params))}\b", text)
    )


@pytest.mark.parametrize("view", VIEWS)
def test_every_description_names_every_block_and_its_count(view: str) -> None:
    kinds: set[str] = set()
    for result in CASES:
        about = describe(result, view)
        text = about.text
        assert result.layers and group_digits(result.total) in about.name
        assert group_digits(result.total) in text.rsplit("Total", 1)[-1], text
        if view == "weights":
            layers = [e[1] for e in L.select_layers(result.layers) if not isinstance(e[1], int)]
        else:
            picked = L.pick_layer(result, None)
            if picked is None:
                assert "no recurrent layer" in text
                continue
            layers = [picked[1]]
        for lc in layers:
            kinds |= kinds_in(lc.layer)
            assert lc.name in text
            assert group_digits(lc.params) in text
            for blk in lc.blocks:
                assert _block_said(text, blk.name, blk.params), f"{view}: {blk.name} ({blk.params}) not in: {text}"
    if view == "weights":
        assert kinds >= set(LAYER_TYPES) - set(NOT_DRAWABLE)


def test_the_description_of_an_lstm_reads_as_the_picture() -> None:
    about = describe(count("LSTM(32)", (20, 100)), "weights")
    assert about.name == "rnncount picture, weight blocks: lstm; total 17,024 parameters"
    for gate, colour in (("input gate i_t", "blue"), ("forget gate f_t", "orange"), ("candidate c̃_t", "green")):
        assert f"The {gate}, in {colour}, 4,256 parameters" in about.text
    assert "W_xi, the input kernel, 100 by 32: 3,200 parameters" in about.text
    assert about.text.endswith("Total: 17,024 parameters.")
    cell = describe(count("GRU(4)", (30, 5)), "cell").text
    assert "plus r times (h_t-1 times W_hh plus b_hh)" in cell  # reset_after=True
    # Four sums for three gates and a candidate: the sums are weight blocks, and only gates are gates.
    lstm_cell = describe(count("LSTM(4)", (30, 5)), "cell").text
    assert "feed 4 weighted sums, one per weight block" in lstm_cell and "per gate" not in lstm_cell
    unrolled = describe(count("GRU(4)", (30, 5)), "unrolled").text
    assert "unrolled over 30 timesteps" in unrolled and "never changes the count" in unrolled


def test_every_block_is_named_in_the_picture_not_only_coloured() -> None:
    """Colour is never the only carrier: each block's rectangle holds its name and its count as text."""
    kinds: set[str] = set()
    for result in CASES:
        if _has_scalar_weight(result):  # Attention(use_scale=True): the weights view cannot lay out a scalar yet
            continue
        for dark in (False, True):
            scene = layout(result, view="weights", dark=dark)
            for group in scene.groups("rnncount-block"):
                texts = {t.text for t in group.items if isinstance(t, L.Text)}
                assert L.math_name(group.block.name) in texts, (group.block, texts)
                assert group_digits(group.block.params) in texts, (group.block, texts)
                kinds.add(L.kind_of(next(lc for lc in result.layers if lc.name == group.layer)))
    assert {"LSTM", "GRU", "SimpleRNN", "Dense", "Embedding", "Conv1D"} <= kinds


def test_svg_has_a_name_and_a_description_and_a_file_a_title(tmp_path: Path) -> None:
    svg = to_svg("LSTM(32)", (20, 100))
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    desc = root.find(f"{NS}desc")
    assert desc is not None and root.get("aria-describedby") == desc.get("id")
    assert desc.text == describe(count("LSTM(32)", (20, 100))).text
    assert root.get("aria-label").startswith("rnncount picture, weight blocks: lstm")
    # Inline, no picture-wide <title>: it would be a tooltip over every gap between the blocks' own.
    assert root.find(f"{NS}title") is None
    path = tmp_path / "lstm.svg"
    picture("LSTM(32)", (20, 100), view="cell").save(path)
    saved = ET.parse(path).getroot()
    assert saved.find(f"{NS}title").text.startswith("rnncount picture, one step inside the cell: lstm")
    assert "forget gate f" in saved.find(f"{NS}desc").text
    assert list(saved)[:2] == [saved.find(f"{NS}title"), saved.find(f"{NS}desc")]


def test_draw_prints_the_alt_text(tmp_path: Path) -> None:
    out = tmp_path / "x.svg"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "rnncount",
            "draw",
            "GRU(4) > Dense(1)",
            "--input",
            "30,5",
            "--alt-text",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == picture("GRU(4) > Dense(1)", (30, 5)).alt_text
    assert "W_xz" in run.stdout and out.exists()
    bad = subprocess.run(
        [sys.executable, "-m", "rnncount", "draw", "GRU(4)", "--input", "30,5"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--alt-text" in bad.stderr


# --- contrast ------------------------------------------------------------------------------------


def test_contrast_formula() -> None:
    assert ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)  # the classic just-too-light grey
    assert luminance("#FFFFFF") == pytest.approx(1.0)
    assert ratio(readable("#E69F00", "#FFFFFF"), "#FFFFFF") >= NORMAL
    assert readable("#0072B2", "#FFFFFF") == "#0072B2"  # already fine: unchanged


def test_picture_palettes_reach_aa_in_both_themes() -> None:
    for dark, p in L.PALETTES.items():
        for fg in ("ink", "muted", "error", "accent"):
            for bg in ("bg", "panel", "empty"):
                assert ratio(p[fg], p[bg]) >= NORMAL, (dark, fg, bg, ratio(p[fg], p[bg]))
    block = rnncount.count("GRU(4) > Dense(1)", (30, 5)).layers[0].blocks[0]
    for kind, gates in L.GATE_COLORS.items():
        for gate, colour in gates.items():
            for variable, role in (("kernel", "input kernel"), ("bias", "bias"), ("bias", "recurrent bias")):
                fill = L.block_fill(
                    kind, block.__class__(**{**block.__dict__, "gate": gate, "variable": variable, "role": role})
                )
                assert ratio(L.ink_on(fill), fill) >= NORMAL, (kind, gate, variable, fill)
            for amount in (0.0, 0.25, 0.5, 0.82):
                fill = L.mix(colour, "#FFFFFF", amount)
                assert ratio(L.ink_on(fill), fill) >= NORMAL, (kind, gate, fill)
    for grey in range(0, 256, 5):  # ink_on holds on any fill
        fill = f"#{grey:02X}{grey:02X}{grey:02X}"
        assert ratio(L.ink_on(fill), fill) >= NORMAL


def test_every_text_of_every_picture_reaches_aa_in_both_themes() -> None:
    checked = 0
    worst = (99.0, "")
    for result in CASES:
        if _has_scalar_weight(result):
            continue
        kinds = set().union(*(kinds_in(lc.layer) for lc in result.layers))
        views = (
            VIEWS
            if kinds
            <= {
                "LSTM",
                "GRU",
                "SimpleRNN",
                "Dense",
                "Embedding",
                "Bidirectional",
                "TimeDistributed",
                "Dropout",
                "Flatten",
                "RepeatVector",
            }
            else ("weights",)
        )
        for view in views:
            for dark in (False, True):
                for text, background in L.text_backgrounds(layout(result, view=view, dark=dark)):
                    q = ratio(text.color, background)
                    checked += 1
                    if q < worst[0]:
                        worst = (q, f"{view} dark={dark}: {text.text!r} {text.color} on {background}")
    print(f"{checked} texts checked; lowest contrast {worst[0]:.2f}:1 ({worst[1]})")
    assert worst[0] >= NORMAL, worst


def _css_vars(css: str, selector: str) -> dict[str, str]:
    block = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert block, selector
    return dict(re.findall(r"--(rn-[\w-]+):\s*(#[0-9a-fA-F]{3,6})", block.group(1)))


def test_slides_css_reaches_aa_in_both_themes() -> None:
    css = SLIDES_CSS.read_text(encoding="utf-8")
    for theme in ("theme-light", "theme-dark"):
        v = _css_vars(css, f"body.rn-lecture.{theme}")
        pairs = {
            "text": (v["rn-fg"], v["rn-bg"]),
            "counter, static labels": (v["rn-muted"], v["rn-bg"]),
            "headings h2, links": (v["rn-accent"], v["rn-bg"]),
            "chosen option": (v["rn-bg"], v["rn-accent"]),
        }
        for what, (fg, bg) in pairs.items():
            assert ratio(fg, bg) >= NORMAL, (theme, what, fg, bg, ratio(fg, bg))
        # The focus ring (accent) against the page: 3:1 for a non-text indicator.
        assert ratio(v["rn-accent"], v["rn-bg"]) >= LARGE
    dark = _css_vars(css, "body.rn-lecture.theme-dark")
    error = re.search(r"\.theme-dark \.rnncount-dashboard \.rnncount-error \{ color: (#[0-9a-fA-F]{6})", css)
    assert error and ratio(error.group(1), dark["rn-bg"]) >= NORMAL


def test_dashboard_exercise_and_report_colours_reach_aa(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnncount.classroom import exercises, grade
    from rnncount.dashboards import colours, panels, widgets
    from rnncount.pictures.drawing import THEME_ENV

    # Every colour is the theme's: no colour is written into the markup as a literal.
    sources = [Path(m.__file__).read_text(encoding="utf-8") for m in (panels, widgets, exercises)]
    assert not [c for src in sources for c in re.findall(r"color:\s*(#[0-9a-fA-F]{3,6})\b", src)]
    result = rnncount.count("LSTM(4) > Dense(1)", (10, 3))
    ex = exercises.Exercise("LSTM(4)", (10, 3))
    for dark in (False, True):
        # Exercise feedback takes the page's theme from the environment, as pictures do.
        monkeypatch.setenv(THEME_ENV, "dark" if dark else "light")
        written = "".join(
            (
                panels.error_html("Dense(0): units must be at least 1", dark),
                panels.formula_html(result, dark),
                panels.summary_html("Total params: 1", "a note", dark),
                ex.check(ex.expected)._repr_html_(),
                ex.check(ex.expected + 1)._repr_html_(),
            )
        )
        used = set(re.findall(r"color:\s*(?:var\([^,]+,\s*)?(#[0-9a-fA-F]{3,6})\b", written))
        assert len(used) >= 4, (dark, used)  # error, muted, right and wrong were all read
        for colour in used | set(colours.COLOURS[dark].values()):
            for under in colours.BACKGROUNDS[dark]:
                assert ratio(colour, under) >= NORMAL, (dark, colour, under, round(ratio(colour, under), 2))
    # The dark pages include JupyterLab's dark theme, where the light error red is unreadable.
    assert ratio(colours.COLOURS[False]["error"], "#111111") < NORMAL
    css = grade._CSS
    fg = re.search(r"\.rnncount-grade\{[^}]*color:(#[0-9a-f]{6})", css).group(1)
    bg = re.search(r"\.rnncount-grade\{[^}]*background:(#[0-9a-f]{6})", css).group(1)
    for colour in {fg, *re.findall(r"[^-]color:(#[0-9a-f]{6})", css)}:
        for under in {bg, *re.findall(r"background:(#[0-9a-f]{6})", css)} - {"#1a7f37", "#b35900"}:
            assert ratio(colour, under) >= NORMAL, (colour, under)


# --- controls ------------------------------------------------------------------------------------


def _named(w: object) -> bool:
    return bool(getattr(w, "description", "") or getattr(w, "tooltip", "") or getattr(w, "tooltips", None))


def test_every_dashboard_control_has_a_name_that_says_what_it_changes() -> None:
    import ipywidgets as W

    e = rnncount.explore("GRU", units=4, features=5)
    assert e.controls["units"].description == "units h"
    e.controls["layer"].value = "Dense"
    assert e.controls["units"].description == "units o"
    s = rnncount.explore_stack("GRU(4) > Dense(1)", (30, 5))
    for dash in (e, s):
        controls = [w for w in _walk(dash) if isinstance(w, (W.ValueWidget, W.Button)) and not isinstance(w, W.HTML)]
        controls = [w for w in controls if not isinstance(w, (W.HTMLMath, W.Label, W.Output))]
        assert controls
        unnamed = [type(w).__name__ for w in controls if not _named(w)]
        assert not unnamed, unnamed
        assert dash._diagram_box.tabbable is True and dash._summary_box.tabbable is True
    row = s.controls["rows"][1]
    assert row["up"].tooltip == "move layer 2 up" and row["remove"].tooltip == "remove layer 2"


def test_a_change_is_announced_once_in_words() -> None:
    e = rnncount.explore("LSTM", units=32, features=100)
    assert e.announcement == "Total 17,024 parameters; output (None, 32)."
    e.controls["units"].value = 4
    assert e.announcement == f"Total {count('LSTM(4)', (20, 100)).total:,} parameters; output (None, 4)."
    assert e.announcement in e._announce.value and "clip" in e._announce.value  # read out, never shown
    s = rnncount.explore_stack("GRU(4) > GRU(2)", (30, 5), manage_sequences=False)
    assert s.announcement.startswith("Not a valid stack:")


def test_exercise_form_controls_are_named() -> None:
    form = rnncount.classroom.Exercise("LSTM(4) > Dense(1)", (30, 5)).widget()
    parts = form.parts
    assert parts["answer"].description == "Answer:"
    for key, name in (("check", "Check"), ("hint", "Hint"), ("solution", "Solution")):
        assert parts[key].description == name and parts[key].tooltip
    assert "rnncount-live-feedback" in parts["feedback"]._dom_classes
    assert any("rnncount-a11y" in getattr(c, "_dom_classes", ()) for c in form.children)


def _walk(w: object) -> list[object]:
    out = [w]
    for c in getattr(w, "children", ()):
        out += _walk(c)
    return out
