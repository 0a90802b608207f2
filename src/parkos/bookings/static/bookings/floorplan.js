/* Floor plans (bookings/desks): quicker taps on the plan, nothing the page cannot do without it.
   Booking: a tap on a desk shows it in the panel under the plan, with the Book button when it is free,
   without loading the page again (each desk is a link that does the same without JavaScript).
   Editing: a click on an empty spot fills the "add a desk" form with the spot's plan coordinates and
   sends it; with "move" ticked, the selected desk's form gets the new place instead. */
(function () {
  "use strict";
  var svg = document.getElementById("fp-svg");
  if (!svg) { return; }
  var mode = svg.getAttribute("data-mode");

  function deskOf(target) {
    var desk = target && target.closest ? target.closest("[data-desk]") : null;
    return desk && svg.contains(desk) ? desk : null;
  }

  function planPoint(event) {
    var matrix = svg.getScreenCTM();
    if (!matrix || !svg.createSVGPoint) { return null; }
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var p = point.matrixTransform(matrix.inverse());
    var width = parseInt(svg.getAttribute("data-width"), 10);
    var height = parseInt(svg.getAttribute("data-height"), 10);
    return { x: Math.max(0, Math.min(width, Math.round(p.x))), y: Math.max(0, Math.min(height, Math.round(p.y))) };
  }

  function markSelected(desk) {
    var previous = svg.querySelectorAll(".is-selected");
    for (var i = 0; i < previous.length; i++) { previous[i].classList.remove("is-selected"); }
    desk.classList.add("is-selected");
  }

  if (mode === "book") {
    var panel = document.getElementById("fp-panel");
    var form = document.getElementById("fp-book-form");
    var nameEl = document.getElementById("fp-panel-name");
    var stateEl = document.getElementById("fp-panel-state");
    if (!panel || !form || !nameEl || !stateEl) { return; }

    var show = function (desk) {
      markSelected(desk);
      nameEl.textContent = desk.getAttribute("data-name");
      var parts = [desk.getAttribute("data-state-label")];
      ["data-who", "data-enterprise"].forEach(function (attr) {
        if (desk.getAttribute(attr)) { parts.push(desk.getAttribute(attr)); }
      });
      stateEl.textContent = parts.join(" · ");
      var bookable = desk.getAttribute("data-bookable") === "1";
      form.hidden = !bookable;
      form.elements.desk.value = bookable ? desk.getAttribute("data-desk") : "";
      panel.hidden = false;
      panel.setAttribute("data-desk", desk.getAttribute("data-desk"));
      if (window.history && history.replaceState) {
        history.replaceState(null, "", desk.getAttribute("href").split("#")[0]);
      }
      if (panel.scrollIntoView) { panel.scrollIntoView({ block: "nearest" }); }
    };

    document.addEventListener("click", function (event) {
      var desk = deskOf(event.target);
      if (!desk) {
        var pick = event.target.closest ? event.target.closest("[data-pick]") : null;
        desk = pick ? svg.querySelector('[data-desk="' + pick.getAttribute("data-pick") + '"]') : null;
      }
      if (!desk) { return; }
      event.preventDefault();
      show(desk);
    });
  }

  if (mode === "edit") {
    svg.addEventListener("click", function (event) {
      if (deskOf(event.target)) { return; } // a desk's own link selects it
      var point = planPoint(event);
      if (!point) { return; }
      var move = document.getElementById("fp-move");
      var target = document.getElementById(move && move.checked ? "fp-edit-form" : "fp-add-form");
      if (!target) { return; }
      target.elements.x.value = point.x;
      target.elements.y.value = point.y;
      if (target.requestSubmit) { target.requestSubmit(); } else { target.submit(); }
    });
  }
})();
