"""The Amazon orders' hourly revenue statistics (AmazonSalesHour), kept exact by the writers of Amazon orders.

The Amazon store dashboard's revenue is the sum over a store's orders purchased in the last 7 / 30 days, not
Cancelled, per currency, of their count, grand total and grand total less tax (net before fees). Summing 277,000
orders a request cost 400 ms at 10,000,000 orders; the dashboard now reads whole UTC hours from this table and only
the two partial edge hours from the orders (dashboard.amazon_selectors).

An order counts in the row of (store, UTC hour of its purchase date, currency) unless its status is CANCELLED; the
grand total and tax of a Pending order that Amazon has not priced (no grand total) count nowhere, the order itself
does (`priced` tells a sum of nothing from a sum of zero). So every write of an Amazon order's status, grand total,
tax total, currency, purchase date or existence moves its contribution: the import's page (`record_changes`, one
upsert per page from the values it already holds), an order set aside (`record_changes`), Amazon's accepted shipment
or cancel (`record_changes` from the locked row). Buyer data retention only clears buyer fields and never deletes an
order; a store's deletion takes its rows with it (CASCADE). The tests hold the table equal to `rebuild()` after every
kind of change.

Each call runs in its writer's transaction. Rows are upserted in sorted key order (`INSERT ... ON CONFLICT DO UPDATE
SET x = x + excluded.x`, dbtools.add_to_rows), so two writers touching the same hours lock them in the same order.
A row whose orders all left (cancelled, re-dated) stays at zero: the dashboard reads it as no orders, as a rebuild's
missing row."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncHour

from dbtools import add_to_rows, insert_select
from orders.services.statistics import utc_hour

from ..models import ZERO, AmazonOrder, AmazonOrderStatus, AmazonSalesHour

KEYS = ["store", "hour", "currency"]
ADDS = ["orders", "priced", "grand_total", "tax_total"]
# What a row of the table is made of: the fields of an Amazon order that move its contribution.
FIELDS = ("store", "status", "purchase_date", "currency", "grand_total", "tax_total")

Key = tuple[int, datetime, str]


def contribution(order: AmazonOrder) -> tuple[Key, tuple[int, int, Decimal, Decimal]] | None:
    """What one Amazon order adds to the table as it stands (None: nothing, it is Cancelled)."""
    if order.status == AmazonOrderStatus.CANCELLED:
        return None
    key = (order.store_id, utc_hour(order.purchase_date), order.currency)
    if order.grand_total is None:
        return key, (1, 0, ZERO, ZERO)
    return key, (1, 1, order.grand_total, order.tax_total)


_batch = threading.local()  # per thread, as Django's connections are


def record_changes(changes: Iterable[tuple[AmazonOrder | None, AmazonOrder | None]]) -> None:
    """Move each order's contribution from `before` (None: it did not exist) to `after` (None: it is gone), all in
    one upsert (inside `batched()`: at its end). `before` must be the row as stored when the writer changed it (read
    under its lock)."""
    batch = getattr(_batch, "deltas", None)
    deltas: dict[Key, list] = defaultdict(lambda: [0, 0, ZERO, ZERO]) if batch is None else batch
    for before, after in changes:
        for order, sign in ((before, -1), (after, 1)):
            part = contribution(order) if order is not None else None
            if part is not None:
                row = deltas[part[0]]
                for n, value in enumerate(part[1]):
                    row[n] += sign * value
    if batch is None:
        _write(deltas)


@contextmanager
def batched() -> Iterator[None]:
    """Collect the changes recorded inside and write them in one upsert when it ends. A transaction that changes
    several Amazon orders (an import page, a feed's accepted cancels) so locks the statistics rows after every order
    row it locks, never between two: with every writer doing so there is no lock cycle between the two tables."""
    if getattr(_batch, "deltas", None) is not None:
        yield  # the outer batch writes
        return
    _batch.deltas = defaultdict(lambda: [0, 0, ZERO, ZERO])
    try:
        yield
        deltas = _batch.deltas
    finally:
        _batch.deltas = None
    _write(deltas)


def _write(deltas: dict[Key, list]) -> None:
    # Sorted keys: the lock order every writer shares. A change that nets to zero writes nothing.
    rows = [key + tuple(values) for key, values in sorted(deltas.items()) if any(values)]
    add_to_rows(AmazonSalesHour, keys=KEYS, adds=ADDS, rows=rows)


def rebuild(apps=None) -> None:
    """Recompute the table from the Amazon orders, set-based (one INSERT ... SELECT ... GROUP BY). `apps` is a
    migration's app registry (the backfill) or None (`manage.py refresh_amazon_sales_statistics`)."""
    if apps is None:
        from django.apps import apps
    order_model = apps.get_model("amazon_channel", "AmazonOrder")
    table = apps.get_model("amazon_channel", "AmazonSalesHour")
    priced = Q(grand_total__isnull=False)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Writers that change orders meanwhile wait for the rebuild to commit, then add their change to the
            # rebuilt rows (their changes were not visible to it); the dashboard reads the old rows meanwhile.
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table._meta.db_table)} IN EXCLUSIVE MODE")
        table.objects.all().delete()
        rows = (
            order_model.objects.exclude(status=AmazonOrderStatus.CANCELLED)
            .annotate(bucket=TruncHour("purchase_date", tzinfo=UTC))
            .values("store_id", "bucket", "currency")
            .annotate(
                n=Count("pk"),
                n_priced=Count("pk", filter=priced),
                total=Coalesce(Sum("grand_total"), Value(ZERO)),
                tax=Coalesce(Sum("tax_total", filter=priced), Value(ZERO)),
            )
            .values_list("store_id", "bucket", "currency", "n", "n_priced", "total", "tax")
            .order_by("store_id", "bucket", "currency")  # one store's hours together on disk
        )
        insert_select(table, [*KEYS, *ADDS], rows)


__all__ = ["FIELDS", "batched", "contribution", "rebuild", "record_changes"]
