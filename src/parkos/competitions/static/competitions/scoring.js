// Scoring: a live weighted total under each score form (Σ value / max × weight, as the server computes
// it) and a confirmation before a submission that locks the score (buttons with data-confirm).
(function () {
  "use strict";
  function total(form) {
    var inputs = form.querySelectorAll("input[data-weight]");
    var sum = 0;
    for (var i = 0; i < inputs.length; i++) {
      var raw = inputs[i].value.trim();
      if (raw === "") { return null; }
      var value = Number(raw.replace(",", "."));
      var max = Number(inputs[i].getAttribute("data-max"));
      if (!isFinite(value) || value < 0 || value > max) { return null; }
      sum += value / max * Number(inputs[i].getAttribute("data-weight"));
    }
    return inputs.length ? sum : null;
  }
  function attach(form) {
    var out = form.querySelector("[data-score-total]");
    function update() {
      if (!out) { return; }
      var t = total(form);
      out.textContent = t === null ? "—" : (Math.round(t * 100) / 100).toFixed(2);
    }
    form.addEventListener("input", update);
    update();
    form.querySelectorAll("button[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-score-form]").forEach(attach);
  });
})();
