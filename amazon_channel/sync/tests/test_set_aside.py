"""Orders Amazon sent in a shape that can't be read or stored: set aside, visible, fetched again; the page imports."""

from __future__ import annotations

import dataclasses

import pytest

from amazon_channel.models import AmazonOrder, CommunicationLog
from amazon_channel.spapi import types
from amazon_channel.sync import (
    import_orders,
)
from amazon_channel.testing.amazon_orders import amazon_item, amazon_order
from orders.models import Order

pytestmark = pytest.mark.django_db


def test_unreadable_order_is_logged_kept_visible_and_fetched_again(amazon_store, fake):
    good = amazon_order()
    bad_id = "111-0000000-0000666"
    original = fake.search_orders

    def with_a_bad_order(**kwargs):
        page = original(**kwargs)
        page.bad_orders.append(types.BadOrder(order_id=bad_id, error="orderItems: expected a list", raw={}))
        return page

    fake.orders = [good]
    fake.search_orders = with_a_bad_order
    result = import_orders(store=amazon_store)

    assert result.ok and bad_id in result.failed
    assert Order.objects.filter(external_order_number=good.order_id).exists()
    row = AmazonOrder.objects.get(amazon_order_id=bad_id)
    assert row.needs_refetch and "could not read" in row.import_error
    assert CommunicationLog.objects.filter(amazon_order_id=bad_id, code="UnreadableOrder").exists()

    # Amazon serves it properly by id next time.
    fake.search_orders = original
    fake.orders.append(amazon_order(order_id=bad_id))
    import_orders(store=amazon_store)
    row.refresh_from_db()
    assert not row.needs_refetch and row.import_error == "" and row.commerce_order is not None
    assert ("getOrder", {"order_id": bad_id}) in fake.calls


@pytest.mark.parametrize(
    "bad,why",
    [
        ({"qty": -1}, "is out of range"),  # a CHECK constraint would fail the whole page
        ({"qty": 2**31}, "is out of range"),  # past PostgreSQL's integer
        ({"unit_price": "1E+30"}, ""),  # too large to round to cents
        ({"sku": "S" * 129}, "seller_sku is longer than 128"),
        ({"title": "Mug\x00"}, "title holds a character"),  # PostgreSQL refuses NUL in text
    ],
)
def test_an_order_the_database_cant_hold_is_set_aside_and_the_page_imports(amazon_store, fake, bad, why):
    good = amazon_order()
    odd = amazon_order(items=[amazon_item(**bad)])
    fake.orders = [good, odd]

    result = import_orders(store=amazon_store)

    assert result.ok, result.error
    assert Order.objects.filter(external_order_number=good.order_id).exists()
    assert not Order.objects.filter(external_order_number=odd.order_id).exists()
    row = AmazonOrder.objects.get(amazon_order_id=odd.order_id)
    assert row.needs_refetch and "can't be stored" in row.import_error and why in row.import_error
    assert not row.items.exists()
    assert CommunicationLog.objects.filter(amazon_order_id=odd.order_id, code="UnreadableOrder").exists()


@pytest.mark.parametrize(
    "payload,stored",
    [
        ({"note": "Mug\x00"}, False),  # NUL: no column holds it
        ({"note": "half \ud800 a pair"}, False),  # a lone surrogate (a \ud800 escape Amazon sent)
        ({"note": "emoji 😀 and é"}, True),  # a surrogate pair once escaped: fine
        ({"note": "the text \\u0000, not a NUL"}, True),
    ],
)
def test_amazons_payload_is_checked_for_what_no_column_can_hold(amazon_store, fake, payload, stored):
    odd = dataclasses.replace(amazon_order(), raw={"orderId": "x", **payload})
    fake.orders = [amazon_order(), odd]

    result = import_orders(store=amazon_store)

    assert result.ok, result.error
    row = AmazonOrder.objects.get(amazon_order_id=odd.order_id)
    assert Order.objects.filter(external_order_number=odd.order_id).exists() is stored
    if stored:
        assert row.raw["note"] == payload["note"] and not row.needs_refetch
    else:
        assert row.needs_refetch and "raw holds a character" in row.import_error
