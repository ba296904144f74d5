// Draws the indicator charts from the tables beside them: each
// <div data-chart="bar|line" data-table="ID"> reads table#ID, whose rows
// are categories and whose columns are series (td data-v holds the
// figure). Without script, or without ECharts, the tables remain.
(function () {
  "use strict";
  var palette = ["#1f7a4d", "#d08a1e", "#3b6ea8", "#a8443b", "#6b5ca5", "#4f8f8b"];
  function read(table) {
    var head = [], rows = table.tHead ? table.tHead.rows[0].cells : [];
    for (var i = 1; i < rows.length; i++) head.push(rows[i].textContent.trim());
    var cats = [], cols = head.map(function () { return []; });
    var body = table.tBodies[0] ? table.tBodies[0].rows : [];
    for (var r = 0; r < body.length; r++) {
      cats.push(body[r].cells[0].textContent.trim());
      for (var c = 1; c < body[r].cells.length && c <= head.length; c++) {
        cols[c - 1].push(parseFloat(body[r].cells[c].getAttribute("data-v")) || 0);
      }
    }
    return { head: head, cats: cats, cols: cols };
  }
  function draw(el) {
    var table = document.getElementById(el.getAttribute("data-table"));
    if (!table || !window.echarts) return;
    var d = read(table), kind = el.getAttribute("data-chart");
    el.style.height = kind === "bar" ? Math.max(240, d.cats.length * 22 + 60) + "px" : "260px";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var bar = kind === "bar";
    var compact = new Intl.NumberFormat(document.documentElement.lang || "zh-CN", { notation: "compact", maximumFractionDigits: 1 });
    var valueAxis = { type: "value", axisLabel: { formatter: function (v) { return compact.format(v); } } };
    chart.setOption({
      color: palette,
      animation: false,
      grid: { left: bar ? 110 : 60, right: 24, top: d.head.length > 1 ? 32 : 12, bottom: bar ? 24 : 36 },
      tooltip: { trigger: "axis" },
      legend: d.head.length > 1 ? { top: 0 } : undefined,
      xAxis: bar ? valueAxis : { type: "category", data: d.cats },
      yAxis: bar ? { type: "category", data: d.cats.slice().reverse(), axisLabel: { width: 100, overflow: "truncate" } } : valueAxis,
      series: d.cols.map(function (col, i) {
        return { name: d.head[i], type: kind, data: bar ? col.slice().reverse() : col, showSymbol: !bar };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function all() {
    var els = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) draw(els[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
})();
