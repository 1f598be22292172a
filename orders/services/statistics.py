"""The sales statistics tables (SalesHour, BestsellerHour, BestsellerDay, BestsellerMonth), kept exact by the services.

Only two writers change the sales figures (docs/DASHBOARD.md, "What the figures mean"):
- `create_orders` adds every placed order (`record_placed`, one upsert per table per call);
- `cancel_order` moves what it cancels out (`contribution` before and after, `record_change`).
Invoices, shipments, credit memos, holds and comments change none of them (revenue is the base grand total of orders
not canceled, refunds are not subtracted). SalesHour also counts, per hour of placing, the orders that now await an
invoice / a shipment: every service that changes an order's `needs_invoice` / `needs_shipment` flags moves them
(`record_awaiting`, from `finish` and `hold_order`), so the dashboard's two counts are a sum over a few thousand rows
however many orders are open. The tests hold the tables against `rebuild()` after every kind of change.

Each call runs inside its service's transaction, so the statistics commit or roll back with the order. Rows are
upserted with `INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x` (PostgreSQL and SQLite alike), in sorted
key order, so two transactions touching the same hours lock them in the same order and cannot deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case, Count, F, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate, TruncHour, TruncMonth

from dbtools import add_to_rows, insert_select

from ..models import ZERO, BestsellerDay, BestsellerHour, BestsellerMonth, Order, OrderItem, OrderState, SalesHour
from ..selectors import awaiting_invoice_by_items, awaiting_shipment_by_items


def utc_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Contribution:
    """What one order adds to the statistics in its current state."""

    hour: datetime
    store_id: int
    channel: str
    canceled: bool
    revenue: Decimal
    lines: tuple[tuple[str, str, int, Decimal], ...]  # (sku, name, qty, revenue) per item; () once canceled


def contribution(order: Order, items: Iterable[OrderItem]) -> Contribution:
    canceled = order.state == OrderState.CANCELED
    return Contribution(
        hour=utc_hour(order.created_at),
        store_id=order.store_id,
        channel=order.channel,
        canceled=canceled,
        revenue=ZERO if canceled else order.base_grand_total,
        lines=() if canceled else tuple((i.sku, i.name, i.qty_ordered - i.qty_canceled, i.row_total) for i in items),
    )


class _Deltas:
    """Sums of changes per table row, written as one upsert per table."""

    def __init__(self) -> None:
        # orders, canceled, revenue, awaiting_invoice, awaiting_shipment
        self.hours: dict[tuple, list] = defaultdict(lambda: [0, 0, ZERO, 0, 0])
        self.sku_hours: dict[tuple, list] = defaultdict(lambda: [0, ZERO, ""])  # per hour: qty, revenue, name
        self.days: dict[tuple, list] = defaultdict(lambda: [0, ZERO, ""])
        self.months: dict[tuple, list] = defaultdict(lambda: [0, ZERO, ""])

    def add(self, c: Contribution, sign: int, *, placed: bool) -> None:
        row = self.hours[(c.hour, c.store_id, c.channel)]
        row[0] += sign if placed else 0
        row[1] += sign if c.canceled else 0
        row[2] += sign * c.revenue
        day = c.hour.date()
        for sku, name, qty, revenue in c.lines:
            keys = ((self.sku_hours, (c.hour, sku)), (self.days, (day, sku)), (self.months, (day.replace(day=1), sku)))
            for table, key in keys:
                row = table[key]
                row[0] += sign * qty
                row[1] += sign * revenue
                row[2] = max(row[2], name)

    def add_awaiting(self, order: Order, invoice: int, shipment: int) -> None:
        row = self.hours[(utc_hour(order.created_at), order.store_id, order.channel)]
        row[3] += invoice
        row[4] += shipment

    def write(self, *, keep_zero: bool) -> None:
        def rows(table: dict[tuple, list], counted: int) -> list[tuple]:
            # Sorted keys: the lock order every writer shares. A change that nets to zero writes nothing.
            return [key + tuple(v) for key, v in sorted(table.items()) if keep_zero or any(v[:counted])]

        adds = ["orders", "canceled", "revenue", "awaiting_invoice", "awaiting_shipment"]
        add_to_rows(SalesHour, keys=["hour", "store", "channel"], adds=adds, rows=rows(self.hours, 5))
        best = {"adds": ["qty", "revenue"], "greatest": ["name"]}
        add_to_rows(BestsellerHour, keys=["hour", "sku"], rows=rows(self.sku_hours, 2), **best)
        add_to_rows(BestsellerDay, keys=["day", "sku"], rows=rows(self.days, 2), **best)
        add_to_rows(BestsellerMonth, keys=["month", "sku"], rows=rows(self.months, 2), **best)


def record_placed(placed: Sequence[tuple[Order, Sequence[OrderItem]]]) -> None:
    """Add newly placed orders (with their items). Called by create_orders inside its transaction."""
    deltas = _Deltas()
    for order, items in placed:
        deltas.add(contribution(order, items), +1, placed=True)
        deltas.add_awaiting(order, int(order.needs_invoice), int(order.needs_shipment))
    # Placing always creates the rows (even at zero quantity), so a rebuild finds the same set of rows.
    deltas.write(keep_zero=True)


def record_change(before: Contribution, after: Contribution) -> None:
    """Apply the difference between an order's contribution before and after a change (cancel_order)."""
    if before == after:
        return
    deltas = _Deltas()
    deltas.add(before, -1, placed=False)
    deltas.add(after, +1, placed=False)
    deltas.write(keep_zero=False)


