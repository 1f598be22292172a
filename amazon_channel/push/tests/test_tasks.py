"""Workers: tasks that run twice, messages the broker lost, two workers on one update (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from amazon_channel.models import OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.push import tasks as push_tasks
from amazon_channel.testing.amazon_orders import Line, make_amazon_order, refund, ship, update_for
from amazon_channel.testing.factories import AmazonStoreFactory

D = Decimal
State = OutboundUpdate.State


@pytest.fixture
def amazon(fake_amazon):
    """Every worker reaches this stand-in for Amazon."""
    return fake_amazon


@pytest.fixture
def eager(settings):
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.mark.django_db
def test_a_delivery_task_run_twice_sends_once(amazon, eager):
    store = AmazonStoreFactory(name="US Store")
    amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 1, D("10.00"))])
    update = update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")]))

    push_tasks.deliver_outbound_update.delay(update.pk)
    push_tasks.deliver_outbound_update.delay(update.pk)  # acks_late: a redelivered message

    assert amazon.count("confirmShipment") == 1
    update.refresh_from_db()
    assert update.state == State.ACCEPTED


@pytest.mark.django_db
def test_updates_whose_messages_the_broker_lost_are_delivered_by_the_sweep(
    amazon, eager, monkeypatch, django_capture_on_commit_callbacks
):
    store = AmazonStoreFactory(name="US Store")
    amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 2, D("10.00"))])
    order = amazon_order.commerce_order

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(push_tasks.deliver_outbound_update, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            shipment = ship(order=order, quantities={"MUG-1": 1}, tracks=[("ups", "UPS", "1Z1")])
        with django_capture_on_commit_callbacks(execute=True):
            memo = refund(order=order, quantities={"MUG-1": 1}, shipping=None)
    # The shipment and the refund are saved although nothing could be queued; Amazon heard nothing yet.
    assert update_for(shipment).state == update_for(memo).state == State.PENDING
    assert amazon.calls == []

    # Broker back: the beat sweep finds both.
    assert scheduling.sweep_outbox() == {"shipments": 1, "stores": 1}
    amazon.process_feeds()
    scheduling.process_store_feeds(store=store, now=timezone.now() + timedelta(minutes=1))

    assert update_for(shipment).state == State.ACCEPTED
    assert update_for(memo).state == State.ACCEPTED
    assert amazon.count("confirmShipment") == 1 and amazon.count("createFeed") == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_update_send_it_once(postgres_only, amazon):
    store = AmazonStoreFactory(name="US Store")
    amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 1, D("10.00"))])
    update = update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")]))
    slow_confirm = amazon.confirm_shipment

    def confirm(*args, **kwargs):
        time.sleep(0.3)  # both workers are inside delivery at the same time
        slow_confirm(*args, **kwargs)

    amazon.confirm_shipment = confirm
    results, start = [], threading.Barrier(2)

    def worker():
        try:
            start.wait()
            results.append(scheduling.deliver_update(update_id=update.pk).state)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert amazon.count("confirmShipment") == 1
    assert sorted(results) == sorted([State.ACCEPTED, State.SENDING])
    update.refresh_from_db()
    assert (update.state, update.attempts) == (State.ACCEPTED, 1)


@pytest.mark.django_db
def test_beat_sweeps_the_outbox_every_minute_and_a_changed_schedule_is_kept():
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from amazon_channel.push.listeners import PUSH_SWEEP_TASK_NAME, ensure_push_schedule

    task = PeriodicTask.objects.get(name=PUSH_SWEEP_TASK_NAME)  # created by migrate
    assert task.task == "amazon_channel.push.sweep_outbox" and task.enabled
    assert (task.interval.every, task.interval.period) == (1, IntervalSchedule.MINUTES)

    task.interval = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    task.save()
    ensure_push_schedule()
    assert PeriodicTask.objects.get(name=PUSH_SWEEP_TASK_NAME).interval.every == 5
