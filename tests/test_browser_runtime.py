"""rnncount.browser: what rnncount changes when it runs in the browser edition, tried with stand-ins."""

from __future__ import annotations

import importlib.util
import sys
import types

import pytest

from rnncount import browser


def _shell(monkeypatch: pytest.MonkeyPatch, use_jedi: bool) -> types.SimpleNamespace:
    completer = types.SimpleNamespace(use_jedi=use_jedi)
    shell = types.SimpleNamespace(Completer=completer)
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    return completer


def _without_jedi(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jedi" else real(name, *a))


def test_without_jedi_ipythons_own_completer_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    completer = _shell(monkeypatch, use_jedi=True)
    _without_jedi(monkeypatch)
    assert browser.use_ipython_completer() is True
    assert completer.use_jedi is False
    assert browser.use_ipython_completer() is False  # nothing more to change


def test_with_jedi_or_without_a_shell_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    completer = _shell(monkeypatch, use_jedi=True)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())  # jedi importable
    assert browser.use_ipython_completer() is False and completer.use_jedi is True
    _without_jedi(monkeypatch)
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    assert browser.use_ipython_completer() is False
    monkeypatch.delitem(sys.modules, "IPython")
    assert browser.use_ipython_completer() is False
