// Liên Thông: draws the per-province feedback chart (Apache ECharts) from the JSON data block of
// the page: open items per province, stacked as overdue, due soon and on track. The same numbers
// are in the table under the chart, which stays available to screen readers.
(function () {
  "use strict";
  var el = document.getElementById("feedback-summary-data");
  var box = document.getElementById("chart-overdue");
  if (!el || !box || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  var L = d.labels || {};
  if (!d.provinces || !d.provinces.length) { return; }
  var table = document.querySelector('.chart-data[data-chart="chart-overdue"]');
  if (table) { table.classList.add("visually-hidden"); }
  var c = window.echarts.init(box, null, { renderer: "canvas" });
  c.setOption({
    color: ["#a5161d", "#8a5a00", "#1d6b35"],
    aria: { enabled: true },
    textStyle: { fontFamily: "Noto Sans, Segoe UI, Roboto, Arial, sans-serif" },
    // Tooltips drawn on the canvas: HTML tooltips would need inline styles, which the CSP forbids.
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 40, bottom: 32, containLabel: true },
    xAxis: { type: "category", data: d.provinces, axisLabel: { interval: 0, width: 100, overflow: "break" } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: L.overdue, type: "bar", stack: "open", data: d.overdue, label: { show: true, position: "inside" } },
      { name: L.due_soon, type: "bar", stack: "open", data: d.due_soon },
      { name: L.on_track, type: "bar", stack: "open", data: d.in_progress }
    ]
  });
  window.addEventListener("resize", function () { c.resize(); });
})();
