"""WCAG 2.1 AA in a real browser: axe-core audits, keyboard-only use, and what a screen reader is told.

Audited (axe-core's WCAG 2.0/2.1 A and AA rules, see _axe.py): the dashboard and exercise forms of
``02_simple_rnn`` in JupyterLab (scoped to rnncount's own markup: JupyterLab's chrome is not ours),
every slide of ``rnncount lecture`` (each made the current slide in turn, so none is hidden when
audited), every slide of the exported deck, light and dark, and the grade report. The browser
edition calls the same :func:`_axe.audit` on its page. Each audit prints its figures.

The keyboard-only runs reach every control of the dashboard with Tab, in order, move each with
its keys and check that the views changed, then answer an exercise with the keyboard alone.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _axe import OURS, assert_no_violations, audit
from _browser import (
    RUN_ALL_S,
    UPDATE_S,
    _server_env,
    assert_clean,
    open_notebook,
    poll,
    run_all_cells_and_wait,
    shutdown_kernels,
    slider_value,
    stop_server,
)
from test_grade_report import _class_csv
from test_lecture_mode import (
    FULL_HD,
    _dashboard_slide,
    _expected_slides,
    _lecture_copy,
    _open_slides,
    _start_lecture,
    _wait_finished,
)

import rnncount
from rnncount.cli import main
from rnncount.core.layers import format_shape

pytestmark = pytest.mark.e2e

#: What identifies the focused element: the rnncount control it belongs to, and which part.
_FOCUS_JS = """() => {
  const a = document.activeElement;
  if (!a || a === document.body) return null;
  const dash = a.closest('.rnncount-dashboard');
  const ctl = a.closest('[class*="rnncount-"]');
  const cls = ctl ? Array.from(ctl.classList).find(c => c.startsWith('rnncount-')) : '';
  let part = a.getAttribute('role') || a.tagName.toLowerCase();
  if (a.tagName === 'BUTTON') part = 'button:' + a.textContent.trim();
  if (a.tagName === 'INPUT') part = 'input:' + a.type;
  return {inside: !!dash, control: cls.replace('rnncount-', ''), part: part,
          name: a.getAttribute('aria-label') || a.textContent.trim().slice(0, 40)};
}"""

_WATCH_LIVE_JS = """(dash) => {
  const live = dash.querySelector('.rnncount-live');
  if (!live) return false;
  window.__rnLive = [];
  new MutationObserver(() => window.__rnLive.push(live.textContent)).observe(
    live, {childList: true, characterData: true, subtree: true});
  return true;
}"""


def _print(*lines: str) -> None:
    print("\n[a11y] " + "\n[a11y] ".join(lines))


def _focused(page: Any) -> dict[str, Any] | None:
    return page.evaluate(_FOCUS_JS)


def _picture(dash: Any) -> dict[str, str]:
    svg = dash.locator("svg.rnncount-picture").first
    return {"label": svg.get_attribute("aria-label") or "", "view": svg.get_attribute("data-view") or ""}


def _spec(dash: Any) -> str:
    return dash.locator(".rnncount-spec").inner_text().strip()


def _tab_to(page: Any, control: str, part: str, limit: int = 40) -> dict[str, Any]:
    """Press Tab until the focus is on ``part`` of ``control``; fail if it leaves the dashboard first."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        f = _focused(page)
        assert f and f["inside"], f"Tab left the dashboard before reaching {control} {part}: {f}"
        if f["control"] == control and f["part"].startswith(part):
            return f
    raise AssertionError(f"{control} {part} not reached with Tab")


def _changed(
    dash: Any, before: tuple[str, dict[str, str]], what: str, spec_has: str = ""
) -> tuple[str, dict[str, str]]:
    """Wait until the spec or the picture has changed and then held still for three reads in a row
    (the outputs of one update reach the page one after the other), with the spec showing ``spec_has``."""
    state: list[tuple[str, dict[str, str]]] = []
    reads: list[tuple[str, dict[str, str]]] = []

    def check() -> str | None:
        now = (_spec(dash), _picture(dash))
        state[:] = [now]
        reads.append(now)
        if now == before:
            return "no change yet"
        if spec_has not in now[0]:
            return f"the spec does not show {spec_has!r} yet: {now[0]!r}"
        return None if reads[-3:] == [now] * 3 else "still changing"

    poll(check, UPDATE_S, f"the dashboard to follow {what}")
    return state[0]


# --- JupyterLab -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lab_page(lab: Any, browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        open_notebook(page, lab, "notebooks/02_simple_rnn.ipynb")
        run_all_cells_and_wait(page)
        assert_clean(page, "02_simple_rnn after Run All")
        yield page
    finally:
        context.close()
        shutdown_kernels(lab)


