// Billing pages: print buttons, and report charts drawn from a json_script block (no inline JS).
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest("[data-print]");
    if (btn) { ev.preventDefault(); window.print(); }
  });
  function drawChart() {
    var canvas = document.getElementById("report-chart");
    var source = document.getElementById("report-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var palette = ["#0d6efd", "#20c997", "#fd7e14", "#dc3545", "#6f42c1", "#198754"];
    spec.datasets.forEach(function (ds, i) {
      ds.backgroundColor = palette[i % palette.length];
      ds.borderColor = palette[i % palette.length];
    });
    new window.Chart(canvas, {
      type: spec.type || "bar",
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: !!spec.stacked }, y: { stacked: !!spec.stacked, beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", drawChart);
})();
