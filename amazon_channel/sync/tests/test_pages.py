"""One page of Amazon orders written in bulk: newer data wins, staff corrections stay, queries stay constant."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amazon_channel.amazon_orders.services import update_shipping_address
from amazon_channel.core.address import AmazonAddress
from amazon_channel.models import AmazonOrder
from amazon_channel.testing.amazon_orders import amazon_item, amazon_order, with_changes
from orders.models import Order, StockReservation
from orders.selectors import stock_levels
from orders.tests.factories import ProductFactory

from .helpers import commerce, run

pytestmark = pytest.mark.django_db


def test_an_older_copy_never_overwrites_a_newer_one(amazon_store):
    order = amazon_order(status="UNSHIPPED")
    newer = with_changes(order, fulfillment_status="SHIPPED")
    run(amazon_store, newer)
    run(amazon_store, order)
    assert AmazonOrder.objects.get(amazon_order_id=order.order_id).status == "SHIPPED"


def test_staff_address_correction_survives_later_imports(amazon_store, staff):
    order = amazon_order()
    run(amazon_store, order)
    row = AmazonOrder.objects.get(amazon_order_id=order.order_id)
    update_shipping_address(
        amazon_order=row,
        address=AmazonAddress(
            name="Jane Fixed",
            address_lines=["2 Side Street"],
            city="Tacoma",
            state_or_region="WA",
            postal_code="98402",
            country_code="US",
        ),
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


def test_queries_per_page_of_pending_orders_reserving_stock_do_not_grow(amazon_store):
    amazon_store.reserve_pending_stock = True
    amazon_store.save()
    for sku in ("S0", "S1", "S2", "T"):
        ProductFactory(sku=sku, qty_in_stock=1000)

    def count(n: int) -> int:
        orders = [
            amazon_order(
                status="PENDING",
                items=[amazon_item(sku=f"S{i % 3}", unit_price=None), amazon_item(sku="T", qty=2, unit_price=None)],
            )
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as ctx:
            run(amazon_store, *orders)
        numbers = [o.order_id for o in orders]
        assert StockReservation.objects.filter(external_order_number__in=numbers).count() == 2 * n
        return len(ctx.captured_queries)

    count(2)
    ten = count(10)
    assert count(20) == ten
    assert stock_levels(skus=["T"])["T"].salable == 1000 - 2 * (2 + 10 + 20)
