"""The import end to end over HTTP against the Seller Central sandbox: backlogs across many pages, re-runs and
concurrent runs without duplicates, the order lifecycle, late-indexed orders, injected faults, recover, and the
store page's *Test connection*."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from amazon_channel.core import client as clients
from amazon_channel.models import AmazonOrder, AmazonStore, CommunicationLog
from amazon_channel.sync import ImportResult, import_orders, is_importable, process_orders, recover_order, runs
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import Order, OrderState

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
US = "ATVPDKIKX0DER"


@pytest.fixture
def store(unpaced_sandbox) -> AmazonStore:
    return AmazonStoreFactory()


def sandbox_orders(sandbox, marketplace_id: str = "ATVPDKIKX0DER") -> dict[str, dict]:
    """The orders the sandbox holds for the store's marketplace (its seed spreads over several)."""
    return {o["order_id"]: o for o in sandbox.control.orders() if o["marketplace_id"] == marketplace_id}


def visible_by(sandbox, cursor) -> set[str]:
    """Orders Amazon's search shows up to the window end (updated and indexed by then)."""
    return {
        order_id
        for order_id, o in sandbox_orders(sandbox).items()
        if parse_datetime(o["last_updated"]) <= cursor and parse_datetime(o["indexed_at"]) <= cursor
    }


def assert_no_duplicate_commerce_orders() -> list[str]:
    numbers = list(Order.objects.filter(channel="amazon").values_list("external_order_number", flat=True))
    assert len(numbers) == len(set(numbers))
    return numbers


