"""Issue 15, in a real browser: New Shipment of an Amazon order with two packages and chosen items in each; what
the Seller Central sandbox then shows on its own page is exactly those packages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from admin_ui.testing import login
from amazon_channel.core import client as clients
from amazon_channel.models import AmazonStore, OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.testing.amazon_orders import import_from_sandbox
from orders.tests.factories import StoreFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


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


def test_two_packages_with_chosen_items_reach_the_sandbox_as_packed(sandbox, amazon_store, live_server, browser_page):
    [amazon_number] = sandbox.control.add_orders(
        1,
        status="UNSHIPPED",
        fulfilled_by="MERCHANT",
        marketplace_id="ATVPDKIKX0DER",
        items=2,
        quantity=2,
        lifecycle=False,
    )
    amazon_order = import_from_sandbox(store=amazon_store, order_id=amazon_number)
    order = amazon_order.commerce_order
    first, second = (i.seller_sku for i in amazon_order.items.order_by("id"))
    page = browser_page

    login(page, live_server, UserFactory(username="merchant", is_superuser=True))
    page.goto(f"{live_server.url}/sales/orders/{order.pk}/")
    page.click("[data-testid=btn-ship]")
    page.click("[data-testid=add-track]")
    page.click("[data-testid=add-track]")
    rows = page.locator("#tracking-rows tr")
    rows.nth(0).locator("[data-testid=track-carrier]").select_option("ups")
    rows.nth(0).locator("[data-testid=track-number]").fill("1Z999AA10000001")
    rows.nth(0).locator(f"[data-testid=package-qty-{first}]").fill("2")
    rows.nth(0).locator(f"[data-testid=package-qty-{second}]").fill("1")
    rows.nth(1).locator("[data-testid=track-carrier]").select_option("usps")
    rows.nth(1).locator("[data-testid=track-number]").fill("9400100000000002")
    rows.nth(1).locator(f"[data-testid=package-qty-{second}]").fill("1")
    # Qty to Ship follows what the packages hold.
    expect(page.locator(f"[data-testid=qty-{second}]")).to_have_value("2")
    page.click("[data-testid=submit-action]")
    expect(page.locator("[data-testid=message-success]")).to_contain_text("shipment")

    # What a worker does next: confirm each package with Amazon.
    update = OutboundUpdate.objects.get(amazon_order=amazon_order, kind=OutboundUpdate.Kind.SHIPMENT)
    client = clients.client_for_store(amazon_store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)
    assert scheduling.deliver_update(update_id=update.pk, client=client).state == OutboundUpdate.State.ACCEPTED

    page.goto(sandbox.url + "/")
    row = page.locator("tr", has_text=amazon_number).first
    expect(row).to_contain_text(f"UPS 1Z999AA10000001 (2× {first}, 1× {second})")
    expect(row).to_contain_text(f"USPS 9400100000000002 (1× {second})")
    expect(row).to_contain_text("SHIPPED")
