// Service orders: one submission per form (a double click sends once; the server is idempotent
// anyway), and reply templates inserted into the comment box.
(function () {
  "use strict";
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent === "1") { event.preventDefault(); return; }
      form.dataset.sent = "1";
      window.setTimeout(function () { form.dataset.sent = ""; }, 4000);
    });
  });
  document.querySelectorAll("select[data-template-target]").forEach(function (select) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var target = document.getElementById(select.dataset.templateTarget);
      if (!option || !option.dataset.text || !target) { return; }
      var text = option.dataset.text;
      target.value = target.value ? target.value + "\n" + text : text;
      target.focus();
      select.selectedIndex = 0;
    });
  });
})();
