"""A whole import run against a fake Amazon: window and cursor, pages, resume, the per-store lease, recover."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from amazon_channel.models import AmazonOrder, AmazonStore
from amazon_channel.spapi import errors
from amazon_channel.sync import (
    ImportRefused,
    ImportResult,
    import_orders,
    pages,
    placing,
    process_orders,
    recover_order,
    runs,
)
from amazon_channel.testing.amazon_orders import amazon_order
from orders.models import Order

pytestmark = pytest.mark.django_db


def test_first_run_imports_every_page_and_moves_the_cursor_to_amazons_window_end(amazon_store, fake):
    fake.orders = [amazon_order() for _ in range(100)]
    fake.window_end = timezone.now() - timedelta(minutes=2)
    before = timezone.now()

    result = import_orders(store=amazon_store)

    assert result.ok and result.pages == 3 and result.orders_seen == 100
    assert Order.objects.filter(channel="amazon").count() == 100
    first = fake.searches[0]
    assert first["pagination_token"] is None
    assert "last_updated_before" not in first  # Amazon fixes the window end (now - 2 min)
    assert before - first["last_updated_after"] >= timedelta(days=30) - timedelta(seconds=5)
    assert [c["pagination_token"] for c in fake.searches[1:]] == ["40", "80"]
    assert {c["last_updated_after"] for c in fake.searches} == {first["last_updated_after"]}
    amazon_store.refresh_from_db()
    assert amazon_store.last_order_sync == fake.window_end
    assert amazon_store.sync_resume_token == "" and amazon_store.sync_lease_token == ""
    assert amazon_store.last_sync_ok is True
    assert "100 orders read in 3 pages" in amazon_store.last_sync_message


def test_next_run_overlaps_the_cursor_and_creates_no_duplicates(amazon_store, fake):
    fake.orders = [amazon_order() for _ in range(10)]
    import_orders(store=amazon_store)
    amazon_store.refresh_from_db()
    cursor = amazon_store.last_order_sync
    fake.calls.clear()

    import_orders(store=amazon_store)

    assert fake.searches[0]["last_updated_after"] == cursor - timedelta(minutes=5)
    assert Order.objects.filter(channel="amazon").count() == 10


def test_late_indexed_order_inside_the_overlap_is_imported(amazon_store, fake):
    fake.window_end = timezone.now() - timedelta(minutes=2)
    import_orders(store=amazon_store)
    # Amazon indexes an order late: its update time is before the cursor, but within the overlap.
    late = amazon_order(updated=fake.window_end - timedelta(minutes=3))
    fake.orders.append(late)
    fake.window_end = timezone.now()
    import_orders(store=amazon_store)
    assert Order.objects.filter(external_order_number=late.order_id).exists()


def test_backfill_since_a_date(amazon_store, fake):
    amazon_store.last_order_sync = timezone.now()
    amazon_store.save()
    old = amazon_order(updated=timezone.now() - timedelta(days=3))
    fake.orders = [old]
    since = timezone.now() - timedelta(days=4)
    import_orders(store=amazon_store, since=since)
    assert fake.searches[0]["last_updated_after"] == since
    assert Order.objects.filter(external_order_number=old.order_id).exists()


def test_a_failure_mid_run_keeps_committed_pages_and_resumes_on_the_next_page(amazon_store, fake):
    fake.orders = [amazon_order() for _ in range(100)]
    fake.fail(
        "searchOrders",
        errors.ServerError("searchOrders", 503, "ServiceUnavailable", "Try later", "req-9"),
        after_calls=1,
    )

    result = import_orders(store=amazon_store)

    assert not result.ok and "ServiceUnavailable" in result.error
    assert AmazonOrder.objects.count() == 40
    amazon_store.refresh_from_db()
    assert amazon_store.last_order_sync is None  # the cursor only moves when the whole window is in
    assert amazon_store.sync_resume_token == "40"
    assert amazon_store.last_sync_ok is False
    window_start = fake.searches[0]["last_updated_after"]

    fake.calls.clear()
    result = import_orders(store=amazon_store)

    assert result.ok
    assert fake.searches[0]["pagination_token"] == "40"
    assert fake.searches[0]["last_updated_after"] == window_start  # Amazon wants the same parameters with a token
    assert Order.objects.filter(channel="amazon").count() == 100
    assert AmazonOrder.objects.count() == 100


def test_a_stale_resume_token_starts_the_window_again(amazon_store, fake):
    fake.orders = [amazon_order() for _ in range(5)]
    amazon_store.sync_window_start = timezone.now() - timedelta(days=1)
    amazon_store.sync_resume_token = "40"
    amazon_store.sync_resume_saved_at = timezone.now() - timedelta(hours=25)
    amazon_store.save()
    import_orders(store=amazon_store)
    assert fake.searches[0]["pagination_token"] is None
    assert AmazonOrder.objects.count() == 5


def test_one_import_per_store_at_a_time(amazon_store, fake):
    token = runs.acquire_import_lease(store=amazon_store)
    assert token

    result = import_orders(store=amazon_store)

    assert result.busy and fake.calls == []
    assert "Another sync" in result.summary()
    runs.release_import_lease(store=amazon_store, token=token)
    assert import_orders(store=amazon_store).ok


def test_a_crashed_workers_lease_expires(amazon_store, fake):
    AmazonStore.objects.filter(pk=amazon_store.pk).update(
        sync_lease_token="crashed-worker", sync_lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert import_orders(store=amazon_store).ok


def test_a_worker_that_lost_its_lease_commits_nothing_more(amazon_store, fake):
    fake.orders = [amazon_order() for _ in range(100)]
    original = fake.search_orders

    def slow_then_taken_over(**kwargs):
        page = original(**kwargs)
        if len(fake.searches) == 2:  # our lease ran out and another worker took the store
            AmazonStore.objects.filter(pk=amazon_store.pk).update(sync_lease_token="other-worker")
        return page

    fake.search_orders = slow_then_taken_over
    result = import_orders(store=amazon_store)

    assert "another one took over" in result.error
    assert AmazonOrder.objects.count() == 40
    assert AmazonStore.objects.get(pk=amazon_store.pk).sync_lease_token == "other-worker"


def test_failed_orders_are_retried_next_run_from_what_was_stored(amazon_store, fake, monkeypatch):
    order = amazon_order()
    fake.orders = [order]
    real_build = placing.build_new_order

    def broken(**kwargs):
        raise ImportRefused("the Commerce store is closed")

    monkeypatch.setattr(placing, "build_new_order", broken)
    first = import_orders(store=amazon_store)
    assert order.order_id in first.failed
    monkeypatch.setattr(placing, "build_new_order", real_build)
    fake.orders = []  # Amazon does not send it again: nothing changed there

    second = import_orders(store=amazon_store)

    assert second.commerce_orders_created == 1
    assert AmazonOrder.objects.get(amazon_order_id=order.order_id).import_error == ""


def test_recover_one_order_by_its_number(amazon_store, fake, staff):
    wanted = amazon_order(updated=timezone.now() - timedelta(days=90))
    fake.orders = [wanted]
    row = recover_order(store=amazon_store, amazon_order_id=wanted.order_id, actor=staff)
    assert row.commerce_order.external_order_number == wanted.order_id
    with pytest.raises(ImportRefused, match="no order 999"):
        recover_order(store=amazon_store, amazon_order_id="999-0000000-0000000", actor=staff)


def test_amazon_sync_command_with_since(amazon_store, fake):
    fake.orders = [amazon_order(updated=timezone.now() - timedelta(days=40)) for _ in range(3)]
    out = StringIO()
    call_command("amazon_sync", store=amazon_store.pk, since="2000-01-01", no_progress=True, stdout=out)
    assert "3 orders read in 1 pages" in out.getvalue()
    assert Order.objects.filter(channel="amazon").count() == 3


def test_an_amazon_order_stored_meanwhile_is_updated_not_inserted_twice(amazon_store, fake, monkeypatch):
    """New Amazon orders are inserted plainly; if one of them was stored in between (a *Recover order* of it
    committed first), the page falls back to an upsert: still one Amazon order row and one Commerce order each."""
    fake.orders = [amazon_order() for _ in range(5)]
    real_insert = pages.insert_rows
    recovered: list[str] = []

    def insert_after_a_recover(model, objs):
        if model is AmazonOrder and not recovered:
            recovered.append(fake.orders[2].order_id)
            process_orders(
                store=amazon_store,
                orders=[fake.orders[2]],
                actor=None,
                result=ImportResult(store_id=amazon_store.pk),
            )
        return real_insert(model, objs)

    monkeypatch.setattr(pages, "insert_rows", insert_after_a_recover)

    result = import_orders(store=amazon_store)

    assert result.ok and recovered
    rows = AmazonOrder.objects.filter(store=amazon_store)
    assert rows.count() == 5 and all(row.commerce_order_id for row in rows)
    assert Order.objects.filter(channel="amazon").count() == 5
    assert all(
        row.items.count() == len(o.items)
        for row, o in zip(rows.order_by("amazon_order_id"), sorted(fake.orders, key=lambda o: o.order_id))
    )
