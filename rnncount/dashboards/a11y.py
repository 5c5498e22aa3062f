"""Screen-reader and keyboard support for the dashboards and exercise forms, in the page itself.

Most of it is plain ipywidgets: every control has a description or a tooltip (its accessible
name), the picture's scrolling box is ``tabbable`` so the keyboard can reach and scroll it, and
the picture is SVG with a name and a description. Four things ipywidgets 8 cannot do from
Python, so a small script does them in the page (JupyterLab and Voila run it from an Output
widget, which they trust):

- a slider's handle (noUiSlider's ``role="slider"`` element) gets no accessible name: ipywidgets
  writes the description into a ``<label>`` that is not tied to the handle and passes noUiSlider no
  ``handleAttributes``. The script names each handle after its label ("units h"), and keeps
  it up to date when the label changes. The proper fix is upstream, in ipywidgets' slider view.
- a toggle-button group is a row of buttons with nothing saying which one is on: the script gives
  the group a name and each button ``aria-pressed``.
- a scrolling box (the picture, the Keras summary) must be reachable and scrollable with the
  keyboard: the script puts it in the Tab order, names it, and keeps JupyterLab from taking its
  arrow keys (``data-lm-suppress-shortcuts``, JupyterLab's own way of doing that).
- a change should be announced once, when it settles: the script copies the dashboard's short
  summary (``.rnncount-announce``, written by Python at every change) into a polite live region
  :data:`SETTLE_MS` after the last change, so a held arrow key does not read out every value.

It also draws a clear focus ring on every control. The script is idempotent: a second dashboard
in the page reuses the first one's observer.
"""

from __future__ import annotations

import json
from typing import Any

#: Quiet time (ms) after the last change before the live region announces the new summary.
SETTLE_MS = 1000

#: What a screen reader hears for each toggle group, by the control's rnncount class.
GROUP_NAMES = {
    "rnncount-layer": "layer kind",
    "rnncount-view": "picture view",
}

#: CSS for text only screen readers see (the announcements).
SR_ONLY = (
    "position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;"
    "clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap;border:0"
)