def test_lab_dashboard_and_exercises_pass_axe(lab_page: Any) -> None:
    page = lab_page
    dash = page.locator(".rnncount-explore").first
    dash.scroll_into_view_if_needed()
    # The page script has named the slider handles (ipywidgets leaves them nameless).
    poll(
        lambda: None if dash.locator("[role=slider][aria-label='units h']").count() == 1 else "handles not named",
        UPDATE_S,
        "the slider handles to be named",
    )
    for ex in page.locator(".rnncount-exercise").all():
        ex.scroll_into_view_if_needed()
    result = audit(page, what="JupyterLab 02_simple_rnn, rnncount's markup", include=OURS)
    _print(result.summary())
    assert_no_violations(result)
    svg = dash.locator("svg.rnncount-picture").first
    desc = svg.locator("desc")
    assert svg.get_attribute("role") == "img" and desc.count() == 1
    assert svg.get_attribute("aria-describedby") == desc.get_attribute("id")
    _print("picture description: " + desc.text_content())


def test_lab_dashboard_keyboard_only(lab_page: Any) -> None:
    """Reach every control with Tab, in order; move each with its keys; the views follow every move."""
    page = lab_page
    dash = page.locator(".rnncount-explore").first
    dash.scroll_into_view_if_needed()
    # A keyboard user arrives at the dashboard's first control (JupyterLab's own Tab order leads
    # there from the cell); from here on only keys are pressed.
    dash.locator(".rnncount-layer button").first.focus()
    order = [(_focused(page) or {}).get("part")]
    stops: list[tuple[str, str]] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        f = _focused(page)
        if not f or not f["inside"]:
            break
        stops.append((f["control"], f["part"]))
    order += [f"{c}/{p}" for c, p in stops]
    _print("dashboard focus order: " + " > ".join(str(o) for o in order))
    expected = [
        ("layer", "button:SimpleRNN"),
        ("layer", "button:LSTM"),
        ("layer", "button:GRU"),
        *[(name, part) for name in ("units", "features", "timesteps", "head") for part in ("slider", "textbox")],
        ("use-bias", "input:checkbox"),
        ("return-sequences", "input:checkbox"),
        ("bidirectional", "input:checkbox"),  # reset_after is disabled for a SimpleRNN: no stop
        ("view", "button:weights"),
        ("view", "button:unrolled"),
        ("view", "button:cell"),
        ("diagram", "region"),
        ("summary", "region"),
    ]
    assert order[0] == "button:Dense"
    assert [s for s in stops if s[0] != "formula"] == expected, stops

    # Now move every control, reaching each with Tab from the first one.
    dash.locator(".rnncount-layer button").first.focus()
    state = (_spec(dash), _picture(dash))
    _tab_to(page, "layer", "button:LSTM")
    page.keyboard.press("Space")
    state = _changed(dash, state, "the layer button LSTM", spec_has="LSTM(")
    live_ok = dash.evaluate(_WATCH_LIVE_JS)
    assert live_ok, "the dashboard has no live region"
    for name in ("units", "features", "timesteps", "head"):
        f = _tab_to(page, name, "slider")
        assert f["name"] == {"units": "units h", "features": "features i", "timesteps": "timesteps T"}.get(
            name, "Dense head"
        )
        before = slider_value(dash.locator(f".rnncount-{name}"))
        page.keyboard.press("ArrowRight")
        poll(
            lambda n=name, b=before: None if slider_value(dash.locator(f".rnncount-{n}")) == b + 1 else "not moved",
            UPDATE_S,
            f"the {name} slider to move",
        )
        if name != "timesteps":  # T never changes the count or the picture's labels, only the input shape
            state = _changed(dash, state, f"the {name} slider")
        else:
            t = f"None, {before + 1},"
            poll(lambda t=t: None if t in _spec(dash) else _spec(dash), UPDATE_S, "T in the spec")
            state = (_spec(dash), _picture(dash))
    for name in ("use-bias", "return-sequences", "bidirectional"):
        _tab_to(page, name, "input:checkbox")
        page.keyboard.press("Space")
        state = _changed(dash, state, f"the {name} checkbox")
    for view in ("unrolled", "cell"):
        dash.locator(".rnncount-layer button").first.focus()
        _tab_to(page, "view", f"button:{view}")
        page.keyboard.press("Space")
        state = _changed(dash, state, f"the view button {view}")
        assert state[1]["view"] == view
    _tab_to(page, "diagram", "region")
    box = dash.locator(".rnncount-diagram")
    top = box.evaluate("b => b.scrollTop")
    scrollable = box.evaluate("b => b.scrollHeight > b.clientHeight + 1")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("PageDown")
    if scrollable:
        poll(lambda: None if box.evaluate("b => b.scrollTop") > top else "not scrolled", 5, "the picture to scroll")
    # The focus is visible: a ring drawn around the focused control.
    _tab_to(page, "summary", "region")
    page.keyboard.press("Shift+Tab")
    ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert ring not in ("", "none"), f"no focus ring on the picture box: {ring}"

    # A held key: five presses in a row are announced once, when they settle, with the final total.
    dash.locator(".rnncount-layer button").first.focus()
    _tab_to(page, "units", "slider")
    page.evaluate("() => { window.__rnLive = []; }")
    start = slider_value(dash.locator(".rnncount-units"))
    for _ in range(5):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(60)
    poll(lambda: None if slider_value(dash.locator(".rnncount-units")) == start + 5 else "moving", UPDATE_S, "units")
    expected_total = _expected_total(dash)
    poll(
        lambda: None if page.evaluate("() => window.__rnLive").count(expected_total) else "not announced",
        UPDATE_S,
        "the new total to be announced",
    )
    page.wait_for_timeout(1500)
    said = page.evaluate("() => window.__rnLive")
    _print(f"five presses of ArrowRight on 'units h' were announced {len(said)} time(s): {said}")
    assert 1 <= len(said) < 5 and said[-1] == expected_total


