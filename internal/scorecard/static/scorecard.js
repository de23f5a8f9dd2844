// Liên Thông: draws one bar chart per scorecard indicator (Apache ECharts) from the page's JSON
// data block. The same figures are in the table above, which stays the accessible version.
(function () {
  "use strict";
  var el = document.getElementById("scorecard-data");
  var box = document.getElementById("scorecard-charts");
  if (!el || !box || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  if (!d.names || !d.names.length || !d.indicators) { return; }
  var charts = [];
  d.indicators.forEach(function (ind) {
    var any = ind.values.some(function (v) { return v !== 0; });
    if (!any) { return; }
    var fig = document.createElement("figure");
    fig.className = "card";
    var cap = document.createElement("figcaption");
    var h = document.createElement("h2");
    h.textContent = ind.title;
    cap.appendChild(h);
    fig.appendChild(cap);
    var div = document.createElement("div");
    div.className = "chart";
    div.setAttribute("role", "img");
    div.setAttribute("aria-label", ind.title);
    fig.appendChild(div);
    box.appendChild(fig);
    var c = window.echarts.init(div, null, { renderer: "canvas" });
    c.setOption({
      color: ["#1d4f91"],
      aria: { enabled: true },
      textStyle: { fontFamily: "Noto Sans, Segoe UI, Roboto, Arial, sans-serif" },
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 48, right: 16, top: 16, bottom: 32, containLabel: true },
      xAxis: { type: "category", data: d.names, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value" },
      series: [{ name: ind.title, type: "bar", data: ind.values.map(function (v) { return Math.round(v * 10) / 10; }), label: { show: d.names.length <= 12, position: "top" } }]
    });
    charts.push(c);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
