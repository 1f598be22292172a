"""The Commerce order number sent back to Amazon as the seller order id (POST_ORDER_ACKNOWLEDGEMENT_DATA, StatusCode
Success, MerchantOrderID), end to end against the sandbox over HTTP; off unless the store turns it on."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from amazon_channel.core import client as clients
from amazon_channel.models import OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.push.blocks import describe_update
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.testing.amazon_orders import import_from_sandbox
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import OrderComment

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def store(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return AmazonStoreFactory(name="US Store")


def new_orders(sandbox, store, n):
    ids = sandbox.control.add_orders(
        n, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id="ATVPDKIKX0DER", items=1, lifecycle=False
    )
    return [import_from_sandbox(store=store, order_id=order_id) for order_id in ids]


def run_feeds(sandbox, store):
    client = clients.client_for_store(store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)
    now = timezone.now()
    scheduling.process_store_feeds(store=store, client=client, now=now)
    sandbox.control.process_feeds()
    scheduling.process_store_feeds(store=store, client=client, now=now + timedelta(minutes=1))


def test_off_by_default_nothing_is_sent(sandbox, store):
    assert store.send_merchant_order_id is False
    [amazon_order] = new_orders(sandbox, store, 1)
    assert not OutboundUpdate.objects.filter(amazon_order=amazon_order).exists()
    run_feeds(sandbox, store)
    assert sandbox.control.ledger("createFeed") == []
    assert sandbox.control.order(amazon_order.amazon_order_id)["merchant_order_id"] == ""


def test_imported_orders_numbers_reach_amazon_once_in_one_acknowledgement_feed(sandbox, store):
    store.send_merchant_order_id = True
    store.save(update_fields=["send_merchant_order_id"])
    orders = new_orders(sandbox, store, 2)
    # Imported again (a later run sees them again): still one update each.
    import_from_sandbox(store=store, order_id=orders[0].amazon_order_id)
    updates = list(OutboundUpdate.objects.filter(kind="order_number").order_by("pk"))
    assert [u.amazon_order_id for u in updates] == [o.pk for o in orders]
    number = orders[0].commerce_order.increment_id
    assert describe_update(updates[0]) == f"Order number {number} as the seller order id"

    run_feeds(sandbox, store)

    [create] = sandbox.control.ledger("createFeed")
    assert create["body"]["feedType"] == "POST_ORDER_ACKNOWLEDGEMENT_DATA"
    [upload] = sandbox.control.ledger("uploadFeedDocument")
    document = ET.fromstring(sandbox.sandbox.documents[upload["path"].rsplit("/", 1)[-1]].content)
    acks = [m.find("OrderAcknowledgement") for m in document.findall("Message")]
    assert [(a.findtext("AmazonOrderID"), a.findtext("MerchantOrderID"), a.findtext("StatusCode")) for a in acks] == [
        (o.amazon_order_id, o.commerce_order.increment_id, "Success") for o in orders
    ]
    assert all(a.find("Item") is None for a in acks)
    for update in updates:
        update.refresh_from_db()
        assert update.state == OutboundUpdate.State.ACCEPTED
    for order in orders:
        at_amazon = sandbox.control.order(order.amazon_order_id)
        assert (at_amazon["merchant_order_id"], at_amazon["status"]) == (order.commerce_order.increment_id, "UNSHIPPED")
        number = order.commerce_order.increment_id
        comment = f"Sent to Amazon: order number {number} accepted as the seller order id."
        assert OrderComment.objects.filter(order=order.commerce_order, comment=comment).exists()
    assert sandbox.control.state()["schema_errors"] == []
    # Seller Central (the sandbox's page) shows the seller order id next to Amazon's.
    assert orders[0].commerce_order.increment_id in requests.get(sandbox.url + "/", timeout=10).text
