// "Get code" countdown: a button with data-countdown waits that many seconds before it can be used
// again (the server enforces the limit too; without JavaScript the button simply stays usable).
(function () {
  function tick(button) {
    var left = parseInt(button.dataset.countdown, 10);
    if (!(left > 0) || button.dataset.ticking) return;
    button.dataset.ticking = "1";
    button.disabled = true;
    var timer = setInterval(function () {
      left -= 1;
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = button.dataset.label;
        delete button.dataset.countdown;
        delete button.dataset.ticking;
        return;
      }
      button.textContent = button.dataset.waitLabel.replace("{s}", left);
    }, 1000);
    button.textContent = button.dataset.waitLabel.replace("{s}", left);
  }
  function scan() { document.querySelectorAll("button[data-countdown]").forEach(tick); }
  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("htmx:afterSettle", function () {
    // A new code was sent: the code field's earlier error ("expired", "not correct") no longer applies.
    document.querySelectorAll(".sms-send .sms-status").forEach(function (status) {
      var field = status.closest(".field");
      if (!field) return;
      field.classList.remove("has-error");
      field.querySelectorAll(":scope > p.error").forEach(function (p) { p.remove(); });
    });
    scan();
  });
})();
