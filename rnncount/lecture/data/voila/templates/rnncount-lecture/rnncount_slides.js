/* rnncount lecture mode: move between the <section class="rn-slide"> of the page.
 *
 * Keys (when no control has focus, so a focused slider keeps its arrow keys): ArrowRight, PageDown,
 * Space: next; ArrowLeft, PageUp, Shift+Space: previous; Home, End: first, last; Escape lets go of
 * a focused control. The URL's hash (#/N, 1-based) follows the slide, so a reload stays there.
 * Slides may still be arriving (Voila streams the page while the kernel runs): a hash that names a
 * slide not yet on the page is honoured as soon as that slide arrives.
 *
 * For screen readers: every slide is a group named "Slide N of M: its heading"; the counter is a
 * polite live region that says the same; a slide change moves the focus to the new slide's heading
 * (or the slide itself), so reading goes on from there, and the keys keep moving slides.
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

  function heading(slide) {
    return slide.querySelector("h1, h2, h3");
  }

  function headingText(slide) {
    var h = heading(slide);
    return h ? h.textContent.replace(/\u00b6/g, "").replace(/\s+/g, " ").trim() : "";
  }

  function paint() {
    var all = slides();
    var total = finished ? all.length : expected();
    var counter = document.getElementById("rn-counter");
    var bar = document.getElementById("rn-progress-bar");
    all.forEach(function (s, k) {
      var title = headingText(s);
      var label = "Slide " + (k + 1) + " of " + total + (title ? ": " + title : "");
      if (s.getAttribute("aria-label") !== label) s.setAttribute("aria-label", label);
      if (s.getAttribute("role") !== "group") {
        s.setAttribute("role", "group");
        s.setAttribute("aria-roledescription", "slide");
        // A slide taller than the screen scrolls: Tab reaches it, and ArrowUp/ArrowDown scroll it.
        s.setAttribute("tabindex", "0");
      }
    });
    if (counter) counter.textContent = all.length ? (current + 1) + " / " + total : "";
    // What a screen reader hears (the counter itself is hidden from it): "Slide 3 of 12: heading".
    var spoken = document.getElementById("rn-spoken");
    var said = all.length && all[current] ? all[current].getAttribute("aria-label") : "";
    if (spoken && spoken.textContent !== said) spoken.textContent = said;
    if (bar) bar.style.width = total ? (100 * (current + 1) / total) + "%" : "0";
  }

  function reachScrollers(slide) {
    // Boxes inside the slide that scroll (a wide equation, a tall picture) join the Tab order, named,
    // so the keyboard can scroll them too.
    slide.querySelectorAll("div, pre").forEach(function (el) {
      if (el.hasAttribute("tabindex") || el.closest(".jupyter-widgets")) return; // live widgets: see rnncount.dashboards.a11y
      var style = window.getComputedStyle(el);
      var scrollsX = el.scrollWidth > el.clientWidth + 1 && /auto|scroll/.test(style.overflowX);
      var scrollsY = el.scrollHeight > el.clientHeight + 1 && /auto|scroll/.test(style.overflowY);
      if (!scrollsX && !scrollsY) return;
      el.setAttribute("tabindex", "0");
      if (!el.hasAttribute("role")) el.setAttribute("role", "region");
      if (!el.hasAttribute("aria-label")) {
        var what = el.classList.contains("rnncount-diagram") ? "picture" : "part of the slide";
        el.setAttribute("aria-label", what + " (scroll it with the arrow keys)");
      }
    });
  }

  function svgWords(src) {
    // A stored SVG picture is shown as <img src="data:image/svg+xml...">, which hides the picture's
    // own name and description (rnncount writes aria-label and <desc>): read them back as its alt.
    var m = /^data:image\/svg\+xml(;base64)?,(.*)$/.exec(src || "");
    if (!m) return "";
    try {
      var text = m[1] ? atob(m[2]) : decodeURIComponent(m[2]);
      var svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
      var desc = svg.querySelector("desc");
      return [svg.getAttribute("aria-label"), desc ? desc.textContent : ""].filter(Boolean).join(". ");
    } catch (err) {
      return "";
    }
  }

  function nameImages(slide) {
    slide.querySelectorAll("img:not([alt])").forEach(function (img) {
      var words = svgWords(img.getAttribute("src"));
      if (words) img.setAttribute("alt", words);
    });
  }

  function focusSlide(slide) {
    // The heading when there is one (read first, then the slide goes on); tabindex -1 makes it
    // focusable without putting it in the Tab order, and the slide keys still work from it.
    var target = heading(slide) || slide;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.classList.add("rn-focus-target");
    try { target.focus({preventScroll: true}); } catch (err) { target.focus(); }
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
      var moved = current >= 0; // the first slide placed on load keeps the page's own focus
      current = index;
      all[index].scrollTop = 0;
      reachScrollers(all[index]);
      nameImages(all[index]);
      if (moved) focusSlide(all[index]);
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
    if (a.matches("section.rn-slide, .rn-focus-target")) return false; // the slide itself: keys move slides
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
