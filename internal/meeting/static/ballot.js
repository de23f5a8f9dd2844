// Liên Thông: draws a published ballot's result (Apache ECharts) from the page's JSON data block.
// The same numbers stay in the table under the chart for screen readers.
(function () {
  "use strict";
  var el = document.getElementById("ballot-data");
  var box = document.getElementById("chart-ballot");
  if (!el || !box || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  var table = document.querySelector('.chart-data[data-chart="chart-ballot"]');
  if (table) { table.classList.add("visually-hidden"); }
  var c = window.echarts.init(box, null, { renderer: "canvas" });
  c.setOption({
    color: ["#1d6b35", "#a5161d", "#8a5a00", "#8c8c8c"],
    aria: { enabled: true },
    tooltip: { trigger: "item", renderMode: "richText" },
    legend: { top: 0 },
    series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b}: {c}" },
      data: d.labels.map(function (l, i) { return { name: l, value: d.values[i] }; }) }]
  });
  window.addEventListener("resize", function () { c.resize(); });
})();
