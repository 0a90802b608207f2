/* ParkOS door check-in: scan (BarcodeDetector) or type a ticket, keep working offline, sync when online.
 *
 * The event's ticket list (SHA-256 of each signed ticket payload, holder's name) is kept in localStorage,
 * so a scan is recognised without the network. Scans are queued in localStorage and posted to the server
 * when it answers; the server keeps one check-in per ticket and reports a second device's scan as
 * "already checked in at HH:MM by device X". No build step, no CDN. */
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) return;
  var M = JSON.parse(document.getElementById("ci-messages").textContent);
  var KEY = "parkos-checkin-" + root.dataset.event + "-";
  var $ = function (id) { return document.getElementById(id); };

  function load(name, fallback) {
    try { var v = localStorage.getItem(KEY + name); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function save(name, value) {
    try { localStorage.setItem(KEY + name, JSON.stringify(value)); } catch (e) { /* storage full: keep in memory */ }
  }
  var tickets = load("tickets", {}); // hash -> {name, short, checked_in_at, device}
  var queue = load("queue", []); // [{payload, ticket, device, scanned_at}]

  var deviceInput = $("ci-device");
  deviceInput.value = localStorage.getItem("parkos-checkin-device") ||
    ("door-" + Math.random().toString(36).slice(2, 6).toUpperCase());
  localStorage.setItem("parkos-checkin-device", deviceInput.value);
  deviceInput.addEventListener("change", function () {
    deviceInput.value = deviceInput.value.trim().slice(0, 40) || "door";
    localStorage.setItem("parkos-checkin-device", deviceInput.value);
  });

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k] == null ? "" : values[k]; });
  }
  function hhmm(iso) {
    var d = new Date(iso);
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  // --- SHA-256: WebCrypto where the page is a secure context, a small implementation elsewhere (plain http on a LAN).
  var K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];
  function ror(x, n) { return (x >>> n) | (x << (32 - n)); }
  function sha256Plain(bytes) {
    var l = bytes.length, padded = new Uint8Array(((l + 9 + 63) >> 6) << 6);
    padded.set(bytes); padded[l] = 0x80;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(l / 0x20000000));
    view.setUint32(padded.length - 4, (l * 8) >>> 0);
    var H = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var W = new Uint32Array(64);
    for (var i = 0; i < padded.length; i += 64) {
      for (var t = 0; t < 16; t++) W[t] = view.getUint32(i + t * 4);
      for (t = 16; t < 64; t++) {
        var x = W[t - 15], y = W[t - 2];
        W[t] = (W[t - 16] + (ror(x, 7) ^ ror(x, 18) ^ (x >>> 3)) + W[t - 7] + (ror(y, 17) ^ ror(y, 19) ^ (y >>> 10))) >>> 0;
      }
      var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
      for (t = 0; t < 64; t++) {
        var t1 = (h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + W[t]) >>> 0;
        var t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
        h = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      H = [a, b, c, d, e, f, g, h].map(function (v, k) { return (H[k] + v) >>> 0; });
    }
    return H.map(function (v) { return v.toString(16).padStart(8, "0"); }).join("");
  }
  function sha256(text) {
    var bytes = new TextEncoder().encode(text);
    if (window.crypto && window.crypto.subtle && window.isSecureContext) {
      return window.crypto.subtle.digest("SHA-256", bytes).then(function (buf) {
        return Array.prototype.map.call(new Uint8Array(buf), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
      });
    }
    return Promise.resolve(sha256Plain(bytes));
  }
  window.parkosSha256Plain = function (text) { return sha256Plain(new TextEncoder().encode(text)); };

  // --- display
  function show(status, text) {
    var box = $("ci-result");
    box.dataset.status = status;
    box.textContent = text;
    log(status, text);
  }
  function log(status, text) {
    var item = document.createElement("li");
    item.dataset.status = status;
    item.textContent = new Date().toTimeString().slice(0, 8) + " · " + text;
    var list = $("ci-log");
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 30) list.removeChild(list.lastChild);
  }
  function setOnline(online) {
    var net = $("ci-net");
    net.dataset.online = online ? "1" : "0";
    net.textContent = online ? M.online : M.offline;
    net.className = online ? "badge badge-brand" : "badge badge-warn";
  }
  function render() {
    var hashes = Object.keys(tickets);
    $("ci-total").textContent = hashes.length;
    $("ci-done").textContent = hashes.filter(function (h) { return tickets[h].checked_in_at; }).length;
    $("ci-queue").textContent = queue.length;
    root.dataset.queue = String(queue.length);
    // A positive signal for tests and for the person at the door: nothing queued and nothing in flight.
    root.dataset.idle = !queue.length && !inflight ? "1" : "0";
  }

  // Requests in flight (ticket list and syncs), and how many sync answers have been applied so far.
  var inflight = 0, applied = 0;

  // --- the ticket list
  function refreshTickets() {
    // The list is a picture of the server when it answers. A sync answered after that picture was taken
    // (applied changed meanwhile) knows more: a ticket the server just confirmed as checked in must not be
    // turned back to "not checked in" by the older list, or the next scan of it would be welcomed again.
    var appliedAtStart = applied;
    inflight++;
    render();
    return fetch(root.dataset.ticketsUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        var pending = {};
        queue.forEach(function (s) { pending[s.ticket] = s; });
        var stale = applied !== appliedAtStart;
        var fresh = {};
        data.tickets.forEach(function (t) {
          var local = pending[t.ticket], known = tickets[t.ticket];
          var at = t.checked_in_at || (local ? local.scanned_at : null), device = t.checked_in_at ? t.device : (local ? local.device : "");
          if (!at && stale && known && known.checked_in_at) { at = known.checked_in_at; device = known.device; }
          fresh[t.ticket] = {name: t.name, short: t.short, checked_in_at: at, device: device};
        });
        tickets = fresh;
        save("tickets", tickets);
        setOnline(true);
      })
      .catch(function () { setOnline(false); })
      .then(function () { inflight--; render(); root.dataset.ready = "1"; });
  }

  // --- scanning
  function handle(input) {
    input = (input || "").trim();
    if (!input) return Promise.resolve();
    var found;
    if (/^[0-9a-f]{64}$/i.test(input)) {
      found = Promise.resolve({payload: "", hash: input.toLowerCase()});
    } else if (/^[0-9a-f]{8}$/i.test(input)) {
      var matches = Object.keys(tickets).filter(function (h) { return h.indexOf(input.toLowerCase()) === 0; });
      found = Promise.resolve(matches.length === 1 ? {payload: "", hash: matches[0]} : null);
    } else {
      found = sha256(input).then(function (hash) { return {payload: input, hash: hash}; });
    }
    return found.then(function (t) {
      if (!t) { show("invalid", M.unknown); return; }
      var known = tickets[t.hash];
      if (known && known.checked_in_at) {
        show("already", known.name + " · " + fmt(M.already, {at: hhmm(known.checked_in_at), device: known.device || "—"}));
        return;
      }
      if (!known && !t.payload) { show("invalid", M.unknown); return; }
      var scan = {payload: t.payload, ticket: t.hash, device: deviceInput.value, scanned_at: new Date().toISOString()};
      lastScan = scan.scanned_at + " " + t.hash;
      queue.push(scan);
      save("queue", queue);
      if (known) {
        known.checked_in_at = scan.scanned_at;
        known.device = scan.device;
        save("tickets", tickets);
        show("checked_in", fmt(M.welcome, {name: known.name}));
      } else {
        show("queued", M.queued);
      }
      render();
      sync();
    });
  }

  // The scan the result box speaks of: when the server answers that its ticket had already been checked in
  // (this device's list was behind), the box must say so rather than keep its optimistic welcome.
  var lastScan = "";
  function ownCheckIn(res, scan) {  // the server's check-in is this very scan (a retried request): not a second one
    return res.device === scan.device && Math.abs(new Date(res.checked_in_at) - new Date(scan.scanned_at)) < 1000;
  }

  var syncing = false;
  function sync() {
    if (syncing || !queue.length) return Promise.resolve();
    syncing = true;
    inflight++;
    render();
    var batch = queue.slice(0, 200);
    return fetch(root.dataset.syncUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf},
      body: JSON.stringify({scans: batch})
    }).then(function (r) {
      if (r.status === 400) return {results: batch.map(function () { return {status: "invalid", message: M.unknown}; })};
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (data) {
      data.results.forEach(function (res, i) {
        var scan = batch[i];
        var t = res.ticket && tickets[res.ticket];
        if (res.status === "checked_in" || res.status === "already") {
          if (!t && res.ticket) t = tickets[res.ticket] = {name: res.name, short: res.ticket.slice(0, 8).toUpperCase()};
          if (t) { t.checked_in_at = res.checked_in_at; t.device = res.device; }
          if (res.status === "already" && res.device !== scan.device) log("already", res.name + " · " + res.message);
          if (res.status === "already" && !ownCheckIn(res, scan) && lastScan === scan.scanned_at + " " + scan.ticket) {
            show("already", res.name + " · " + fmt(M.already, {at: hhmm(res.checked_in_at), device: res.device || "—"}));
          }
          if (res.status === "checked_in" && !scan.payload) return;
          if (res.status === "checked_in" && scan.payload && !t) log("checked_in", res.message);
        } else {
          if (t) { t.checked_in_at = null; t.device = ""; }
          log(res.status, (res.name ? res.name + " · " : "") + res.message);
        }
      });
      queue = queue.slice(batch.length);
      applied++;
      save("queue", queue);
      save("tickets", tickets);
      setOnline(true);
    }).catch(function () {
      setOnline(false);
    }).then(function () {
      syncing = false;
      inflight--;
      render();
      if (queue.length && $("ci-net").dataset.online === "1") setTimeout(sync, 50);
      // A request that failed just as the network came back: try again soon, not at the next 10 s round.
      else if (queue.length && navigator.onLine) setTimeout(sync, 2000);
    });
  }

  $("ci-manual").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("ci-code");
    handle(code.value).then(function () { code.value = ""; code.focus(); });
  });

  $("ci-name").addEventListener("input", function () {
    var q = this.value.trim().toLowerCase();
    var list = $("ci-matches");
    list.textContent = "";
    if (!q) return;
    Object.keys(tickets).filter(function (h) { return tickets[h].name.toLowerCase().indexOf(q) !== -1; })
      .slice(0, 10).forEach(function (h) {
        var t = tickets[h], item = document.createElement("li"), button = document.createElement("button");
        item.className = "row";
        item.appendChild(document.createTextNode(t.name + " · " + t.short + " "));
        button.type = "button";
        button.className = "btn btn-small" + (t.checked_in_at ? " btn-ghost" : "");
        button.textContent = t.checked_in_at ? M.done + " " + hhmm(t.checked_in_at) : M.checkin;
        button.addEventListener("click", function () { handle(h).then(function () { $("ci-name").dispatchEvent(new Event("input")); }); });
        item.appendChild(button);
        list.appendChild(item);
      });
  });

  $("ci-camera").addEventListener("click", function () {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { show("info", M.noCamera); $("ci-code").focus(); return; }
    var detector = new window.BarcodeDetector({formats: ["qr_code"]});
    var video = $("ci-video"), last = "", lastAt = 0;
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      return video.play().then(function () {
        (function tick() {
          if (!stream.active) return;
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              var value = codes[0].rawValue, now = Date.now();
              if (value !== last || now - lastAt > 3000) { last = value; lastAt = now; handle(value); }
            }
          }).catch(function () {}).then(function () { setTimeout(tick, 250); });
        })();
      });
    }).catch(function () { show("info", M.cameraError); });
  });

  window.addEventListener("online", function () { sync(); refreshTickets(); });
  window.addEventListener("offline", function () { setOnline(false); });
  setInterval(function () { if (queue.length) sync(); }, 10000);
  setInterval(function () { if (!queue.length) refreshTickets(); }, 60000);
  render();
  refreshTickets().then(sync);
})();
