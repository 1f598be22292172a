"""Shipments with a stand-in for Amazon (no HTTP): claims, confirmShipment per package, retries, a killed worker.

The same journeys run against the Seller Central sandbox over HTTP in test_sandbox.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from amazon_channel.models import OutboundUpdate
from amazon_channel.push import scheduling, shipments, timing
from amazon_channel.testing.amazon_orders import comment_texts, ship, update_for
from amazon_channel.testing.fake_amazon import WorkerKilled, kill_worker, rejected, server_error, throttled, timeout

pytestmark = pytest.mark.django_db


State = OutboundUpdate.State


def test_shipment_is_confirmed_and_recorded_in_the_order_history(amazon, amazon_order):
    order = amazon_order.commerce_order
    shipment = ship(order=order, tracks=[("fedex", "Federal Express", "7777")])
    update = update_for(shipment)

    result = scheduling.deliver_update(update_id=update.pk, client=amazon)

    assert result.state == State.ACCEPTED
    [(operation, call)] = amazon.calls
    assert operation == "confirmShipment"
    assert call["order_id"] == amazon_order.amazon_order_id
    assert call["marketplace_id"] == "ATVPDKIKX0DER"
    package = call["package"]
    assert package.package_reference_id == str(shipment.pk * 1000 + 1)
    assert (package.carrier_code, package.carrier_name, package.tracking_number) == ("FedEx", None, "7777")
    assert package.shipping_method == "Std US D2D Dom"
    assert package.ship_date == shipment.created_at
    items = dict(order.items.values_list("external_item_id", "qty_ordered"))
    assert dict(package.items) == items
    update.refresh_from_db()
    assert (update.state, update.attempts) == (State.ACCEPTED, 1)
    assert update.accepted_at is not None
    assert f"Sent to Amazon: shipment #{shipment.increment_id} confirmed (tracking 7777)." in comment_texts(order)


def test_every_package_of_a_partial_shipment_is_sent(amazon, amazon_order):
    order = amazon_order.commerce_order
    first = ship(order=order, quantities={"MUG-1": 2}, tracks=[("ups", "UPS", "1Z1"), ("usps", "USPS", "94")])
    second = ship(order=order, quantities={"TEE-1": 1}, tracks=[("custom", "Local Courier", "LC-9")])
    for shipment in (first, second):
        scheduling.deliver_update(update_id=update_for(shipment).pk, client=amazon)

    sent = [call["package"] for op, call in amazon.calls]
    mug, tee = (amazon_order.items.get(seller_sku=sku).order_item_id for sku in ("MUG-1", "TEE-1"))
    assert [(p.tracking_number, p.carrier_code, p.carrier_name, p.items) for p in sent] == [
        ("1Z1", "UPS", None, [(mug, 1)]),
        ("94", "USPS", None, [(mug, 1)]),
        ("LC-9", "Other", "Local Courier", [(tee, 1)]),
    ]
    assert len({p.package_reference_id for p in sent}) == 3
    assert all(update_for(s).state == State.ACCEPTED for s in (first, second))


@pytest.mark.parametrize("error", [throttled, server_error, timeout], ids=["429", "5xx", "timeout"])
def test_a_temporary_failure_reschedules_with_backoff_then_delivers(amazon, store, amazon_order, error):
    update = update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")]))
    amazon.fail("confirmShipment", error("confirmShipment"))
    now = timezone.now()

    result = scheduling.deliver_update(update_id=update.pk, client=amazon, now=now)

    update.refresh_from_db()
    assert result.state == update.state == State.PENDING
    assert update.attempts == 1
    assert now + timedelta(seconds=40) < update.next_attempt_at < now + timedelta(seconds=80)
    assert "Will try again" in update.last_response
    assert scheduling.due_shipment_updates(now=now) == []
    # Not before it is due, then delivered.
    assert scheduling.deliver_update(update_id=update.pk, client=amazon, now=now).state == State.PENDING
    assert scheduling.deliver_update(update_id=update.pk, client=amazon, now=now + timedelta(minutes=2)).state == (
        State.ACCEPTED
    )
    assert amazon.count("confirmShipment") == 2


def test_a_rejected_shipment_fails_with_amazons_message_and_can_be_retried(amazon, amazon_order):
    update = update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")]))
    amazon.fail("confirmShipment", rejected("confirmShipment", "Tracking number 1Z1 is not valid for carrier UPS."))

    assert scheduling.deliver_update(update_id=update.pk, client=amazon).state == State.FAILED
    update.refresh_from_db()
    assert update.last_response == (
        "Amazon rejected it: InvalidInput: Tracking number 1Z1 is not valid for carrier UPS."
    )
    assert scheduling.due_shipment_updates() == []

    assert scheduling.retry_update(update=update, actor=None)
    assert scheduling.deliver_update(update_id=update.pk, client=amazon).state == State.ACCEPTED
    assert amazon.count("confirmShipment") == 2


def test_a_worker_killed_after_sending_is_resent_after_its_lease_and_accepted_once(amazon, amazon_order):
    order = amazon_order.commerce_order
    update = update_for(ship(order=order, tracks=[("ups", "UPS", "1Z1"), ("ups", "UPS", "1Z2")]))
    amazon.after["confirmShipment"] = kill_worker
    now = timezone.now()

    with pytest.raises(WorkerKilled):
        scheduling.deliver_update(update_id=update.pk, client=amazon, now=now)
    update.refresh_from_db()
    assert update.state == State.SENDING and update.payload["confirmed"] == []
    # Another worker can't take it while the lease runs...
    assert scheduling.deliver_update(update_id=update.pk, client=amazon, now=now).state == State.SENDING
    assert amazon.count("confirmShipment") == 1
    # ...and takes it over once the lease ran out: the same package again, then the second one.
    later = now + timing.lease_duration() + timedelta(seconds=1)
    assert scheduling.due_shipment_updates(now=later) == [update.pk]
    assert scheduling.deliver_update(update_id=update.pk, client=amazon, now=later).state == State.ACCEPTED

    references = [call["package"].package_reference_id for _op, call in amazon.calls]
    assert references[0] == references[1] != references[2]
    assert len(amazon.packages) == 2  # Amazon has each package once
    assert sum("confirmed" in c for c in comment_texts(order)) == 1


def test_only_one_worker_claims_an_update_and_a_dead_workers_lease_runs_out(amazon_order):
    shipment = ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z999")])
    update = update_for(shipment)
    now = timezone.now()

    first = shipments.claim_update(update_id=update.pk, now=now)
    second = shipments.claim_update(update_id=update.pk, now=now)
    assert first and second is None
    update.refresh_from_db()
    assert (update.state, update.attempts) == (OutboundUpdate.State.SENDING, 1)
    assert scheduling.due_shipment_updates(now=now) == []

    later = now + timing.lease_duration() + timedelta(seconds=1)
    assert scheduling.due_shipment_updates(now=later) == [update.pk]
    third = shipments.claim_update(update_id=update.pk, now=later)
    assert third and third != first
    update.refresh_from_db()
    assert update.attempts == 2
