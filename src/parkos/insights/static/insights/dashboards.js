/* The operators' dashboard: draws each chart the page lists in its JSON block (#dashboard-charts) with ECharts
   (vendored: insights/vendor/echarts). No inline script: the page carries data only. A chart's figures are
   also in the table under it (the accessible view), so a browser without JavaScript loses nothing.

   A chart spec: {id, type: line|bar|heatmap|funnel, title, x: [labels], series: [{name, data, type?, axis?,
   selected?}], horizontal?, connect?, y? (heatmap rows), max? (heatmap)}. */
(function () {
  "use strict";

  function json(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function brand() {
    var value = getComputedStyle(document.documentElement).getPropertyValue("--brand").trim();
    return value || "#0b7a5c";
  }

  function palette() {
    return [brand(), "#2e90fa", "#f79009", "#7a5af8", "#ee46bc", "#15b79e", "#667085"];
  }

  function narrow() { return window.innerWidth < 480; }

  function axisChart(spec) {
    var twoAxes = spec.series.some(function (s) { return s.axis === 1; });
    var selected = {};
    spec.series.forEach(function (s) { selected[s.name] = s.selected !== false; });
    var category = {type: "category", data: spec.x, axisLabel: {hideOverlap: true}, axisTick: {alignWithLabel: true}};
    var value = {type: "value", minInterval: 1, splitLine: {lineStyle: {color: "#eef2f6"}}};
    var option = {
      color: palette(),
      animationDuration: 300,
      tooltip: {trigger: "axis", confine: true},
      legend: {type: "scroll", top: 0, data: spec.series.map(function (s) { return s.name; }), selected: selected},
      grid: {left: 8, right: twoAxes ? 8 : 16, top: 34, bottom: 8, containLabel: true},
      xAxis: spec.horizontal ? value : category,
      yAxis: spec.horizontal ? Object.assign({}, category, {inverse: true, axisLabel: {width: narrow() ? 70 : 120, overflow: "truncate"}})
        : (twoAxes ? [value, {type: "value", splitLine: {show: false}}] : value),
      series: spec.series.map(function (s) {
        var type = s.type || spec.type;
        return {name: s.name, type: type, data: s.data, yAxisIndex: spec.horizontal ? 0 : (s.axis || 0),
                smooth: type === "line", showSymbol: spec.x.length < 40, connectNulls: !!spec.connect,
                barMaxWidth: 28, emphasis: {focus: "series"}};
      })
    };
    if (!spec.horizontal && spec.x.length > 45) {
      option.dataZoom = [{type: "inside"}];
    }
    return option;
  }

  function heatmap(spec) {
    return {
      animationDuration: 300,
      tooltip: {position: "top", confine: true, formatter: function (p) {
        return spec.y[p.value[1]] + " " + spec.x[p.value[0]] + ":00 · " + p.value[2];
      }},
      grid: {left: 8, right: 8, top: 8, bottom: 56, containLabel: true},
      xAxis: {type: "category", data: spec.x, splitArea: {show: true}, axisLabel: {interval: narrow() ? 2 : 0}},
      yAxis: {type: "category", data: spec.y, splitArea: {show: true}, inverse: true},
      visualMap: {min: 0, max: spec.max, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                  itemHeight: narrow() ? 120 : 180, inRange: {color: ["#f2f4f7", brand()]}},
      series: [{name: spec.series[0].name, type: "heatmap", data: spec.series[0].data,
                emphasis: {itemStyle: {shadowBlur: 6, shadowColor: "rgba(0,0,0,.3)"}}}]
    };
  }

  function funnel(spec) {
    return {
      color: palette(),
      animationDuration: 300,
      tooltip: {trigger: "item", confine: true},
      series: [{name: spec.series[0].name, type: "funnel", left: "10%", width: "80%", top: 8, bottom: 8,
                sort: "descending", minSize: "12%", label: {show: true, position: "inside", formatter: "{b}: {c}"},
                data: spec.series[0].data}]
    };
  }

  function option(spec) {
    if (spec.type === "heatmap") return heatmap(spec);
    if (spec.type === "funnel") return funnel(spec);
    return axisChart(spec);
  }

  function draw() {
    if (!window.echarts) return;
    var specs = json("dashboard-charts") || [];
    var charts = [];
    specs.forEach(function (spec) {
      var el = document.getElementById(spec.id);
      if (!el) return;  // an empty section has no chart
      var chart = window.echarts.init(el, null, {renderer: "canvas"});
      chart.setOption(option(spec));
      el.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) clearTimeout(pending);
      pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
