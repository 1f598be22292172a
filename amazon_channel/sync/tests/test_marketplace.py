"""A store imports only its own marketplace's orders; an order another store already linked is refused, alone."""

from __future__ import annotations

import pytest

from amazon_channel.models import AmazonOrder
from amazon_channel.testing.amazon_orders import amazon_order
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import Order

from .helpers import run

pytestmark = pytest.mark.django_db

CANADA = "A2EUQ1WTGCTBG2"


def test_another_marketplaces_order_is_not_imported(amazon_store):
    ours, theirs = amazon_order(), amazon_order(marketplace_id=CANADA)

    run(amazon_store, ours, theirs)

    assert set(AmazonOrder.objects.values_list("amazon_order_id", flat=True)) == {ours.order_id}
    assert Order.objects.filter(external_order_number=theirs.order_id).count() == 0


def test_an_order_linked_to_another_store_fails_alone_and_the_page_goes_on(amazon_store):
    shared, other = amazon_order(), amazon_order()
    run(amazon_store, shared)
    second = AmazonStoreFactory(commerce_store=amazon_store.commerce_store)

    result = run(second, shared, other)

    refused = AmazonOrder.objects.get(store=second, amazon_order_id=shared.order_id)
    assert refused.commerce_order_id is None and "already linked to another store" in refused.import_error
    assert AmazonOrder.objects.get(store=second, amazon_order_id=other.order_id).commerce_order_id is not None
    assert AmazonOrder.objects.get(store=amazon_store, amazon_order_id=shared.order_id).commerce_order_id
    assert result.commerce_orders_created == 1
