"""Packages as packed on New Shipment reach the Seller Central sandbox exactly, one confirmShipment each; a package
holding more than Amazon still has unshipped is rejected by Amazon and the update says why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amazon_channel.core import client as clients
from amazon_channel.models import CommunicationLog, OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.spapi import types
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.testing.amazon_orders import import_from_sandbox, ship, update_for
from amazon_channel.testing.factories import AmazonStoreFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
State = OutboundUpdate.State


@pytest.fixture
def store(sandbox, settings):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    return AmazonStoreFactory(name="US Store")


@pytest.fixture
def client(store):
    return clients.client_for_store(store, rate_limiter=InProcessRateLimiter(), sleep=lambda seconds: None)


@pytest.fixture
def amazon_order(sandbox, store):
    [order_id] = sandbox.control.add_orders(
        1,
        lifecycle=False,
        status="UNSHIPPED",
        fulfilled_by="MERCHANT",
        marketplace_id="ATVPDKIKX0DER",
        items=2,
        quantity=3,
    )
    return import_from_sandbox(store=store, order_id=order_id)


def test_packed_packages_arrive_with_exactly_their_items(sandbox, store, client, amazon_order):
    first, second = amazon_order.items.order_by("id")
    shipment = ship(
        order=amazon_order.commerce_order,
        quantities={first.seller_sku: 3, second.seller_sku: 1},
        tracks=[
            ("ups", "UPS", "1Z0001", {first.seller_sku: 1, second.seller_sku: 1}),
            ("usps", "USPS", "9400002", {first.seller_sku: 2}),
        ],
    )

    assert scheduling.deliver_update(update_id=update_for(shipment).pk, client=client).state == State.ACCEPTED

    sent = [e["body"]["packageDetail"] for e in sandbox.control.ledger("confirmShipment")]
    assert [(p["trackingNumber"], p["orderItems"]) for p in sent] == [
        (
            "1Z0001",
            [{"orderItemId": first.order_item_id, "quantity": 1}, {"orderItemId": second.order_item_id, "quantity": 1}],
        ),
        ("9400002", [{"orderItemId": first.order_item_id, "quantity": 2}]),
    ]
    at_amazon = sandbox.control.order(amazon_order.amazon_order_id)
    assert [(p["trackingNumber"], p["packageItems"]) for p in at_amazon["packages"]] == [
        (p["trackingNumber"], p["orderItems"]) for p in sent
    ]
    assert at_amazon["status"] == "PARTIALLY_SHIPPED"


def test_a_package_beyond_what_amazon_has_left_is_rejected_with_amazons_reason(sandbox, store, client, amazon_order):
    first, _second = amazon_order.items.order_by("id")
    # Someone confirmed 2 of the 3 units in Seller Central meanwhile.
    client.confirm_shipment(
        amazon_order.amazon_order_id,
        marketplace_id="ATVPDKIKX0DER",
        package=types.PackageDetail(
            package_reference_id="9",
            carrier_code="UPS",
            carrier_name=None,
            shipping_method=None,
            tracking_number="1ZSC",
            ship_date=datetime.now(UTC),
            items=[(first.order_item_id, 2)],
        ),
    )
    shipment = ship(
        order=amazon_order.commerce_order,
        quantities={first.seller_sku: 3},
        tracks=[("ups", "UPS", "1Z0003", {first.seller_sku: 3})],
    )

    result = scheduling.deliver_update(update_id=update_for(shipment).pk, client=client)

    assert result.state == State.FAILED
    assert "more than the 1 left to ship" in update_for(shipment).last_response
    logged = CommunicationLog.objects.get(store=store, operation="confirmShipment")
    assert (logged.http_status, logged.code) == (400, "InvalidInput")
    assert "more than the 1 left to ship" in logged.message
    shipped = {
        i["order_item_id"]: i["quantity_shipped"] for i in sandbox.control.order(amazon_order.amazon_order_id)["items"]
    }
    assert shipped[first.order_item_id] == 2