def _expected_total(dash: Any) -> str:
    from _dashboards import explore_expected, read_explore

    result = explore_expected(read_explore(dash))
    total = f"{result.total:,} parameter" + ("" if result.total == 1 else "s")
    return f"Total {total}; output {format_shape(result.layers[-1].output_shape)}."


def test_lab_exercise_keyboard_only(lab_page: Any) -> None:
    """Answer Exercise 1 without the mouse: type into the answer box, Tab to Check, press Enter."""
    page = lab_page
    form = page.locator(".rnncount-exercise").first
    form.scroll_into_view_if_needed()
    box = form.locator("input[type=text]")
    box.focus()  # arriving at the form; only keys from here
    # JupyterLab makes the cell active when the focus enters its output, and may take the focus back
    # for a moment: wait until it stays in the box (a stray key would go to JupyterLab's shortcuts).
    steady: list[bool] = []

    def stays() -> str | None:
        inside = page.evaluate("() => document.activeElement && document.activeElement.type === 'text'")
        steady.append(inside)
        if not inside:
            box.focus()
        return None if steady[-3:] == [True] * 3 else "the focus is not in the answer box yet"

    poll(stays, 10, "the focus to stay in the answer box")
    answer = rnncount.count("SimpleRNN(16)", (40, 8)).total
    assert page.evaluate("() => document.activeElement.labels[0].textContent") == "Answer:"
    box.press_sequentially(str(answer), delay=50)
    assert box.input_value() == str(answer)
    # A reader pauses before Check; without it the kernel can still hold the value of one key before
    # (ipywidgets sends the text as it is typed) when the click arrives.
    page.wait_for_timeout(1000)
    page.keyboard.press("Tab")
    f = page.evaluate("() => document.activeElement.textContent.trim()")
    assert f == "Check", f"after the answer box Tab goes to {f!r}"
    page.keyboard.press("Enter")
    feedback = form.locator(".rnncount-live-feedback")
    poll(lambda: None if "Right" in feedback.inner_text() else feedback.inner_text(), UPDATE_S, "the feedback")
    assert feedback.get_attribute("role") == "status"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Hint"
    page.keyboard.press("Space")
    hints = form.locator(".rnncount-live-hints")
    poll(lambda: None if hints.inner_text().strip() else "no hint", UPDATE_S, "a hint")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Solution"
    page.keyboard.press("Enter")
    worked = form.locator(".rnncount-live-worked")
    poll(lambda: None if str(f"{answer:,}") in worked.inner_text() else "no solution", UPDATE_S, "the solution")


# --- lecture mode and the deck --------------------------------------------------------------------


