/* The lobby's big screen: asks for its figures every 30 seconds (the URL, the interval, the first figures and
   the words it shows are in the page's JSON block #screen-config; no inline script). When the network drops
   it keeps showing the last figures and says since when; when its display link was revoked it says so, blanks
   the figures and stops asking. */
(function () {
  "use strict";

  var configEl = document.getElementById("screen-config");
  if (!configEl) return;
  var config = JSON.parse(configEl.textContent);
  var labels = config.labels || {};
  var status = document.getElementById("screen-status");
  var clock = document.getElementById("screen-clock");
  var chart = null;
  var lastGood = config.initial && config.initial.time;
  var timer = null;

  function fmt(n) {
    return String(n);  // as the page prints them (no grouping in Chinese)
  }

  function say(text, cls) {
    if (!status) return;
    status.textContent = text;
    status.className = "screen-status" + (cls ? " " + cls : "");
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // The park's time (data-tz on the clock), whatever time zone the lobby PC is set to.
  var zone = clock && clock.getAttribute("data-tz");
  function hhmm(date) {
    if (zone && window.Intl) {
      try {
        return new Intl.DateTimeFormat("en-GB", {hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone})
          .format(date);
      } catch (e) { /* an unknown zone: the device's own time below */ }
    }
    return pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function tick() { if (clock) clock.textContent = hhmm(new Date()); }

  function drawTrend(trend) {
    var el = document.getElementById("screen-chart");
    if (!el || !window.echarts || !trend) return;
    if (!chart) chart = window.echarts.init(el, null, {renderer: "canvas"});
    chart.setOption({
      animationDuration: 300,
      grid: {left: 8, right: 16, top: 16, bottom: 8, containLabel: true},
      textStyle: {color: "#c9d8e8"},
      xAxis: {type: "category", data: trend.x, axisLine: {lineStyle: {color: "#35506d"}},
              axisLabel: {color: "#8aa4bf", fontSize: 14, hideOverlap: true}},
      yAxis: {type: "value", minInterval: 1, splitLine: {lineStyle: {color: "#163049"}},
              axisLabel: {color: "#8aa4bf", fontSize: 14}},
      series: [{type: "line", data: trend.data, smooth: true, symbolSize: 8,
                lineStyle: {width: 4, color: "#5ef0c0"}, itemStyle: {color: "#5ef0c0"},
                areaStyle: {color: "rgba(94,240,192,.15)"}}]
    });
    el.setAttribute("data-drawn", "1");
  }

  function eventsList(events) {
    var list = document.getElementById("screen-events");
    if (!list) return;
    list.textContent = "";
    if (!events.length) {
      var none = document.createElement("li");
      none.className = "screen-none";
      none.textContent = labels.none || "";
      list.appendChild(none);
      return;
    }
    events.forEach(function (e) {
      var li = document.createElement("li");
      var time = document.createElement("span");
      time.className = "screen-time";
      time.textContent = e.time;
      var title = document.createElement("span");
      title.className = "screen-title";
      title.textContent = e.title;
      var meta = document.createElement("span");
      meta.className = "screen-meta";
      meta.textContent = (e.place ? e.place + " · " : "") + (labels.registered || "%(n)s").replace("%(n)s", fmt(e.registered));
      li.appendChild(time);
      li.appendChild(title);
      li.appendChild(meta);
      list.appendChild(li);
    });
  }

  function show(data) {
    var figures = data.figures || {};
    document.querySelectorAll("[data-key]").forEach(function (el) {
      var key = el.getAttribute("data-key");
      if (Object.prototype.hasOwnProperty.call(figures, key)) el.textContent = fmt(figures[key]);
    });
    eventsList(data.events || []);
    drawTrend(data.trend);
    lastGood = data.time;
    say((labels.updated || "%(time)s").replace("%(time)s", hhmm(new Date())), "");
  }

  function blank() {
    document.querySelectorAll("[data-key]").forEach(function (el) { el.textContent = "—"; });
    eventsList([]);
    if (chart) chart.clear();
  }

  function refresh() {
    fetch(config.url, {cache: "no-store", credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.status === 404 || response.status === 410) {
          // The link was revoked (or the park closed): nothing of the park stays on the wall.
          blank();
          document.body.classList.add("is-gone");
          say(labels.gone || "", "is-gone");
          clearInterval(timer);
          return null;
        }
        if (response.status === 401 || response.status === 403) {
          say(labels.login || "", "is-offline");
          return null;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) { if (data) show(data); })
      .catch(function () {
        // No network, or the server is restarting: keep the last figures and say how old they are.
        say((labels.offline || "%(time)s").replace("%(time)s", lastGood || ""), "is-offline");
      });
  }

  function start() {
    if (config.initial) drawTrend(config.initial.trend);
    tick();
    setInterval(tick, 10000);
    timer = setInterval(refresh, config.every || 30000);
    window.addEventListener("resize", function () { if (chart) chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
