// Recalculate the refund on the page as quantities and amounts change; the server computes it again on submit.
(function () {
  var table = document.querySelector("[data-testid=refund-totals]");
  var currency = table.dataset.currency, places = parseInt(table.dataset.places, 10);
  var fmt = new Intl.NumberFormat(document.documentElement.lang || "en", {style: "currency", currency: currency,
    minimumFractionDigits: places, maximumFractionDigits: places});
  function num(v) { var n = parseFloat(v); return isFinite(n) ? n : 0; }
  function round(v) { var f = Math.pow(10, places); return Math.round(v * f) / f; }
  function amount(name) { var el = document.querySelector("[data-amount=" + name + "]"); return el ? num(el.value) : 0; }
  function update() {
    var subtotal = 0, tax = 0, discount = 0;
    document.querySelectorAll(".refund-row").forEach(function (row) {
      var qty = Math.max(0, num(row.querySelector(".qty-input").value));
      var sub = round(qty * num(row.dataset.price)), t = round(qty * num(row.dataset.unitTax));
      var d = round(qty * num(row.dataset.unitDiscount));
      row.querySelector("[data-cell=subtotal]").textContent = fmt.format(sub);
      row.querySelector("[data-cell=tax]").textContent = fmt.format(t);
      row.querySelector("[data-cell=row]").textContent = fmt.format(sub + t - d);
      subtotal += sub; tax += t; discount += d;
    });
    var grand = subtotal + tax - discount + amount("refund_shipping") + amount("adjustment_refund") - amount("adjustment_fee");
    table.querySelector("[data-total=subtotal]").textContent = fmt.format(round(subtotal));
    table.querySelector("[data-total=tax]").textContent = fmt.format(round(tax));
    table.querySelector("[data-total=grand_total]").textContent = fmt.format(round(grand));
  }
  document.getElementById("action-form").addEventListener("input", update);
  update();
})();
