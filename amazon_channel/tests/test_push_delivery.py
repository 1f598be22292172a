"""Delivering outbound updates with a stand-in for Amazon (no HTTP): states, retries, crashes, batching, reports.

The same journeys run against the Seller Central sandbox over HTTP in test_push_sandbox.py.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from amazon_channel.models import AmazonFeed, AmazonOrderStatus, OutboundUpdate
from amazon_channel.services import outbox
from orders.models import OrderComment
from orders.services import cancel_order

from .push_fakes import FakeAmazon, rejected, server_error, throttled, timeout
from .push_helpers import Line, make_amazon_order, make_store, refund, ship, update_for

pytestmark = pytest.mark.django_db
D = Decimal
State = OutboundUpdate.State


class WorkerKilled(outbox.WorkerStopped):
    pass


def kill_worker():
    raise WorkerKilled


@pytest.fixture
def amazon():
    return FakeAmazon()


@pytest.fixture
def store():
    return make_store()


@pytest.fixture
def amazon_order(store):
    return make_amazon_order(
        store=store,
        lines=[Line("MUG-1", 2, D("10.00"), tax=D("1.60")), Line("TEE-1", 1, D("20.00"), tax=D("1.60"))],
    )


def comments(order) -> list[str]:
    return list(OrderComment.objects.filter(order=order).order_by("id").values_list("comment", flat=True))


def test_shipment_is_confirmed_and_recorded_in_the_order_history(amazon, amazon_order):
    order = amazon_order.commerce_order
    shipment = ship(order=order, tracks=[("fedex", "Federal Express", "7777")])
    update = update_for(shipment)

    result = outbox.deliver_update(update_id=update.pk, client=amazon)

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
    assert f"Sent to Amazon: shipment #{shipment.increment_id} confirmed (tracking 7777)." in comments(order)


def test_every_package_of_a_partial_shipment_is_sent(amazon, amazon_order):
    order = amazon_order.commerce_order
    first = ship(order=order, quantities={"MUG-1": 2}, tracks=[("ups", "UPS", "1Z1"), ("usps", "USPS", "94")])
    second = ship(order=order, quantities={"TEE-1": 1}, tracks=[("custom", "Local Courier", "LC-9")])
    for shipment in (first, second):
        outbox.deliver_update(update_id=update_for(shipment).pk, client=amazon)

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

    result = outbox.deliver_update(update_id=update.pk, client=amazon, now=now)

    update.refresh_from_db()
    assert result.state == update.state == State.PENDING
    assert update.attempts == 1
    assert now + timedelta(seconds=40) < update.next_attempt_at < now + timedelta(seconds=80)
    assert "Will try again" in update.last_response
    assert outbox.due_shipment_updates(now=now) == []
    # Not before it is due, then delivered.
    assert outbox.deliver_update(update_id=update.pk, client=amazon, now=now).state == State.PENDING
    assert outbox.deliver_update(update_id=update.pk, client=amazon, now=now + timedelta(minutes=2)).state == (
        State.ACCEPTED
    )
    assert amazon.count("confirmShipment") == 2


def test_a_rejected_shipment_fails_with_amazons_message_and_can_be_retried(amazon, amazon_order):
    update = update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")]))
    amazon.fail("confirmShipment", rejected("confirmShipment", "Tracking number 1Z1 is not valid for carrier UPS."))

    assert outbox.deliver_update(update_id=update.pk, client=amazon).state == State.FAILED
    update.refresh_from_db()
    assert update.last_response == (
        "Amazon rejected it: InvalidInput: Tracking number 1Z1 is not valid for carrier UPS."
    )
    assert outbox.due_shipment_updates() == []

    assert outbox.retry_update(update=update, actor=None)
    assert outbox.deliver_update(update_id=update.pk, client=amazon).state == State.ACCEPTED
    assert amazon.count("confirmShipment") == 2


def test_a_worker_killed_after_sending_is_resent_after_its_lease_and_accepted_once(amazon, amazon_order):
    order = amazon_order.commerce_order
    update = update_for(ship(order=order, tracks=[("ups", "UPS", "1Z1"), ("ups", "UPS", "1Z2")]))
    amazon.after["confirmShipment"] = kill_worker
    now = timezone.now()

    with pytest.raises(WorkerKilled):
        outbox.deliver_update(update_id=update.pk, client=amazon, now=now)
    update.refresh_from_db()
    assert update.state == State.SENDING and update.payload["confirmed"] == []
    # Another worker can't take it while the lease runs...
    assert outbox.deliver_update(update_id=update.pk, client=amazon, now=now).state == State.SENDING
    assert amazon.count("confirmShipment") == 1
    # ...and takes it over once the lease ran out: the same package again, then the second one.
    later = now + timedelta(seconds=outbox.lease_seconds() + 1)
    assert outbox.due_shipment_updates(now=later) == [update.pk]
    assert outbox.deliver_update(update_id=update.pk, client=amazon, now=later).state == State.ACCEPTED

    references = [call["package"].package_reference_id for _op, call in amazon.calls]
    assert references[0] == references[1] != references[2]
    assert len(amazon.packages) == 2  # Amazon has each package once
    assert sum("confirmed" in c for c in comments(order)) == 1


def refunds_for(store, count: int) -> list[OutboundUpdate]:
    updates = []
    for _ in range(count):
        amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 2, D("10.00"), tax=D("1.60"))])
        updates.append(update_for(refund(order=amazon_order.commerce_order, quantities={"MUG-1": 1})))
    return updates


def test_many_refunds_go_out_in_one_feed_and_each_result_is_applied(amazon, store, django_assert_max_num_queries):
    # 200 against the sandbox in test_push_sandbox.py; 60 here keep this file quick.
    updates = refunds_for(store, 60)
    bad = updates[7], updates[50]
    amazon.message_errors = {
        bad[0].pk: ("18028", "The refund amount exceeds the amount charged."),
        bad[1].pk: ("25", "Order not found."),
    }
    now = timezone.now()

    [feed] = outbox.process_store_feeds(store=store, client=amazon, now=now)

    assert amazon.count("createFeed") == 1
    assert amazon.message_ids(feed.feed_id) == [u.pk for u in updates]
    assert set(OutboundUpdate.objects.values_list("state", flat=True)) == {State.AWAITING_RESULT}
    amazon.process_feeds()
    with django_assert_max_num_queries(60 * 8 + 30):
        outbox.process_store_feeds(store=store, client=amazon, now=now + timedelta(seconds=31))

    states = dict(OutboundUpdate.objects.values_list("pk", "state"))
    assert sorted(pk for pk, state in states.items() if state == State.FAILED) == sorted(u.pk for u in bad)
    assert sum(state == State.ACCEPTED for state in states.values()) == 58
    failed = OutboundUpdate.objects.get(pk=bad[0].pk)
    assert failed.last_response == "Amazon rejected it: 18028: The refund amount exceeds the amount charged."
    feed.refresh_from_db()
    assert feed.finished_at is not None and feed.processing_status == "DONE" and "ProcessingReport" in feed.report
    accepted = updates[0]
    accepted.refresh_from_db()
    assert accepted.accepted_at is not None
    assert any(
        "refund for credit memo" in c and "accepted (reason CustomerReturn)" in c
        for c in comments(accepted.amazon_order.commerce_order)
    )


def test_one_create_feed_per_window_per_store_and_type(amazon, store):
    first = refunds_for(store, 2)
    now = timezone.now()
    outbox.process_store_feeds(store=store, client=amazon, now=now)
    later = refunds_for(store, 3)

    outbox.process_store_feeds(store=store, client=amazon, now=now + timedelta(seconds=60))
    assert amazon.count("createFeed") == 1
    assert all(OutboundUpdate.objects.get(pk=u.pk).state == State.PENDING for u in later)

    outbox.process_store_feeds(store=store, client=amazon, now=now + timedelta(seconds=121))
    assert amazon.count("createFeed") == 2
    second_feed = AmazonFeed.objects.order_by("-pk").first()
    assert amazon.message_ids(second_feed.feed_id) == [u.pk for u in later]
    assert first[0].pk not in amazon.message_ids(second_feed.feed_id)


def test_cancel_goes_out_as_order_acknowledgement_with_its_reason(amazon, store):
    amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 2, D("10.00"))], invoiced=False)
    cancel_order(order=amazon_order.commerce_order, actor=None, channel_data={"amazon_cancel_reason": "BuyerCanceled"})
    now = timezone.now()

    [feed] = outbox.process_store_feeds(store=store, client=amazon, now=now)

    assert feed.feed_type == "POST_ORDER_ACKNOWLEDGEMENT_DATA"
    [(_op, create)] = [c for c in amazon.calls if c[0] == "createFeed"]
    document = amazon.documents[create["document_id"]].decode()
    update = OutboundUpdate.objects.get(amazon_order=amazon_order)
    assert f"<MessageID>{update.pk}</MessageID>" in document
    assert f"<AmazonOrderID>{amazon_order.amazon_order_id}</AmazonOrderID>" in document
    assert "<StatusCode>Failure</StatusCode>" in document
    assert "<CancelReason>BuyerCanceled</CancelReason>" in document
    amazon.process_feeds()
    outbox.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=1))
    update.refresh_from_db()
    assert update.state == State.ACCEPTED


def test_cancel_of_an_order_amazon_no_longer_has_unshipped_fails_without_sending(amazon, store):
    amazon_order = make_amazon_order(
        store=store, lines=[Line("MUG-1", 2, D("10.00"))], invoiced=False, status=AmazonOrderStatus.SHIPPED
    )
    cancel_order(order=amazon_order.commerce_order, actor=None)

    assert outbox.process_store_feeds(store=store, client=amazon) == []
    update = OutboundUpdate.objects.get(amazon_order=amazon_order)
    assert update.state == State.FAILED
    assert update.last_response == "Amazon only accepts a cancel while the order is Unshipped; this order is Shipped."
    assert amazon.calls == []


@pytest.mark.parametrize("error", [throttled, server_error], ids=["429", "5xx"])
def test_create_feed_failures_retry_the_same_document_later(amazon, store, error):
    [update] = refunds_for(store, 1)
    amazon.fail("createFeed", error("createFeed"))
    now = timezone.now()

    [feed] = outbox.process_store_feeds(store=store, client=amazon, now=now)
    feed.refresh_from_db()
    assert feed.feed_id == "" and feed.submitted_at is None and feed.feed_document_id
    assert outbox.process_store_feeds(store=store, client=amazon, now=now + timedelta(seconds=10)) == []

    outbox.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=3))
    feed.refresh_from_db()
    assert feed.feed_id
    assert amazon.count("createFeedDocument") == 1 and amazon.count("createFeed") == 2
    amazon.process_feeds()
    outbox.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=4))
    update.refresh_from_db()
    assert update.state == State.ACCEPTED


def test_a_create_feed_timeout_is_left_to_a_person_not_sent_again(amazon, store):
    [update] = refunds_for(store, 1)
    amazon.fail("createFeed", timeout("createFeed"))
    now = timezone.now()
    outbox.process_store_feeds(store=store, client=amazon, now=now)
    outbox.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=10))

    assert amazon.count("createFeed") == 1
    update.refresh_from_db()
    assert update.state == State.FAILED
    assert update.last_response.startswith("Amazon may or may not have received feed document")
    assert "Read timed out." in update.last_response


def test_a_worker_killed_during_create_feed_never_sends_the_refunds_twice(amazon, store):
    [update] = refunds_for(store, 1)
    amazon.after["createFeed"] = kill_worker
    now = timezone.now()
    with pytest.raises(WorkerKilled):
        outbox.process_store_feeds(store=store, client=amazon, now=now)

    outbox.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=10))

    assert amazon.count("createFeed") == 1
    update.refresh_from_db()
    assert update.state == State.FAILED
    assert "check Seller Central's feed upload history" in update.last_response


def test_a_worker_killed_before_applying_the_report_applies_it_once_later(amazon, store):
    updates = refunds_for(store, 3)
    now = timezone.now()
    outbox.process_store_feeds(store=store, client=amazon, now=now)
    amazon.process_feeds()
    amazon.after["downloadFeedDocument"] = kill_worker
    with pytest.raises(WorkerKilled):
        outbox.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=1))
    assert all(OutboundUpdate.objects.get(pk=u.pk).state == State.AWAITING_RESULT for u in updates)

    outbox.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=10))

    assert all(OutboundUpdate.objects.get(pk=u.pk).state == State.ACCEPTED for u in updates)
    assert amazon.count("createFeed") == 1
    order = updates[0].amazon_order.commerce_order
    assert sum("Sent to Amazon" in c for c in comments(order)) == 1


def test_read_only_mode_sends_nothing(amazon, store, amazon_order):
    store.read_only_mode = True
    store.save()
    order = amazon_order.commerce_order
    shipment = ship(order=order, quantities={"MUG-1": 1}, tracks=[("ups", "UPS", "1Z1")])
    refund(order=order, quantities={"TEE-1": 1})

    outbox.deliver_update(update_id=update_for(shipment).pk, client=amazon)
    outbox.process_store_feeds(store=store, client=amazon)

    assert amazon.calls == []
    assert set(OutboundUpdate.objects.values_list("state", flat=True)) == {State.PENDING}
    assert outbox.sweep_outbox() == {"shipments": 0, "stores": 0}


def test_sweep_enqueues_what_is_due(monkeypatch, store, amazon_order):
    from amazon_channel import push_tasks

    queued = []
    monkeypatch.setattr(push_tasks.deliver_outbound_update, "delay", lambda pk: queued.append(("ship", pk)))
    monkeypatch.setattr(push_tasks.process_amazon_store_feeds, "delay", lambda pk: queued.append(("feeds", pk)))
    order = amazon_order.commerce_order
    shipment = ship(order=order, quantities={"MUG-1": 1}, tracks=[("ups", "UPS", "1Z1")])
    refund(order=order, quantities={"TEE-1": 1})

    assert outbox.sweep_outbox() == {"shipments": 1, "stores": 1}
    assert queued == [("ship", update_for(shipment).pk), ("feeds", store.pk)]
