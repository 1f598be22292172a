"""change_shipping_address: the parcel's destination changes, under the order's lock and version, until anything
has shipped; a refusal leaves every table as it was."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orders import events
from orders.models import OrderAddress, OrderState
from orders.services import (
    OrderActionRefused,
    cancel_order,
    change_shipping_address,
    hold_order,
    refund_order,
    ship_order,
)
from orders.tests.factories import make_address, make_order, staff_user

pytestmark = pytest.mark.django_db

NEW_HOME = make_address(
    first_name="Gift",
    last_name="Receiver",
    company="Acme",
    street="1 New Street\nFlat 2",
    city="Springfield",
    region="Oregon",
    postcode="97477",
    country_code="us",
    telephone="555-0100",
    email="gift@example.com",
)


def refused(snapshot, **kwargs) -> OrderActionRefused:
    before = snapshot()
    with pytest.raises(OrderActionRefused) as caught:
        change_shipping_address(**kwargs)
    assert snapshot() == before, "a refused change must change nothing"
    return caught.value


@pytest.fixture
def heard():
    received: list[events.OrderEvent] = []
    events.subscribe(events.OrderShippingAddressChanged, received.append, in_transaction=True)
    yield received
    events.unsubscribe(events.OrderShippingAddressChanged, received.append)


def test_the_shipping_address_and_the_grids_ship_to_name_change_and_the_history_says_so(staff, heard, client):
    order = make_order(invoiced=True)
    billing_before = order.addresses.get(address_type=OrderAddress.Type.BILLING)

    changed = change_shipping_address(
        order=order, address=NEW_HOME, actor=staff, expected_version=order.version, comment="Buyer called"
    )

    shipping = changed.addresses.get(address_type=OrderAddress.Type.SHIPPING)
    assert (shipping.name, shipping.company, shipping.street, shipping.city, shipping.region) == (
        "Gift Receiver",
        "Acme",
        "1 New Street\nFlat 2",
        "Springfield",
        "Oregon",
    )
    assert (shipping.postcode, shipping.country_code, shipping.telephone, shipping.email) == (
        "97477",
        "US",
        "555-0100",
        "gift@example.com",
    )
    assert changed.addresses.get(address_type=OrderAddress.Type.BILLING) == billing_before
    changed.refresh_from_db()
    assert changed.shipping_name == "Gift Receiver" and changed.billing_name == "Veronica Costello"
    assert changed.version == order.version + 1
    assert (changed.state, changed.status) == (OrderState.PROCESSING, order.status)
    note = changed.comments.get(comment__startswith="Shipping address changed")
    assert note.comment == (
        "Shipping address changed to: Gift Receiver, Acme, 1 New Street, Flat 2, Springfield, Oregon 97477, US.\n"
        "Buyer called"
    )
    assert note.created_by == staff and note.status == changed.status
    assert heard == [events.OrderShippingAddressChanged(order_id=order.pk, actor_id=staff.pk, origin="admin")]

    client.force_login(staff_user("all", username="grid-reader"))
    html = client.get(reverse("orders:order_grid") + "?q=Gift+Receiver").content.decode()
    assert f'data-order="{changed.increment_id}"' in html


def test_a_held_order_can_be_sent_elsewhere_and_stays_held(staff):
    order = hold_order(order=make_order(), actor=staff)
    changed = change_shipping_address(order=order.pk, address=NEW_HOME, actor=None, origin="amazon_import")
    assert changed.state == OrderState.HOLDED and changed.shipping_name == "Gift Receiver"
    assert changed.comments.get(comment__startswith="Shipping address changed").created_by is None


def test_once_anything_has_shipped_the_address_is_refused(staff, snapshot, heard):
    order = make_order()
    item = order.items.first()
    ship_order(order=order, actor=staff, quantities={item.pk: 1})
    error = refused(snapshot, order=order, address=NEW_HOME, actor=staff)
    assert error.message == "Shipping address can't be edited once the order has shipped."
    assert heard == []


def test_a_canceled_or_closed_order_is_refused(staff, snapshot):
    canceled = cancel_order(order=make_order(), actor=staff)
    assert "canceled" in refused(snapshot, order=canceled, address=NEW_HOME, actor=staff).message
    closed = make_order(invoiced=True)
    refund_order(order=closed, actor=staff)
    closed.refresh_from_db()
    assert closed.state == OrderState.CLOSED
    assert "closed" in refused(snapshot, order=closed, address=NEW_HOME, actor=staff).message


def test_a_stale_form_is_refused(staff, snapshot):
    order = make_order()
    error = refused(snapshot, order=order, address=NEW_HOME, actor=staff, expected_version=order.version - 1)
    assert "__all__" in error.field_errors


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_name": " ", "last_name": ""}, "first_name"),
        ({"street": ""}, "street"),
        ({"city": "  "}, "city"),
        ({"country_code": ""}, "country_code"),
        ({"country_code": "USA"}, "country_code"),
        ({"postcode": "9" * 33}, "postcode"),
        ({"email": "not an email"}, "email"),
    ],
)
def test_an_incomplete_or_malformed_address_is_refused_at_its_field(staff, snapshot, overrides, field):
    order = make_order()
    error = refused(snapshot, order=order, address=make_address(**overrides), actor=staff)
    assert error.message == "Check the shipping address." and list(error.field_errors) == [field]


def test_an_order_that_lost_its_shipping_address_row_gets_one(staff):
    order = make_order()
    order.addresses.filter(address_type=OrderAddress.Type.SHIPPING).delete()
    change_shipping_address(order=order, address=NEW_HOME, actor=staff)
    assert order.addresses.get(address_type=OrderAddress.Type.SHIPPING).city == "Springfield"
