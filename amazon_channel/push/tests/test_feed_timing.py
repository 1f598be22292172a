"""When feeds move: gathered until the store is quiet, polled soon after createFeed then less often, the next step
queued as a countdown, and a refund held back until its order's shipment reached Amazon (Amazon's 18090)."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from amazon_channel.models import AmazonFeed, OutboundUpdate
from amazon_channel.push import scheduling, tasks
from amazon_channel.push.timing import next_feed_poll
from amazon_channel.testing.amazon_orders import Line, charged_by_amazon, make_amazon_order, refund, ship, update_for

pytestmark = pytest.mark.django_db
State = OutboundUpdate.State


def refunds_for(store, count: int) -> list[OutboundUpdate]:
    updates = []
    for _ in range(count):
        amazon_order = charged_by_amazon(make_amazon_order(store=store, lines=[Line("MUG-1", 2, Decimal("10.00"))]))
        updates.append(update_for(refund(order=amazon_order.commerce_order, quantities={"MUG-1": 1})))
    return updates


def test_refunds_written_one_after_another_gather_into_one_feed_once_the_store_is_quiet(amazon, store, settings):
    settings.AMAZON_FEED_GATHER_SECONDS = 5
    first = refunds_for(store, 3)
    now = timezone.now()

    assert scheduling.process_store_feeds(store=store, client=amazon, now=now) == []  # more may be coming
    later = refunds_for(store, 2)
    newest = OutboundUpdate.objects.order_by("-created_at").first().created_at
    assert scheduling.next_feed_work_at(store=store, now=now) == newest + timedelta(seconds=5)

    [feed] = scheduling.process_store_feeds(store=store, client=amazon, now=newest + timedelta(seconds=5.1))

    assert amazon.count("createFeed") == 1
    assert amazon.message_ids(feed.feed_id) == [u.pk for u in first + later]


def test_get_feed_comes_soon_after_create_feed_then_less_often(amazon, store, settings):
    assert [next_feed_poll(submitted_age=age) for age in (0, 5, 10, 20, 40, 300)] == [5, 5, 10, 20, 30, 30]
    assert next_feed_poll(submitted_age=7.5) == 2.5
    settings.AMAZON_FEED_POLL_SECONDS = 1  # the demo and the fault tests poll faster: every step at most that
    assert [next_feed_poll(submitted_age=age) for age in (0, 1, 2.5, 9)] == [1, 1, 0.5, 1]
    settings.AMAZON_FEED_POLL_SECONDS = 30
    refunds_for(store, 1)
    now = timezone.now()

    [feed] = scheduling.process_store_feeds(store=store, client=amazon, now=now)

    assert feed.processing_status == "IN_QUEUE" and feed.next_check_at == now + timedelta(seconds=5)
    [feed] = scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(seconds=12))
    assert feed.next_check_at == now + timedelta(seconds=20)


def test_a_time_scaled_window_and_polls_keep_their_fractions_of_a_second(amazon, store, settings):
    # What bench/many_stores.py --outbox sets against the sandbox at 16x: Amazon's 120 s window and 5 s first poll
    # divided by 16. A window rounded down to 7 s would let a second feed out early.
    settings.AMAZON_FEED_WINDOW_SECONDS = 7.5
    settings.AMAZON_FEED_POLL_STEPS = (0.3125, 0.3125)
    settings.AMAZON_FEED_POLL_SECONDS = 1.875
    refunds_for(store, 1)
    now = timezone.now()

    [feed] = scheduling.process_store_feeds(store=store, client=amazon, now=now)
    assert feed.next_check_at == now + timedelta(seconds=0.3125)
    assert [next_feed_poll(submitted_age=age) for age in (0, 0.5, 0.625, 10)] == [0.3125, 0.125, 1.875, 1.875]
    later = refunds_for(store, 1)

    scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(seconds=7.2))
    assert amazon.count("createFeed") == 1
    scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(seconds=7.6))
    assert amazon.count("createFeed") == 2
    assert amazon.message_ids(AmazonFeed.objects.order_by("-pk").first().feed_id) == [u.pk for u in later]


def test_two_create_feeds_of_a_store_and_type_reach_amazon_a_whole_window_apart_after_a_slow_upload(
    amazon, store, settings, monkeypatch
):
    # The window used to count from the task's start: a slow upload of the first feed (a token exchange, a busy
    # network) put its createFeed late, and the next feed's quick one came less than a window after it.
    settings.AMAZON_FEED_WINDOW_SECONDS = 0.5
    created = []
    upload, create = amazon.upload_feed_document, amazon.create_feed
    monkeypatch.setattr(
        amazon, "upload_feed_document", lambda *a, **k: (time.sleep(0.3 if not created else 0), upload(*a, **k))
    )
    monkeypatch.setattr(amazon, "create_feed", lambda **k: (created.append(time.monotonic()), create(**k))[1])
    refunds_for(store, 1)
    scheduling.process_store_feeds(store=store, client=amazon)
    refunds_for(store, 1)

    deadline = time.monotonic() + 5
    while len(created) < 2 and time.monotonic() < deadline:
        scheduling.process_store_feeds(store=store, client=amazon)
        time.sleep(0.02)

    assert len(created) == 2 and created[1] - created[0] >= 0.5


def test_the_next_feed_step_is_queued_once_as_a_countdown(amazon, store, monkeypatch):
    cache.clear()
    queued = []
    monkeypatch.setattr(
        tasks.process_amazon_store_feeds, "apply_async", lambda args, countdown: queued.append((args, countdown))
    )
    refunds_for(store, 1)
    now = timezone.now()
    scheduling.process_store_feeds(store=store, client=amazon, now=now)

    first = scheduling.follow_up_store_feeds(store=store, now=now)
    again = scheduling.follow_up_store_feeds(store=store, now=now)

    assert first == 5 and again is None
    assert queued == [((store.pk,), 5)]
    AmazonFeed.objects.update(finished_at=now)
    assert scheduling.next_feed_work_at(store=store, now=now) is None  # nothing waits: nothing queued


def test_a_burst_of_credit_memos_queues_one_feed_step_for_the_store_not_a_run_per_memo(
    amazon, store, settings, monkeypatch
):
    # Each memo's delivery task used to run the store's whole feed work at once, only to find more still gathering:
    # 500 memos were 500 runs in the queue ahead of every other store's shipments.
    settings.AMAZON_FEED_GATHER_SECONDS = 5
    cache.clear()
    queued = []
    monkeypatch.setattr(
        tasks.process_amazon_store_feeds, "apply_async", lambda args, countdown: queued.append((args, countdown))
    )
    runs = []
    feed_work = scheduling.process_store_feeds
    monkeypatch.setattr(scheduling, "process_store_feeds", lambda **kw: runs.append(kw) or feed_work(**kw))
    memos = refunds_for(store, 20)

    for update in memos:
        assert tasks.deliver_outbound_update(update.pk) == State.PENDING  # what a worker runs for each memo

    assert runs == [] and amazon.count("createFeed") == 0
    [(args, countdown)] = queued
    assert args == (store.pk,) and 4 < countdown <= 5
    newest = OutboundUpdate.objects.order_by("-created_at").first().created_at
    [feed] = feed_work(store=store, client=amazon, now=newest + timedelta(seconds=5.1))
    assert amazon.message_ids(feed.feed_id) == [u.pk for u in memos]


def test_a_refund_waits_until_amazon_has_its_orders_shipment(amazon, store):
    amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 2, Decimal("10.00"))])
    order = amazon_order.commerce_order
    shipment = update_for(ship(order=order, tracks=[("ups", "UPS", "1Z0001")]))
    memo = update_for(refund(order=order, quantities={"MUG-1": 1}))
    now = timezone.now()

    assert scheduling.process_store_feeds(store=store, client=amazon, now=now) == []
    memo.refresh_from_db()
    assert memo.state == State.PENDING and amazon.count("createFeed") == 0

    assert scheduling.deliver_update(update_id=shipment.pk, client=amazon, now=now).state == State.ACCEPTED
    [feed] = scheduling.process_store_feeds(store=store, client=amazon, now=now)

    assert amazon.message_ids(feed.feed_id) == [memo.pk]
