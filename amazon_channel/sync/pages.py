"""One page of Amazon orders written in bulk and brought in line with their Commerce orders, inside the caller's
transaction: a few queries a page, whatever its size."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dbtools import insert_rows, insert_values, update_from_values, upsert_rows

from ..core import statistics
from ..models import AmazonOrder, AmazonOrderItem, AmazonOrderStatusChange, AmazonStore
from ..spapi import types
from ..spapi.types import BadOrder
from .acknowledging import record_order_numbers
from .mapping import item_row, order_row
from .placing import create_commerce_orders
from .reconciling import reconcile
from .reserving import reserve_and_release
from .result import ImportResult
from .rules import is_importable
from .set_aside import set_aside_unreadable, unstorable_reason

ORDER_FIELDS_FROM_AMAZON = [
    "marketplace_id",
    "status",
    "fulfilled_by",
    "ship_service_level",
    "purchase_date",
    "amazon_updated_at",
    "latest_ship_date",
    "is_prime",
    "is_business",
    "is_premium",
    "is_in_store_pickup",
    "buyer_name",
    "buyer_email",
    "buyer_company",
    "purchase_order_number",
    "programs",
    "latest_delivery_date",
    "replaces_amazon_order_id",
    "association_type",
    "shipping_address",
    "currency",
    "grand_total",
    "tax_total",
    "items_shipped",
    "items_unshipped",
    "packages",
    "cancellation_reason",
    "buyer_cancel_requested",
    "buyer_cancel_reason",
    "raw",
    "needs_refetch",
    "updated_at",
]
ITEM_FIELDS_FROM_AMAZON = [
    "seller_sku",
    "asin",
    "title",
    "quantity_ordered",
    "quantity_shipped",
    "unit_price",
    "item_price",
    "item_tax",
    "shipping_price",
    "shipping_tax",
    "promotion_discount",
    "gift_message",
]


def process_orders(
    *, store: AmazonStore, orders: Iterable[types.Order], actor: AbstractBaseUser | None, result: ImportResult
) -> list[AmazonOrder]:
    """Upsert a page of Amazon orders (types.Order) and bring their Commerce orders in line; a few queries a page.

    Runs inside the caller's transaction; one order failing is recorded on it and never blocks the others. The
    revenue statistics follow in one upsert at the end (orders set aside included)."""
    with statistics.batched():
        return _process_orders(store=store, orders=orders, actor=actor, result=result)


def _process_orders(
    *, store: AmazonStore, orders: Iterable[types.Order], actor: AbstractBaseUser | None, result: ImportResult
) -> list[AmazonOrder]:
    latest: dict[str, object] = {}
    held = set(store.marketplace_ids)
    for order in orders:
        if order.marketplace_id and order.marketplace_id not in held:
            continue  # a marketplace the store doesn't hold is another store's (salesChannel.marketplaceId)
        latest[order.order_id] = order  # the same order twice in a page: the later copy wins
    if not latest:
        return []
    result.orders_seen += len(latest)
    existing = {row.amazon_order_id: row for row in _stored(store, list(latest))}
    now = timezone.now()
    rows: list[AmazonOrder] = []
    items_of: dict[str, list[AmazonOrderItem]] = {}
    changes: list[tuple[AmazonOrder | None, AmazonOrder]] = []
    unstorable = []
    for amazon_id, order in latest.items():
        before = existing.get(amazon_id)
        if (
            before is not None
            and not before.needs_refetch  # a placeholder for an unreadable order has no real update time
            and order.last_updated_time < before.amazon_updated_at
        ):
            continue  # an older copy of an order we already know better (overlap windows, retries)
        try:
            row = order_row(store, order, now)
            item_rows = [item_row(item) for item in order.items]
            problem = unstorable_reason(row, *item_rows)
        except (ArithmeticError, ValueError) as exc:  # e.g. an amount too large to round to cents
            problem = str(exc) or type(exc).__name__
        if problem:
            # One order the database can't hold as sent (a negative quantity, a 70-character id...) would fail the
            # whole page, every run: set it aside like an order we can't read, and import the rest.
            unstorable.append((amazon_id, problem, order.raw))
            continue
        if before is not None and before.shipping_address_edited_at:
            row.shipping_address = before.shipping_address  # staff corrected it here: keep their address
        rows.append(row)
        items_of[amazon_id] = item_rows
        changes.append((before, row))
    if unstorable:
        bad = [
            BadOrder(order_id=i, error=_("it can't be stored: %(why)s") % {"why": p}, raw=r) for i, p, r in unstorable
        ]
        set_aside_unreadable(store=store, bad_orders=bad, result=result)
    if not rows:
        return []
    for before, row in changes:
        # Carry over what the upsert does not touch, for the steps below.
        if before is not None:
            row.commerce_order_id = before.commerce_order_id
            row.import_error = before.import_error
            row.import_attempts = before.import_attempts
            row.import_skipped = before.import_skipped
            row.order_notes = before.order_notes
            result.amazon_orders_updated += 1
        else:
            result.amazon_orders_created += 1
    # Orders seen for the first time get their Commerce orders before their own rows are written, so each is
    # inserted once, already linked: writing the link afterwards rewrote the row and all 15 of its index entries.
    new = [row for before, row in changes if before is None]
    outcome = apply_to_commerce(store=store, rows=new, items_of=items_of, actor=actor, result=result, save=False)
    upserted, stored_meanwhile = _save_amazon_orders(store, changes, items_of)
    # Each order moves in the revenue statistics from the row it replaced (locked above).
    statistics.record_changes(
        (before if before is not None else stored_meanwhile.get(row.amazon_order_id), row) for before, row in changes
    )
    status_changes = [
        {
            "amazon_order_id": row.pk,
            "from_status": before.status if before is not None else "",
            "to_status": row.status,
            "amazon_updated_at": row.amazon_updated_at,
        }
        for before, row in changes
        if before is None or before.status != row.status
    ]
    insert_values(AmazonOrderStatusChange, status_changes)
    reserve_and_release(store=store, changes=changes, items_of=items_of, now=now)
    known = [row for before, row in changes if before is not None]
    touched = apply_to_commerce(store=store, rows=known, items_of=items_of, actor=actor, result=result, save=False)
    # New rows that went through the upsert (stored meanwhile by someone else) did not get their link written.
    linked_here = {id(row) for row in outcome}
    _save_import_outcome(touched + [row for row in upserted if id(row) in linked_here])
    was_linked = {id(row) for before, row in changes if before is not None and before.commerce_order_id}
    record_order_numbers(store=store, amazon_orders=[row for row in rows if id(row) not in was_linked])
    return rows


def _stored(store: AmazonStore, amazon_ids: list[str]) -> list[AmazonOrder]:
    """The page's orders as stored, locked until the page commits: the revenue statistics move each order from
    exactly the row its upsert replaces, whatever another writer (an accepted cancel) did meanwhile."""
    rows = AmazonOrder.objects.filter(store=store, amazon_order_id__in=amazon_ids).only(
        "id",
        "amazon_order_id",
        "status",
        "amazon_updated_at",
        "commerce_order_id",
        "shipping_address",
        "shipping_address_edited_at",
        "import_error",
        "import_attempts",
        "import_skipped",
        "order_notes",
        "needs_refetch",
        *statistics.FIELDS,
    )
    if transaction.get_connection().in_atomic_block:  # autocommit: no transaction to hold the locks for
        rows = rows.select_for_update().order_by("pk")
    return list(rows)


def _save_amazon_orders(
    store: AmazonStore, changes: list[tuple[AmazonOrder | None, AmazonOrder]], items_of: dict[str, list]
) -> tuple[list[AmazonOrder], dict[str, AmazonOrder]]:
    """Write the page's Amazon orders and their items, setting the rows' ids. Returns the new rows that were
    upserted, and the stored rows those replaced, by Amazon order id.

    Orders seen for the first time (most of a page) are plainly inserted, half the database's work of an upsert
    on this 13-index table; if one of them was stored meanwhile (a *Recover order*, a worker whose lease ran out),
    the insert fails as a whole and the page is upserted instead, so the unique constraint still decides."""
    new = [row for before, row in changes if before is None]
    known = [row for before, row in changes if before is not None]
    upserted: list[AmazonOrder] = []
    stored_meanwhile: dict[str, AmazonOrder] = {}
    if new:
        try:
            with transaction.atomic():
                insert_rows(AmazonOrder, new)
        except IntegrityError:
            for row in new:
                row.pk = None
            # The failed insert waited for the other writer to commit: what it stored is there to read and lock.
            stored_meanwhile = {r.amazon_order_id: r for r in _stored(store, [row.amazon_order_id for row in new])}
            known, new, upserted = known + new, [], new
    upsert_rows(AmazonOrder, known, unique_fields=["store", "amazon_order_id"], update_fields=ORDER_FIELDS_FROM_AMAZON)
    rows = new + known
    if any(row.pk is None for row in rows):  # databases that don't return ids from a bulk insert or an upsert
        ids = dict(
            AmazonOrder.objects.filter(store=store, amazon_order_id__in=[r.amazon_order_id for r in rows]).values_list(
                "amazon_order_id", "id"
            )
        )
        for row in rows:
            row.pk = row.id = ids[row.amazon_order_id]
    for row in rows:
        for item in items_of[row.amazon_order_id]:
            item.amazon_order_id = row.pk
    insert_rows(AmazonOrderItem, [item for row in new for item in items_of[row.amazon_order_id]])
    upsert_rows(
        AmazonOrderItem,
        [item for row in known for item in items_of[row.amazon_order_id]],
        unique_fields=["amazon_order", "order_item_id"],
        update_fields=ITEM_FIELDS_FROM_AMAZON,
    )
    return upserted, stored_meanwhile


def apply_to_commerce(
    *,
    store: AmazonStore,
    rows: list[AmazonOrder],
    items_of: dict[str, list[AmazonOrderItem]],
    actor: AbstractBaseUser | None,
    result: ImportResult,
    save: bool = True,
    asked: bool = False,
) -> list[AmazonOrder]:
    """Create the Commerce orders that became importable, then apply Amazon's cancels and shipments to them.
    Returns the rows whose link, notes or error changed; with `save` those fields are written here.

    While the store's import is Disabled, an order that becomes importable is marked as received then
    (`import_skipped`) and stays so until someone asks for it (`asked`: *Import now*)."""
    touched: dict[int, AmazonOrder] = {}  # by id(): rows not yet written have no pk
    unlinked = [
        row
        for row in rows
        if row.commerce_order_id is None and is_importable(status=row.status, fulfilled_by=row.fulfilled_by)
    ]
    if asked or store.import_orders:
        to_create = [row for row in unlinked if asked or not row.import_skipped]
    else:
        to_create = []
        for row in unlinked:
            if not row.import_skipped:
                row.import_skipped = True
                row.order_notes = _("Received while Import Amazon Orders was Disabled: not imported.")
                touched[id(row)] = row
    for row in rows:
        # No longer importable and never imported (canceled before payment): nothing to retry.
        if (
            row.commerce_order_id is None
            and row.import_error
            and not is_importable(status=row.status, fulfilled_by=row.fulfilled_by)
        ):
            row.import_error = ""
            touched[id(row)] = row
    if to_create:
        create_commerce_orders(store=store, rows=to_create, items_of=items_of, actor=actor, result=result)
        touched.update({id(row): row for row in to_create})
    linked = [row for row in rows if row.commerce_order_id]
    if linked:
        touched.update(reconcile(rows=linked, items_of=items_of, actor=actor, result=result))
    if save:
        _save_import_outcome(list(touched.values()))
    return list(touched.values())


def _save_import_outcome(rows: list[AmazonOrder]) -> None:
    """Write the four fields the import sets after the upsert (Commerce order, notes, error, attempts) in one
    UPDATE ... FROM a VALUES list. Django's bulk_update builds a CASE WHEN per field and row in Python: 150 ms a
    page of 100 orders, as much as writing the Commerce orders themselves."""
    by_pk = {row.pk: row for row in rows}  # one row per Amazon order, whichever step touched it
    update_from_values(
        AmazonOrder,
        key="id",
        columns=["commerce_order", "order_notes", "import_error", "import_attempts", "import_skipped"],
        rows=[
            (row.pk, row.commerce_order_id, row.order_notes, row.import_error, row.import_attempts, row.import_skipped)
            for row in by_pk.values()
        ],
    )
