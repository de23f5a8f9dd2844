// Liên Thông: draws the electronic-processing rates per administrative level (Apache ECharts) from
// the JSON data block of the work files page. The same numbers are in the table under the chart,
// which stays available to screen readers.
(function () {
  "use strict";
  var el = document.getElementById("rates-data");
  var box = document.getElementById("chart-rates");
  if (!el || !box || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  if (!d.levels || !d.levels.length) { return; }
  var table = document.querySelector('.chart-data[data-chart="chart-rates"]');
  if (table) { table.classList.add("visually-hidden"); }
  var c = window.echarts.init(box, null, { renderer: "canvas" });
  c.setOption({
    color: ["#0b4f9c"],
    aria: { enabled: true },
    textStyle: { fontFamily: "Noto Sans, Segoe UI, Roboto, Arial, sans-serif" },
    // Tooltips drawn on the canvas: HTML tooltips would need inline styles, which the CSP forbids.
    tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return v.toFixed(1) + "%"; } },
    grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: d.levels },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ name: (d.labels || {}).percent, type: "bar", barMaxWidth: 48, data: d.percent,
      label: { show: true, position: "top", formatter: function (p) { return p.value.toFixed(1) + "%"; } } }]
  });
  window.addEventListener("resize", function () { c.resize(); });
})();
