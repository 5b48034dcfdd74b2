// The patient page's PHQ-9 / GAD-7 chart (data from the outcomes panel's json_script).
(function () {
  "use strict";
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function drawChart() {
    if (typeof window.Chart === "undefined") { return; }
    var scores = data("outcome-chart-data");
    var canvas = document.getElementById("outcome-chart");
    if (scores && canvas) {
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: scores.labels,
          datasets: [
            { label: "PHQ-9", data: scores.phq9, borderColor: "#0d6efd", backgroundColor: "#0d6efd", spanGaps: true, tension: 0.2 },
            { label: "GAD-7", data: scores.gad7, borderColor: "#6f42c1", backgroundColor: "#6f42c1", spanGaps: true, tension: 0.2 }
          ]
        },
        options: { responsive: true, animation: false, scales: { y: { min: 0, max: 27, title: { display: true, text: "score" } } },
                   plugins: { legend: { position: "bottom" } } }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", drawChart);
})();
