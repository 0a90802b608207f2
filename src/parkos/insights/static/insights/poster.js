/* The share poster's page: the preview follows the ticked figures (drawn by the server, not saved until
   "Save"), and no more than the allowed number can be ticked. Without script the form still saves. */
(function () {
  "use strict";
  var form = document.getElementById("poster-form");
  var img = document.getElementById("poster-preview");
  if (!form) return;
  var max = parseInt(form.getAttribute("data-max"), 10) || 8;
  var boxes = form.querySelectorAll('input[type=checkbox][name="fields"]');
  var download = document.getElementById("poster-download");
  var timer = null;

  function chosen() {
    var keys = [];
    for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) keys.push(boxes[i].value);
    return keys;
  }
  function limit() {
    var full = chosen().length >= max;
    for (var i = 0; i < boxes.length; i++) boxes[i].disabled = full && !boxes[i].checked;
  }
  function preview() {
    if (!img) return;
    var keys = chosen();
    if (!keys.length) return;
    var url = img.getAttribute("data-base") + "?fields=" + encodeURIComponent(keys.join(","));
    if (img.getAttribute("src") === url) return;
    img.classList.add("is-loading");
    img.setAttribute("src", url);
    if (download) download.setAttribute("href", url);
  }
  if (img) {
    img.addEventListener("load", function () { img.classList.remove("is-loading"); });
    img.addEventListener("error", function () { img.classList.remove("is-loading"); });
  }
  form.addEventListener("change", function (event) {
    if (!event.target || event.target.name !== "fields") return;
    limit();
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  });
  limit();
})();
