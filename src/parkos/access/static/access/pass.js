/* The member's rotating QR code, computed on the phone: code = "P1.<id>.<window>.<mac>", window =
   floor(unix seconds / 30), mac = the first 20 hex digits of HMAC-SHA256(seed, "P1.<id>.<window>").
   The server verifies the same arithmetic (access/qr.py). The seed and the server's clock come with the
   page, so the code keeps changing without a network. WebCrypto needs a secure context (https or
   localhost); elsewhere a small SHA-256 below does the same. */
(function () {
  "use strict";
  var root = document.getElementById("pass");
  if (!root) { return; }
  var labels = JSON.parse(document.getElementById("pass-labels").textContent);
  var id = root.dataset.credential;
  var seedHex = root.dataset.seed;
  var step = parseInt(root.dataset.window, 10) || 30;
  var offset = parseInt(root.dataset.serverMs, 10) - Date.now(); // server clock - phone clock
  var box = document.getElementById("pass-qr");
  var codeEl = document.getElementById("pass-code");
  var ring = document.getElementById("pass-ring");
  var secondsEl = document.getElementById("pass-seconds");
  var net = document.getElementById("pass-net");
  var shown = -1;

  function hexToBytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(hex.substr(i * 2, 2), 16); }
    return out;
  }
  function toHex(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) { s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return s;
  }
  function utf8(text) { return new TextEncoder().encode(text); }

  // --- SHA-256 / HMAC without WebCrypto ------------------------------------------------------------
  var K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1,
    0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
    0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3,
    0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb,
    0xbef9a3f7, 0xc67178f2];
  function sha256(bytes) {
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var len = bytes.length, total = ((len + 9 + 63) >> 6) << 6, m = new Uint8Array(total);
    m.set(bytes); m[len] = 0x80;
    var bits = len * 8; m[total - 4] = (bits >>> 24) & 255; m[total - 3] = (bits >>> 16) & 255;
    m[total - 2] = (bits >>> 8) & 255; m[total - 1] = bits & 255;
    var w = new Array(64);
    for (var off = 0; off < total; off += 64) {
      for (var i = 0; i < 16; i++) { w[i] = (m[off + 4 * i] << 24) | (m[off + 4 * i + 1] << 16) | (m[off + 4 * i + 2] << 8) | m[off + 4 * i + 3]; }
      for (i = 16; i < 64; i++) {
        var a = w[i - 15], b = w[i - 2];
        var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var A = h[0], B = h[1], C = h[2], D = h[3], E = h[4], F = h[5], G = h[6], H = h[7];
      for (i = 0; i < 64; i++) {
        var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
        var t1 = (H + S1 + ((E & F) ^ (~E & G)) + K[i] + w[i]) | 0;
        var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
        var t2 = (S0 + ((A & B) ^ (A & C) ^ (B & C))) | 0;
        H = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0;
      }
      h[0] = (h[0] + A) | 0; h[1] = (h[1] + B) | 0; h[2] = (h[2] + C) | 0; h[3] = (h[3] + D) | 0;
      h[4] = (h[4] + E) | 0; h[5] = (h[5] + F) | 0; h[6] = (h[6] + G) | 0; h[7] = (h[7] + H) | 0;
    }
    var out = new Uint8Array(32);
    for (i = 0; i < 8; i++) { out[4 * i] = h[i] >>> 24; out[4 * i + 1] = (h[i] >>> 16) & 255; out[4 * i + 2] = (h[i] >>> 8) & 255; out[4 * i + 3] = h[i] & 255; }
    return out;
  }
  function hmacPlain(key, message) {
    var block = new Uint8Array(64); block.set(key.length > 64 ? sha256(key) : key);
    var inner = new Uint8Array(64 + message.length), outer = new Uint8Array(96);
    for (var i = 0; i < 64; i++) { inner[i] = block[i] ^ 0x36; outer[i] = block[i] ^ 0x5c; }
    inner.set(message, 64); outer.set(sha256(inner), 64);
    return Promise.resolve(sha256(outer));
  }

  var seed = hexToBytes(seedHex);
  var subtle = window.crypto && window.crypto.subtle;
  var keyPromise = subtle ? subtle.importKey("raw", seed, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]) : null;
  function hmac(message) {
    if (!keyPromise) { return hmacPlain(seed, message); }
    return keyPromise.then(function (key) { return subtle.sign("HMAC", key, message); })
      .then(function (sig) { return new Uint8Array(sig); });
  }

  function render(code) {
    if (typeof qrcode !== "function") { box.textContent = labels.unsupported; return; }
    var qr = qrcode(0, "M");
    qr.addData(code);
    qr.make();
    box.innerHTML = qr.createSvgTag({ cellSize: 6, margin: 2, scalable: true });
  }

  function tick() {
    var now = (Date.now() + offset) / 1000;
    var window_ = Math.floor(now / step);
    var left = step - (now - window_ * step);
    ring.style.strokeDashoffset = String(100 - (left / step) * 100);
    secondsEl.textContent = String(Math.ceil(left));
    if (window_ !== shown) {
      shown = window_;
      var text = "P1." + id + "." + window_;
      hmac(utf8(text)).then(function (mac) {
        if (shown !== window_) { return; }
        var code = text + "." + toHex(mac).slice(0, 20);
        codeEl.textContent = code;
        root.setAttribute("data-current-window", String(window_));
        render(code);
        root.dataset.ready = "1";
      });
    }
  }
  function network() { net.textContent = navigator.onLine ? labels.online : labels.offline; }
  window.addEventListener("online", network);
  window.addEventListener("offline", network);
  network();
  tick();
  setInterval(tick, 250);
})();