def record_awaiting(order: Order, *, was_invoice: bool, was_shipment: bool) -> None:
    """Move the order between the awaiting counts of its hour when a service changed its flags."""
    invoice, shipment = int(order.needs_invoice) - int(was_invoice), int(order.needs_shipment) - int(was_shipment)
    if invoice or shipment:
        deltas = _Deltas()
        deltas.add_awaiting(order, invoice, shipment)
        deltas.write(keep_zero=False)


# --- Rebuild from scratch (Magento's "Refresh Lifetime Statistics") ---------------------------------------------


def rebuild(apps=None) -> None:
    """Recompute the statistics tables and the orders' awaiting flags from the orders, set-based (INSERT ... SELECT and
    UPDATE, nothing loaded into Python). `apps` is a migration's app registry (the backfill) or None (the command).
    """
    if apps is None:
        from django.apps import apps
    order_model = apps.get_model("orders", "Order")
    item_model = apps.get_model("orders", "OrderItem")
    not_canceled = ~Q(state=OrderState.CANCELED)
    bestsellers = _bestseller_levels(apps)
    tables = [apps.get_model("orders", "SalesHour"), *(model for model, _key in bestsellers)]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Services that place or cancel meanwhile wait for the rebuild to commit, then add their change to the
            # rebuilt rows (their orders were not visible to it); the dashboard keeps reading the old rows meanwhile.
            names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
                # Room to group the items' rows in memory: with the default 4 MB each GROUP BY below sorts millions
                # of rows on disk. For this transaction only.
                cursor.execute("SET LOCAL work_mem = '256MB'")
        # The flags first (SalesHour counts them). Only the rows whose flags are wrong are written: rewriting every
        # order would touch each of its indexes a million times over at 1M orders.
        invoice, shipment = awaiting_invoice_by_items(item_model), awaiting_shipment_by_items(item_model)
        wrong = (
            (Q(needs_invoice=False) & invoice)
            | (Q(needs_invoice=True) & ~invoice)
            | (Q(needs_shipment=False) & shipment)
            | (Q(needs_shipment=True) & ~shipment)
        )
        order_model.objects.filter(wrong).update(
            needs_invoice=Case(When(invoice, then=Value(True)), default=Value(False)),
            needs_shipment=Case(When(shipment, then=Value(True)), default=Value(False)),
        )
        for model in tables:
            model.objects.all().delete()
        hours = (
            order_model.objects.annotate(bucket=TruncHour("created_at", tzinfo=UTC))
            .values("bucket", "store_id", "channel")
            .annotate(
                n=Count("pk"),
                n_canceled=Count("pk", filter=~not_canceled),
                total=Coalesce(Sum("base_grand_total", filter=not_canceled), Value(ZERO)),
                n_invoice=Count("pk", filter=Q(needs_invoice=True)),
                n_shipment=Count("pk", filter=Q(needs_shipment=True)),
            )
            .values_list("bucket", "store_id", "channel", "n", "n_canceled", "total", "n_invoice", "n_shipment")
            .order_by("bucket", "store_id", "channel")
        )
        columns = ["hour", "store", "channel", "orders", "canceled", "revenue", "awaiting_invoice", "awaiting_shipment"]
        insert_select(apps.get_model("orders", "SalesHour"), columns, hours)
        _rebuild_bestsellers(item_model, bestsellers)


