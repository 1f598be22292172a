"""Packages on New Shipment: the person says what each package holds; the shipment is exactly that, and a package
that is empty or holds more than is left to ship is refused with nothing saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orders.models import Shipment
from orders.services import item_field
from orders.tests.factories import make_order, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client):
    user = staff_user("all", username="ops")
    client.force_login(user)
    return user


@pytest.fixture
def order():
    return make_order(invoiced=True, items=[("MUG", 3, "10.00"), ("CAP", 2, "5.00")])


def post(client, order, *, quantities, packages):
    mug, cap = order.items.order_by("id")
    data = {
        "version": order.version,
        item_field(mug.pk): str(quantities[0]),
        item_field(cap.pk): str(quantities[1]),
        "track_carrier_code": [p[0] for p in packages],
        "track_title": ["" for _p in packages],
        "track_number": [p[1] for p in packages],
        f"track_item_{mug.pk}": [p[2] for p in packages],
        f"track_item_{cap.pk}": [p[3] for p in packages],
    }
    return client.post(reverse("orders:shipment_new", args=[order.pk]), data)


def test_two_packages_with_chosen_items_are_saved_as_packed_and_shown(client, ops, order):
    page = client.get(reverse("orders:shipment_new", args=[order.pk])).content.decode()
    assert "Qty of MUG" in page and "Qty of CAP" in page

    response = post(client, order, quantities=(3, 1), packages=[("ups", "1Z1", "2", ""), ("fedex", "FX2", "1", "1")])

    assert response.status_code == 302
    shipment = Shipment.objects.get(order=order)
    assert shipment.total_qty == 4
    assert sorted((i.order_item.sku, i.qty) for i in shipment.items.all()) == [("CAP", 1), ("MUG", 3)]
    packed = [(t.track_number, [(i.order_item.sku, i.qty) for i in t.items.all()]) for t in shipment.tracks.all()]
    assert packed == [("1Z1", [("MUG", 2)]), ("FX2", [("MUG", 1), ("CAP", 1)])]
    view = client.get(reverse("orders:shipment_view", args=[shipment.pk])).content.decode()
    assert "2 × MUG" in view and "1 × CAP" in view


@pytest.mark.parametrize(
    ("quantities", "packages", "message"),
    [
        ((3, 0), [("ups", "1Z1", "2", ""), ("ups", "1Z2", "", "")], "This package is empty"),
        ((3, 0), [("ups", "1Z1", "2", ""), ("ups", "1Z2", "0", "0")], "This package is empty"),
        ((4, 0), [("ups", "1Z1", "3", ""), ("ups", "1Z2", "1", "")], "only 3 are left to ship"),
        ((2, 1), [("ups", "1Z1", "2", "")], "The packages hold 0 of this item, not 1"),
        ((1, 0), [("ups", "1Z1", "-1", "")], "be negative"),
    ],
    ids=["blank package", "zeros package", "more than left", "qty to ship disagrees", "negative"],
)
def test_a_wrong_package_is_refused_at_its_field_and_nothing_is_saved(
    client, ops, order, snapshot, quantities, packages, message
):
    before = snapshot()

    response = post(client, order, quantities=quantities, packages=packages)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Check the packages: nothing was shipped." in html
    assert 'value="1Z1"' in html  # the rows come back as typed
    assert snapshot() == before


def test_packages_left_blank_keep_the_old_way(client, ops, order):
    response = post(client, order, quantities=(3, 2), packages=[("ups", "1Z1", "", "")])

    assert response.status_code == 302
    shipment = Shipment.objects.get(order=order)
    assert shipment.total_qty == 5
    assert not shipment.tracks.get().items.exists()
