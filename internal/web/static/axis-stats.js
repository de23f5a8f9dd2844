// Liên Thông: draws the axis statistics charts (Apache ECharts) from the JSON data block that
// the page carries. The numbers are also in a table under each chart: without JavaScript the
// tables show; with it they stay available to screen readers but are hidden from view.
(function () {
  "use strict";
  var el = document.getElementById("axis-stats-data");
  if (!el || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  var L = d.labels || {};
  var charts = [];
  var palette = ["#a5161d", "#0b4f9c", "#1d6b35", "#8a5a00", "#5b2a86", "#00656b", "#c2410c", "#4a5560", "#be185d", "#15803d"];
  var base = {
    color: palette,
    aria: { enabled: true },
    textStyle: { fontFamily: "Noto Sans, Segoe UI, Roboto, Arial, sans-serif" },
    // Tooltips drawn on the canvas: HTML tooltips would need inline styles, which the CSP forbids.
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: { left: 48, right: 16, top: 40, bottom: 32, containLabel: true },
    legend: { type: "scroll", top: 0 }
  };
  function draw(id, option) {
    var box = document.getElementById(id);
    if (!box) { return; }
    // The table moves out of view first, so that its width does not widen the chart's box.
    var table = document.querySelector('.chart-data[data-chart="' + id + '"]');
    if (table) { table.classList.add("visually-hidden"); }
    var c = window.echarts.init(box, null, { renderer: "canvas" });
    var o = {};
    Object.keys(base).forEach(function (k) { o[k] = base[k]; });
    Object.keys(option).forEach(function (k) { o[k] = option[k]; });
    c.setOption(o);
    charts.push(c);
  }
  function stacked(key) {
    return (d.provinces || []).map(function (p) {
      return { name: p.name, type: "bar", stack: key, emphasis: { focus: "series" }, data: p[key] };
    });
  }
  var names = (d.provinces || []).map(function (p) { return p.name; });
  var round = function (x) { return x === null || x === undefined ? null : Math.round(x * 1000) / 10; };

  draw("chart-sent", { xAxis: { type: "category", data: d.months }, yAxis: { type: "value", minInterval: 1 }, series: stacked("sent") });
  draw("chart-received", { xAxis: { type: "category", data: d.months }, yAxis: { type: "value", minInterval: 1 }, series: stacked("received") });
  draw("chart-growth", {
    xAxis: { type: "category", data: names, axisLabel: { interval: 0, width: 100, overflow: "break" } },
    yAxis: { type: "value", axisLabel: { formatter: "×{value}" } },
    series: [
      { name: L.sent_growth, type: "bar", data: (d.provinces || []).map(function (p) { return p.sent_growth; }) },
      { name: L.received_growth, type: "bar", data: (d.provinces || []).map(function (p) { return p.received_growth; }) }
    ]
  });
  draw("chart-levels", {
    xAxis: { type: "category", data: (d.levels || []).map(function (l) { return l.name; }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: L.agencies, type: "bar", data: (d.levels || []).map(function (l) { return l.agencies; }) },
      { name: L.registered, type: "bar", data: (d.levels || []).map(function (l) { return l.registered; }) },
      { name: L.connected, type: "bar", data: (d.levels || []).map(function (l) { return l.connected; }) }
    ]
  });
  draw("chart-fully", {
    xAxis: { type: "category", data: names, axisLabel: { interval: 0, width: 100, overflow: "break" } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ name: L.fully_share, type: "bar", data: (d.provinces || []).map(function (p) { return round(p.fully_share); }),
      label: { show: true, position: "top", formatter: "{c}%" } }]
  });
  var refusals = (d.refusals || []).slice().reverse();
  if (refusals.length) {
    draw("chart-refusals", {
      grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
      legend: { show: false },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: refusals.map(function (r) { return r.Label; }) },
      series: [{ name: L.refusals_count, type: "bar", barMaxWidth: 28, data: refusals.map(function (r) { return r.Count; }), itemStyle: { color: "#a5161d" } }]
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
