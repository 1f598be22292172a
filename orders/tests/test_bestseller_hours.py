"""The hourly bestsellers (BestsellerHour): kept by the same writers as the day and month rows, equal to a rebuild
after every kind of change, backfilled by their migration, and the coarser tables rebuilt from them unchanged."""

from __future__ import annotations

import importlib
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from orders.models import BestsellerDay, BestsellerHour, BestsellerMonth
from orders.services import statistics
from orders.tests.test_statistics import T0, every_kind_of_change, snapshot

pytestmark = pytest.mark.django_db


def hour_rows() -> list[tuple]:
    return sorted(BestsellerHour.objects.values_list("hour", "sku", "name", "qty", "revenue"))


def test_hour_rows_equal_a_rebuild_after_every_kind_of_change(staff):
    every_kind_of_change(staff)
    kept = hour_rows(), snapshot()

    statistics.rebuild()

    assert (hour_rows(), snapshot()) == kept
    # T0's hour and the next one (the next day and month) are rows of their own.
    assert {h for h, *_ in kept[0]} >= {T0.replace(minute=0), T0.replace(minute=0) + timedelta(hours=1)}


def test_hour_rows_add_up_to_the_day_and_month_rows(staff):
    every_kind_of_change(staff)

    days, months = defaultdict(lambda: [0, Decimal(0)]), defaultdict(lambda: [0, Decimal(0)])
    for hour, sku, _name, qty, revenue in hour_rows():
        for table, key in ((days, hour.date()), (months, hour.date().replace(day=1))):
            table[(key, sku)][0] += qty
            table[(key, sku)][1] += revenue
    assert {(d, s): [q, r] for d, s, q, r in BestsellerDay.objects.values_list("day", "sku", "qty", "revenue")} == days
    assert {
        (m, s): [q, r] for m, s, q, r in BestsellerMonth.objects.values_list("month", "sku", "qty", "revenue")
    } == months


def test_migration_backfills_the_hours_with_its_historical_models(staff):
    every_kind_of_change(staff)
    kept = hour_rows()
    BestsellerHour.objects.all().delete()

    migration = importlib.import_module("orders.migrations.0015_bestseller_hour")
    state = MigrationLoader(connection).project_state(("orders", "0015_bestseller_hour"))
    migration.backfill(state.apps, None)

    assert hour_rows() == kept != []
