"""Which Amazon orders become Commerce orders, and when."""

from __future__ import annotations

import pytest

from amazon_channel.models import AmazonOrder, AmazonOrderStatusChange
from amazon_channel.spapi import types
from amazon_channel.sync import is_importable
from amazon_channel.testing.amazon_orders import amazon_item, amazon_order, package, with_changes
from orders.models import Order, OrderState

from .helpers import commerce, run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "fulfilled_by", "expected"),
    [
        ("PENDING", "MERCHANT", False),
        ("PENDING_AVAILABILITY", "MERCHANT", False),
        ("UNSHIPPED", "MERCHANT", True),
        ("PARTIALLY_SHIPPED", "MERCHANT", True),
        ("SHIPPED", "MERCHANT", True),
        ("CANCELLED", "MERCHANT", False),
        ("UNFULFILLABLE", "MERCHANT", False),
        ("UNSHIPPED", "AMAZON", False),
        ("SHIPPED", "AMAZON", True),
        ("CANCELLED", "AMAZON", False),
    ],
)
def test_which_orders_become_commerce_orders(status, fulfilled_by, expected):
    assert is_importable(status=status, fulfilled_by=fulfilled_by) is expected


def test_pending_order_is_recorded_then_imported_once_when_unshipped(amazon_store):
    pending = amazon_order(status="PENDING", items=[amazon_item(unit_price=None)])
    run(amazon_store, pending)
    assert AmazonOrder.objects.get(amazon_order_id=pending.order_id).commerce_order is None
    assert not Order.objects.exists()

    unshipped = with_changes(pending, fulfillment_status="UNSHIPPED", items=[amazon_item(sku="SKU-A")])
    run(amazon_store, unshipped)
    run(amazon_store, unshipped)  # the overlap window sends it again
    run(amazon_store, with_changes(unshipped))

    assert Order.objects.filter(external_order_number=pending.order_id).count() == 1
    assert list(
        AmazonOrderStatusChange.objects.filter(amazon_order__amazon_order_id=pending.order_id).values_list(
            "from_status", "to_status"
        )
    ) == [("", "PENDING"), ("PENDING", "UNSHIPPED")]


def test_amazon_fulfilled_order_waits_for_shipped_then_is_complete(amazon_store):
    afn = amazon_order(fulfilled_by="AMAZON", status="UNSHIPPED", buyer=None, recipient=None)
    run(amazon_store, afn)
    assert not Order.objects.exists()

    shipped = with_changes(afn, fulfillment_status="SHIPPED", packages=[package(carrier="UPS", number="1ZAFN")])
    result = run(amazon_store, shipped)
    assert result.commerce_orders_created == 1 and result.commerce_orders_shipped == 1
    placed = commerce(afn.order_id)
    assert placed.state == OrderState.COMPLETE
    track = placed.shipments.get().tracks.get()
    assert (track.carrier_code, track.track_number) == ("ups", "1ZAFN")
    # Amazon withholds the buyer for FBA orders: the order still imports and says what it used.
    assert placed.customer_first_name == "Amazon" and placed.customer_last_name == "Customer"
    comments = " ".join(c.comment for c in placed.comments.all())
    assert "did not share the buyer's name" in comments
    assert "did not share the buyer's email" in comments

    run(amazon_store, with_changes(shipped))
    assert commerce(afn.order_id).shipments.count() == 1


def test_disabled_import_records_amazon_orders_only(amazon_store):
    amazon_store.import_orders = False
    amazon_store.save()
    order = amazon_order()
    run(amazon_store, order)
    assert AmazonOrder.objects.filter(amazon_order_id=order.order_id).exists()
    assert not Order.objects.exists()


def test_cancelled_before_import_creates_nothing_and_clears_a_failure(amazon_store):
    order = amazon_order(items=[amazon_item(unit_price=None)])  # no price: fails
    result = run(amazon_store, order)
    assert order.order_id in result.failed
    canceled = with_changes(
        order, fulfillment_status="CANCELLED", cancellation=types.Cancellation(reason="BuyerCanceled")
    )
    run(amazon_store, canceled)
    row = AmazonOrder.objects.get(amazon_order_id=order.order_id)
    assert row.commerce_order is None
    assert row.import_error == ""
    assert row.cancellation_reason == "BuyerCanceled"
