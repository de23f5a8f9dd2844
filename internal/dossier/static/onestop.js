// Liên Thông: draws the one-stop console's chart (Apache ECharts) from the JSON data block of the
// page: the dossiers of the period per receiving agency, stacked by where they stand. The same
// numbers are in the table under the chart, which stays available to screen readers.
(function () {
  "use strict";
  var el = document.getElementById("onestop-data");
  var box = document.getElementById("chart-onestop");
  if (!el || !box || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  var L = d.labels || {};
  if (!d.agencies || !d.agencies.length) { return; }
  var table = document.querySelector('.chart-data[data-chart="chart-onestop"]');
  if (table) { table.classList.add("visually-hidden"); }
  var c = window.echarts.init(box, null, { renderer: "canvas" });
  var keys = ["on_time", "late", "overdue", "in_progress", "waiting"];
  c.setOption({
    color: ["#1d6b35", "#8a5a00", "#a5161d", "#0b4f9c", "#4a5560"],
    aria: { enabled: true },
    textStyle: { fontFamily: "Noto Sans, Segoe UI, Roboto, Arial, sans-serif" },
    // Tooltips drawn on the canvas: HTML tooltips would need inline styles, which the CSP forbids.
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: d.agencies, inverse: true, axisLabel: { width: 220, overflow: "truncate" } },
    series: keys.map(function (k) {
      return { name: L[k], type: "bar", stack: "dossiers", barMaxWidth: 28, emphasis: { focus: "series" }, data: d[k] };
    })
  });
  window.addEventListener("resize", function () { c.resize(); });
})();
