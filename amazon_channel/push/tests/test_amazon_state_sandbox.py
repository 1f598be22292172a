"""The Amazon order shows what Amazon accepted at once (issue 15), against the sandbox over HTTP: a confirmed
shipment makes it Shipped / Partially Shipped, an accepted cancel Canceled, "confirmed by Amazon at ..." on its page;
while a shipment is pending or accepted no cancel is offered and every cancel path refuses it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from amazon_channel.amazon_orders.services import (
    AmazonOrderActionRefused,
    request_amazon_cancel,
    update_shipping_address,
)
from amazon_channel.core import client as clients
from amazon_channel.core.address import AmazonAddress
from amazon_channel.models import AmazonOrder, OutboundUpdate
from amazon_channel.push import recording, scheduling
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.testing.amazon_orders import refund, ship, update_for
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.services import OrderActionRefused, cancel_order

from .test_sandbox import new_order, run_feeds

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
State = OutboundUpdate.State


@pytest.fixture
def store(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return AmazonStoreFactory(name="US Store")


@pytest.fixture
def spapi(store):
    # Its own name: `client` is Django's test client, which the page checks use.
    return clients.client_for_store(store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)


def detail(admin_user_client, amazon_order) -> str:
    response = admin_user_client.get(reverse("amazon_channel:order_detail", args=[amazon_order.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_confirmed_shipment_shows_shipped_at_once_and_no_cancel_is_offered(sandbox, store, spapi, admin_user_client):
    amazon_order = new_order(sandbox, store, items=2, quantity=1)
    first_sku, second_sku = (item.seller_sku for item in amazon_order.items.order_by("id"))
    first = ship(order=amazon_order.commerce_order, quantities={first_sku: 1}, tracks=[("ups", "UPS", "1Z1")])

    # Pending: Amazon hasn't heard yet, but a cancel would come after the shipment: not offered, refused.
    page = detail(admin_user_client, amazon_order)
    assert reverse("amazon_channel:order_cancel", args=[amazon_order.pk]) not in page
    assert "does not cancel an order once it has shipped" in page
    with pytest.raises(AmazonOrderActionRefused, match="does not cancel an order once it has shipped"):
        request_amazon_cancel(amazon_order=amazon_order, reason="NoInventory", actor=None)
    assert not OutboundUpdate.objects.filter(amazon_order=amazon_order, kind="cancel").exists()

    assert scheduling.deliver_update(update_id=update_for(first).pk, client=spapi).state == State.ACCEPTED
    amazon_order.refresh_from_db()
    assert amazon_order.status == "PARTIALLY_SHIPPED"
    assert (amazon_order.items_shipped, amazon_order.items_unshipped) == (1, 1)
    assert amazon_order.items.get(seller_sku=first_sku).quantity_shipped == 1
    assert sandbox.control.order(amazon_order.amazon_order_id)["status"] == "PARTIALLY_SHIPPED"
    page = detail(admin_user_client, amazon_order)
    assert "Partially Shipped" in page and "confirmed by Amazon at" in page

    second = ship(order=amazon_order.commerce_order, quantities={second_sku: 1}, tracks=[("ups", "UPS", "1Z2")])
    assert scheduling.deliver_update(update_id=update_for(second).pk, client=spapi).state == State.ACCEPTED
    amazon_order.refresh_from_db()
    assert amazon_order.status == "SHIPPED" == sandbox.control.order(amazon_order.amazon_order_id)["status"]
    assert (amazon_order.items_shipped, amazon_order.items_unshipped) == (2, 0)
    assert list(amazon_order.status_changes.values_list("to_status", flat=True))[-2:] == [
        "PARTIALLY_SHIPPED",
        "SHIPPED",
    ]
    assert "confirmed by Amazon at" in amazon_order.order_notes
    # Delivering again (a retry) changes nothing.
    scheduling.deliver_update(update_id=update_for(second).pk, client=spapi)
    assert AmazonOrder.objects.get(pk=amazon_order.pk).items_shipped == 2


def test_an_accepted_cancel_shows_canceled_at_once(sandbox, store, spapi, admin_user_client):
    amazon_order = new_order(sandbox, store, items=1)
    request_amazon_cancel(amazon_order=amazon_order, reason="NoInventory", actor=None)

    run_feeds(sandbox, store, spapi, timezone.now())

    amazon_order.refresh_from_db()
    assert amazon_order.status == "CANCELLED" == sandbox.control.order(amazon_order.amazon_order_id)["status"]
    assert amazon_order.status_changes.last().to_status == "CANCELLED"
    page = detail(admin_user_client, amazon_order)
    assert "confirmed by Amazon at" in page
    assert "Save Address" not in page  # a canceled order's address is final


def test_commerce_cancel_is_refused_while_a_shipment_is_pending(sandbox, store, spapi, admin_user_client):
    amazon_order = new_order(sandbox, store, items=2, quantity=1)
    order = amazon_order.commerce_order
    # Not invoiced, so Commerce could cancel the unshipped item: Amazon would not (a shipment is on its way).
    type(order).objects.filter(pk=order.pk).update(total_invoiced=0, total_paid=0)
    order.items.update(qty_invoiced=0)
    first_sku = amazon_order.items.order_by("id").first().seller_sku
    ship(order=order, quantities={first_sku: 1}, tracks=[("ups", "UPS", "1Z3")])
    order.refresh_from_db()
    version = order.version

    page = admin_user_client.get(reverse("orders:order_view", args=[order.pk])).content.decode()
    assert 'data-testid="btn-cancel"' not in page
    with pytest.raises(OrderActionRefused, match="does not cancel an order once it has shipped"):
        cancel_order(order=order, actor=None)
    order.refresh_from_db()
    assert order.version == version and not any(i.qty_canceled for i in order.items.all())
    assert not OutboundUpdate.objects.filter(amazon_order=amazon_order, kind="cancel").exists()


def test_the_sandbox_rejects_a_cancel_after_shipment_with_18047(sandbox, store, spapi):
    amazon_order = new_order(sandbox, store, items=1)
    shipment = ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z4")])
    scheduling.deliver_update(update_id=update_for(shipment).pk, client=spapi)
    # As the admin did before this issue: a stale Unshipped order and a cancel queued behind Amazon's back.
    AmazonOrder.objects.filter(pk=amazon_order.pk).update(status="UNSHIPPED")
    amazon_order.refresh_from_db()
    update = recording.request_cancel_update(amazon_order=amazon_order, reason="NoInventory", actor=None)

    run_feeds(sandbox, store, spapi, timezone.now())

    update.refresh_from_db()
    assert update.state == State.FAILED
    assert "18047" in update.last_response


def test_a_shipped_orders_address_is_not_editable(sandbox, store, spapi, admin_user_client):
    amazon_order = new_order(sandbox, store, items=1)
    shipment = ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z5")])
    scheduling.deliver_update(update_id=update_for(shipment).pk, client=spapi)

    page = detail(admin_user_client, amazon_order)
    assert "Save Address" not in page
    assert "its shipping address can't be changed" in page
    before = AmazonOrder.objects.get(pk=amazon_order.pk).shipping_address
    with pytest.raises(AmazonOrderActionRefused):
        update_shipping_address(
            amazon_order=amazon_order, address=AmazonAddress(name="X", city="Y", country_code="US"), actor=None
        )
    assert AmazonOrder.objects.get(pk=amazon_order.pk).shipping_address == before


def test_a_credit_memo_of_an_order_amazon_has_not_charged_is_refused_with_the_reason(
    sandbox, store, spapi, admin_user_client
):
    amazon_order = new_order(sandbox, store, items=1, quantity=2)
    order = amazon_order.commerce_order
    sku = amazon_order.items.get().seller_sku

    page = admin_user_client.get(reverse("orders:order_view", args=[order.pk])).content.decode()
    assert 'data-testid="btn-creditmemo"' not in page
    assert "Amazon charges the buyer only when the order ships" in page
    response = admin_user_client.get(reverse("orders:creditmemo_new", args=[order.pk]), follow=True)
    assert "nothing to refund yet (Amazon would reject it, 18090)" in response.content.decode()
    with pytest.raises(OrderActionRefused, match="18090"):
        refund(order=order, quantities={sku: 1})
    order.refresh_from_db()
    assert order.total_refunded == 0 and not order.credit_memos.exists()
    assert not OutboundUpdate.objects.filter(amazon_order=amazon_order, kind="refund").exists()

    # Once Amazon has the shipment (and charged the buyer), the credit memo is made and Amazon accepts it.
    shipment = ship(order=order, tracks=[("ups", "UPS", "1Z6")])
    scheduling.deliver_update(update_id=update_for(shipment).pk, client=spapi)
    page = admin_user_client.get(reverse("orders:order_view", args=[order.pk])).content.decode()
    assert 'data-testid="btn-creditmemo"' in page and "Amazon charges the buyer only" not in page
    memo = refund(order=order, quantities={sku: 1})
    run_feeds(sandbox, store, spapi, timezone.now())
    assert update_for(memo).state == State.ACCEPTED
