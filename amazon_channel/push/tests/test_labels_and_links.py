"""Updates to Amazon and Amazon Order Details show cancel reasons by their labels, each update links the document it
comes from, and the store list counts every order without a Commerce order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amazon_channel.amazon_orders.services import request_amazon_cancel
from amazon_channel.models import OutboundUpdate
from amazon_channel.testing.amazon_orders import amazon_item, amazon_order, imported, ship, update_for

pytestmark = pytest.mark.django_db


def test_cancel_reason_label_and_document_links(admin_user_client, amazon_store):
    to_cancel, to_ship = imported(amazon_store, amazon_order(), amazon_order())
    request_amazon_cancel(amazon_order=to_cancel, reason="ShippingAddressUndeliverable", actor=None)
    shipment = ship(order=to_ship.commerce_order, tracks=[("ups", "UPS", "1Z77")])
    OutboundUpdate.objects.update(state=OutboundUpdate.State.FAILED)

    outbox = admin_user_client.get(reverse("amazon_channel:push_outbox")).content.decode()
    detail = admin_user_client.get(reverse("amazon_channel:order_detail", args=[to_cancel.pk])).content.decode()

    assert "Cancel (reason Shipping address undeliverable)" in outbox
    assert "ShippingAddressUndeliverable" not in outbox
    assert f'href="{reverse("orders:shipment_view", args=[update_for(shipment).shipment_id])}"' in outbox
    assert f'href="{reverse("orders:order_view", args=[to_cancel.commerce_order_id])}"' in outbox
    assert "Shipping address undeliverable" in detail and "ShippingAddressUndeliverable)" not in detail


def test_store_list_counts_every_order_without_a_commerce_order(admin_user_client, amazon_store):
    imported(amazon_store, amazon_order(status="PENDING", items=[amazon_item(unit_price=None)]), amazon_order())

    page = admin_user_client.get(reverse("amazon_channel:store_list")).content.decode()

    assert 'data-testid="not-imported-link">1<' in page
