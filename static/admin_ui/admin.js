// Small page helpers: a confirmation dialog for POST buttons, select-all checkboxes for grid mass actions, selects
// that submit their form on change. No template carries inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";
  var pending = null;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (!message || form.dataset.confirmed === "1") return;
    var modalEl = document.getElementById("confirm-modal");
    if (!modalEl || !window.bootstrap) return; // no dialog available: submit as the browser would
    event.preventDefault();
    pending = form;
    document.getElementById("confirm-modal-message").textContent = message;
    window.bootstrap.Modal.getOrCreateInstance(modalEl).show();
  }, true);

  document.addEventListener("click", function (event) {
    if (event.target.closest("#confirm-modal-ok") && pending) {
      var form = pending;
      pending = null;
      form.dataset.confirmed = "1";
      window.bootstrap.Modal.getOrCreateInstance(document.getElementById("confirm-modal")).hide();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }
    var all = event.target.closest("[data-select-all]");
    if (all) {
      var scope = document.querySelectorAll(all.getAttribute("data-select-all"));
      scope.forEach(function (box) { box.checked = all.checked; });
    }
  });

  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-auto-submit]");
    if (select && select.form) select.form.submit();
  });

  // A mass action applies to the checked rows of the grid; the action select lives in its own form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-mass-action")) return;
    form.querySelectorAll("input[data-copied]").forEach(function (el) { el.remove(); });
    document.querySelectorAll("input[data-row-select]:checked").forEach(function (box) {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = "ids"; hidden.value = box.value; hidden.setAttribute("data-copied", "1");
      form.appendChild(hidden);
    });
  }, true);
})();
