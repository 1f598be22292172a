"""The Amazon orders' hourly revenue statistics stay equal to a rebuild from the orders after every kind of change:
an import of new orders, Amazon's later copies (status, price, currency, purchase date), a Pending order priced,
orders set aside and fetched again, Amazon's accepted cancels and shipments, retention, an order stored meanwhile."""

from __future__ import annotations

import importlib
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from amazon_channel.core import statistics
from amazon_channel.models import AmazonOrder, AmazonOrderStatus, AmazonSalesHour, OutboundUpdate
from amazon_channel.push import amazon_state
from amazon_channel.retention import remove_buyer_data
from amazon_channel.spapi import types
from amazon_channel.sync import import_orders, pages
from amazon_channel.testing.amazon_orders import (
    amazon_item,
    amazon_order,
    charged_by_amazon,
    imported,
    money,
    with_changes,
)
from amazon_channel.testing.factories import AmazonStoreFactory

pytestmark = pytest.mark.django_db


def table() -> set[tuple]:
    """The table's rows that hold anything (a row whose orders all left stays at zero; a rebuild has none)."""
    return {
        row
        for row in AmazonSalesHour.objects.values_list(
            "store_id", "hour", "currency", "orders", "priced", "grand_total", "tax_total"
        )
        if any(row[3:])
    }


def rebuilt() -> set[tuple]:
    """What a rebuild from the orders makes of the table now (rolled back: the table stays as the writers left it)."""
    sid = transaction.savepoint()
    statistics.rebuild()
    rows = table()
    transaction.savepoint_rollback(sid)
    return rows


def assert_exact() -> set[tuple]:
    rows = table()
    assert rows == rebuilt()
    return rows


@pytest.fixture
def hours():
    now = timezone.now()
    return [now - timedelta(hours=n, minutes=7) for n in (1, 2, 30)]


def test_an_import_of_new_orders_counts_priced_pending_and_cancelled_orders_as_the_dashboard_does(amazon_store, hours):
    imported(
        amazon_store,
        amazon_order(purchased=hours[0], items=[amazon_item(unit_price="10.00", tax="0.80", shipping="4.00")]),
        amazon_order(purchased=hours[0], items=[amazon_item(unit_price="5.00", tax="0.40", qty=2)]),
        amazon_order(purchased=hours[1], status="PENDING"),
        amazon_order(purchased=hours[1], status="CANCELLED"),
        amazon_order(purchased=hours[2], status="SHIPPED", fulfilled_by="AMAZON"),
    )

    rows = assert_exact()

    hour = statistics.utc_hour(hours[0])
    assert (amazon_store.pk, hour, "USD", 2, 2, Decimal("29.20"), Decimal("1.20")) in rows
    pending_hour = [r for r in rows if r[1] == statistics.utc_hour(hours[1])]
    assert [r[3:5] for r in pending_hour] == [(1, 0)]  # the Pending order counted, unpriced; the cancelled one not
    assert len(rows) == 3


def test_amazons_later_copies_move_orders_between_rows(amazon_store, hours):
    pending, shipped, cancelled, moved = (
        amazon_order(purchased=hours[0], status="PENDING"),
        amazon_order(purchased=hours[0]),
        amazon_order(purchased=hours[1]),
        amazon_order(purchased=hours[1]),
    )
    imported(amazon_store, pending, shipped, cancelled, moved)
    assert_exact()

    imported(
        amazon_store,
        with_changes(pending, fulfillment_status="UNSHIPPED", order_total=money("14.80")),  # priced now
        with_changes(shipped, fulfillment_status="SHIPPED", order_total=money("99.99")),  # a new price
        with_changes(cancelled, fulfillment_status="CANCELLED"),
        with_changes(moved, purchase_date=hours[2], order_total=money("14.80", "CAD")),
    )
    rows = assert_exact()

    assert {r[2] for r in rows} == {"USD", "CAD"}
    assert sum(r[3] for r in rows) == 3

    imported(amazon_store, with_changes(cancelled, fulfillment_status="UNSHIPPED"))  # Amazon's copy: not cancelled
    assert_exact()


def test_an_older_copy_of_an_order_changes_nothing(amazon_store, hours):
    order = amazon_order(purchased=hours[0])
    imported(amazon_store, with_changes(order, fulfillment_status="CANCELLED"))
    before = assert_exact()

    imported(amazon_store, order)  # older than what we hold: skipped

    assert assert_exact() == before


def test_an_order_set_aside_counts_until_amazon_sends_it_readable(amazon_store, fake_amazon, hours):
    good = amazon_order(purchased=hours[0])
    bad_id = "111-0000000-0000666"
    original = fake_amazon.search_orders

    def with_a_bad_order(**kwargs):
        page = original(**kwargs)
        raw = {"orderId": bad_id, "createdTime": hours[1].isoformat()}
        page.bad_orders.append(types.BadOrder(order_id=bad_id, error="orderItems: expected a list", raw=raw))
        return page

    fake_amazon.orders = [good]
    fake_amazon.search_orders = with_a_bad_order
    import_orders(store=amazon_store)
    rows = assert_exact()
    assert (amazon_store.pk, statistics.utc_hour(hours[1]), "", 1, 0, Decimal("0.00"), Decimal("0.00")) in rows

    imported(amazon_store, amazon_order(order_id=bad_id, purchased=hours[2]))  # fetched again, readable now
    rows = assert_exact()
    assert not any(r[1] == statistics.utc_hour(hours[1]) for r in rows)


