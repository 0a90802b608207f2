/* The operators' bookings pages: [data-print] buttons print the page; a [data-select-all] box ticks every
   enterprise of the list for a bulk plan change. Everything works without it (the boxes can be ticked by hand). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) { return; }
    document.querySelectorAll("input[name='enterprises']").forEach(function (box) { box.checked = all.checked; });
  });
})();
