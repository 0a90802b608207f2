/* The notification bell: live unread count and toasts over /ws/notifications/, reconnecting with
   backoff; the dropdown loads the latest five through htmx when opened. No build step. */
(function () {
  "use strict";
  var MAX_DELAY = 60000;

  function start() {
    var bell = document.getElementById("notif-bell");
    if (!bell || !window.WebSocket) return;
    var badge = bell.querySelector("[data-bell-count]");
    var pop = document.getElementById("notif-bell-pop");
    var listUrl = bell.getAttribute("data-list-url") || "/notifications/";
    var delay = 1000;
    var socket = null;
    var stopped = false;

    function setCount(n) {
      n = Math.max(0, parseInt(n, 10) || 0);
      badge.setAttribute("data-bell-count", String(n));
      badge.textContent = n > 99 ? "99+" : String(n);
      badge.hidden = n === 0;
      // The tab bar's 消息 tab on a phone shows the same count.
      var tabs = document.querySelectorAll("[data-tab-count]");
      for (var i = 0; i < tabs.length; i++) {
        tabs[i].setAttribute("data-tab-count", String(n));
        tabs[i].textContent = badge.textContent;
        tabs[i].hidden = n === 0;
      }
      document.dispatchEvent(new CustomEvent("notifications:count", { detail: { unread: n } }));
    }

    function toasts() {
      var box = document.querySelector(".notif-toasts");
      if (!box) {
        box = document.createElement("div");
        box.className = "notif-toasts";
        box.setAttribute("role", "status");
        box.setAttribute("aria-live", "polite");
        document.body.appendChild(box);
      }
      return box;
    }

    function toast(message) {
      var item = document.createElement("div");
      item.className = "notif-toast";
      item.setAttribute("data-notification", String(message.id));
      var link = document.createElement("a");
      // Every toast goes through the page that marks it read and follows only same-site links.
      link.href = listUrl.replace(/\/$/, "") + "/" + encodeURIComponent(message.id) + "/";
      link.textContent = message.title;  // text, never HTML
      item.appendChild(link);
      toasts().appendChild(item);
      setTimeout(function () { item.remove(); }, 8000);
    }

    function connect() {
      if (stopped) return;
      var url = window.ParkOS && window.ParkOS.socketUrl ? window.ParkOS.socketUrl(bell.getAttribute("data-ws-path"))
        : (location.protocol === "https:" ? "wss://" : "ws://") + location.host + bell.getAttribute("data-ws-path");
      try { socket = new WebSocket(url); } catch (e) { schedule(); return; }
      socket.onopen = function () { delay = 1000; bell.setAttribute("data-live", "1"); };
      socket.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (message.type === "count") setCount(message.unread);
        else if (message.type === "notification") { setCount(message.unread); toast(message); }
      };
      socket.onclose = function (event) {
        socket = null; bell.removeAttribute("data-live");
        // 4401: this session has not passed two-factor authentication (accounts/ws.py); asking again
        // would be refused again, and the next page loaded goes to the missing step.
        if (event.code === 4401) { stopped = true; return; }
        schedule();
      };
    }

    function schedule() {
      if (stopped) return;
      // Exponential backoff with jitter, so a restarted server is not hit by every tab at once.
      var wait = delay + Math.random() * delay * 0.3;
      delay = Math.min(delay * 2, MAX_DELAY);
      setTimeout(connect, wait);
    }

    document.body.addEventListener("notificationsCount", function (event) {
      if (event.detail && typeof event.detail.unread === "number") setCount(event.detail.unread);
    });
    bell.addEventListener("toggle", function () {
      if (bell.open && pop) pop.dispatchEvent(new CustomEvent("bell-open"));
    });
    document.addEventListener("click", function (event) {
      if (bell.open && !bell.contains(event.target)) bell.open = false;
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && socket && socket.readyState === 1) {
        socket.send(JSON.stringify({ type: "count" }));
      }
    });
    window.addEventListener("pagehide", function () { stopped = true; if (socket) socket.close(); });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { stopped = false; delay = 1000; connect(); }
    });
    connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
