"""An Amazon in-store pickup order, end to end against the sandbox over HTTP: imported like any other (an item
whose SKU the catalogue lacks imported from Amazon's data, with a notice), and New Shipment refused on it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amazon_channel.core import client as clients
from amazon_channel.models import OutboundUpdate
from amazon_channel.spapi.ratelimit import NoPacing
from amazon_channel.sync import recover_order
from amazon_channel.testing.factories import AmazonStoreFactory

pytestmark = pytest.mark.django_db
US = "ATVPDKIKX0DER"


@pytest.fixture
def store(sandbox, settings, monkeypatch):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    real_client_for_store = clients.client_for_store

    def fast_client(store, **options):
        return real_client_for_store(store, rate_limiter=NoPacing(), sleep=lambda seconds: None, **options)

    monkeypatch.setattr(clients, "client_for_store", fast_client)
    return AmazonStoreFactory()


def test_pickup_order_is_imported_and_new_shipment_is_refused(sandbox, store, staff, admin_user_client):
    (pickup_id,) = sandbox.control.add_orders(
        1, status="UNSHIPPED", fulfilled_by="MERCHANT", in_store_pickup=True, lifecycle=False, marketplace_id=US
    )
    (plain_id,) = sandbox.control.add_orders(
        1, status="UNSHIPPED", fulfilled_by="MERCHANT", lifecycle=False, marketplace_id=US
    )
    pickup = recover_order(store=store, amazon_order_id=pickup_id, actor=staff)
    plain = recover_order(store=store, amazon_order_id=plain_id, actor=staff)

    assert pickup.is_in_store_pickup and not plain.is_in_store_pickup
    order = pickup.commerce_order
    sku = order.items.first().sku
    assert f"SKU {sku} is not in the catalogue; the item was created from Amazon's data." in [
        c.comment for c in order.comments.all()
    ]
    refused = admin_user_client.get(reverse("orders:shipment_new", args=[order.pk]), follow=True)
    assert refused.redirect_chain[-1][0] == reverse("orders:order_view", args=[order.pk])
    assert "Amazon order for in-store pickup" in refused.content.decode()
    assert admin_user_client.get(reverse("orders:shipment_new", args=[plain.commerce_order.pk])).status_code == 200
    assert not OutboundUpdate.objects.exists()
    assert sandbox.control.schema_errors() == []
