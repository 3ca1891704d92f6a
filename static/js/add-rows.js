// Progressive enhancement: "Add a row" copies the formset's empty row (the page works without it: an empty row
// is already there, and rows left empty are ignored). A static file: the Content-Security-Policy allows no inline
// script.
document.querySelectorAll("[data-add-row]").forEach(function (button) {
  var prefix = button.dataset.addRow;
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var template = document.querySelector('template[data-empty="' + prefix + '"]');
  var body = document.querySelector('tbody[data-rows="' + prefix + '"]');
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
  });
});
