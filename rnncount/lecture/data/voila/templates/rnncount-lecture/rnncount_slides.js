/* rnncount lecture mode: move between the <section class="rn-slide"> of the page.
 *
 * Keys (when no control has focus, so a focused slider keeps its arrow keys): ArrowRight, PageDown,
 * Space: next; ArrowLeft, PageUp, Shift+Space: previous; Home, End: first, last; Escape lets go of
 * a focused control. The URL's hash (#/N, 1-based) follows the slide, so a reload stays there.
 * Slides may still be arriving (Voila streams the page while the kernel runs): a hash that names a
 * slide not yet on the page is honoured as soon as that slide arrives.
 */
(function () {
  "use strict";
  if (window.rnLecture) return;

  var current = -1;      // index of the slide on screen
  var wanted = null;     // index asked for (hash or --slide) that has not arrived yet
  var finished = false;  // every cell has arrived
  var CONTROLS = 'input, textarea, select, button, a[href], [contenteditable=""], [contenteditable="true"], ' +
    '[role="slider"], [tabindex]:not([tabindex="-1"])';

  function slides() {
    return Array.prototype.slice.call(document.querySelectorAll("section.rn-slide"));
  }

  function expected() {
    var n = parseInt((document.body && document.body.dataset.rnSlides) || "0", 10);
    return Math.max(n || 0, slides().length);
  }

  function hashIndex() {
    var m = /^#\/?(\d+)$/.exec(window.location.hash || "");
    return m ? parseInt(m[1], 10) - 1 : null;
  }

  function startIndex() {
    var h = hashIndex();
    if (h !== null) return h;
    var s = parseInt((document.body && document.body.dataset.rnStart) || "1", 10);
    return (s || 1) - 1;
  }

  function paint() {
    var all = slides();
    var total = finished ? all.length : expected();
    var counter = document.getElementById("rn-counter");
    var bar = document.getElementById("rn-progress-bar");
    if (counter) counter.textContent = all.length ? (current + 1) + " / " + total : "";
    if (bar) bar.style.width = total ? (100 * (current + 1) / total) + "%" : "0";
  }

  function show(index, opts) {
    var all = slides();
    if (!all.length) return;
    opts = opts || {};
    if (index >= all.length && !finished && !opts.clamp) {
      wanted = index; // not here yet: show what we have, go there when it arrives
      index = all.length - 1;
    } else if (!opts.keepWanted) {
      wanted = null;
    }
    index = Math.max(0, Math.min(index, all.length - 1));
    if (index !== current) {
      all.forEach(function (s, k) {
        var on = k === index;
        s.classList.toggle("rn-current", on);
        s.setAttribute("aria-hidden", on ? "false" : "true");
      });
      var leaving = document.activeElement;
      if (leaving && leaving !== document.body && all[current] && all[current].contains(leaving)) leaving.blur();
      current = index;
      all[index].scrollTop = 0;
      // Widgets laid out while hidden measure themselves again (Lumino listens to resize).
      window.dispatchEvent(new Event("resize"));
    }
    var hash = "#/" + (current + 1);
    if (wanted === null && window.location.hash !== hash) {
      window.history.replaceState(null, "", hash);
    }
    paint();
  }

  function controlHasFocus() {
    var a = document.activeElement;
    if (!a || a === document.body || a === document.documentElement) return false;
    return a.matches(CONTROLS) || !!a.closest(".widget-slider, .jupyter-widgets.widget-text, .widget-dropdown");
  }

  function onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "Escape") {
      if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
      return;
    }
    if (controlHasFocus()) return;
    var step = 0;
    switch (e.key) {
      case "ArrowRight": case "PageDown": step = 1; break;
      case "ArrowLeft": case "PageUp": step = -1; break;
      case " ": case "Spacebar": step = e.shiftKey ? -1 : 1; break;
      case "Home": e.preventDefault(); show(0); return;
      case "End": e.preventDefault(); show(Number.MAX_SAFE_INTEGER, {clamp: true}); return;
      default: return;
    }
    e.preventDefault();
    show(current + step, {clamp: true});
  }

  function onClick(e) {
    // A click on a slide's background lets go of a focused control, so the keys move slides again.
    if (e.target.closest && !e.target.closest(CONTROLS + ", .jupyter-widgets") && controlHasFocus()) {
      document.activeElement.blur();
    }
  }

  var api = {
    /* A cell arrived: place the first slide, or the one the hash asked for. */
    update: function () {
      var all = slides();
      if (!all.length) return;
      if (current < 0) show(startIndex(), {keepWanted: true});
      else if (wanted !== null && wanted < all.length) show(wanted);
      else paint();
    },
    finish: function () {
      finished = true;
      var status = document.getElementById("rn-status");
      if (status) status.textContent = "";
      document.body.classList.add("rn-finished");
      if (current < 0) show(startIndex());
      else if (wanted !== null) show(wanted, {clamp: true});
      else paint();
    },
    status: function (index, count) {
      var status = document.getElementById("rn-status");
      if (status && !finished) status.textContent = "running " + index + " / " + count;
    },
    go: function (n) { show(n - 1, {clamp: true}); },
    current: function () { return current + 1; },
    count: function () { return slides().length; },
  };
  window.rnLecture = api;

  document.addEventListener("keydown", onKey);
  document.addEventListener("click", onClick, true);
  window.addEventListener("hashchange", function () {
    var h = hashIndex();
    if (h !== null && h !== current) show(h);
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.dataset.rnStatic === "true") api.finish();
    else api.update();
  });
})();
