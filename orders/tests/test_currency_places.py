"""Amounts in the currency's own minor units: a yen order is split into whole yen, never 33.33 JPY."""

from __future__ import annotations

from decimal import Decimal

from orders.services import invoice_order, refund_order
from orders.tests.factories import make_order

D = Decimal


def test_a_yen_order_is_invoiced_and_refunded_in_whole_yen(staff):
    order = make_order(items=[("MUG-JP", 3, "1000", "100")], shipping="0", currency="JPY")
    item = order.items.get()

    first = invoice_order(order=order, actor=staff, quantities={item.pk: 1})
    rest = invoice_order(order=order, actor=staff)
    assert [first.tax_amount, rest.tax_amount] == [D("33"), D("67")]
    assert first.grand_total == D("1033") and first.tax_amount == first.tax_amount.to_integral_value()

    memo = refund_order(order=order, actor=staff, quantities={item.pk: 1})
    assert memo.tax_amount == D("33") and memo.grand_total == D("1033")


def test_a_dollar_order_keeps_its_cents(staff):
    order = make_order(items=[("MUG-US", 3, "10.00", "1.00")], shipping="0.00", currency="USD")
    item = order.items.get()

    first = invoice_order(order=order, actor=staff, quantities={item.pk: 1})
    assert first.tax_amount == D("0.33")
