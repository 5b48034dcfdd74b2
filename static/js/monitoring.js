// Live monitoring: tick the observation clock and the discharge countdown between htmx refreshes,
// and draw the outcome / blood-pressure charts on the patient page. Works without it (server values).
(function () {
  "use strict";
  function tick(root) {
    var now = Date.now();
    root.querySelectorAll("[data-since]").forEach(function (el) {
      if (el.getAttribute("data-frozen")) { return; }
      var t = Date.parse(el.getAttribute("data-since"));
      var out = el.querySelector(".js-elapsed");
      if (!isNaN(t) && out) { out.textContent = Math.max(0, Math.floor((now - t) / 60000)); }
    });
    root.querySelectorAll("[data-until]").forEach(function (el) {
      var t = Date.parse(el.getAttribute("data-until"));
      var out = el.querySelector(".js-countdown");
      if (!isNaN(t) && out) { out.textContent = Math.max(0, Math.ceil((t - now) / 60000)); }
    });
  }
  setInterval(function () { tick(document); }, 15000);

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function drawCharts() {
    if (typeof window.Chart === "undefined") { return; }
    var bp = data("bp-chart-data");
    var bpCanvas = document.getElementById("bp-chart");
    if (bp && bpCanvas) {
      new window.Chart(bpCanvas, {
        type: "bar",
        data: {
          labels: bp.labels,
          datasets: [
            { label: "Pre-dose", data: bp.predose, backgroundColor: "#20c997" },
            { label: "40 min", data: bp.forty, backgroundColor: "#fd7e14" },
            { label: "Discharge", data: bp.discharge, backgroundColor: "#0d6efd" }
          ]
        },
        options: { responsive: true, animation: false, scales: { y: { beginAtZero: false, suggestedMin: 80, suggestedMax: 180, title: { display: true, text: "systolic mmHg" } } },
                   plugins: { legend: { position: "bottom" }, tooltip: { callbacks: { afterLabel: function (ctx) {
                     var d = bp.diastolic[ctx.datasetIndex] && bp.diastolic[ctx.datasetIndex][ctx.dataIndex];
                     var a = bp.amended && bp.amended[ctx.datasetIndex] && bp.amended[ctx.datasetIndex][ctx.dataIndex];
                     return (d ? "diastolic " + d : "") + (a ? "\n" + a : "");
                   } } } } }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () { tick(document); drawCharts(); });
  document.addEventListener("htmx:afterSwap", function (ev) { tick(ev.target); });
  // Do not refresh a live panel while someone is typing in it (the text would be lost).
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var el = ev.detail && ev.detail.elt;
    var active = document.activeElement;
    if (el && active && el.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) { ev.preventDefault(); }
  });
})();
