"""Magento's state rules (Sales `Order.php`, `ResourceModel/Order/Handler/State.php`, credit memo totals) as a
table, on orders built through the services (issue 15). Deliberate differences: docs/ORDER_STATES.md."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders import rules
from orders.services import TrackInput, invoice_order, refund_order, ship_order
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db

UPS = [TrackInput("ups", "UPS", "1Z999")]
D = Decimal

# (what happens, in order) -> (state, qty left to ship, Credit Memo possible, money still refundable)
# Steps: ("ship", qty of SKU-A or None for everything left), ("refund", qty or None, adjustment fee).
SCENARIOS = {
    "refund an unshipped unit, ship the rest: complete": (
        [("refund", 1, "0"), ("ship", None)],
        ("complete", 0, True, D("10.00")),
    ),
    "ship everything, refund everything: closed": (
        [("ship", None), ("refund", None, "0")],
        ("closed", 0, False, D("0.00")),
    ),
    "full refund keeping an adjustment fee: closed, the fee not refundable": (
        [("ship", None), ("refund", None, "5.00")],
        ("closed", 0, False, D("0.00")),
    ),
    "partial refund with a fee: the kept fee is not refundable later, the other unit is": (
        [("ship", None), ("refund", 1, "2.00")],
        ("complete", 0, True, D("10.00")),
    ),
    "ship one, refund the shipped one: one still to ship": (
        [("ship", 1), ("refund", 1, "0")],
        ("processing", 1, True, D("10.00")),
    ),
    "a zero-total credit memo (100% restocking fee) is allowed: closed": (
        [("ship", None), ("refund", None, "20.00")],
        ("closed", 0, False, D("0.00")),
    ),
    "refund everything before shipping: closed, nothing to ship": (
        [("refund", None, "0")],
        ("closed", 0, False, D("0.00")),
    ),
}


@pytest.mark.parametrize("steps, expected", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_magentos_state_rules(staff, steps, expected):
    order = make_order(items=[("SKU-A", 2, "10.00")], shipping="0.00")
    invoice_order(order=order, actor=staff)
    item = order.items.get()
    for step in steps:
        if step[0] == "ship":
            ship_order(order=order, actor=staff, quantities=None if step[1] is None else {item.pk: step[1]}, tracks=UPS)
        else:
            refund_order(
                order=order,
                actor=staff,
                quantities=None if step[1] is None else {item.pk: step[1]},
                adjustment_fee=D(step[2]),
            )
    order.refresh_from_db()
    item.refresh_from_db()
    state, to_ship, can_refund, refundable = expected
    assert order.state == state
    assert rules.qty_to_ship(item) == to_ship
    assert order.needs_shipment == (to_ship > 0 and state == "processing")
    assert rules.can_creditmemo(order) is can_refund
    assert rules.refundable_amount(order) == refundable


def test_a_free_order_can_be_credited_at_zero_to_return_it_to_stock(staff):
    order = make_order(items=[("SKU-A", 1, "0.00")], shipping="0.00")
    invoice_order(order=order, actor=staff)
    ship_order(order=order, actor=staff, tracks=UPS)
    order.refresh_from_db()
    assert rules.can_creditmemo(order)
    memo = refund_order(order=order, actor=staff, return_to_stock=True)
    order.refresh_from_db()
    assert memo.grand_total == D("0.00")
    assert order.state == "closed" and not rules.can_creditmemo(order)
