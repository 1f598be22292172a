"""A buyer's request to cancel, end to end against the sandbox over HTTP: Amazon sends the items'
cancellationRequest, the import stores it, the pages show it, Accept cancels through the acknowledgement feed with
reason BuyerCanceled and Decline is only recorded."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amazon_channel.core import client as clients
from amazon_channel.models import OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.testing.amazon_orders import import_from_sandbox
from amazon_channel.testing.factories import AmazonStoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def store(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return AmazonStoreFactory(name="US Store")


def asked_to_cancel(sandbox, store, reason="BuyerCanceled"):
    [order_id] = sandbox.control.add_orders(
        1, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id="ATVPDKIKX0DER", items=2, lifecycle=False
    )
    sandbox.control.request_cancel(order_id, reason)
    amazon_order = import_from_sandbox(store=store, order_id=order_id)
    assert sandbox.control.state()["schema_errors"] == []
    return amazon_order


def test_buyer_request_is_shown_and_accept_cancels_on_amazon_with_reason_buyer_canceled(
    sandbox, store, admin_user_client
):
    amazon_order = asked_to_cancel(sandbox, store, reason="NoLongerNeeded")
    api_items = sandbox.control.order(amazon_order.amazon_order_id)["api"]["orderItems"]
    assert [i["cancellation"] for i in api_items] == [
        {"cancellationRequest": {"requester": "BUYER", "cancelReason": "NoLongerNeeded"}}
    ] * 2
    assert (amazon_order.buyer_cancel_requested, amazon_order.buyer_cancel_reason) == (True, "NoLongerNeeded")
    assert amazon_order.status == "UNSHIPPED"

    detail = admin_user_client.get(reverse("amazon_channel:order_detail", args=[amazon_order.pk])).content.decode()
    assert "Buyer asked to cancel" in detail and "NoLongerNeeded" in detail
    assert "no call to decline a cancel request" in detail
    commerce = admin_user_client.get(reverse("orders:order_view", args=[amazon_order.commerce_order_id]))
    assert "The buyer asked Amazon to cancel order" in commerce.content.decode()
    grid = admin_user_client.get(reverse("amazon_channel:order_grid"), {"cancel_requested": "1"}).content.decode()
    assert amazon_order.amazon_order_id in grid

    response = admin_user_client.post(
        reverse("amazon_channel:order_buyer_cancel_accept", args=[amazon_order.pk]), follow=True
    )
    assert "You accepted the buyer&#x27;s request" in response.content.decode()
    update = OutboundUpdate.objects.get(amazon_order=amazon_order)
    assert (update.kind, update.payload["reason"]) == ("cancel", "BuyerCanceled")
    grid = admin_user_client.get(reverse("amazon_channel:order_grid"), {"cancel_requested": "1"}).content.decode()
    assert amazon_order.amazon_order_id not in grid

    client = clients.client_for_store(store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)
    now = timezone.now()
    scheduling.process_store_feeds(store=store, client=client, now=now)
    sandbox.control.process_feeds()
    scheduling.process_store_feeds(store=store, client=client, now=now + timedelta(minutes=1))

    [upload] = sandbox.control.ledger("uploadFeedDocument")
    document = ET.fromstring(sandbox.sandbox.documents[upload["path"].rsplit("/", 1)[-1]].content)
    ack = document.find("Message/OrderAcknowledgement")
    assert ack.findtext("StatusCode") == "Failure"
    assert {i.findtext("CancelReason") for i in ack.findall("Item")} == {"BuyerCanceled"}
    update.refresh_from_db()
    assert update.state == OutboundUpdate.State.ACCEPTED
    at_amazon = sandbox.control.order(amazon_order.amazon_order_id)
    assert at_amazon["status"] == "CANCELLED"
    assert at_amazon["cancellation"]["requester"] == "BUYER"

    # Amazon's side, read back: canceled, the request answered; the Commerce order (invoiced offline on import)
    # refunded and closed, as for any Amazon-side cancel.
    amazon_order = import_from_sandbox(store=store, order_id=amazon_order.amazon_order_id)
    assert (amazon_order.status, amazon_order.buyer_cancel_requested) == ("CANCELLED", False)
    amazon_order.commerce_order.refresh_from_db()
    assert amazon_order.commerce_order.state == "closed"


def test_decline_is_recorded_only_and_nothing_goes_to_amazon(sandbox, store, admin_user_client):
    amazon_order = asked_to_cancel(sandbox, store)

    response = admin_user_client.post(
        reverse("amazon_channel:order_buyer_cancel_decline", args=[amazon_order.pk]), follow=True
    )

    page = response.content.decode()
    assert "You declined the buyer&#x27;s request to cancel" in page
    assert "Recorded here only" in page
    amazon_order.refresh_from_db()
    assert amazon_order.buyer_cancel_decision == "declined"
    assert not OutboundUpdate.objects.filter(amazon_order=amazon_order).exists()
    # A later import keeps the answer; the order is still to be shipped; a second answer is refused.
    amazon_order = import_from_sandbox(store=store, order_id=amazon_order.amazon_order_id)
    assert (amazon_order.buyer_cancel_requested, amazon_order.buyer_cancel_decision) == (True, "declined")
    assert amazon_order.commerce_order.state != "canceled"
    response = admin_user_client.post(
        reverse("amazon_channel:order_buyer_cancel_accept", args=[amazon_order.pk]), follow=True
    )
    assert "has no open cancel request from the buyer" in response.content.decode()
    assert not OutboundUpdate.objects.filter(amazon_order=amazon_order).exists()
