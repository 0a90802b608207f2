/* ParkOS till: scan the member's coupon code (BarcodeDetector where the browser has it, else a handheld
 * scanner that types the code and Enter, or typing), see the quote as the bill is entered, and keep
 * today's list fresh so a member's own payment appears. The form works without this file too
 * (Check, then Confirm). No build step, no CDN, no inline script. */
(function () {
  "use strict";
  var root = document.getElementById("till");
  if (!root) return;
  var M = JSON.parse(document.getElementById("till-messages").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var codes = $("id_codes"), bill = $("id_bill"), box = $("till-quote"), today = $("till-today");
  var timer = null, seq = 0;

  function fen(text) {  // "12.5" -> 1250, exactly (no floating point)
    var m = /^\s*(\d{1,9})(?:[.,](\d{0,2}))?\s*$/.exec(text || "");
    if (!m) return null;
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }
  function yuan(f) {
    var s = (f / 100).toFixed(2);
    return "¥" + (s.slice(-3) === ".00" ? s.slice(0, -3) : s);
  }
  function list() { return codes.value.split(/[\s,，]+/).filter(Boolean); }
  function add(code) {
    var all = list();
    if (all.indexOf(code) === -1) all.push(code);
    codes.value = all.join(" ");
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function show(data) {
    box.textContent = "";
    if (!data.ok) {
      var p = el("p", "error form-error", data.error ? data.error.message : "");
      p.setAttribute("role", "alert");
      p.dataset.status = "error";
      p.dataset.code = data.error ? data.error.code : "";
      box.appendChild(p);
      return;
    }
    var wrap = el("div", "till-ok");
    wrap.dataset.status = "ok";
    var who = el("p");
    who.appendChild(el("strong", "", data.member));
    wrap.appendChild(who);
    var ul = el("ul", "list");
    data.lines.forEach(function (l) {
      var li = el("li", "", l.name + " ");
      li.appendChild(el("span", "muted", "−" + yuan(l.discount_fen)));
      ul.appendChild(li);
    });
    wrap.appendChild(ul);
    var pay = el("p", "till-pay", M.discount + " ");
    var d = el("strong", "", yuan(data.money_off_fen)); d.setAttribute("data-testid", "quote-discount");
    pay.appendChild(d);
    pay.appendChild(document.createTextNode(" · " + M.pays + " "));
    var y = el("strong", "", yuan(data.pay_fen)); y.setAttribute("data-testid", "quote-pay");
    pay.appendChild(y);
    wrap.appendChild(pay);
    box.appendChild(wrap);
  }
  function quote() {
    var f = fen(bill.value), all = list();
    if (f === null || !all.length || !root.dataset.quoteUrl) return;
    var mine = ++seq;
    root.dataset.quoting = "1";
    fetch(root.dataset.quoteUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": root.dataset.csrf},
      body: JSON.stringify({bill_fen: f, codes: all})
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) return {ok: false, error: {code: body.code || "", message: body.message || ""}};
        return body;
      });
    }).then(function (data) { if (mine === seq) show(data); })
      .catch(function () { if (mine === seq) show({ok: false, error: {code: "offline", message: M.offline}}); })
      .then(function () { if (mine === seq) root.dataset.quoting = "0"; });
  }
  function soon() { clearTimeout(timer); timer = setTimeout(quote, 300); }

  codes.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    e.preventDefault();  // a scanner ends with Enter: take the code, do not submit yet
    codes.value = list().join(" ");
    if (fen(bill.value) === null) bill.focus(); else quote();
  });
  codes.addEventListener("input", soon);
  bill.addEventListener("input", soon);
  bill.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); quote(); }
  });

  // --- the camera
  var camera = $("till-camera");
  if ("BarcodeDetector" in window && navigator.mediaDevices) camera.hidden = false;
  camera.addEventListener("click", function () {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { show({ok: false, error: {message: M.noCamera}}); codes.focus(); return; }
    var detector = new window.BarcodeDetector({formats: ["qr_code"]});
    var video = $("till-video"), last = "", lastAt = 0;
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      return video.play().then(function () {
        (function tick() {
          if (!stream.active) return;
          detector.detect(video).then(function (found) {
            if (found.length) {
              var value = found[0].rawValue, now = Date.now();
              if (value !== last || now - lastAt > 3000) {
                last = value; lastAt = now; add(value);
                if (fen(bill.value) === null) bill.focus(); else quote();
              }
            }
          }).catch(function () {}).then(function () { setTimeout(tick, 250); });
        })();
      });
    }).catch(function () { show({ok: false, error: {message: M.cameraError}}); });
  });

  // --- today's list: refreshed unless the cashier is typing a reversal reason
  function refresh() {
    var busy = today.querySelector("details[open]") || today.contains(document.activeElement);
    if (busy || document.hidden) return;
    fetch(root.dataset.todayUrl, {credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.text(); })
      .then(function (html) {
        if (today.querySelector("details[open]") || today.contains(document.activeElement)) return;
        today.innerHTML = html;  // our own server-rendered, escaped fragment
        today.dataset.refreshed = String(Date.now());
      }).catch(function () {});
  }
  setInterval(refresh, 8000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  codes.focus();
})();
