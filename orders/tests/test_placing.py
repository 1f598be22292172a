"""create_orders: totals, numbers, stock, offline invoicing, and the one-order-per-channel-order constraint."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from orders.models import Invoice, Order, Product
from orders.services import NewItem, NewOrder, OrderActionRefused, create_orders
from orders.tests.factories import ProductFactory, StoreFactory, make_address, make_order

pytestmark = pytest.mark.django_db


def amazon_order(store, number: str, items: int = 2) -> NewOrder:
    return NewOrder(
        store=store,
        items=[NewItem(sku=f"SKU-{n}", name="Thing", qty=1 + n, price=Decimal("9.99")) for n in range(items)],
        billing_address=make_address(),
        channel="amazon",
        external_order_number=number,
        payment_method="amazon",
        payment_method_title="Amazon Channel Payment",
    )


def test_totals_numbers_and_stock():
    ProductFactory(sku="SKU-A", qty_in_stock=10)
    order = make_order(items=[("SKU-A", 2, "10.00", "1.60")], shipping="5.00", shipping_tax="0.40")
    assert (order.subtotal, order.tax_amount, order.grand_total) == (Decimal("20.00"), Decimal("2.00"), Decimal("27"))
    assert order.increment_id == f"{order.store.pk}00000001"
    assert order.billing_name == order.shipping_name == "Veronica Costello"
    assert order.addresses.count() == 2
    assert Product.objects.get(sku="SKU-A").qty_in_stock == 8
    assert make_order().increment_id == f"{order.store.pk}00000002"


def test_offline_invoicing_makes_the_order_processing_and_paid():
    store = StoreFactory()
    (order,) = create_orders(orders=[amazon_order(store, "111-0000000-0000001")], invoice_offline=True)
    order.refresh_from_db()
    assert (order.state, order.status) == ("processing", "processing")
    assert order.total_paid == order.grand_total == Invoice.objects.get(order=order).grand_total
    assert order.comments.filter(kind="invoice").count() == 1


def test_a_second_order_for_the_same_channel_order_is_impossible():
    store = StoreFactory()
    create_orders(orders=[amazon_order(store, "111-0000000-0000001")])
    with pytest.raises(IntegrityError):
        create_orders(orders=[amazon_order(store, "111-0000000-0000001")])
    assert Order.objects.count() == 1


def test_the_channel_number_can_be_the_increment_id():
    store = StoreFactory()
    new = amazon_order(store, "111-0000000-0000009")
    new.increment_id = "111-0000000-0000009"
    (order,) = create_orders(orders=[new])
    assert order.increment_id == "111-0000000-0000009"


@pytest.mark.parametrize("bad", [{"qty": 0}, {"price": Decimal("-1")}])
def test_bad_items_are_refused_and_nothing_is_placed(bad):
    store = StoreFactory()
    new = amazon_order(store, "1")
    for key, value in bad.items():
        setattr(new.items[0], key, value)
    with pytest.raises(OrderActionRefused):
        create_orders(orders=[amazon_order(store, "2"), new])
    assert not Order.objects.exists()


def test_query_count_per_batch_does_not_grow_with_orders_or_items():
    store = StoreFactory()
    create_orders(orders=[amazon_order(store, "warm")], invoice_offline=True)  # sequences exist

    def count(n_orders: int, n_items: int) -> int:
        batch = [amazon_order(store, f"{n_orders}-{n_items}-{n}", items=n_items) for n in range(n_orders)]
        with CaptureQueriesContext(connection) as ctx:
            create_orders(orders=batch, invoice_offline=True)
        return len(ctx.captured_queries)

    # (within one INSERT batch of the database: SQLite splits very large batches)
    assert count(5, 1) == count(20, 1) == count(5, 4)
