// Charts of the statistics pages (Apache ECharts, vendored). Each chart is a
// <div data-chart="line|pie|bars" data-labels="[…]" data-series="[{name,data}]">
// written by the server; the tables beside them carry the same numbers.
(function () {
  "use strict";
  var charts = [];

  function parse(el, name) {
    try {
      return JSON.parse(el.getAttribute(name) || "[]");
    } catch (e) {
      return [];
    }
  }

  // Every category of a bar chart is labelled (ECharts would otherwise drop
  // some when they crowd, as on a phone): turned 45° or 90° when they do
  // not fit side by side in the chart's width, shortened past 8 characters.
  // A trend (line) over many months labels every n-th month instead, evenly,
  // when even turned they would overlap.
  function axisLabel(kind, labels, width) {
    var longest = 0;
    for (var i = 0; i < labels.length; i++) {
      longest = Math.max(longest, String(labels[i]).length);
    }
    var per = (width - 80) / Math.max(labels.length, 1);
    var needed = Math.min(longest, 8) * 12 + 6;
    var rotate = needed <= per ? 0 : (per >= 16 ? 45 : 90);
    var interval = 0;
    if (kind === "line" && per < 14) {
      interval = Math.ceil(14 / Math.max(per, 1)) - 1;
    }
    return {
      interval: interval,
      hideOverlap: false,
      rotate: rotate,
      fontSize: per < 14 ? 10 : 12,
      formatter: function (v) {
        v = String(v);
        return v.length > 8 ? v.slice(0, 7) + "…" : v;
      }
    };
  }

  function option(kind, labels, series, width) {
    var base = {
      animation: false,
      tooltip: { trigger: kind === "pie" ? "item" : "axis" },
      grid: { left: 48, right: 16, top: 32, bottom: 48, containLabel: true }
    };
    if (kind === "pie") {
      var s = series[0] || { name: "", data: [] };
      base.legend = { bottom: 0, type: "scroll" };
      base.series = [{
        name: s.name,
        type: "pie",
        radius: ["35%", "65%"],
        label: { formatter: "{b}\n{c} 户" },
        data: labels.map(function (l, i) { return { name: l, value: s.data[i] || 0 }; })
          .filter(function (d) { return d.value > 0; })
      }];
      return base;
    }
    base.legend = { top: 0 };
    base.xAxis = { type: "category", data: labels, axisLabel: axisLabel(kind, labels, width) };
    base.yAxis = { type: "value", minInterval: 1 };
    base.series = series.map(function (s) {
      return {
        name: s.name,
        type: kind === "line" ? "line" : "bar",
        data: s.data,
        smooth: false,
        label: kind === "bars" ? { show: labels.length <= 12, position: "top" } : undefined
      };
    });
    if (kind === "line") {
      base.legend = { show: false };
      base.dataZoom = [{ type: "inside" }];
    }
    return base;
  }

  function draw() {
    if (!window.echarts) {
      return;
    }
    var els = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(el.getAttribute("data-chart"), parse(el, "data-labels"), parse(el, "data-series"), el.clientWidth));
      el.setAttribute("data-drawn", "1");
      charts.push({ chart: chart, el: el });
    }
  }

  function resize() {
    for (var i = 0; i < charts.length; i++) {
      var c = charts[i];
      c.chart.resize();
      if (c.el.getAttribute("data-chart") !== "pie") {
        c.chart.setOption({
          xAxis: { axisLabel: axisLabel(c.el.getAttribute("data-chart"), parse(c.el, "data-labels"), c.el.clientWidth) }
        });
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t && t.closest && t.closest("[data-print]")) {
      window.print();
    }
  });
})();
