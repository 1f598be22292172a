"""Cancels and refunds batched into feeds, with a stand-in for Amazon (no HTTP): one feed per window, each step
recorded, crashes that never send twice, the processing report applied per message.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from amazon_channel.models import AmazonFeed, AmazonOrderStatus, OutboundUpdate
from amazon_channel.push import scheduling
from amazon_channel.testing.amazon_orders import (
    Line,
    charged_by_amazon,
    comment_texts,
    make_amazon_order,
    refund,
    update_for,
)
from amazon_channel.testing.fake_amazon import WorkerKilled, kill_worker, server_error, throttled, timeout
from orders.services import cancel_order

pytestmark = pytest.mark.django_db


D = Decimal


State = OutboundUpdate.State


def refunds_for(store, count: int) -> list[OutboundUpdate]:
    updates = []
    for _ in range(count):
        amazon_order = charged_by_amazon(
            make_amazon_order(store=store, lines=[Line("MUG-1", 2, D("10.00"), tax=D("1.60"))])
        )
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

    [feed] = scheduling.process_store_feeds(store=store, client=amazon, now=now)

    assert amazon.count("createFeed") == 1
    assert amazon.message_ids(feed.feed_id) == [u.pk for u in updates]
    assert set(OutboundUpdate.objects.values_list("state", flat=True)) == {State.AWAITING_RESULT}
    amazon.process_feeds()
    with django_assert_max_num_queries(60 * 8 + 30):
        scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(seconds=31))

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
        "refund for credit memo" in c and "accepted (reason Customer Return)" in c
        for c in comment_texts(accepted.amazon_order.commerce_order)
    )


def test_one_create_feed_per_window_per_store_and_type(amazon, store):
    first = refunds_for(store, 2)
    now = timezone.now()
    scheduling.process_store_feeds(store=store, client=amazon, now=now)
    later = refunds_for(store, 3)

    scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(seconds=60))
    assert amazon.count("createFeed") == 1
    assert all(OutboundUpdate.objects.get(pk=u.pk).state == State.PENDING for u in later)

    scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(seconds=121))
    assert amazon.count("createFeed") == 2
    second_feed = AmazonFeed.objects.order_by("-pk").first()
    assert amazon.message_ids(second_feed.feed_id) == [u.pk for u in later]
    assert first[0].pk not in amazon.message_ids(second_feed.feed_id)


def test_cancel_goes_out_as_order_acknowledgement_with_its_reason(amazon, store):
    amazon_order = make_amazon_order(store=store, lines=[Line("MUG-1", 2, D("10.00"))], invoiced=False)
    cancel_order(order=amazon_order.commerce_order, actor=None, channel_data={"amazon_cancel_reason": "BuyerCanceled"})
    now = timezone.now()

    [feed] = scheduling.process_store_feeds(store=store, client=amazon, now=now)

    assert feed.feed_type == "POST_ORDER_ACKNOWLEDGEMENT_DATA"
    [(_op, create)] = [c for c in amazon.calls if c[0] == "createFeed"]
    document = amazon.documents[create["document_id"]].decode()
    update = OutboundUpdate.objects.get(amazon_order=amazon_order)
    assert f"<MessageID>{update.pk}</MessageID>" in document
    assert f"<AmazonOrderID>{amazon_order.amazon_order_id}</AmazonOrderID>" in document
    assert "<StatusCode>Failure</StatusCode>" in document
    assert "<CancelReason>BuyerCanceled</CancelReason>" in document
    amazon.process_feeds()
    scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=1))
    update.refresh_from_db()
    assert update.state == State.ACCEPTED


def test_cancel_of_an_order_amazon_no_longer_has_unshipped_fails_without_sending(amazon, store):
    amazon_order = make_amazon_order(
        store=store, lines=[Line("MUG-1", 2, D("10.00"))], invoiced=False, status=AmazonOrderStatus.SHIPPED
    )
    cancel_order(order=amazon_order.commerce_order, actor=None)

    assert scheduling.process_store_feeds(store=store, client=amazon) == []
    update = OutboundUpdate.objects.get(amazon_order=amazon_order)
    assert update.state == State.FAILED
    assert update.last_response == "Amazon only accepts a cancel while the order is Unshipped; this order is Shipped."
    assert amazon.calls == []


@pytest.mark.parametrize("error", [throttled, server_error], ids=["429", "5xx"])
def test_create_feed_failures_retry_the_same_document_later(amazon, store, error):
    [update] = refunds_for(store, 1)
    amazon.fail("createFeed", error("createFeed"))
    now = timezone.now()

    [feed] = scheduling.process_store_feeds(store=store, client=amazon, now=now)
    feed.refresh_from_db()
    assert feed.feed_id == "" and feed.submitted_at is None and feed.feed_document_id
    assert scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(seconds=10)) == []

    scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=3))
    feed.refresh_from_db()
    assert feed.feed_id
    assert amazon.count("createFeedDocument") == 1 and amazon.count("createFeed") == 2
    amazon.process_feeds()
    scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=4))
    update.refresh_from_db()
    assert update.state == State.ACCEPTED


def test_a_create_feed_timeout_is_left_to_a_person_not_sent_again(amazon, store):
    [update] = refunds_for(store, 1)
    amazon.fail("createFeed", timeout("createFeed"))
    now = timezone.now()
    scheduling.process_store_feeds(store=store, client=amazon, now=now)
    scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=10))

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
        scheduling.process_store_feeds(store=store, client=amazon, now=now)

    scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=10))

    assert amazon.count("createFeed") == 1
    update.refresh_from_db()
    assert update.state == State.FAILED
    assert "check Seller Central's feed upload history" in update.last_response


def test_a_worker_killed_before_applying_the_report_applies_it_once_later(amazon, store):
    updates = refunds_for(store, 3)
    now = timezone.now()
    scheduling.process_store_feeds(store=store, client=amazon, now=now)
    amazon.process_feeds()
    amazon.after["downloadFeedDocument"] = kill_worker
    with pytest.raises(WorkerKilled):
        scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=1))
    assert all(OutboundUpdate.objects.get(pk=u.pk).state == State.AWAITING_RESULT for u in updates)

    scheduling.process_store_feeds(store=store, client=amazon, now=now + timedelta(minutes=10))

    assert all(OutboundUpdate.objects.get(pk=u.pk).state == State.ACCEPTED for u in updates)
    assert amazon.count("createFeed") == 1
    order = updates[0].amazon_order.commerce_order
    assert sum("Sent to Amazon" in c for c in comment_texts(order)) == 1
