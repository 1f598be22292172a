"""In-store pickup orders (program IN_STORE_PICK_UP), end to end against the sandbox over HTTP: imported with the
program, New Shipment refused on the Commerce order with the reason shown (orders asks the channel's ship guard)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amazon_channel.testing.amazon_orders import import_from_sandbox
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import Shipment
from orders.services import OrderActionRefused, ship_order

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
REASON = "Amazon order for in-store pickup: the buyer collects it at the store, so it is never shipped by carrier."


@pytest.fixture
def store(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return AmazonStoreFactory(name="US Store")


def imported(sandbox, store, **kind):
    [order_id] = sandbox.control.add_orders(
        1, status="UNSHIPPED", fulfilled_by="MERCHANT", marketplace_id="ATVPDKIKX0DER", lifecycle=False, **kind
    )
    return import_from_sandbox(store=store, order_id=order_id)


def test_in_store_pickup_order_gets_no_carrier_shipment_and_says_why(sandbox, store, admin_user_client):
    amazon_order = imported(sandbox, store, in_store_pickup=True)
    assert "IN_STORE_PICK_UP" in sandbox.control.order(amazon_order.amazon_order_id)["api"]["programs"]
    assert sandbox.control.state()["schema_errors"] == []
    assert amazon_order.is_in_store_pickup
    order = amazon_order.commerce_order

    page = admin_user_client.get(reverse("orders:order_view", args=[order.pk])).content.decode()
    assert "No carrier shipment for this order:" in page and "never shipped by carrier" in page
    assert 'data-testid="btn-ship"' not in page
    response = admin_user_client.get(reverse("orders:shipment_new", args=[order.pk]), follow=True)
    assert "never shipped by carrier" in response.content.decode()
    with pytest.raises(OrderActionRefused) as refused:
        ship_order(order=order, actor=None)
    assert refused.value.message == REASON
    assert not Shipment.objects.filter(order=order).exists()
    detail = admin_user_client.get(reverse("amazon_channel:order_detail", args=[amazon_order.pk])).content.decode()
    assert "the buyer collects it; no carrier shipment" in detail


def test_an_ordinary_amazon_order_still_ships(sandbox, store, admin_user_client):
    amazon_order = imported(sandbox, store)
    assert not amazon_order.is_in_store_pickup
    page = admin_user_client.get(reverse("orders:order_view", args=[amazon_order.commerce_order_id])).content.decode()
    assert "No carrier shipment for this order:" not in page
    assert 'data-testid="btn-ship"' in page
    assert ship_order(order=amazon_order.commerce_order, actor=None).total_qty > 0
