"""The guards and the state rules, both ways, on orders built through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders import rules
from orders.models import OrderState
from orders.services import (
    TrackInput,
    cancel_order,
    hold_order,
    invoice_order,
    refund_order,
    ship_order,
    unhold_order,
)
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db

UPS = [TrackInput("ups", "UPS", "1Z999")]


def test_a_new_order_can_be_invoiced_shipped_cancelled_and_held_but_not_refunded(staff):
    order = make_order()
    assert rules.guards(order) == {
        "invoice": True,
        "ship": True,
        "creditmemo": False,
        "cancel": True,
        "hold": True,
        "unhold": False,
    }
    assert order.state == OrderState.NEW and order.status == "pending"


def test_a_fully_invoiced_order_can_be_refunded_and_shipped_but_not_invoiced_or_cancelled(staff):
    order = make_order(invoiced=True)
    g = rules.guards(order)
    assert (g["invoice"], g["cancel"], g["creditmemo"], g["ship"]) == (False, False, True, True)
    assert order.state == OrderState.PROCESSING


def test_a_held_order_allows_only_unhold(staff):
    order = hold_order(order=make_order(), actor=staff)
    assert rules.guards(order) == {
        "invoice": False,
        "ship": False,
        "creditmemo": False,
        "cancel": False,
        "hold": False,
        "unhold": True,
    }


def test_a_complete_order_can_only_be_refunded(staff):
    order = make_order(invoiced=True)
    ship_order(order=order, actor=staff, tracks=UPS)
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETE
    assert rules.guards(order) == {
        "invoice": False,
        "ship": False,
        "creditmemo": True,
        "cancel": False,
        "hold": False,
        "unhold": False,
    }


def test_item_quantities_left(staff):
    order = make_order(items=[("SKU-A", 5, "10.00")])
    item = order.items.get()
    assert (rules.qty_to_invoice(item), rules.qty_to_ship(item), rules.qty_to_refund(item)) == (5, 5, 0)
    invoice_order(order=order, actor=staff, quantities={item.pk: 3})
    ship_order(order=order, actor=staff, quantities={item.pk: 1})
    item.refresh_from_db()
    assert rules.qty_to_invoice(item) == 2
    assert rules.qty_to_ship(item) == 4
    assert rules.qty_to_refund(item) == 3
    # only units neither invoiced nor shipped can be cancelled
    assert rules.qty_to_cancel(item) == 2
    refund_order(order=order, actor=staff, quantities={item.pk: 3}, refund_shipping=Decimal("0"))
    item.refresh_from_db()
    # a refunded unit needs no shipping any more
    assert rules.qty_to_ship(item) == 2


def test_state_follows_partial_invoice_ship_and_refund(staff):
    order = make_order(items=[("SKU-A", 2, "10.00"), ("SKU-B", 1, "5.00")], shipping="0.00")
    a = order.items.get(sku="SKU-A")
    states = []
    invoice_order(order=order, actor=staff, quantities={a.pk: 1})
    order.refresh_from_db()
    states.append(order.state)
    invoice_order(order=order, actor=staff)
    ship_order(order=order, actor=staff, quantities={a.pk: 2})
    order.refresh_from_db()
    states.append(order.state)
    ship_order(order=order, actor=staff)
    order.refresh_from_db()
    states.append(order.state)
    refund_order(order=order, actor=staff, quantities={a.pk: 1})
    order.refresh_from_db()
    states.append(order.state)
    refund_order(order=order, actor=staff)
    order.refresh_from_db()
    states.append(order.state)
    assert states == ["processing", "processing", "complete", "complete", "closed"]
    assert order.status == "closed"
    assert order.total_refunded == order.total_paid == Decimal("25.00")


def test_cancelling_everything_makes_the_order_canceled(staff):
    order = cancel_order(order=make_order(), actor=staff)
    assert (order.state, order.status) == ("canceled", "canceled")
    assert rules.guards(order) == dict.fromkeys(rules.guards(order), False)


def test_partly_invoiced_then_cancelled_order_is_complete_once_the_invoiced_part_ships(staff):
    order = make_order(items=[("SKU-A", 3, "10.00")], shipping="0.00")
    item = order.items.get()
    invoice_order(order=order, actor=staff, quantities={item.pk: 1})
    order = cancel_order(order=order, actor=staff)
    assert order.state == "processing"
    item.refresh_from_db()
    assert item.qty_canceled == 2
    ship_order(order=order, actor=staff)
    order.refresh_from_db()
    assert order.state == "complete"


def test_a_custom_status_is_kept_while_the_state_holds_and_restored_after_unhold(staff):
    from orders.models import OrderStatus

    OrderStatus.objects.create(code="amazon_processing", label="Amazon processing", state="processing")
    order = make_order(invoiced=True, status="amazon_processing")
    assert (order.state, order.status) == ("processing", "amazon_processing")
    order = hold_order(order=order, actor=staff)
    assert (order.state, order.status) == ("holded", "holded")
    order = unhold_order(order=order, actor=staff)
    assert (order.state, order.status) == ("processing", "amazon_processing")
    ship_order(order=order, actor=staff)
    order.refresh_from_db()
    assert (order.state, order.status) == ("complete", "complete")


def test_the_shipping_address_can_change_until_anything_ships_and_never_once_canceled_or_closed(staff):
    order = make_order(invoiced=True)
    assert rules.can_change_shipping_address(order)
    assert rules.can_change_shipping_address(hold_order(order=make_order(), actor=staff))
    item = order.items.first()
    ship_order(order=order, actor=staff, quantities={item.pk: 1})
    order.refresh_from_db()
    assert order.state == OrderState.PROCESSING and not rules.can_change_shipping_address(order)

    canceled = cancel_order(order=make_order(), actor=staff)
    assert not rules.can_change_shipping_address(canceled, canceled.items.all())
    closed = make_order(invoiced=True)
    refund_order(order=closed, actor=staff)
    closed.refresh_from_db()
    assert closed.state == OrderState.CLOSED and not rules.can_change_shipping_address(closed)
