"""The communication log lists every rejection by Amazon: a message rejected inside a feed's processing report as
well as a 4xx answer (test_packages_sandbox), each with Amazon's code and message, on the store's Communication Log
page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amazon_channel.core import client as clients
from amazon_channel.models import CommunicationLog, OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.testing.amazon_orders import import_from_sandbox, refund, update_for
from amazon_channel.testing.factories import AmazonStoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
State = OutboundUpdate.State


@pytest.fixture
def store(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return AmazonStoreFactory(name="US Store")


def test_feed_and_4xx_rejections_are_in_the_communication_log(sandbox, store, admin_user_client):
    spapi = clients.client_for_store(store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)
    [shipped] = sandbox.control.add_orders(
        1, status="SHIPPED", fulfilled_by="MERCHANT", marketplace_id="ATVPDKIKX0DER", items=1, lifecycle=False
    )
    # A refund Amazon rejects in its processing report: an item it doesn't know.
    order = import_from_sandbox(store=store, order_id=shipped).commerce_order
    order.items.update(external_item_id="99999999999999")
    memo = refund(order=order, quantities={order.items.get().sku: 1}, shipping=None)
    now = timezone.now()
    scheduling.process_store_feeds(store=store, client=spapi, now=now)
    sandbox.control.process_feeds()
    scheduling.process_store_feeds(store=store, client=spapi, now=now + timedelta(minutes=1))
    assert update_for(memo).state == State.FAILED

    feed_row = CommunicationLog.objects.get(store=store, operation="POST_PAYMENT_ADJUSTMENT_DATA")
    assert feed_row.code == "18029"
    assert feed_row.amazon_order_id == shipped
    assert feed_row.request_id.startswith("feed ")
    page = admin_user_client.get(reverse("amazon_channel:communication_log", args=[store.pk])).content.decode()
    assert "POST_PAYMENT_ADJUSTMENT_DATA" in page and "18029" in page
