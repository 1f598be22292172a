"""Amazon-side cancels and shipments brought to the Commerce order, never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from amazon_channel.models import AmazonOrder
from amazon_channel.testing.amazon_orders import amazon_item, amazon_order, charged_by_amazon, package, with_changes
from orders.models import OrderState
from orders.services import refund_order, ship_order

from .helpers import commerce, run

pytestmark = pytest.mark.django_db


def test_amazon_cancel_of_an_imported_order_refunds_it_offline(amazon_store):
    order = amazon_order()
    run(amazon_store, order)
    result = run(amazon_store, with_changes(order, fulfillment_status="CANCELLED"))
    # Cancellation reason comes from Amazon when it sends one.
    assert result.commerce_orders_refunded == 1
    placed = commerce(order.order_id)
    assert placed.state == OrderState.CLOSED
    assert placed.total_refunded == placed.grand_total
    row = AmazonOrder.objects.get(amazon_order_id=order.order_id)
    assert "Canceled on Amazon" in row.order_notes

    later = with_changes(
        order, fulfillment_status="CANCELLED", last_updated_time=order.last_updated_time + timedelta(hours=1)
    )
    again = run(amazon_store, later)
    assert again.commerce_orders_refunded == 0
    assert commerce(order.order_id).credit_memos.count() == 1


def test_merchant_shipments_recorded_on_amazon_are_reflected(amazon_store):
    a = amazon_item(sku="A", qty=2)
    b = amazon_item(sku="B", qty=1)
    order = amazon_order(items=[a, b])
    run(amazon_store, order)

    from dataclasses import replace

    partial = with_changes(
        order,
        fulfillment_status="PARTIALLY_SHIPPED",
        items=[replace(a, quantity_shipped=2), b],
        packages=[package(carrier="USPS", number="9400111", items=[(a.order_item_id, 2)])],
    )
    run(amazon_store, partial)
    placed = commerce(order.order_id)
    assert {i.sku: i.qty_shipped for i in placed.items.all()} == {"A": 2, "B": 0}
    assert placed.state == OrderState.PROCESSING

    shipped = with_changes(
        partial,
        fulfillment_status="SHIPPED",
        items=[replace(a, quantity_shipped=2), replace(b, quantity_shipped=1)],
        packages=[*partial.packages, package(carrier="Royal Mail", number="RM123", items=[(b.order_item_id, 1)])],
    )
    run(amazon_store, shipped)
    placed = commerce(order.order_id)
    assert placed.state == OrderState.COMPLETE
    assert sorted(t.track_number for s in placed.shipments.all() for t in s.tracks.all()) == ["9400111", "RM123"]
    custom = placed.shipments.first().tracks.get(track_number="RM123")
    assert (custom.carrier_code, custom.title) == ("custom", "Royal Mail")


def test_shipment_made_in_commerce_is_not_shipped_twice(amazon_store, staff):
    order = amazon_order()
    run(amazon_store, order)
    ship_order(order=commerce(order.order_id), actor=staff)
    run(amazon_store, with_changes(order, fulfillment_status="SHIPPED"))
    assert commerce(order.order_id).shipments.count() == 1


def test_refund_in_commerce_then_amazon_cancel_does_not_refund_twice(amazon_store, staff):
    order = amazon_order()
    run(amazon_store, order)
    charged_by_amazon(AmazonOrder.objects.get(amazon_order_id=order.order_id))  # a refund needs a charge
    refund_order(order=commerce(order.order_id), actor=staff)
    run(amazon_store, with_changes(order, fulfillment_status="CANCELLED"))
    assert commerce(order.order_id).credit_memos.count() == 1