@pytest.fixture(scope="module")
def lecture_nb(notebooks_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _lecture_copy(notebooks_copy, tmp_path_factory.mktemp("a11y-lecture-site"))


@pytest.fixture(scope="module")
def slides(lecture_nb: Path, tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Any:
    """``rnncount lecture 03_lstm`` at 1920x1080, as in test_lecture_mode."""
    server, started = _start_lecture(lecture_nb, tmp_path_factory.mktemp("a11y-lecture-home"))
    page = None
    try:
        page = _open_slides(browser, server, started)
        yield page
    finally:
        if page is not None:
            page.context.close()
        stop_server(server.proc)


def _audit_every_slide(page: Any, what: str, count: int) -> list[str]:
    lines = []
    failures = []
    total_rules = set()
    for n in range(1, count + 1):
        page.evaluate(f"() => rnLecture.go({n})")
        poll(lambda n=n: None if page.evaluate("() => rnLecture.current()") == n else "slide", 10, f"slide {n}")
        result = audit(page, what=f"{what}, slide {n}/{count}")
        total_rules.add(result.rules)
        lines.append(result.summary())
        if result.violations:
            failures.append(result.summary() + ":\n" + result.details())
    _print(*lines)
    assert not failures, "\n".join(failures)
    return lines


def test_lecture_slides_pass_axe_and_speak(slides: Any, lecture_nb: Path) -> None:
    page = slides
    _wait_finished(page)
    headings = _expected_slides(lecture_nb)
    count = page.evaluate("() => rnLecture.count()")
    assert count == len(headings)
    dash_slide = _dashboard_slide(page)
    page.evaluate(f"() => rnLecture.go({dash_slide})")
    poll(
        lambda: None if page.locator("section.rn-current [role=slider][aria-label='units h']").count() else "unnamed",
        UPDATE_S,
        "the lecture dashboard's handles to be named",
    )
    _audit_every_slide(page, "lecture 03_lstm (light)", count)

    # A slide change moves the focus to the new slide's heading; the counter says where we are.
    page.evaluate("() => rnLecture.go(1)")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    poll(lambda: None if page.evaluate("() => rnLecture.current()") == 2 else "slide", 10, "slide 2")
    focus = page.evaluate(
        "() => { const a = document.activeElement; const s = document.querySelector('section.rn-current');"
        " return {inSlide: s.contains(a), tag: a.tagName, text: a.textContent.replace(/\\u00b6/g, '').trim()}; }"
    )
    assert focus["inSlide"] and focus["tag"] in ("H1", "H2", "H3", "SECTION"), focus
    if headings[1]:
        assert focus["text"] == headings[1]
    spoken = page.locator("#rn-spoken").text_content()
    assert spoken == f"Slide 2 of {count}" + (f": {headings[1]}" if headings[1] else ""), spoken
    assert page.locator("#rn-spoken").get_attribute("aria-live") == "polite"
    slide = page.locator("section.rn-current")
    assert slide.get_attribute("aria-roledescription") == "slide" and slide.get_attribute("aria-label") == spoken
    page.keyboard.press("ArrowRight")  # the keys still move slides with the focus on the heading
    poll(lambda: None if page.evaluate("() => rnLecture.current()") == 3 else "slide", 10, "slide 3 from the heading")

    # prefers-reduced-motion: anything on a slide that would animate stands still.
    probe = (
        "() => { let p = document.getElementById('rn-motion-probe'); if (!p) { p = document.createElement('div');"
        " p.id = 'rn-motion-probe'; p.style.transition = 'opacity 1s'; p.style.animation = 'none 2s';"
        " document.querySelector('section.rn-current').appendChild(p); }"
        " const cs = getComputedStyle(p); return [cs.transitionDuration, cs.animationDuration]; }"
    )
    assert page.evaluate(probe) == ["1s", "2s"]
    page.emulate_media(reduced_motion="reduce")
    try:
        assert page.evaluate(probe) == ["0s", "0s"]
    finally:
        page.emulate_media(reduced_motion="no-preference")
        page.evaluate("() => document.getElementById('rn-motion-probe').remove()")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_exported_deck_passes_axe_on_every_slide(
    lecture_nb: Path, tmp_path: Path, browser: Any, theme: str, artifacts: Path
) -> None:
    deck = tmp_path / f"deck-{theme}.html"
    args = ["--dark"] if theme == "dark" else []
    proc = subprocess.run(
        [sys.executable, "-m", "rnncount", "lecture", str(lecture_nb), *args, "--export", str(deck)],
        cwd=lecture_nb.parent,
        env=_server_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=RUN_ALL_S * 2,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    context = browser.new_context(viewport=FULL_HD, device_scale_factor=1)
    try:
        page = context.new_page()
        page.goto(deck.as_uri())
        page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0", timeout=60_000)
        assert page.evaluate("() => document.documentElement.lang") == "en"
        count = page.evaluate("() => rnLecture.count()")
        assert count == len(_expected_slides(lecture_nb))
        _audit_every_slide(page, f"exported deck 03_lstm ({theme})", count)
    finally:
        context.close()


# --- the grade report -----------------------------------------------------------------------------


def test_grade_report_passes_axe(page: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers, report = tmp_path / "answers.csv", tmp_path / "report.html"
    _class_csv(answers)
    assert main(["grade", str(answers), "--n", "8", "--html", str(report), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    page.goto(report.as_uri(), wait_until="load")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    headers = page.locator("th[scope=col]").count()
    assert headers >= 8 and page.locator("th:not([scope])").count() == 0
    if data["mistakes"]:
        chart = page.locator("svg[role=img]")
        desc = chart.locator("desc")
        assert chart.get_attribute("aria-describedby") == desc.get_attribute("id")
        assert re.search(r"\d+ students?", desc.text_content())
    with capsys.disabled():
        result = audit(page, what="grade report")
        _print(result.summary())
    assert_no_violations(result)
