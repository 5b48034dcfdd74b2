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
  // After a refused entry the server shows the page again from the POST URL: put the page's own
  // address back (a reload then never re-posts or ends on a 405) and move focus to the first error.
  function showFirstError() {
    var canonical = document.body.getAttribute("data-canonical");
    if (canonical && window.history && history.replaceState && location.pathname !== canonical) {
      history.replaceState(null, "", canonical + location.hash);
    }
    var field = document.querySelector("main .is-invalid, main [aria-invalid=true]");
    var box = field ? null : document.querySelector("main form .alert-danger, main form .alert-block");
    var target = field || box;
    if (target) {
      if (!field) { target.setAttribute("tabindex", "-1"); }
      target.focus();
      target.scrollIntoView({ block: "center" });
    }
  }
  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); showFirstError(); });
  document.addEventListener("htmx:afterSwap", function (ev) { applyWidths(ev.target); });
})();
