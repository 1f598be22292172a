"""The import rules, one page at a time (process_orders), with Amazon's orders as the client returns them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amazon_channel.models import AmazonOrder, AmazonOrderStatusChange, AmazonStore, CommunicationLog
from amazon_channel.services.importing import ImportResult, is_importable, process_orders
from amazon_channel.spapi import types
from amazon_channel.tests.fakes import amazon_item, amazon_order, package, with_changes
from orders.models import Customer, Order, OrderState
from orders.services import refund_order, ship_order
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db


def run(store, *orders, actor=None) -> ImportResult:
    result = ImportResult(store_id=store.pk)
    process_orders(store=store, orders=list(orders), actor=actor, result=result)
    return result


def commerce(amazon_id: str) -> Order:
    return Order.objects.get(channel="amazon", external_order_number=amazon_id)


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


def test_unshipped_merchant_order_becomes_an_invoiced_processing_order(amazon_store):
    order = amazon_order(
        items=[
            amazon_item(sku="MUG-1", qty=2, unit_price="12.50", tax="2.00", shipping="4.99", discount="1.00"),
            amazon_item(sku="CAP-2", qty=1, unit_price="20.00", tax="1.60", shipping="0.00", shipping_tax="0.00"),
        ],
        ship_service_level="Expedited",
    )
    result = run(amazon_store, order)

    assert result.commerce_orders_created == 1
    placed = commerce(order.order_id)
    assert placed.state == OrderState.PROCESSING
    assert placed.total_paid == placed.grand_total
    assert placed.payment_method_title == "Amazon Channel Payment"
    assert placed.shipping_description == "Amazon Expedited"
    assert placed.shipping_amount == Decimal("4.99")
    assert placed.subtotal == Decimal("45.00")
    assert placed.tax_amount == Decimal("3.60")
    assert placed.discount_amount == Decimal("1.00")
    assert placed.grand_total == Decimal("52.59")
    assert placed.customer_is_guest
    assert placed.customer_email.startswith("buyer")
    assert placed.store == amazon_store.commerce_store
    lines = {i.sku: i for i in placed.items.all()}
    assert lines["MUG-1"].qty_ordered == 2 and lines["MUG-1"].price == Decimal("12.50")
    assert lines["MUG-1"].qty_invoiced == 2
    assert lines["MUG-1"].external_item_id == order.items[0].order_item_id
    shipping = placed.addresses.get(address_type="shipping")
    assert (shipping.first_name, shipping.last_name, shipping.city) == ("Jane", "Recipient", "Seattle")
    assert any("Imported from Amazon" in c.comment for c in placed.comments.all())
    row = AmazonOrder.objects.get(amazon_order_id=order.order_id)
    assert row.commerce_order == placed
    assert row.order_notes == f"Imported as Commerce order #{placed.increment_id}."


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


def test_an_older_copy_never_overwrites_a_newer_one(amazon_store):
    order = amazon_order(status="UNSHIPPED")
    newer = with_changes(order, fulfillment_status="SHIPPED")
    run(amazon_store, newer)
    run(amazon_store, order)
    assert AmazonOrder.objects.get(amazon_order_id=order.order_id).status == "SHIPPED"


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


def test_missing_buyer_name_falls_back_to_the_recipient(amazon_store):
    order = amazon_order(buyer=None)
    run(amazon_store, order)
    placed = commerce(order.order_id)
    assert (placed.customer_first_name, placed.customer_last_name) == ("Jane", "Recipient")
    assert any("uses Jane Recipient" in c.comment for c in placed.comments.all())


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


def test_order_number_source_amazon_and_custom_status(amazon_store):
    from orders.models import OrderStatus

    OrderStatus.objects.get_or_create(code="amazon_processing", defaults={"label": "Amazon", "state": "processing"})
    amazon_store.order_number_source = AmazonStore.OrderNumberSource.AMAZON
    amazon_store.order_status_mode = AmazonStore.OrderStatusMode.CUSTOM
    amazon_store.processing_order_status = "amazon_processing"
    amazon_store.save()
    order = amazon_order()
    run(amazon_store, order)
    placed = commerce(order.order_id)
    assert placed.increment_id == order.order_id
    assert placed.status == "amazon_processing"


def test_build_customer_accounts_reuses_one_account_per_buyer(amazon_store):
    amazon_store.customer_creation = AmazonStore.CustomerCreation.BUILD
    amazon_store.save()
    first = amazon_order()
    second = amazon_order(buyer=first.buyer)
    run(amazon_store, first, second)
    assert Customer.objects.count() == 1
    customer = Customer.objects.get()
    assert customer.email == first.buyer.email.lower()
    assert set(customer.orders.values_list("external_order_number", flat=True)) == {first.order_id, second.order_id}
    assert not commerce(first.order_id).customer_is_guest


def test_disabled_import_records_amazon_orders_only(amazon_store):
    amazon_store.import_orders = False
    amazon_store.save()
    order = amazon_order()
    run(amazon_store, order)
    assert AmazonOrder.objects.filter(amazon_order_id=order.order_id).exists()
    assert not Order.objects.exists()


def test_a_bad_order_is_isolated_recorded_and_retried(amazon_store):
    good = [amazon_order() for _ in range(3)]
    bad = amazon_order(items=[amazon_item(sku="NOPRICE", unit_price=None)])
    result = run(amazon_store, good[0], bad, *good[1:])

    assert result.commerce_orders_created == 3
    assert set(result.failed) == {bad.order_id}
    row = AmazonOrder.objects.get(amazon_order_id=bad.order_id)
    assert "no price for item NOPRICE" in row.import_error
    assert row.order_notes.startswith("Not imported")
    assert row.import_attempts == 1
    log = CommunicationLog.objects.get(amazon_order_id=bad.order_id)
    assert log.code == "ImportFailed"

    fixed = with_changes(bad, items=[amazon_item(sku="NOPRICE", order_item_id=bad.items[0].order_item_id)])
    run(amazon_store, fixed)
    row.refresh_from_db()
    assert row.import_error == "" and row.commerce_order is not None


def test_an_order_already_created_elsewhere_is_linked_not_duplicated(amazon_store):
    order = amazon_order()
    other = amazon_order()
    # Another worker (or a recover) created it first.
    existing = make_order(store=amazon_store.commerce_store, channel="amazon", external_order_number=order.order_id)
    result = run(amazon_store, order, other)
    assert Order.objects.filter(external_order_number=order.order_id).count() == 1
    assert AmazonOrder.objects.get(amazon_order_id=order.order_id).commerce_order_id == existing.pk
    assert result.commerce_orders_created == 1  # only `other` is new
    assert commerce(other.order_id)


def test_staff_address_correction_survives_later_imports(amazon_store, staff):
    from amazon_channel.services.amazon_orders import update_shipping_address

    order = amazon_order()
    run(amazon_store, order)
    row = AmazonOrder.objects.get(amazon_order_id=order.order_id)
    update_shipping_address(
        amazon_order=row,
        address={
            "name": "Jane Fixed",
            "address_lines": ["2 Side Street"],
            "city": "Tacoma",
            "state_or_region": "WA",
            "postal_code": "98402",
            "country_code": "US",
            "phone": "",
        },
        actor=staff,
    )
    run(amazon_store, with_changes(order))
    row.refresh_from_db()
    assert row.shipping_address["city"] == "Tacoma"
    assert commerce(order.order_id).addresses.get(address_type="shipping").city == "Tacoma"


def test_queries_per_page_do_not_grow_with_the_number_of_orders(amazon_store):
    def count(n: int) -> int:
        orders = [amazon_order(items=[amazon_item(sku=f"S{i % 3}"), amazon_item(sku="T")]) for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            run(amazon_store, *orders)
        assert Order.objects.filter(external_order_number__in=[o.order_id for o in orders]).count() == n
        return len(ctx.captured_queries)

    count(2)  # first-time rows (sequences, products) out of the way
    ten = count(10)
    assert count(20) == ten
    # A full page of 100: only SQLite's bound-parameter limit splits a few bulk statements into batches.
    assert count(100) <= ten + 20


def test_refund_in_commerce_then_amazon_cancel_does_not_refund_twice(amazon_store, staff):
    order = amazon_order()
    run(amazon_store, order)
    refund_order(order=commerce(order.order_id), actor=staff)
    run(amazon_store, with_changes(order, fulfillment_status="CANCELLED"))
    assert commerce(order.order_id).credit_memos.count() == 1