SCRIPT = (
    """
(function () {
  "use strict";
  if (window.rnncountA11y) { window.rnncountA11y.scan(); return; }
  var SETTLE_MS = __SETTLE_MS__;
  var GROUPS = __GROUPS__;
  var ROOTS = ".rnncount-dashboard, .rnncount-exercise";
  var style = document.createElement("style");
  style.id = "rnncount-a11y-style";
  style.textContent =
    ":is(" + ROOTS + ") :is(button, input, select, textarea, [role=slider], [tabindex]):focus-visible," +
    ":is(" + ROOTS + ") .rnncount-diagram:focus-visible {" +
    " outline: 3px solid var(--jp-brand-color1, #1565c0) !important; outline-offset: 2px !important; }" +
    ":is(" + ROOTS + ") .noUi-handle:focus { box-shadow: 0 0 0 3px var(--jp-brand-color1, #1565c0) !important; }";
  document.head.appendChild(style);

  function set(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function sliderName(slider) {
    var label = slider.querySelector(".widget-label");
    var text = label ? label.textContent.trim() : "";
    var row = slider.closest(".rnncount-stack-row");
    if (row) {
      var number = row.querySelector(".widget-html-content b");
      var n = number ? number.textContent.replace(".", "").trim() : "";
      text = "layer " + n + " " + (text || "units");
    }
    return text || (label && label.title) || "value";
  }

  function fix(root) {
    root.querySelectorAll(".widget-slider").forEach(function (slider) {
      var name = sliderName(slider);
      slider.querySelectorAll("[role=slider]").forEach(function (handle) { set(handle, "aria-label", name); });
      var readout = slider.querySelector(".widget-readout");
      if (readout) {
        set(readout, "role", "textbox");
        set(readout, "aria-label", name + ", typed value");
      }
    });
    root.querySelectorAll(".widget-toggle-buttons").forEach(function (group) {
      var first = group.querySelector(".widget-toggle-button");
      var box = first ? first.parentElement : null;
      var name = "";
      Object.keys(GROUPS).forEach(function (cls) { if (group.classList.contains(cls)) name = GROUPS[cls]; });
      if (box && name) { set(box, "role", "group"); set(box, "aria-label", name); }
      group.querySelectorAll(".widget-toggle-button").forEach(function (b) {
        set(b, "aria-pressed", b.classList.contains("mod-active") ? "true" : "false");
      });
    });
    var liveParts = ".rnncount-live-feedback, .rnncount-live-hints, .rnncount-live-worked";
    root.querySelectorAll(liveParts).forEach(function (el) {
      set(el, "role", "status");
      set(el, "aria-live", "polite");
    });
    root.querySelectorAll(".widget-radio-box").forEach(function (box) {
      set(box, "role", "radiogroup");
      set(box, "aria-label", "answer");
    });
    // The scrolling boxes: in the Tab order (ipywidgets' tabbable is not applied to a Box when it is
    // drawn), named, and their arrow keys left to the browser (JupyterLab would take them to move
    // between cells).
    var boxes = {".rnncount-diagram": "picture", ".rnncount-summary": "Keras model summary"};
    Object.keys(boxes).forEach(function (sel) {
      root.querySelectorAll(sel).forEach(function (box) {
        set(box, "tabindex", "0");
        set(box, "role", "region");
        set(box, "aria-label", boxes[sel] + " (scroll it with the arrow keys)");
        set(box, "data-lm-suppress-shortcuts", "true");
      });
    });
    root.querySelectorAll(".rnncount-announce").forEach(function (source) {
      if (source.rnncountLive) return;
      var live = document.createElement("div");
      live.className = "rnncount-live";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      live.setAttribute("aria-atomic", "true");
      live.style.cssText = "__SR_ONLY__";
      source.parentElement.insertBefore(live, source);
      source.rnncountLive = live;
      source.setAttribute("aria-hidden", "true");
      var timer = null;
      var last = source.textContent.trim();
      var dash = source.closest(".rnncount-dashboard") || root;
      // Said once the dashboard is quiet: no change and no key pressed in it for SETTLE_MS.
      function settle() {
        var quiet = Date.now() - (dash.rnncountLastKey || 0);
        if (quiet < SETTLE_MS) { timer = setTimeout(settle, SETTLE_MS - quiet); return; }
        timer = null;
        if (live.textContent !== last) live.textContent = last;
      }
      if (!dash.rnncountKeys) {
        dash.rnncountKeys = true;
        dash.addEventListener("keydown", function () { dash.rnncountLastKey = Date.now(); }, true);
      }
      new MutationObserver(function () {
        var now = source.textContent.trim();
        if (now === last) return;
        last = now;
        if (timer) clearTimeout(timer);
        timer = setTimeout(settle, SETTLE_MS);
      }).observe(source, {childList: true, subtree: true, characterData: true});
    });
  }

  var pending = false;
  function scan() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      document.querySelectorAll(ROOTS).forEach(fix);
    });
  }
  new MutationObserver(scan).observe(document.body, {
    childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["class"],
  });
  window.rnncountA11y = {scan: scan, fix: fix, settleMs: SETTLE_MS};
  scan();
})();
""".replace("__SETTLE_MS__", str(SETTLE_MS))
    .replace("__GROUPS__", json.dumps(GROUP_NAMES))
    .replace("__SR_ONLY__", SR_ONLY)
)


def script_widget() -> Any:
    """An Output widget holding :data:`SCRIPT` (nothing visible): put one in each dashboard and form."""
    import ipywidgets as W

    out = W.Output(layout=W.Layout(height="0px", margin="0", overflow="hidden"))
    out.add_class("rnncount-a11y")
    # The script alone, no text/plain stand-in: where scripts do not run (an exported deck) nothing shows.
    out.outputs = ({"output_type": "display_data", "data": {"application/javascript": SCRIPT}, "metadata": {}},)
    return out
