// Several packages: each "Add Tracking Number" adds one more carrier / title / number row.
(function () {
  var rows = document.getElementById("tracking-rows");
  var template = document.getElementById("track-row-template");
  document.getElementById("add-track").addEventListener("click", function () {
    rows.appendChild(template.content.cloneNode(true));
    var inputs = rows.querySelectorAll("input[name=track_number]");
    inputs[inputs.length - 1].focus();
  });
  rows.addEventListener("click", function (event) {
    var remove = event.target.closest("[data-remove-track]");
    if (remove) remove.closest("tr").remove();
  });
  rows.addEventListener("change", function (event) {
    // Picking a known carrier fills the title, as Magento does.
    if (event.target.name !== "track_carrier_code") return;
    var title = event.target.closest("tr").querySelector("input[name=track_title]");
    var option = event.target.selectedOptions[0];
    if (event.target.value !== "custom" && !title.value) title.value = option.textContent.trim();
  });
})();
