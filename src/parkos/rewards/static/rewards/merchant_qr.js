/* A merchant's pay code: every [data-qr] element gets the QR code of its address, drawn here with the
   vendored qrcode-generator (no image leaves the server); [data-print] buttons print the page. */
(function () {
  "use strict";
  function draw() {
    if (typeof qrcode !== "function") { return; }
    document.querySelectorAll("[data-qr]").forEach(function (box) {
      var qr = qrcode(0, "M");
      qr.addData(box.getAttribute("data-qr"));
      qr.make();
      box.innerHTML = qr.createSvgTag({ cellSize: 6, margin: 2, scalable: true });
      box.setAttribute("data-ready", "1");
    });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
