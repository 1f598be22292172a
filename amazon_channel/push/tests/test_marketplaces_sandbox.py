"""An EU store holding DE, FR and SE sends each update for the order's own marketplace, end to end against the
sandbox over HTTP: a FR order's shipment is confirmed with Amazon.fr's marketplaceId, refunds go in one feed per
marketplace (a SE refund in a feed for Amazon.se), VAT invoices name the order's marketplace."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from amazon_channel.core import client as clients
from amazon_channel.models import AmazonFeed, OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.testing.amazon_orders import import_from_sandbox, refund, ship, update_for
from amazon_channel.testing.factories import AmazonStoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
State = OutboundUpdate.State

DE, FR, SE = "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A2NODRKZP88ZB9"
EU_SELLER = "EUSELLER2"


@pytest.fixture
def store(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return AmazonStoreFactory(
        name="Amazon EU",
        region="eu",
        marketplace_id=DE,
        more_marketplace_ids=[FR, SE],
        seller_id=EU_SELLER,
        refresh_token=f"Atzr|sandbox-refresh-token.{EU_SELLER}",
        upload_vat_invoices=False,
    )


@pytest.fixture
def client(store):
    return clients.client_for_store(store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)


def new_order(sandbox, store, marketplace_id, status="UNSHIPPED"):
    [order_id] = sandbox.control.add_orders(
        1,
        status=status,
        fulfilled_by="MERCHANT",
        marketplace_id=marketplace_id,
        seller_id=EU_SELLER,
        items=1,
        lifecycle=False,
    )
    return import_from_sandbox(store=store, order_id=order_id)


def test_a_fr_orders_shipment_is_confirmed_for_amazon_fr(sandbox, store, client):
    amazon_order = new_order(sandbox, store, FR)
    assert (amazon_order.marketplace_id, amazon_order.commerce_order.order_currency) == (FR, "EUR")

    shipment = ship(order=amazon_order.commerce_order, tracks=[("dhl", "DHL", "JD0001")])
    assert scheduling.deliver_update(update_id=update_for(shipment).pk, client=client).state == State.ACCEPTED

    [entry] = sandbox.control.ledger("confirmShipment")
    assert entry["status"] == 204 and entry["body"]["marketplaceId"] == FR
    assert sandbox.control.order(amazon_order.amazon_order_id)["status"] == "SHIPPED"


def test_refunds_of_two_marketplaces_go_in_one_feed_each_and_amazon_takes_both(sandbox, store, client):
    sweden, germany = new_order(sandbox, store, SE, "SHIPPED"), new_order(sandbox, store, DE, "SHIPPED")
    assert sweden.commerce_order.order_currency == "SEK"
    updates = {}
    for amazon_order in (sweden, germany):
        order = amazon_order.commerce_order
        memo = refund(order=order, quantities={order.items.get().sku: 1}, shipping=None)
        updates[amazon_order.marketplace_id] = update_for(memo)

    now = timezone.now()
    scheduling.process_store_feeds(store=store, client=client, now=now)
    sandbox.control.process_feeds()
    scheduling.process_store_feeds(store=store, client=client, now=now + timedelta(minutes=1))

    creates = sandbox.control.ledger("createFeed")
    assert sorted(tuple(c["body"]["marketplaceIds"]) for c in creates) == [(DE,), (SE,)]
    assert all(c["body"]["feedType"] == "POST_PAYMENT_ADJUSTMENT_DATA" for c in creates)
    for marketplace, update in updates.items():
        update.refresh_from_db()
        assert update.state == State.ACCEPTED, update.last_response
        assert AmazonFeed.objects.get(pk=update.feed_id).marketplace_id == marketplace
    # The SE feed's document carries the SE order's refund in SEK, and only it.
    se_feed = AmazonFeed.objects.get(marketplace_id=SE)
    document = ET.fromstring(se_feed.document)
    assert [m.findtext(".//AmazonOrderID") for m in document.findall("Message")] == [sweden.amazon_order_id]
    assert {a.get("currency") for a in document.iter() if a.get("currency")} == {"SEK"}
    assert sandbox.control.order(sweden.amazon_order_id)["adjustments"]
    assert sandbox.control.state()["schema_errors"] == []


def test_an_order_in_a_feed_for_another_marketplace_is_refused_by_amazon(sandbox, store, client):
    """What grouping per marketplace avoids: the sandbox, like Amazon, finds no SE order in a feed for DE."""
    sweden = new_order(sandbox, store, SE, "SHIPPED")
    memo = refund(order=sweden.commerce_order, quantities={sweden.commerce_order.items.get().sku: 1}, shipping=None)
    update = update_for(memo)
    sweden.marketplace_id = ""  # as if the order had no marketplace of its own: the store's home one (DE) is used
    type(sweden).objects.filter(pk=sweden.pk).update(marketplace_id="")

    now = timezone.now()
    scheduling.process_store_feeds(store=store, client=client, now=now)
    sandbox.control.process_feeds()
    scheduling.process_store_feeds(store=store, client=client, now=now + timedelta(minutes=1))

    [create] = sandbox.control.ledger("createFeed")
    assert create["body"]["marketplaceIds"] == [DE]
    update.refresh_from_db()
    assert update.state == State.FAILED and "not found in this feed's marketplaces" in update.last_response
