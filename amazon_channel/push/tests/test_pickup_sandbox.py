"""In-store pickup statuses pressed on the Commerce order page, delivered through the outbox to the Seller Central
sandbox over HTTP (v0 updateShipmentStatus, validated against Amazon's model), and the Commerce order following."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from amazon_channel.core import client as clients
from amazon_channel.models import AmazonOrder, OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.testing.amazon_orders import import_from_sandbox
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import OrderState, Shipment

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
State = OutboundUpdate.State
READY = 'value="ReadyForPickup"'
PICKED_UP = 'value="PickedUp"'
REFUSED = 'value="RefusedPickup"'


@pytest.fixture
def store(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return AmazonStoreFactory(name="US Store")


@pytest.fixture
def amazon(store):
    return clients.client_for_store(store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)


def pickup_order(sandbox, store) -> AmazonOrder:
    [order_id] = sandbox.control.add_orders(
        1,
        status="UNSHIPPED",
        fulfilled_by="MERCHANT",
        in_store_pickup=True,
        marketplace_id="ATVPDKIKX0DER",
        lifecycle=False,
    )
    return import_from_sandbox(store=store, order_id=order_id)


def order_page(browser, amazon_order: AmazonOrder) -> str:
    return unescape(browser.get(reverse("orders:order_view", args=[amazon_order.commerce_order_id])).content.decode())


def press(browser, amazon_order: AmazonOrder, status: str) -> str:
    response = browser.post(
        reverse("amazon_channel:order_pickup_status", args=[amazon_order.pk]), {"status": status}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("orders:order_view", args=[amazon_order.commerce_order_id])
    return unescape(response.content.decode())


def deliver(amazon_order: AmazonOrder, amazon) -> OutboundUpdate:
    update = OutboundUpdate.objects.filter(amazon_order=amazon_order, kind="pickup_status").latest("pk")
    scheduling.deliver_update(update_id=update.pk, client=amazon)
    update.refresh_from_db()
    return update


def sent_statuses(sandbox) -> list[tuple[int, str]]:
    return [(e["status"], e["path"].rsplit("/", 2)[-2]) for e in sandbox.control.ledger("updateShipmentStatus")]


def test_ready_then_picked_up_completes_the_commerce_order(sandbox, store, amazon, admin_user_client):
    amazon_order = pickup_order(sandbox, store)
    page = order_page(admin_user_client, amazon_order)
    assert READY in page and PICKED_UP not in page and REFUSED not in page

    page = press(admin_user_client, amazon_order, "ReadyForPickup")
    assert "Ready for Pickup is on its way to Amazon." in page
    assert "Waiting for Amazon to accept the last pickup status." in page and PICKED_UP not in page
    assert deliver(amazon_order, amazon).state == State.ACCEPTED
    assert sandbox.control.order(amazon_order.amazon_order_id)["pickup_status"] == "ReadyForPickup"

    page = order_page(admin_user_client, amazon_order)
    assert READY not in page and PICKED_UP in page and REFUSED in page
    assert "Sent to Amazon: Ready for Pickup." in page
    press(admin_user_client, amazon_order, "PickedUp")
    assert deliver(amazon_order, amazon).state == State.ACCEPTED

    remote = sandbox.control.order(amazon_order.amazon_order_id)
    assert (remote["status"], remote["pickup_status"], remote["packages"]) == ("SHIPPED", "PickedUp", [])
    order = amazon_order.commerce_order
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETE
    shipment = Shipment.objects.get(order=order)
    assert not shipment.tracks.exists()  # no carrier package
    assert sandbox.control.ledger("confirmShipment") == []  # nothing echoed back as a carrier shipment
    page = order_page(admin_user_client, amazon_order)
    assert READY not in page and PICKED_UP not in page and REFUSED not in page
    assert "Pickup status: Picked Up." in page
    outbox = admin_user_client.get(reverse("amazon_channel:push_outbox"), {"state": "accepted"}).content.decode()
    assert "Pickup status" in outbox and "Amazon accepted the pickup status Picked Up." in outbox
    assert "Pickup status Picked Up" in page  # its *Sent to Amazon* line
    assert sandbox.control.state()["schema_errors"] == []


def test_ready_then_refused_cancels_the_commerce_order(sandbox, store, amazon, admin_user_client):
    amazon_order = pickup_order(sandbox, store)
    press(admin_user_client, amazon_order, "ReadyForPickup")
    deliver(amazon_order, amazon)
    press(admin_user_client, amazon_order, "RefusedPickup")
    assert deliver(amazon_order, amazon).state == State.ACCEPTED

    remote = sandbox.control.order(amazon_order.amazon_order_id)
    assert (remote["status"], remote["pickup_status"]) == ("CANCELLED", "RefusedPickup")
    order = amazon_order.commerce_order
    order.refresh_from_db()
    assert order.state in {OrderState.CANCELED, OrderState.CLOSED}
    assert not Shipment.objects.filter(order=order).exists()
    page = order_page(admin_user_client, amazon_order)
    assert PICKED_UP not in page and REFUSED not in page and READY not in page


def test_out_of_order_is_not_offered_and_a_forged_post_is_refused(sandbox, store, amazon, admin_user_client):
    amazon_order = pickup_order(sandbox, store)
    assert PICKED_UP not in order_page(admin_user_client, amazon_order)

    page = press(admin_user_client, amazon_order, "PickedUp")
    assert "Mark the order Ready for Pickup first." in page
    amazon_order.refresh_from_db()
    assert amazon_order.pickup_status == ""
    assert not OutboundUpdate.objects.filter(amazon_order=amazon_order).exists()

    press(admin_user_client, amazon_order, "ReadyForPickup")
    page = press(admin_user_client, amazon_order, "PickedUp")  # Amazon has not accepted Ready for Pickup yet
    assert "Picked Up can't be sent yet: Amazon has not accepted the last pickup status." in page
    deliver(amazon_order, amazon)
    page = press(admin_user_client, amazon_order, "ReadyForPickup")
    assert "Ready for Pickup can't follow Ready for Pickup." in page
    assert OutboundUpdate.objects.filter(amazon_order=amazon_order).count() == 1
    assert sent_statuses(sandbox) == [(204, amazon_order.amazon_order_id)]


def test_a_pickup_status_on_an_ordinary_order_is_refused(sandbox, store, admin_user_client):
    [order_id] = sandbox.control.add_orders(
        1, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id="ATVPDKIKX0DER", lifecycle=False
    )
    amazon_order = import_from_sandbox(store=store, order_id=order_id)
    assert 'data-testid="pickup-block"' not in order_page(admin_user_client, amazon_order)
    page = press(admin_user_client, amazon_order, "ReadyForPickup")
    assert f"Order {order_id} is not an in-store pickup order." in page
    assert not OutboundUpdate.objects.exists()


def test_503s_are_retried_until_amazon_accepts(sandbox, store, amazon, admin_user_client):
    amazon_order = pickup_order(sandbox, store)
    press(admin_user_client, amazon_order, "ReadyForPickup")
    sandbox.control.inject("503", operation="updateShipmentStatus", count=7)  # more than the client's own retries
    update = deliver(amazon_order, amazon)
    assert update.state == State.PENDING and update.next_attempt_at is not None
    assert "Will try again at" in update.last_response
    assert sandbox.control.order(amazon_order.amazon_order_id)["pickup_status"] is None
    sandbox.control.clear_faults()
    OutboundUpdate.objects.filter(pk=update.pk).update(next_attempt_at=None)  # its backoff has run out
    assert deliver(amazon_order, amazon).state == State.ACCEPTED
    assert sandbox.control.order(amazon_order.amazon_order_id)["pickup_status"] == "ReadyForPickup"
    assert PICKED_UP in order_page(admin_user_client, amazon_order)


def test_amazons_rejection_is_shown_on_the_order(sandbox, store, amazon, admin_user_client):
    amazon_order = pickup_order(sandbox, store)
    press(admin_user_client, amazon_order, "ReadyForPickup")
    sandbox.control.set_status(amazon_order.amazon_order_id, "CANCELLED")  # Amazon canceled it meanwhile
    update = deliver(amazon_order, amazon)
    assert update.state == State.FAILED
    page = order_page(admin_user_client, amazon_order)
    assert "Amazon did not take the last pickup status: Amazon rejected it:" in page
    assert "its pickup status can no longer change" in page
    assert PICKED_UP not in page and READY not in page
