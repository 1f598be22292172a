"""Stock reservations of channel orders not placed yet: reserve once, salable quantity, convert on placing (the stock
moves once), release on cancel or expiry (the hourly beat job), and the database's own guarantees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from freezegun import freeze_time

from orders.models import Product, StockReservation
from orders.selectors import order_stock_reservations, stock_levels
from orders.services import (
    OrderActionRefused,
    ReservedLine,
    release_expired_stock_reservations,
    release_stock_reservations,
    reserve_stock,
)
from orders.tasks import (
    RELEASE_RESERVATIONS_TASK,
    RELEASE_RESERVATIONS_TASK_NAME,
    release_expired_stock_reservations_task,
)
from orders.tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db


def in_days(days: float):
    return timezone.now() + timedelta(days=days)


def levels(*skus: str) -> dict[str, tuple[int, int, int]]:
    return {sku: (lv.in_stock, lv.reserved, lv.salable) for sku, lv in stock_levels(skus=skus).items()}


def test_a_reservation_lowers_salable_stock_not_the_quantity_in_stock():
    ProductFactory(sku="X", qty_in_stock=10)
    reserve_stock(channel="amazon", lines=[ReservedLine("111-1", "X", 2)], expires_at=in_days(3))
    assert Product.objects.get(sku="X").qty_in_stock == 10
    assert levels("X") == {"X": (10, 2, 8)}


def test_reserving_the_same_order_twice_reserves_once_and_lines_of_one_sku_add_up():
    ProductFactory(sku="X", qty_in_stock=10)
    lines = [ReservedLine("111-1", "X", 1), ReservedLine("111-1", "X", 2)]
    reserve_stock(channel="amazon", lines=lines, expires_at=in_days(3))
    reserve_stock(channel="amazon", lines=lines, expires_at=in_days(5))
    (only,) = StockReservation.objects.all()
    assert only.qty == 3
    assert levels("X") == {"X": (10, 3, 7)}


def test_the_database_refuses_a_second_reservation_of_one_order_and_sku():
    ProductFactory(sku="X")
    reserve_stock(channel="amazon", lines=[ReservedLine("111-1", "X", 1)], expires_at=in_days(3))
    with pytest.raises(IntegrityError), transaction.atomic():
        StockReservation.objects.create(
            channel="amazon",
            external_order_number="111-1",
            sku="X",
            qty=1,
            reserved_at=in_days(0),
            expires_at=in_days(1),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        StockReservation.objects.filter(sku="X").update(qty=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockReservation.objects.filter(sku="X").update(converted_at=in_days(0), released_at=in_days(0))


def test_unknown_skus_and_placed_orders_reserve_nothing_and_a_past_end_is_refused():
    ProductFactory(sku="X")
    make_order(items=[("X", 1, "10.00")], channel="amazon", external_order_number="111-placed")
    reserve_stock(
        channel="amazon",
        lines=[ReservedLine("111-1", "NOT-IN-CATALOGUE", 1), ReservedLine("111-placed", "X", 1)],
        expires_at=in_days(3),
    )
    assert not StockReservation.objects.exists()
    with pytest.raises(OrderActionRefused):
        reserve_stock(channel="amazon", lines=[ReservedLine("111-2", "X", 1)], expires_at=in_days(-1))
    assert not StockReservation.objects.exists()


def test_placing_the_order_converts_its_reservation_and_moves_the_stock_once():
    ProductFactory(sku="X", qty_in_stock=10)
    reserve_stock(channel="amazon", lines=[ReservedLine("111-1", "X", 2)], expires_at=in_days(3))
    reserve_stock(channel="amazon", lines=[ReservedLine("111-2", "X", 3)], expires_at=in_days(3))

    make_order(items=[("X", 2, "10.00")], channel="amazon", external_order_number="111-1")

    assert levels("X") == {"X": (8, 3, 5)}
    converted = StockReservation.objects.get(external_order_number="111-1")
    assert converted.converted_at is not None and converted.released_at is None
    (line,) = order_stock_reservations(channel="amazon", external_order_number="111-1")
    assert line.state == "converted" and line.stock.salable == 5


def test_a_cancel_releases_at_once_and_the_stock_is_salable_again():
    ProductFactory(sku="X", qty_in_stock=10)
    reserve_stock(channel="amazon", lines=[ReservedLine("111-1", "X", 2)], expires_at=in_days(3))

    assert release_stock_reservations(channel="amazon", external_order_numbers=["111-1"]) == 1
    assert release_stock_reservations(channel="amazon", external_order_numbers=["111-1"]) == 0

    assert levels("X") == {"X": (10, 0, 10)}
    released = StockReservation.objects.get()
    assert released.release_reason == StockReservation.ReleaseReason.CANCELED and released.released_at
    # Placing it after all moves stock as any order does; nothing is converted any more.
    make_order(items=[("X", 2, "10.00")], channel="amazon", external_order_number="111-1")
    assert levels("X") == {"X": (8, 0, 8)}
    assert StockReservation.objects.get().converted_at is None


def test_release_refuses_an_unknown_reason():
    with pytest.raises(OrderActionRefused):
        release_stock_reservations(channel="amazon", external_order_numbers=["111-1"], reason="because")


def test_an_expired_reservation_stops_holding_stock_and_the_beat_task_releases_it():
    ProductFactory(sku="X", qty_in_stock=10)
    reserve_stock(channel="amazon", lines=[ReservedLine("111-1", "X", 2)], expires_at=in_days(1))
    reserve_stock(channel="amazon", lines=[ReservedLine("111-2", "X", 1)], expires_at=in_days(5))

    with freeze_time(in_days(2)):
        assert levels("X") == {"X": (10, 1, 9)}  # past its end: left out at once
        assert order_stock_reservations(channel="amazon", external_order_number="111-1")[0].state == "expired"
        assert release_expired_stock_reservations_task() == 1
        assert release_expired_stock_reservations() == 0

    expired = StockReservation.objects.get(external_order_number="111-1")
    assert expired.release_reason == StockReservation.ReleaseReason.EXPIRED
    assert StockReservation.objects.get(external_order_number="111-2").released_at is None
    assert Product.objects.get(sku="X").qty_in_stock == 10


def test_placing_an_order_whose_reservation_ran_out_releases_it_as_expired():
    ProductFactory(sku="X", qty_in_stock=10)
    reserve_stock(channel="amazon", lines=[ReservedLine("111-1", "X", 2)], expires_at=in_days(1))
    with freeze_time(in_days(2)):
        make_order(items=[("X", 2, "10.00")], channel="amazon", external_order_number="111-1")
    row = StockReservation.objects.get()
    assert row.converted_at is None and row.release_reason == StockReservation.ReleaseReason.EXPIRED
    assert levels("X") == {"X": (8, 0, 8)}


def test_an_hourly_beat_entry_runs_the_release_task():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name=RELEASE_RESERVATIONS_TASK_NAME)
    assert task.task == RELEASE_RESERVATIONS_TASK and task.crontab is not None and task.crontab.hour == "*"
