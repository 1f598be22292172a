"""The seed's own path in a real browser (Playwright driving Debian's chromium): an Amazon order imported from the
Seller Central sandbox shows its Amazon number in *Recent Orders*; a click opens the Commerce order, whose *Payment &
Shipping Method* names the Amazon order and offers *View or Cancel Amazon Order*; *Amazon Order Details* cancels it
with a reason; and the cancel reaches the sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from admin_ui.testing import login
from amazon_channel.core import client as clients
from amazon_channel.models import AmazonOrder, AmazonStore, OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.sync import import_orders
from orders.tests.factories import StoreFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def fast_client(store: AmazonStore):
    # A fresh rate limiter and no real sleeping between the client's own retries: the sandbox runs without limits.
    return clients.client_for_store(store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)


@pytest.fixture
def amazon_store(sandbox, settings) -> AmazonStore:
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    creds = sandbox.credentials
    return AmazonStore.objects.create(
        name="Amazon US",
        commerce_store=StoreFactory(),
        client_id=creds.client_id,
        client_secret=creds.client_secret,
        refresh_token=creds.refresh_token,
        seller_id=creds.seller_id,
        marketplace_id=creds.marketplace_id,
    )


def test_from_recent_orders_to_a_cancel_that_reaches_amazon(sandbox, amazon_store, live_server, browser_page):
    [amazon_number] = sandbox.control.add_orders(
        1, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id="ATVPDKIKX0DER", lifecycle=False
    )
    sandbox.control.advance(300)  # past Amazon's indexing delay and the 2-minute window end
    result = import_orders(store=amazon_store, client=fast_client(amazon_store))
    assert result.ok, result.summary()
    amazon_order = AmazonOrder.objects.select_related("commerce_order").get(amazon_order_id=amazon_number)
    order = amazon_order.commerce_order
    assert order is not None
    page = browser_page

    login(page, live_server, UserFactory(username="merchant", is_superuser=True))
    recent = page.locator("[data-testid=recent-orders]")
    recent.get_by_role("link", name=amazon_number).click()

    page.wait_for_url(f"**/sales/orders/{order.pk}/")
    payment = page.locator("[data-testid=payment-method]")
    assert amazon_number in payment.inner_text()
    payment.get_by_role("link", name="View or Cancel Amazon Order").click()

    page.wait_for_url(f"**/amazon/orders/{amazon_order.pk}/")
    assert "Amazon Order" in page.locator("h1").inner_text()
    cancel = page.locator("#cancel-order")
    cancel.get_by_label("Cancel reason").select_option("NoInventory")
    cancel.get_by_role("button", name="Cancel Order").click()
    page.click("[data-testid=confirm-ok]")  # the layout's dialog asks "Cancel this order on Amazon?"
    page.get_by_text("The cancel request is on its way to Amazon.").wait_for()

    update = OutboundUpdate.objects.get(amazon_order=amazon_order, kind=OutboundUpdate.Kind.CANCEL)
    # What a worker does: submit the feed, let Amazon process it, read Amazon's processing report.
    now = timezone.now()
    client = fast_client(amazon_store)
    scheduling.process_store_feeds(store=amazon_store, client=client, now=now)
    sandbox.control.process_feeds()
    scheduling.process_store_feeds(store=amazon_store, client=client, now=now + timedelta(minutes=1))

    update.refresh_from_db()
    assert update.state == OutboundUpdate.State.ACCEPTED, update.last_response
    [feed] = [e for e in sandbox.control.ledger("createFeed") if e["status"] == 202]
    assert feed["body"]["feedType"] == "POST_ORDER_ACKNOWLEDGEMENT_DATA"
    assert sandbox.control.order(amazon_number)["status"] == "CANCELLED"
