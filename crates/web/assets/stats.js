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

  function option(kind, labels, series) {
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
    base.xAxis = { type: "category", data: labels, axisLabel: { rotate: labels.length > 8 ? 45 : 0 } };
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
      chart.setOption(option(el.getAttribute("data-chart"), parse(el, "data-labels"), parse(el, "data-series")));
      el.setAttribute("data-drawn", "1");
      charts.push(chart);
    }
  }

  function resize() {
    for (var i = 0; i < charts.length; i++) {
      charts[i].resize();
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