def test_amazons_accepted_cancel_and_shipment_move_the_order_at_once(amazon_store, hours):
    to_cancel, to_ship = imported(amazon_store, amazon_order(purchased=hours[0]), amazon_order(purchased=hours[0]))
    before = assert_exact()
    now = timezone.now()

    with transaction.atomic():
        for row, kind in ((to_cancel, OutboundUpdate.Kind.CANCEL), (to_ship, OutboundUpdate.Kind.SHIPMENT)):
            update = OutboundUpdate.objects.create(
                store=amazon_store, amazon_order=row, kind=kind, idempotency_key=f"{kind}:{row.pk}", payload={}
            )
            if kind == OutboundUpdate.Kind.CANCEL:
                amazon_state.reflect_accepted_cancel(update=update, now=now)
            else:
                amazon_state.reflect_accepted_shipment(update=update, now=now)

    assert AmazonOrder.objects.get(pk=to_cancel.pk).status == AmazonOrderStatus.CANCELLED
    rows = assert_exact()
    assert [r[3] for r in rows] == [1] and [r[3] for r in before] == [2]


def test_retention_removes_buyer_data_and_leaves_the_figures(amazon_store, settings):
    settings.AMAZON_BUYER_DATA_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=40)
    imported(amazon_store, amazon_order(status="SHIPPED", updated=old, purchased=old - timedelta(days=2)))
    before = assert_exact()

    assert remove_buyer_data().amazon_orders == 1

    assert assert_exact() == before


def test_a_test_helper_moving_amazons_status_keeps_the_table(amazon_store, hours):
    (row,) = imported(amazon_store, amazon_order(purchased=hours[0], status="CANCELLED"))
    charged_by_amazon(row)
    assert len(assert_exact()) == 1


def test_an_order_stored_meanwhile_is_moved_from_the_row_stored(amazon_store, fake_amazon, monkeypatch, hours):
    """A page's new order stored by someone else after the page looked (a *Recover order* committing first): the
    page's insert fails, it upserts instead, and the statistics move the order from what that one stored rather
    than count it twice."""
    fake_amazon.orders = [amazon_order(purchased=hours[0]) for _ in range(3)]
    recovered = with_changes(fake_amazon.orders[1], last_updated_time=timezone.now() - timedelta(hours=1))
    imported(amazon_store, with_changes(recovered, purchase_date=hours[2], order_total=money("1.00", "EUR")))
    real_stored = pages._stored
    looks: list[int] = []

    def looked_before_the_recover(store, amazon_ids):
        looks.append(len(amazon_ids))
        return [] if len(looks) == 1 else real_stored(store, amazon_ids)

    monkeypatch.setattr(pages, "_stored", looked_before_the_recover)
    import_orders(store=amazon_store)

    assert looks == [3, 3] and AmazonOrder.objects.filter(store=amazon_store).count() == 3
    rows = assert_exact()
    assert [(r[2], r[3]) for r in rows] == [("USD", 3)]


def test_a_page_writes_the_statistics_in_one_statement(amazon_store, hours):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        imported(amazon_store, *[amazon_order(purchased=hours[n % 3]) for n in range(12)])
    table_name = AmazonSalesHour._meta.db_table
    assert sum(table_name in q["sql"] for q in ctx.captured_queries) == 1
    assert len(assert_exact()) == 3


def test_a_rebuilt_table_takes_later_changes_in_its_own_rows(amazon_store, hours):
    imported(amazon_store, amazon_order(purchased=hours[0]))
    statistics.rebuild()

    imported(amazon_store, amazon_order(purchased=hours[0]))

    assert list(AmazonSalesHour.objects.values_list("orders", flat=True)) == [2]  # the same row, not a second one


def test_the_migration_backfills_the_table_from_the_orders(amazon_store, hours):
    imported(
        amazon_store,
        amazon_order(purchased=hours[0]),
        amazon_order(purchased=hours[1], status="PENDING"),
        amazon_order(purchased=hours[2], status="CANCELLED"),
    )
    other = AmazonStoreFactory()
    imported(other, amazon_order(purchased=datetime(2025, 1, 1, 23, 59, 59, 999999, tzinfo=UTC)))
    expected = table()
    AmazonSalesHour.objects.all().delete()

    importlib.import_module("amazon_channel.migrations.0020_amazon_sales_hour").backfill(apps, None)

    assert table() == expected and len(expected) == 3
    assert (other.pk, datetime(2025, 1, 1, 23, tzinfo=UTC)) in {r[:2] for r in expected}


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_an_accepted_cancel_committing_while_a_page_imports_the_order_is_counted_once(postgres_only):
    """Amazon's accepted cancel holds the order's row while an import page brings Amazon's (older) copy of it: the
    page waits for the cancel to commit and moves the order from the cancelled row it then reads, so the table
    stays equal to the orders whichever commits first."""
    from django.db import connection

    store = AmazonStoreFactory()
    order = amazon_order(purchased=timezone.now() - timedelta(hours=3))
    (row,) = imported(store, order)
    update = OutboundUpdate.objects.create(
        store=store, amazon_order=row, kind=OutboundUpdate.Kind.CANCEL, idempotency_key="race", payload={}
    )
    locked, errors = threading.Event(), []

    def cancel() -> None:
        try:
            with transaction.atomic():
                amazon_state.reflect_accepted_cancel(update=update, now=timezone.now())
                locked.set()
                time.sleep(1.0)  # the page starts meanwhile and must wait for this commit
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connection.close()

    def import_page() -> None:
        try:
            locked.wait(10)
            imported(store, with_changes(order, fulfillment_status="UNSHIPPED"))
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel), threading.Thread(target=import_page)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert errors == []
    assert AmazonOrder.objects.get(pk=row.pk).status == "UNSHIPPED"  # Amazon's copy, written last
    with transaction.atomic():
        assert [r[3] for r in assert_exact()] == [1]