@pytest.mark.sandbox(orders=3000)
def test_a_seeded_backlog_imports_completely_across_many_pages_and_a_rerun_adds_no_duplicate(sandbox, store):
    sandbox.control.advance(600)  # late-indexed seeded orders become visible

    result = import_orders(store=store)

    assert result.ok, result.error
    store.refresh_from_db()
    expected = visible_by(sandbox, store.last_order_sync)
    imported = set(AmazonOrder.objects.values_list("amazon_order_id", flat=True))
    assert len(expected) > 1500 and expected <= imported
    assert result.pages == -(-len(imported) // 100)
    importable = {
        row.amazon_order_id
        for row in AmazonOrder.objects.all()
        if is_importable(status=row.status, fulfilled_by=row.fulfilled_by)
    }
    made = set(assert_no_duplicate_commerce_orders())
    assert importable <= made and len(made) > 1000
    # Every Commerce order belongs to an importable order, or to one Amazon canceled after it was imported.
    assert made - importable <= set(
        AmazonOrder.objects.filter(status="CANCELLED").values_list("amazon_order_id", flat=True)
    )
    assert not AmazonOrder.objects.exclude(import_error="").exists()
    searches = sandbox.control.ledger("searchOrders")
    assert all(entry["status"] == 200 for entry in searches)
    assert sum(1 for entry in searches if "paginationToken" in entry["query"]) == result.pages - 1
    assert store.sync_resume_token == ""

    sandbox.control.advance(300)  # the seeded orders move on meanwhile
    again = import_orders(store=store)

    assert again.ok and again.pages >= 1
    store.refresh_from_db()
    assert visible_by(sandbox, store.last_order_sync) <= set(
        AmazonOrder.objects.values_list("amazon_order_id", flat=True)
    )
    assert set(assert_no_duplicate_commerce_orders()) >= made


@pytest.mark.django_db(transaction=True)
@pytest.mark.sandbox(orders=300)
def test_two_concurrent_runs_create_no_duplicate(sandbox, store, monkeypatch):
    sandbox.control.advance(600)
    held = _record_lease_holding(monkeypatch)

    results = _run_twice_concurrently(lambda: import_orders(store=AmazonStore.objects.get(pk=store.pk)))

    # Either the lease turned one away, or they ran one after the other; never two imports at once.
    ran = [result for result in results if not result.busy]
    assert ran and all(result.ok for result in ran), [result.error for result in ran]
    assert len(held) == len(ran)
    if len(held) == 2:
        (_first_taken, first_released), (second_taken, _second_released) = sorted(held)
        assert first_released <= second_taken, "two imports of one store held the lease at once"
    cursor = AmazonStore.objects.get(pk=store.pk).last_order_sync
    assert visible_by(sandbox, cursor) <= set(AmazonOrder.objects.values_list("amazon_order_id", flat=True))
    assert assert_no_duplicate_commerce_orders()


@pytest.mark.django_db(transaction=True)
@pytest.mark.sandbox(orders=300)
def test_two_workers_processing_the_same_page_make_one_commerce_order_each(sandbox, store, postgres_only):
    """Even without the lease (say, a recover racing a sync), the database's unique constraint decides."""
    sandbox.control.advance(600)
    client = clients.client_for_store(store)
    page = client.search_orders(last_updated_after=timezone.now() - timedelta(days=30), max_results_per_page=100)

    def work():
        result = ImportResult(store_id=store.pk)
        with transaction.atomic():
            process_orders(store=store, orders=page.orders, actor=None, result=result)
        return result

    results = _run_twice_concurrently(work)

    importable = [
        o.order_id for o in page.orders if is_importable(status=o.fulfillment_status, fulfilled_by=o.fulfilled_by)
    ]
    assert importable
    assert sum(r.commerce_orders_created for r in results) == len(importable)
    numbers = list(Order.objects.filter(channel="amazon").values_list("external_order_number", flat=True))
    assert sorted(numbers) == sorted(importable)
    linked = AmazonOrder.objects.filter(amazon_order_id__in=importable, commerce_order__isnull=False).count()
    assert linked == len(importable)


def _record_lease_holding(monkeypatch) -> list[tuple[float, float]]:
    """(taken, released) of every import lease taken from now on, on the monotonic clock."""
    held: list[tuple[float, float]] = []
    taken_at: dict[str, float] = {}
    acquire, release = runs.acquire_import_lease, runs.release_import_lease

    def recording_acquire(*, store):
        token = acquire(store=store)
        if token:
            taken_at[token] = time.monotonic()
        return token

    def recording_release(*, store, token):
        released_at = time.monotonic()
        release(store=store, token=token)
        held.append((taken_at.pop(token), released_at))

    monkeypatch.setattr(runs, "acquire_import_lease", recording_acquire)
    monkeypatch.setattr(runs, "release_import_lease", recording_release)
    return held


def _run_twice_concurrently(work) -> list:
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    return results


def test_order_lifecycle_pending_unshipped_shipped_and_buyer_cancellation(sandbox, store):
    shipped_id, canceled_id = sandbox.control.add_orders(2, status="PENDING", lifecycle=False, marketplace_id=US)
    sandbox.control.advance(180)
    import_orders(store=store)
    assert AmazonOrder.objects.get(amazon_order_id=shipped_id).status == "PENDING"
    assert not Order.objects.exists()

    for order_id in (shipped_id, canceled_id):
        sandbox.control.set_status(order_id, "UNSHIPPED")
    sandbox.control.advance(180)
    import_orders(store=store)
    assert Order.objects.filter(channel="amazon").count() == 2
    assert {o.state for o in Order.objects.all()} == {OrderState.PROCESSING}

    sandbox.control.set_status(shipped_id, "SHIPPED")
    sandbox.control.set_status(canceled_id, "CANCELLED")
    sandbox.control.advance(180)
    result = import_orders(store=store)

    assert result.ok
    shipped = Order.objects.get(external_order_number=shipped_id)
    assert shipped.state == OrderState.COMPLETE
    canceled = Order.objects.get(external_order_number=canceled_id)
    assert canceled.state in {OrderState.CLOSED, OrderState.CANCELED}
    assert canceled.total_refunded == canceled.grand_total
    history = AmazonOrder.objects.get(amazon_order_id=shipped_id).status_changes.values_list("to_status", flat=True)
    assert list(history) == ["PENDING", "UNSHIPPED", "SHIPPED"]
    # Nothing the import did is echoed back to Amazon.
    assert sandbox.control.ledger("confirmShipment") == []
    assert sandbox.control.ledger("createFeed") == []


def test_amazon_fulfilled_orders_import_only_when_shipped(sandbox, store):
    (afn_id,) = sandbox.control.add_orders(
        1, status="UNSHIPPED", fulfilled_by="AMAZON", lifecycle=False, marketplace_id=US
    )
    sandbox.control.advance(180)
    import_orders(store=store)
    assert not Order.objects.exists()
    sandbox.control.set_status(afn_id, "SHIPPED")
    sandbox.control.advance(180)
    import_orders(store=store)
    order = Order.objects.get(external_order_number=afn_id)
    assert order.state == OrderState.COMPLETE
    assert order.customer_name  # Amazon withholds the buyer of FBA orders: a fallback name, said on the order


def test_a_late_indexed_order_is_still_imported(sandbox, store):
    sandbox.control.advance(600)
    import_orders(store=store)
    (late_id,) = sandbox.control.add_orders(
        1, status="UNSHIPPED", late_indexed=True, lifecycle=False, marketplace_id=US
    )
    sandbox.control.advance(130)  # its update time is inside the window, but search does not show it yet
    import_orders(store=store)
    assert not AmazonOrder.objects.filter(amazon_order_id=late_id).exists()

    sandbox.control.advance(400)
    import_orders(store=store)
    assert Order.objects.filter(external_order_number=late_id).exists()


@pytest.mark.sandbox(orders=400)
def test_injected_faults_delay_but_never_lose_an_order(sandbox, store):
    sandbox.control.advance(600)
    sandbox.control.inject("429", operation="searchOrders", count=2)
    sandbox.control.inject("500", operation="searchOrders", count=1)
    sandbox.control.inject("truncate", operation="searchOrders", count=1)
    sandbox.control.inject("drop", operation="searchOrders", count=1)
    sandbox.control.inject("expired_token", operation="searchOrders", count=1)
    first = import_orders(store=store)
    assert first.ok, first.error  # the client's retries absorb a few faults

    # More faults than the client retries: the run stops, keeps what it committed, and the next run finishes.
    (extra,) = sandbox.control.add_orders(1, status="UNSHIPPED", lifecycle=False, marketplace_id=US)
    sandbox.control.advance(180)
    sandbox.control.inject("503", operation="searchOrders", count=20)
    stopped = import_orders(store=store)
    assert not stopped.ok
    assert CommunicationLog.objects.filter(store=store, operation="searchOrders", http_status=503).exists()
    sandbox.control.clear_faults()
    final = import_orders(store=store)

    assert final.ok
    store.refresh_from_db()
    expected = visible_by(sandbox, store.last_order_sync)
    assert extra in expected and len(expected) > 150
    assert expected <= set(AmazonOrder.objects.values_list("amazon_order_id", flat=True))
    assert extra in assert_no_duplicate_commerce_orders()


def test_recover_one_order_by_number(sandbox, store, staff):
    (order_id,) = sandbox.control.add_orders(1, status="UNSHIPPED", lifecycle=False, marketplace_id=US)
    row = recover_order(store=store, amazon_order_id=order_id, actor=staff)
    assert row.commerce_order.external_order_number == order_id
    assert sandbox.control.ledger("getOrder")[-1]["path"].endswith(order_id)


def test_test_connection_against_the_sandbox(sandbox, store, admin_user_client, monkeypatch):
    url = reverse("amazon_channel:store_edit", args=[store.pk])
    data = {
        "name": store.name,
        "region": "na",
        "marketplace_id": store.marketplace_id,
        "seller_id": store.seller_id,
        "client_id": store.client_id,
        "client_secret": "",
        "refresh_token": "",
        "commerce_store": store.commerce_store_id,
        "customer_creation": "guest",
        "order_number_source": "commerce",
        "order_status_mode": "default",
        "sync_interval_minutes": "5",
        "test_connection": "1",
    }
    ok = admin_user_client.post(url, data).content.decode()
    assert "Connected to Amazon" in ok
    refused = admin_user_client.post(url, {**data, "client_secret": "wrong-secret"}).content.decode()
    assert "Amazon refused the connection" in refused and "invalid_client" in refused
    assert sandbox.control.ledger("searchOrders")  # a real searchOrders call was made