def fill_bestseller_hours(apps) -> None:
    """Fill an empty BestsellerHour from the order items (the backfill of the migration that adds it)."""
    _rebuild_bestsellers(apps.get_model("orders", "OrderItem"), _bestseller_levels(apps)[:1])


def _bestseller_levels(apps) -> list[tuple[type, str]]:
    """The bestseller tables with their key, finest first. The migrations' historical models may predate the hours
    (orders/0005's backfill runs with them)."""
    levels = []
    for name, key in (("BestsellerHour", "hour"), ("BestsellerDay", "day"), ("BestsellerMonth", "month")):
        try:
            levels.append((apps.get_model("orders", name), key))
        except LookupError:
            continue
    return levels


def _rebuild_bestsellers(item_model, levels: list[tuple[type, str]]) -> None:
    """The finest table from the order items, each coarser one from the table before it (days from hours, months
    from days): a sum of sums and a greatest of greatest names are the same figures, and the order items are joined
    to their orders and aggregated once instead of once per table (at 10M orders: 25M items)."""
    (finest, key), *coarser = levels
    item_not_canceled = ~Q(order__state=OrderState.CANCELED)
    bucket = TruncHour if key == "hour" else TruncDate
    rows = (
        item_model.objects.annotate(bucket=bucket("order__created_at", tzinfo=UTC))
        .values("bucket", "sku")
        .annotate(
            n=Coalesce(Sum(F("qty_ordered") - F("qty_canceled"), filter=item_not_canceled), Value(0)),
            total=Coalesce(Sum("row_total", filter=item_not_canceled), Value(ZERO)),
            top_name=Max("name"),
        )
    )
    source = finest
    insert_select(finest, [key, "sku", "qty", "revenue", "name"], _in_key_order(rows))
    for model, coarse_key in coarser:
        # The month's first day from the day's date; the day of an hour in UTC.
        bucket = TruncMonth(key) if coarse_key == "month" else TruncDate(key, tzinfo=UTC)
        rows = (
            source.objects.annotate(bucket=bucket)
            .values("bucket", "sku")
            .annotate(n=Sum("qty"), total=Sum("revenue"), top_name=Max("name"))
        )
        insert_select(model, [coarse_key, "sku", "qty", "revenue", "name"], _in_key_order(rows))
        source, key = model, coarse_key


def _in_key_order(rows):
    # Rows of one hour / day / month together on disk: a range reads few pages.
    return rows.values_list("bucket", "sku", "n", "total", "top_name").order_by("bucket", "sku")


__all__ = [
    "Contribution",
    "contribution",
    "fill_bestseller_hours",
    "rebuild",
    "record_awaiting",
    "record_change",
    "record_placed",
    "utc_hour",
]
