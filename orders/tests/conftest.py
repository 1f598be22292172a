from __future__ import annotations

import pytest
from django.apps import apps

from orders.tests.factories import UserFactory

SNAPSHOT_MODELS = [
    "Order",
    "OrderItem",
    "OrderAddress",
    "Invoice",
    "InvoiceItem",
    "Shipment",
    "ShipmentItem",
    "ShipmentTrack",
    "ShipmentTrackItem",
    "CreditMemo",
    "CreditMemoItem",
    "OrderComment",
    "Product",
    "Sequence",
]


def take_snapshot() -> dict[str, list[tuple]]:
    """Every row of the sales tables, to prove a refused action changed nothing."""
    snap = {}
    for name in SNAPSHOT_MODELS:
        model = apps.get_model("orders", name)
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "updated_at"]
        snap[name] = list(model.objects.order_by("pk").values_list(*fields))
    return snap


@pytest.fixture
def snapshot():
    return take_snapshot


@pytest.fixture
def staff(db):
    return UserFactory(username="ops")
