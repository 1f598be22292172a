"""The push through the Commerce order pages a person uses: ship and refund an Amazon order, see *Sent to Amazon*
on the order, retry a failed update from there."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from amazon_channel.models import OutboundUpdate
from amazon_channel.testing.amazon_orders import Line, charged_by_amazon, make_amazon_order
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.services import item_field
from orders.tests.factories import staff_user

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ops(client):
    user = staff_user("all", username="ops")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["retry_outboundupdate", "view_outboundupdate"]))
    user = type(user).objects.get(pk=user.pk)
    client.force_login(user)
    return user


@pytest.fixture
def amazon_order():
    return make_amazon_order(
        store=AmazonStoreFactory(name="US Store"),
        lines=[Line("MUG-1", 2, D("10.00"), tax=D("1.60"), shipping=D("2.00"), order_item_id="70000000000001")],
    )


def test_shipping_an_amazon_order_queues_its_packages_and_the_order_says_so(client, ops, amazon_order):
    order = amazon_order.commerce_order
    item = order.items.get()
    response = client.post(
        reverse("orders:shipment_new", args=[order.pk]),
        {
            "version": order.version,
            item_field(item.pk): "2",
            "track_carrier_code": ["ups", "custom"],
            "track_title": ["", "Local Courier"],
            "track_number": ["1Z999", "LC-42"],
        },
    )
    assert response.status_code == 302
    update = OutboundUpdate.objects.get(amazon_order=amazon_order)
    assert [(p["carrier_code"], p["tracking_number"], p["items"]) for p in update.payload["packages"]] == [
        ("UPS", "1Z999", [["70000000000001", 1]]),
        ("Other", "LC-42", [["70000000000001", 1]]),
    ]
    html = client.get(reverse("orders:order_view", args=[order.pk])).content.decode()
    assert "Sent to Amazon" in html
    assert f"Shipment #{update.payload['shipment_increment_id']}" in html
    assert "Pending" in html


def test_credit_memo_page_asks_amazons_adjustment_reason_and_the_refund_carries_it(client, ops, amazon_order):
    charged_by_amazon(amazon_order)
    order = amazon_order.commerce_order
    item = order.items.get()
    form = client.get(reverse("orders:creditmemo_new", args=[order.pk])).content.decode()
    assert "Amazon Adjustment Reason" in form and "Customer Return" in form
    response = client.post(
        reverse("orders:creditmemo_new", args=[order.pk]),
        {
            "version": order.version,
            item_field(item.pk): "1",
            "refund_shipping": "0.00",
            "adjustment_refund": "0.00",
            "adjustment_fee": "0.00",
            "amazon_adjustment_reason": "PriceError",
        },
    )
    assert response.status_code == 302
    update = OutboundUpdate.objects.get(amazon_order=amazon_order, kind=OutboundUpdate.Kind.REFUND)
    assert update.payload["reason"] == "PriceError"
    assert update.payload["items"] == [
        {"order_item_id": "70000000000001", "components": {"Principal": "10.00", "Tax": "0.80"}}
    ]


def test_a_failed_update_is_retried_from_the_order(client, ops, amazon_order):
    order = amazon_order.commerce_order
    item = order.items.get()
    client.post(
        reverse("orders:shipment_new", args=[order.pk]),
        {"version": order.version, item_field(item.pk): "2", "track_carrier_code": "usps", "track_number": "94"},
    )
    update = OutboundUpdate.objects.get(amazon_order=amazon_order)
    OutboundUpdate.objects.filter(pk=update.pk).update(
        state=OutboundUpdate.State.FAILED, last_response="Amazon rejected it: InvalidInput: bad tracking number"
    )
    order_url = reverse("orders:order_view", args=[order.pk])
    html = client.get(order_url).content.decode()
    assert "bad tracking number" in html and "Retry" in html

    response = client.post(reverse("amazon_channel:push_retry", args=[update.pk]), {"next": order_url}, follow=True)
    assert response.redirect_chain[-1][0] == order_url
    update.refresh_from_db()
    assert update.state == OutboundUpdate.State.PENDING


def test_shipment_and_credit_memo_pages_show_their_own_line(client, ops, amazon_order):
    order = amazon_order.commerce_order
    item = order.items.get()
    client.post(
        reverse("orders:shipment_new", args=[order.pk]),
        {"version": order.version, item_field(item.pk): "2", "track_carrier_code": "dhl", "track_number": "JD1"},
    )
    order.refresh_from_db()
    client.post(
        reverse("orders:creditmemo_new", args=[order.pk]),
        {"version": order.version, item_field(item.pk): "1", "amazon_adjustment_reason": "CustomerReturn"},
    )
    shipment_update = OutboundUpdate.objects.get(amazon_order=amazon_order, kind=OutboundUpdate.Kind.SHIPMENT)
    refund_update = OutboundUpdate.objects.get(amazon_order=amazon_order, kind=OutboundUpdate.Kind.REFUND)
    OutboundUpdate.objects.filter(pk=refund_update.pk).update(state=OutboundUpdate.State.ACCEPTED)

    page = client.get(reverse("orders:shipment_view", args=[shipment_update.shipment_id])).content.decode()
    assert "Sent to Amazon" in page and "Pending" in page
    page = client.get(reverse("orders:creditmemo_view", args=[refund_update.credit_memo_id])).content.decode()
    assert "Sent to Amazon" in page and "Accepted" in page


def test_new_shipment_is_refused_for_an_in_store_pickup_order(client, ops, amazon_order):
    order = amazon_order.commerce_order
    url = reverse("orders:shipment_new", args=[order.pk])
    assert client.get(url).status_code == 200  # an ordinary Amazon order ships by carrier

    amazon_order.is_in_store_pickup = True  # what the import keeps of the IN_STORE_PICK_UP program
    amazon_order.save(update_fields=["is_in_store_pickup"])
    for response in (client.get(url, follow=True), client.post(url, {"version": order.version}, follow=True)):
        assert response.redirect_chain[-1][0] == reverse("orders:order_view", args=[order.pk])
        assert "Amazon order for in-store pickup: the buyer collects it at the store, so it is never shipped by" in (
            response.content.decode()
        )
    order.refresh_from_db()
    assert not order.shipments.exists()
    assert not OutboundUpdate.objects.filter(amazon_order=amazon_order).exists()
