/* ParkOS page helpers (no build step). */
(function () {
  "use strict";
  // Where this page reaches the websocket server: embedded mode listens on PORT+1 of the same host
  // (the session cookie is shared across ports); behind a proxy, WS_PUBLIC_URL names the origin.
  function socketUrl(path) {
    var meta = document.querySelector('meta[name="parkos-ws"]');
    var target = meta ? meta.content : "";
    if (target && target.charAt(0) !== ":") return target.replace(/\/$/, "") + path;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + location.hostname + (target || (location.port ? ":" + location.port : "")) + path;
  }
  window.ParkOS = { socketUrl: socketUrl };
})();
