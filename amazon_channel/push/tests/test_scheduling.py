"""Which updates are due, the beat sweep, Read-Only Mode."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from amazon_channel.models import AmazonFeed, OutboundUpdate
from amazon_channel.push import scheduling, shipments
from amazon_channel.testing.amazon_orders import Line, make_amazon_order, refund, ship, update_for

pytestmark = pytest.mark.django_db


D = Decimal


State = OutboundUpdate.State


def test_read_only_mode_sends_nothing(amazon, store, amazon_order):
    store.read_only_mode = True
    store.save()
    order = amazon_order.commerce_order
    shipment = ship(order=order, quantities={"MUG-1": 1}, tracks=[("ups", "UPS", "1Z1")])
    refund(order=order, quantities={"TEE-1": 1})

    scheduling.deliver_update(update_id=update_for(shipment).pk, client=amazon)
    scheduling.process_store_feeds(store=store, client=amazon)

    assert amazon.calls == []
    assert set(OutboundUpdate.objects.values_list("state", flat=True)) == {State.PENDING}
    assert scheduling.sweep_outbox() == {"shipments": 0, "stores": 0}


def test_sweep_enqueues_what_is_due(monkeypatch, store, amazon_order):
    from amazon_channel.push import tasks as push_tasks

    queued = []
    monkeypatch.setattr(push_tasks.deliver_outbound_update, "delay", lambda pk: queued.append(("ship", pk)))
    monkeypatch.setattr(push_tasks.process_amazon_store_feeds, "delay", lambda pk: queued.append(("feeds", pk)))
    monkeypatch.setattr(
        push_tasks.process_amazon_store_feeds,
        "apply_async",
        lambda args, countdown: queued.append(("feeds", *args)) if countdown <= 0.5 else None,
    )
    cache.clear()
    order = amazon_order.commerce_order
    shipment = ship(order=order, quantities={"MUG-1": 1}, tracks=[("ups", "UPS", "1Z1")])
    refund(order=order, quantities={"TEE-1": 1})

    assert scheduling.sweep_outbox() == {"shipments": 1, "stores": 1}
    assert queued == [("ship", update_for(shipment).pk), ("feeds", store.pk)]


def test_a_store_waiting_for_its_feed_window_is_not_run_by_every_sweep(monkeypatch, amazon, store, amazon_order):
    # The sweep used to queue a run of every store with pending cancels / refunds each minute, although their window
    # was closed: with hundreds of stores, hundreds of runs a minute that could do nothing.
    from amazon_channel.push import tasks as push_tasks

    cache.clear()
    ran, queued = [], []
    monkeypatch.setattr(push_tasks.process_amazon_store_feeds, "delay", ran.append)
    monkeypatch.setattr(
        push_tasks.process_amazon_store_feeds, "apply_async", lambda args, countdown: queued.append((args, countdown))
    )
    order = amazon_order.commerce_order
    ship(order=order, quantities={"MUG-1": 1}, tracks=[("ups", "UPS", "1Z1")])
    scheduling.deliver_update(update_id=OutboundUpdate.objects.get().pk, client=amazon)
    refund(order=order, quantities={"MUG-1": 1})
    now = timezone.now()
    [feed] = scheduling.process_store_feeds(store=store, client=amazon, now=now)
    AmazonFeed.objects.filter(pk=feed.pk).update(finished_at=now)  # settled; the next refund waits for the window
    refund(order=order, quantities={"TEE-1": 1})

    assert scheduling.sweep_outbox(now=now + timedelta(seconds=30)) == {"shipments": 0, "stores": 1}
    assert scheduling.sweep_outbox(now=now + timedelta(seconds=31)) == {"shipments": 0, "stores": 1}

    assert ran == []
    [((store_id,), countdown)] = queued  # once, for when the window reopens
    assert store_id == store.pk and countdown == pytest.approx(90, abs=0.01)


def test_read_only_mode_keeps_updates_pending(store, amazon_order):
    store.read_only_mode = True
    store.save()
    shipment = ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z999")])
    update = update_for(shipment)
    assert shipments.claim_update(update_id=update.pk) is None
    assert scheduling.due_shipment_updates() == []
    result = scheduling.deliver_update(update_id=update.pk)
    assert result.state == OutboundUpdate.State.PENDING
    assert "Read-Only Mode" in result.message


def test_a_sweep_takes_the_longest_waiting_shipments_first_up_to_its_limit(store):
    now = timezone.now()
    updates = []
    for minutes in (5, 30, 10):
        amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 1, D("10.00"))])
        update = update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")]))
        OutboundUpdate.objects.filter(pk=update.pk).update(next_attempt_at=now - timedelta(minutes=minutes))
        updates.append(update)
    assert scheduling.due_shipment_updates(now=now, limit=2) == [updates[1].pk, updates[2].pk]


def test_a_sweep_takes_the_stores_shipments_in_turn_so_one_backlog_does_not_fill_it(store):
    from amazon_channel.testing.factories import AmazonStoreFactory

    other = AmazonStoreFactory()
    now = timezone.now()

    def waiting(on, minutes):
        amazon_order = make_amazon_order(store=on, lines=[Line("MUG-1", 1, D("10.00"))])
        update = update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")]))
        OutboundUpdate.objects.filter(pk=update.pk).update(next_attempt_at=now - timedelta(minutes=minutes))
        return update.pk

    backlog = [waiting(store, minutes) for minutes in (60, 50, 40, 30)]  # a big store's old backlog
    newer = [waiting(other, minutes) for minutes in (5, 1)]

    assert scheduling.due_shipment_updates(now=now, limit=4) == [backlog[0], newer[0], backlog[1], newer[1]]
