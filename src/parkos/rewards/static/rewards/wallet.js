/* The coupon's QR code on the member's phone. The server makes each code (K1.<code>.<window>.<mac>,
   rewards/codes.py: the mac names the owner, so only the server can make one); the page draws it with the
   vendored qrcode-generator and asks the API for the next one when the 30-second window ends (and when
   the page comes back to the front). A code is accepted for about a minute, so a slow network is fine. */
(function () {
  "use strict";
  var root = document.getElementById("coupon-qr-card");
  if (!root) { return; }
  var labels = JSON.parse(document.getElementById("coupon-labels").textContent);
  var box = document.getElementById("coupon-qr");
  var secondsEl = document.getElementById("coupon-seconds");
  var net = document.getElementById("coupon-net");
  var url = root.dataset.url;
  var nextAt = 0;
  var timer = null;
  var ended = false;

  function draw(code) {
    if (typeof qrcode !== "function") { box.textContent = labels.unsupported; return; }
    var qr = qrcode(0, "M");
    qr.addData(code);
    qr.make();
    box.innerHTML = qr.createSvgTag({ cellSize: 6, margin: 2, scalable: true });
    root.dataset.code = code;
    root.dataset.ready = "1";
  }

  function schedule(seconds) {
    if (timer) { clearTimeout(timer); }
    nextAt = Date.now() + seconds * 1000;
    timer = setTimeout(refresh, Math.max(seconds, 1) * 1000 + 250);
  }

  function refresh() {
    if (ended) { return; }
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 400 || r.status === 404) { ended = true; throw new Error("ended"); }
        if (!r.ok) { throw new Error("http " + r.status); }
        return r.json();
      })
      .then(function (data) { net.textContent = ""; draw(data.code); schedule(data.expires_in); })
      .catch(function () {
        if (ended) { box.innerHTML = ""; net.textContent = labels.ended; secondsEl.textContent = ""; return; }
        net.textContent = labels.offline;
        schedule(5);
      });
  }

  function tick() {
    if (ended || !nextAt) { return; }
    secondsEl.textContent = String(Math.max(0, Math.ceil((nextAt - Date.now()) / 1000))) + "s";
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && Date.now() >= nextAt) { refresh(); }
  });
  function start() {
    draw(root.dataset.code);
    schedule(parseFloat(root.dataset.expiresIn) || 30);
    tick();
    setInterval(tick, 1000);
  }
  if (typeof qrcode === "function") { start(); } else { window.addEventListener("load", start); }
})();
