"""The sales statistics and the awaiting flags: whatever the services do, they equal a recomputation from scratch."""

from __future__ import annotations

import importlib
import io
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import Sum

from orders import selectors
from orders.models import BestsellerDay, BestsellerMonth, Order, OrderState, SalesHour
from orders.services import (
    NewItem,
    NewOrder,
    cancel_order,
    create_orders,
    hold_order,
    invoice_order,
    refund_order,
    ship_order,
    statistics,
    unhold_order,
)
from orders.tests.factories import StoreFactory, make_address, make_order

T0 = datetime(2026, 1, 31, 23, 15, tzinfo=UTC)  # a day's and a month's last hour: the next order lands in February


def snapshot() -> tuple:
    return (
        sorted(
            SalesHour.objects.values_list(
                "hour", "store_id", "channel", "orders", "canceled", "revenue", "awaiting_invoice", "awaiting_shipment"
            )
        ),
        sorted(BestsellerDay.objects.values_list("day", "sku", "name", "qty", "revenue")),
        sorted(BestsellerMonth.objects.values_list("month", "sku", "name", "qty", "revenue")),
        sorted(Order.objects.values_list("pk", "needs_invoice", "needs_shipment")),
    )


def wipe() -> None:
    SalesHour.objects.all().delete()
    BestsellerDay.objects.all().delete()
    BestsellerMonth.objects.all().delete()
    Order.objects.update(needs_invoice=False, needs_shipment=False)


def assert_equal_to_rebuild() -> None:
    kept = snapshot()
    statistics.rebuild()
    assert snapshot() == kept


def new_order(store, n: int, when: datetime, lines, *, channel: str = "admin") -> NewOrder:
    return NewOrder(
        store=store,
        items=[NewItem(sku=sku, name=f"Product {sku}", qty=qty, price=Decimal(price)) for sku, qty, price in lines],
        billing_address=make_address(),
        channel=channel,
        external_order_number=f"113-{n:07d}-0000001" if channel == "amazon" else None,
        created_at=when,
    )


def every_kind_of_change(staff) -> dict[str, Order]:
    """Orders placed in bulk and one by one, in two stores and channels, then taken through every service."""
    store, uk = StoreFactory(), StoreFactory(code="uk", name="UK Store")
    bulk = create_orders(
        orders=[
            new_order(store, 1, T0, [("TEE", 2, "19.99"), ("MUG", 1, "7.45")]),
            new_order(store, 2, T0 + timedelta(minutes=50), [("TEE", 1, "19.99")]),  # next hour, day and month
            new_order(uk, 3, T0, [("MUG", 3, "7.45")], channel="amazon"),
        ]
    )
    offline = create_orders(
        orders=[new_order(store, 4, T0 - timedelta(days=40), [("CAP", 5, "3.33")], channel="amazon")],
        invoice_offline=True,
    )
    at = {"created_at": T0 + timedelta(hours=5)}
    orders = {
        "new": bulk[0],
        "bulk_next_hour": bulk[1],
        "uk": bulk[2],
        "offline": offline[0],
        "invoiced": make_order(**at),
        "shipped_unpaid": make_order(**at),
        "complete": make_order(**at),
        "partly_canceled": make_order(items=[("TEE", 4, "19.99"), ("CAP", 2, "3.33")], **at),
        "canceled": make_order(items=[("TEE", 9, "19.99")], **at),
        "refunded": make_order(**at),
        "held": make_order(**at),
        "unheld": make_order(**at),
    }
    invoice_order(order=orders["invoiced"], actor=staff)
    ship_order(order=orders["shipped_unpaid"], actor=staff)
    invoice_order(order=orders["complete"], actor=staff)
    ship_order(order=orders["complete"], actor=staff)
    partly = orders["partly_canceled"]
    tee = partly.items.get(sku="TEE")
    invoice_order(order=partly, actor=staff, quantities={tee.pk: 1})
    cancel_order(order=partly, actor=staff)  # 3 TEE and 2 CAP canceled, the order stays open
    cancel_order(order=orders["canceled"], actor=staff)
    cancel_order(order=orders["uk"], actor=staff)
    invoice_order(order=orders["refunded"], actor=staff)
    refund_order(order=orders["refunded"], actor=staff)
    hold_order(order=orders["held"], actor=staff)
    hold_order(order=orders["unheld"], actor=staff)
    unhold_order(order=orders["unheld"], actor=staff)
    return {key: Order.objects.get(pk=o.pk) for key, o in orders.items()}


