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
  // Copy buttons: <button data-copy="input-id" data-done="Copied">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) return;
    input.select();
    var done = function () { button.textContent = button.getAttribute("data-done") || button.textContent; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
  // The header's "More" menu on a wide screen: a button that opens its list; a click elsewhere or Escape closes it.
  function closeMore(except) {
    var open = document.querySelectorAll(".nav-more.is-open");
    for (var i = 0; i < open.length; i++) {
      if (open[i] === except) continue;
      open[i].classList.remove("is-open");
      open[i].querySelector(".nav-more-button").setAttribute("aria-expanded", "false");
    }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".nav-more-button") : null;
    if (!button) {
      if (!(event.target.closest && event.target.closest(".nav-more-list"))) closeMore(null);
      return;
    }
    var more = button.closest(".nav-more");
    var opening = !more.classList.contains("is-open");
    closeMore(more);
    more.classList.toggle("is-open", opening);
    button.setAttribute("aria-expanded", opening ? "true" : "false");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector(".nav-more.is-open");
    if (!open) return;
    closeMore(null);
    open.querySelector(".nav-more-button").focus();
  });
  // Behaviour that pages declare with data attributes, so that no page needs an inline script or an
  // on…= handler (the Content-Security-Policy allows scripts from our own files only):
  //   <details data-open-from="(min-width: 720px)">  opens on a screen that wide;
  //   <form data-confirm="Sure?">                     asks before it is sent;
  //   <select data-autosubmit>, <input data-autosubmit> send their form when changed;
  //   <input data-select-on-click>                    selects its whole text when clicked (links to copy).
  function openWide(root) {
    var all = root.querySelectorAll ? root.querySelectorAll("details[data-open-from]") : [];
    for (var i = 0; i < all.length; i++) {
      if (window.matchMedia(all[i].getAttribute("data-open-from")).matches) all[i].open = true;
    }
  }
  openWide(document);
  // Fragments that htmx swaps in (search results, filters) carry their own.
  document.addEventListener("htmx:load", function (event) {
    if (event.target !== document.body) openWide(event.target.parentNode || event.target);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.form && field.hasAttribute && field.hasAttribute("data-autosubmit")) field.form.submit();
  });
  document.addEventListener("click", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-select-on-click") && field.select) field.select();
  });
  window.ParkOS = { socketUrl: socketUrl };
})();
