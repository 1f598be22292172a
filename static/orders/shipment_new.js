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
    if (remove) {
      remove.closest("tr").remove();
      syncShipped();
    }
  });
  // Once a package says what it holds, the shipment is what the packages hold: Qty to Ship follows their sums.
  function syncShipped() {
    var boxes = rows.querySelectorAll("input.package-qty");
    var sums = {};
    var packed = false;
    boxes.forEach(function (box) {
      if (box.value.trim() === "") return;
      packed = true;
      sums[box.dataset.item] = (sums[box.dataset.item] || 0) + (parseInt(box.value, 10) || 0);
    });
    document.querySelectorAll("input.qty-input").forEach(function (qty) {
      var id = qty.name.replace("item_", "");
      if (!rows.querySelector("input.package-qty[data-item='" + id + "']")) return;
      if (packed) {
        qty.value = sums[id] || 0;
        qty.readOnly = true;
      } else {
        qty.readOnly = false;
      }
    });
  }
  rows.addEventListener("input", function (event) {
    if (event.target.classList.contains("package-qty")) syncShipped();
  });
  syncShipped();
  rows.addEventListener("change", function (event) {
    // Picking a known carrier fills the title, as Magento does.
    if (event.target.name !== "track_carrier_code") return;
    var title = event.target.closest("tr").querySelector("input[name=track_title]");
    var option = event.target.selectedOptions[0];
    if (event.target.value !== "custom" && !title.value) title.value = option.textContent.trim();
  });
})();