@pytest.mark.django_db
def test_statistics_equal_a_rebuild_after_every_kind_of_change(staff):
    orders = every_kind_of_change(staff)

    assert_equal_to_rebuild()
    assert orders["canceled"].state == OrderState.CANCELED
    assert orders["partly_canceled"].state == OrderState.PROCESSING
    totals = SalesHour.objects.aggregate(orders=Sum("orders"), canceled=Sum("canceled"), revenue=Sum("revenue"))
    live = Order.objects.exclude(state=OrderState.CANCELED)
    assert totals["orders"] == Order.objects.count() == 12
    assert totals["canceled"] == 2
    assert totals["revenue"] == live.aggregate(total=Sum("base_grand_total"))["total"]
    # The partly canceled order keeps its 1 invoiced TEE in the bestsellers, its canceled units leave them.
    feb = BestsellerMonth.objects.get(month=datetime(2026, 2, 1).date(), sku="TEE")
    assert (feb.qty, feb.revenue) == (1 + 1, Decimal("19.99") + Decimal("79.96"))  # bulk_next_hour + partly's 1


@pytest.mark.django_db
def test_flags_equal_the_item_rules(staff):
    every_kind_of_change(staff)

    for flag, condition in (
        ("needs_invoice", selectors.awaiting_invoice_by_items()),
        ("needs_shipment", selectors.awaiting_shipment_by_items()),
    ):
        assert set(Order.objects.filter(**{flag: True}).values_list("pk", flat=True)) == set(
            Order.objects.filter(condition).values_list("pk", flat=True)
        )


@pytest.mark.django_db
def test_refunds_shipments_invoices_and_holds_leave_the_statistics_alone(staff):
    def sales_figures() -> tuple:
        hours, days, months, _flags = snapshot()
        return [row[:6] for row in hours], days, months  # all but the awaiting counts

    order = make_order(created_at=T0)
    before = sales_figures()
    invoice_order(order=order, actor=staff)
    hold_order(order=order, actor=staff)
    unhold_order(order=order, actor=staff)
    ship_order(order=order, actor=staff)
    refund_order(order=order, actor=staff)
    assert sales_figures() == before
    # ...while the awaiting counts followed the order: nothing left to invoice or ship.
    assert SalesHour.objects.get().awaiting_invoice == SalesHour.objects.get().awaiting_shipment == 0
    assert_equal_to_rebuild()


@pytest.mark.django_db
def test_refresh_command_rebuilds_everything_from_the_orders(staff):
    every_kind_of_change(staff)
    kept = snapshot()
    wipe()

    out = io.StringIO()
    call_command("refresh_sales_statistics", stdout=out)

    assert snapshot() == kept
    assert "Sales statistics rebuilt" in out.getvalue()


@pytest.mark.django_db
def test_migration_backfills_existing_orders_with_its_historical_models(staff):
    every_kind_of_change(staff)
    kept = snapshot()
    wipe()

    migration = importlib.import_module("orders.migrations.0005_sales_statistics")
    state = MigrationLoader(connection).project_state(("orders", "0005_sales_statistics"))
    migration.backfill(state.apps, None)

    assert snapshot() == kept


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_two_workers_placing_in_the_same_hour_add_up_without_deadlock(postgres_only, attempt):
    store = StoreFactory()
    skus = [f"RACE-{n}" for n in range(6)]  # no Product rows: only the statistics rows are contended
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def place(worker: int, order_of_skus: list[str]) -> None:
        try:
            batch = [
                new_order(store, 0, T0 + timedelta(minutes=n), [(sku, 1, "1.50") for sku in order_of_skus])
                for n in range(20)
            ]
            for n, new in enumerate(batch):
                new.increment_id = f"RACE-{attempt}-{worker}-{n}"  # no sequence lock: the workers really overlap
            barrier.wait()
            create_orders(orders=batch)
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=place, args=(0, skus)),
        threading.Thread(target=place, args=(1, list(reversed(skus)))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert errors == []
    hours = SalesHour.objects.filter(store=store).aggregate(orders=Sum("orders"), revenue=Sum("revenue"))
    assert hours == {"orders": 40, "revenue": Decimal("360.00")}  # 40 orders x 6 items x 1.50
    assert set(BestsellerDay.objects.values_list("sku", "qty")) == {(sku, 40) for sku in skus}
    assert_equal_to_rebuild()
