// Liên Thông: draws the task figures chart (Apache ECharts) from the page's JSON block: per
// province, tasks completed on time, late, in progress and overdue. The table under the chart has
// the same numbers for screen readers.
(function () {
  "use strict";
  var el = document.getElementById("task-figures-data");
  var box = document.getElementById("task-chart");
  if (!el || !box || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  var L = d.labels || {};
  if (!d.names || !d.names.length) { return; }
  var c = window.echarts.init(box, null, { renderer: "canvas" });
  c.setOption({
    color: ["#1d6b35", "#8a5a00", "#1d4f91", "#a5161d"],
    aria: { enabled: true },
    textStyle: { fontFamily: "Noto Sans, Segoe UI, Roboto, Arial, sans-serif" },
    // Tooltips drawn on the canvas: HTML tooltips would need inline styles, which the CSP forbids.
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 40, bottom: 32, containLabel: true },
    xAxis: { type: "category", data: d.names, axisLabel: { interval: 0, width: 110, overflow: "break" } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: L.on_time, type: "bar", stack: "all", data: d.on_time },
      { name: L.late, type: "bar", stack: "all", data: d.late },
      { name: L.in_progress, type: "bar", stack: "all", data: d.in_progress },
      { name: L.overdue, type: "bar", stack: "all", data: d.overdue }
    ]
  });
  window.addEventListener("resize", function () { c.resize(); });
})();
