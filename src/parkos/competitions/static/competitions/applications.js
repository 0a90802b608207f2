// Applications: a live character count under every text with a limit (data-max-chars). A Chinese
// character counts as one, as the server counts (code points, not UTF-16 units).
(function () {
  "use strict";
  function count(text) { return Array.from(text.replace(/\r\n/g, "\n").trim()).length; }
  function attach(input) {
    var limit = parseInt(input.getAttribute("data-max-chars"), 10);
    if (!limit) { return; }
    var out = document.createElement("small");
    out.className = "comp-chars muted";
    out.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", out);
    function update() {
      var n = count(input.value);
      out.textContent = n + " / " + limit;
      out.classList.toggle("over", n > limit);
    }
    input.addEventListener("input", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-max-chars]").forEach(attach);
  });
})();
