// Small progressive enhancements; the app works without them.
(function () {
  "use strict";
  // Widths from data attributes (inline styles are forbidden by the CSP).
  function applyWidths(root) {
    root.querySelectorAll("[data-pct]").forEach(function (el) {
      var v = parseFloat(el.getAttribute("data-pct"));
      if (!isNaN(v)) { el.style.width = Math.max(0, Math.min(100, v)) + "%"; }
    });
  }
  // Ask before destructive actions: <form data-confirm="Cancel this session?">
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  }, true);
  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  document.addEventListener("htmx:afterSwap", function (ev) { applyWidths(ev.target); });
})();
