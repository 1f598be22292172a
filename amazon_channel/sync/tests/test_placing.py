"""The Commerce order of an imported Amazon order: per the store's settings, exactly one, a bad one isolated."""

from __future__ import annotations

from decimal import Decimal

import pytest

from amazon_channel.models import AmazonOrder, AmazonStore, CommunicationLog
from amazon_channel.spapi import types
from amazon_channel.testing.amazon_orders import amazon_item, amazon_order, with_changes
from orders.models import Customer, Order, OrderState
from orders.tests.factories import make_order

from .helpers import commerce, run

pytestmark = pytest.mark.django_db


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


def test_missing_buyer_name_falls_back_to_the_recipient(amazon_store):
    order = amazon_order(buyer=None)
    run(amazon_store, order)
    placed = commerce(order.order_id)
    assert (placed.customer_first_name, placed.customer_last_name) == ("Jane", "Recipient")
    assert any("uses Jane Recipient" in c.comment for c in placed.comments.all())


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


def test_a_buyer_the_orders_app_refuses_an_account_is_placed_as_a_guest(amazon_store):
    amazon_store.customer_creation = AmazonStore.CustomerCreation.BUILD
    amazon_store.save()
    unusable = types.Buyer(name="No Mail", email="not-an-email-address", company=None)
    fine, odd = amazon_order(), amazon_order(buyer=unusable)

    result = run(amazon_store, fine, odd)

    assert result.commerce_orders_created == 2 and not result.failed
    assert commerce(fine.order_id).customer is not None
    assert commerce(odd.order_id).customer is None
    assert Customer.objects.count() == 1


def test_unknown_and_out_of_stock_skus_never_block_the_import_and_the_order_says_so(amazon_store):
    from orders.models import Product

    Product.objects.create(sku="LOW-1", name="Low", qty_in_stock=1)
    Product.objects.create(sku="OK-1", name="Fine", qty_in_stock=10)
    order = amazon_order(
        items=[amazon_item(sku="GHOST-9", qty=1), amazon_item(sku="LOW-1", qty=3), amazon_item(sku="OK-1", qty=2)]
    )
    result = run(amazon_store, order)

    assert result.commerce_orders_created == 1
    placed = commerce(order.order_id)
    assert {i.sku for i in placed.items.all()} == {"GHOST-9", "LOW-1", "OK-1"}
    comments = [c.comment for c in placed.comments.all()]
    assert "SKU GHOST-9 is not in the catalogue; the item was created from Amazon's data." in comments
    assert "SKU LOW-1 is out of stock (1 in stock); the order was imported anyway." in comments
    assert not any("OK-1" in c for c in comments)
    assert Product.objects.get(sku="LOW-1").qty_in_stock == -2  # the stock move still happens, exactly
    assert Product.objects.get(sku="OK-1").qty_in_stock == 8
