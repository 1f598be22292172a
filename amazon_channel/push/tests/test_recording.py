"""Recording and claiming outbound updates (no HTTP here; delivery is tested in test_push_delivery*)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from amazon_channel.models import OutboundUpdate
from amazon_channel.push import listeners, recording
from amazon_channel.testing.amazon_orders import Line, charged_by_amazon, make_amazon_order, refund, ship, update_for
from orders.models import Shipment
from orders.services import cancel_order
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def amazon_order(store):
    return make_amazon_order(
        store=store,
        lines=[
            Line("MUG-1", 2, D("10.00"), tax=D("1.60"), shipping=D("3.00"), order_item_id="11111111111111"),
            Line("TEE-1", 1, D("20.00"), tax=D("1.60"), shipping=D("1.00"), order_item_id="22222222222222"),
        ],
        shipping_tax=D("0.40"),
    )


def test_shipment_with_one_tracking_number_carries_all_its_items(amazon_order):
    shipment = ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z999")])
    update = update_for(shipment)

    assert update.state == OutboundUpdate.State.PENDING
    assert update.idempotency_key == f"shipment:{shipment.pk}"
    assert update.payload["amazon_order_id"] == amazon_order.amazon_order_id
    assert update.payload["marketplace_id"] == "ATVPDKIKX0DER"
    [package] = update.payload["packages"]
    assert package == {
        "package_reference_id": str(shipment.pk * 1000 + 1),
        "carrier_code": "UPS",
        "carrier_name": None,
        "shipping_method": "Std US D2D Dom",
        "tracking_number": "1Z999",
        "ship_date": shipment.created_at.isoformat(),
        "items": [["11111111111111", 2], ["22222222222222", 1]],
    }


def test_partial_shipment_with_two_tracking_numbers_splits_only_its_own_units(amazon_order):
    shipment = ship(
        order=amazon_order.commerce_order,
        quantities={"MUG-1": 2},
        tracks=[("dhl", "DHL", "JD01"), ("custom", "Royal Pigeon", "RP-7")],
    )
    update = update_for(shipment)

    first, second = update.payload["packages"]
    assert (first["carrier_code"], first["carrier_name"], first["items"]) == ("DHL", None, [["11111111111111", 1]])
    assert (second["carrier_code"], second["carrier_name"], second["items"]) == (
        "Other",
        "Royal Pigeon",
        [["11111111111111", 1]],
    )
    assert int(second["package_reference_id"]) == int(first["package_reference_id"]) + 1


def test_units_are_dealt_over_packages_in_contiguous_blocks():
    packages, left_over = recording.split_items_over_packages([("A", 3), ("B", 2)], 2)
    assert packages == [[("A", 3)], [("B", 2)]]
    assert left_over == 0
    packages, left_over = recording.split_items_over_packages([("A", 1), ("B", 1), ("C", 1)], 2)
    assert packages == [[("A", 1), ("B", 1)], [("C", 1)]]
    packages, left_over = recording.split_items_over_packages([("A", 1)], 3)
    assert packages == [[("A", 1)]]
    assert left_over == 2


def test_shipment_without_tracking_number_fails_with_a_clear_message(amazon_order):
    shipment = ship(order=amazon_order.commerce_order)
    update = update_for(shipment)
    assert update.state == OutboundUpdate.State.FAILED
    assert "tracking number" in update.last_response


def test_recording_twice_keeps_one_update(amazon_order):
    shipment = ship(order=amazon_order.commerce_order, tracks=[("usps", "USPS", "9400")])
    first = update_for(shipment)
    again = recording.record_shipment_update(shipment=shipment.pk, actor_id=None)
    assert first.pk == again.pk
    assert OutboundUpdate.objects.count() == 1


def test_credit_memo_becomes_per_item_components(amazon_order):
    charged_by_amazon(amazon_order)
    memo = refund(
        order=amazon_order.commerce_order,
        quantities={"MUG-1": 1, "TEE-1": 1},
        shipping=D("4.00"),
        adjustment_refund=D("2.50"),
        adjustment_fee=D("1.00"),
        channel_data={"amazon_adjustment_reason": "PriceError"},
    )
    update = update_for(memo)

    assert update.kind == OutboundUpdate.Kind.REFUND
    assert update.state == OutboundUpdate.State.PENDING
    assert update.payload["reason"] == "PriceError"
    assert update.payload["currency"] == "USD"
    mug, tee = update.payload["items"]
    # Shipping is spread by what Amazon charged per item (3.00 : 1.00).
    assert mug == {
        "order_item_id": "11111111111111",
        "components": {
            "Principal": "10.00",
            "Tax": "0.80",
            "Shipping": "3.00",
            "ShippingTax": "0.30",
            "Goodwill": "2.50",
            "RestockingFee": "1.00",
        },
    }
    assert tee == {
        "order_item_id": "22222222222222",
        "components": {"Principal": "20.00", "Tax": "1.60", "Shipping": "1.00", "ShippingTax": "0.10"},
    }


def test_credit_memo_reason_defaults_to_customer_return(amazon_order):
    charged_by_amazon(amazon_order)
    memo = refund(order=amazon_order.commerce_order, quantities={"TEE-1": 1})
    update = update_for(memo)
    assert update.payload["reason"] == "CustomerReturn"
    assert update.payload["items"] == [
        {"order_item_id": "22222222222222", "components": {"Principal": "20.00", "Tax": "1.60"}}
    ]


def test_cancel_uses_the_chosen_reason_or_no_inventory(store):
    amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 2, D("10.00"))], invoiced=False)
    cancel_order(order=amazon_order.commerce_order, actor=None)
    update = OutboundUpdate.objects.get(amazon_order=amazon_order)
    assert update.kind == OutboundUpdate.Kind.CANCEL
    assert update.payload == {
        "amazon_order_id": amazon_order.amazon_order_id,
        "merchant_order_id": amazon_order.commerce_order.increment_id,
        "reason": "NoInventory",
    }
    again = recording.request_cancel_update(amazon_order=amazon_order, reason="BuyerCanceled", actor=None)
    assert again.pk == update.pk  # one cancel per Amazon order while the first is pending
    assert again.payload["reason"] == "NoInventory"


def test_orders_of_other_channels_and_changes_amazon_told_us_about_are_not_recorded(store):
    amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 2, D("10.00"))])
    ship(
        order=amazon_order.commerce_order,
        quantities={"MUG-1": 1},
        tracks=[("ups", "UPS", "1Z1")],
        origin="amazon_import",
    )
    web_order = make_order(channel="web", invoiced=True)
    ship(order=web_order, tracks=[("ups", "UPS", "1Z2")])
    assert OutboundUpdate.objects.count() == 0


def test_a_failing_outbox_write_rolls_the_shipment_back(amazon_order, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database said no")

    monkeypatch.setattr(listeners, "record_shipment_update", broken)
    with pytest.raises(RuntimeError):
        ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")])
    assert not Shipment.objects.exists()


def test_cancel_with_a_reason_chosen_on_amazon_order_details(store):
    amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 2, D("10.00"))], invoiced=False)
    cancel_order(order=amazon_order.commerce_order, actor=None, channel_data={"amazon_cancel_reason": "BuyerCanceled"})
    assert OutboundUpdate.objects.get(amazon_order=amazon_order).payload["reason"] == "BuyerCanceled"


def test_one_cancel_per_amazon_order_whoever_asked_first(store):
    amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 2, D("10.00"))], invoiced=False)
    # *Amazon Order Details* queued a cancel with its own key first.
    first = OutboundUpdate.objects.create(
        store=store,
        amazon_order=amazon_order,
        kind=OutboundUpdate.Kind.CANCEL,
        idempotency_key=f"cancel:amazon-order:{amazon_order.pk}",
        payload={"amazon_order_id": amazon_order.amazon_order_id, "reason": "BuyerCanceled"},
    )
    cancel_order(order=amazon_order.commerce_order, actor=None)
    assert list(OutboundUpdate.objects.filter(amazon_order=amazon_order)) == [first]

    OutboundUpdate.objects.filter(pk=first.pk).update(state=OutboundUpdate.State.FAILED)
    again = recording.request_cancel_update(amazon_order=amazon_order, reason="CustomerExchange", actor=None)
    assert again.pk != first.pk and again.state == OutboundUpdate.State.PENDING
    assert again.payload["reason"] == "CustomerExchange"
