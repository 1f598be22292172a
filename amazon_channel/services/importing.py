"""Import of Amazon orders: the per-store sync (Celery beat, *Sync now*, `manage.py amazon_sync`) and *Recover order*.

How one run goes:
1. Take the store's lease (a compare-and-set UPDATE with an expiry): one import per store at a time, and a crashed
   worker's lease simply runs out.
2. Ask searchOrders for orders updated since the cursor minus an overlap (late-indexed orders are not missed). No
   lastUpdatedBefore is sent: Amazon fixes the window end (now - 2 min) and returns it.
3. Per page, in one transaction: upsert the Amazon orders and items in bulk, record status changes, create the
   Commerce orders that became importable (bulk, one per Amazon order by the orders' unique constraint), apply
   Amazon-side cancels and shipments, and save the pagination token so an interrupted run resumes on that page.
4. After the last page, the cursor moves to the window end Amazon returned. Orders that failed are retried next run.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from dbtools import build_row, insert_rows, upsert_rows
from orders import rules
from orders.models import Customer, Order, OrderState, ShipmentTrack
from orders.services import (
    NewAddress,
    NewItem,
    NewOrder,
    OrderActionRefused,
    TrackInput,
    cancel_order,
    create_orders,
    refund_order,
    ship_order,
)

from ..models import (
    ZERO,
    AmazonOrder,
    AmazonOrderItem,
    AmazonOrderStatus,
    AmazonOrderStatusChange,
    AmazonStore,
    CommunicationLog,
)
from .communication import client_for_store, record_communication_error

logger = logging.getLogger(__name__)

ORIGIN = "amazon_import"
CHANNEL = "amazon"
PAYMENT_METHOD = "amazon_payment"
PAYMENT_TITLE = "Amazon Channel Payment"
MISSING_BUYER_NAME = "Amazon Customer"
PAGE_SIZE = 100
RESUME_TOKEN_TTL = timedelta(hours=23)  # Amazon keeps a pagination token 24 h
RETRY_BATCH = 200  # failed orders retried per run


def overlap() -> timedelta:
    return timedelta(minutes=getattr(settings, "AMAZON_IMPORT_OVERLAP_MINUTES", 5))


def lease_duration() -> timedelta:
    return timedelta(seconds=getattr(settings, "AMAZON_IMPORT_LEASE_SECONDS", 600))


def initial_lookback() -> timedelta:
    return timedelta(days=getattr(settings, "AMAZON_IMPORT_INITIAL_DAYS", 30))


class ImportRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LeaseLost(Exception):
    """Another worker took over the store's import (ours had expired): stop without committing the page."""


@dataclass
class ImportResult:
    store_id: int
    busy: bool = False
    pages: int = 0
    orders_seen: int = 0
    amazon_orders_created: int = 0
    amazon_orders_updated: int = 0
    commerce_orders_created: int = 0
    commerce_orders_canceled: int = 0
    commerce_orders_refunded: int = 0
    commerce_orders_shipped: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # Amazon order number -> why
    error: str = ""
    cursor: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.busy and not self.error

    def summary(self) -> str:
        if self.busy:
            return _("Another sync of this store is running; this one was skipped.")
        text = _(
            "%(seen)d orders read in %(pages)d pages: %(new)d new, %(created)d Commerce orders created, "
            "%(canceled)d canceled, %(refunded)d refunded, %(shipped)d shipped, %(failed)d not imported."
        ) % {
            "seen": self.orders_seen,
            "pages": self.pages,
            "new": self.amazon_orders_created,
            "created": self.commerce_orders_created,
            "canceled": self.commerce_orders_canceled,
            "refunded": self.commerce_orders_refunded,
            "shipped": self.commerce_orders_shipped,
            "failed": len(self.failed),
        }
        if self.error:
            text = _("Stopped: %(error)s") % {"error": self.error} + " " + text
        return text


ProgressCallback = Callable[[ImportResult], None]


# --- The rules -------------------------------------------------------------------------------------------------------


def is_importable(*, status: str, fulfilled_by: str) -> bool:
    """When a Commerce order is created: merchant fulfilled once Amazon has the payment (Unshipped or later, not
    canceled); Amazon fulfilled only once shipped. Never Pending (no prices yet) or Canceled."""
    if fulfilled_by == AmazonOrder.FulfilledBy.AMAZON:
        return status == AmazonOrderStatus.SHIPPED
    return status in {AmazonOrderStatus.UNSHIPPED, AmazonOrderStatus.PARTIALLY_SHIPPED, AmazonOrderStatus.SHIPPED}


# --- The lease -------------------------------------------------------------------------------------------------------


def acquire_import_lease(*, store: AmazonStore) -> str | None:
    """Compare-and-set: only one caller gets the lease while it is unexpired."""
    token = uuid.uuid4().hex
    now = timezone.now()
    taken = (
        AmazonStore.objects.filter(pk=store.pk)
        .filter(Q(sync_lease_token="") | Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lt=now))
        .update(sync_lease_token=token, sync_lease_until=now + lease_duration(), last_sync_started_at=now)
    )
    return token if taken else None


def _renew_lease(store_id: int, token: str) -> None:
    renewed = AmazonStore.objects.filter(pk=store_id, sync_lease_token=token).update(
        sync_lease_until=timezone.now() + lease_duration()
    )
    if not renewed:
        raise LeaseLost


def release_import_lease(*, store: AmazonStore, token: str) -> None:
    AmazonStore.objects.filter(pk=store.pk, sync_lease_token=token).update(sync_lease_token="", sync_lease_until=None)


# --- The run ---------------------------------------------------------------------------------------------------------


def import_orders(
    *,
    store: AmazonStore,
    actor: AbstractBaseUser | None = None,
    since: datetime | None = None,
    progress: ProgressCallback | None = None,
    client=None,
) -> ImportResult:
    """Import what changed at Amazon since the store's Last Order Sync (or since `since`, for a backfill)."""
    from ..spapi import errors

    result = ImportResult(store_id=store.pk)
    token = acquire_import_lease(store=store)
    if token is None:
        result.busy = True
        return result
    try:
        client = client or client_for_store(store)
        _refetch_unreadable(store=store, client=client, actor=actor, result=result, lease=token)
        _import_window(
            store=store, client=client, actor=actor, since=since, result=result, progress=progress, lease=token
        )
        _retry_failed(store=store, actor=actor, result=result)
    except LeaseLost:
        result.error = _("the sync took too long and another one took over")
    except errors.SpApiError as exc:
        # Already in the communication log (client on_error); the cursor did not move, so the next run retries.
        result.error = f"{exc.operation}: {exc.code or exc.status} {exc.message}".strip()
    except Exception as exc:
        logger.exception("Amazon import of store %s failed", store.pk)
        result.error = str(exc) or type(exc).__name__
    finally:
        AmazonStore.objects.filter(pk=store.pk).update(
            last_sync_finished_at=timezone.now(), last_sync_ok=result.ok, last_sync_message=result.summary()[:2000]
        )
        release_import_lease(store=store, token=token)
    return result


def _import_window(
    *,
    store: AmazonStore,
    client,
    actor,
    since: datetime | None,
    result: ImportResult,
    progress: ProgressCallback | None,
    lease: str,
) -> None:
    store.refresh_from_db()
    now = timezone.now()
    resumable = (
        since is None
        and store.sync_resume_token
        and store.sync_window_start is not None
        and store.sync_resume_saved_at is not None
        and now - store.sync_resume_saved_at < RESUME_TOKEN_TTL
    )
    if resumable:
        after, page_token, window_end = store.sync_window_start, store.sync_resume_token, store.sync_window_end
    else:
        if since is not None:
            after = since
        elif store.last_order_sync is not None:
            after = store.last_order_sync - overlap()
        else:
            after = now - initial_lookback()
        page_token, window_end = None, None
        AmazonStore.objects.filter(pk=store.pk).update(
            sync_window_start=after, sync_window_end=None, sync_resume_token="", sync_resume_saved_at=None
        )
    # Amazon's default window end, should a response not say which it used.
    fallback_end = now - timedelta(minutes=2)
    for page in _search_pages(client, after=after, marketplace_id=store.marketplace_id, page_token=page_token):
        window_end = window_end or page.last_updated_before
        with transaction.atomic():
            _commit_without_waiting_for_disk()
            _renew_lease(store.pk, lease)
            process_orders(store=store, orders=page.orders, actor=actor, result=result)
            _record_unreadable(store=store, bad_orders=page.bad_orders, result=result)
            # The token is saved with the page's orders: a crash resumes on the next page, never skips one.
            AmazonStore.objects.filter(pk=store.pk).update(
                sync_resume_token=page.next_token or "",
                sync_resume_saved_at=timezone.now(),
                sync_window_end=window_end,
            )
        result.pages += 1
        if progress is not None:
            progress(result)
    cursor = window_end or fallback_end
    with transaction.atomic():
        _renew_lease(store.pk, lease)
        AmazonStore.objects.filter(pk=store.pk).update(
            last_order_sync=cursor,
            sync_resume_token="",
            sync_resume_saved_at=None,
            sync_window_start=None,
            sync_window_end=None,
        )
    result.cursor = cursor


def _commit_without_waiting_for_disk() -> None:
    """A page's transaction does not wait for PostgreSQL to flush its commit to disk (18 ms a page on this
    machine's disk, a tenth of the page). Safe here and only here: the page's orders and its pagination token commit
    together and nothing outside the database happens on the strength of it (no email, no update to Amazon: the
    import's events are never pushed back), so if the server crashed in the fraction of a second before the flush,
    the page and its token are lost together and the next run reads the page again from Amazon."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _search_pages(client, *, after: datetime, marketplace_id: str, page_token: str | None) -> Iterator:
    """searchOrders pages in order. While a page is being written, the next one is already being fetched in a
    background thread (Amazon's answer and the database's work overlap); only HTTP happens in that thread: its
    failed exchanges are reported to the communication log from this thread, and a page is used only once every
    page before it is committed. A client that can't defer its error reports (a test fake) is called in turn."""

    def fetch(token: str | None):
        return client.search_orders(
            last_updated_after=after,
            marketplace_ids=[marketplace_id],
            max_results_per_page=PAGE_SIZE,
            pagination_token=token,
        )

    if not hasattr(client, "errors_deferred"):
        while True:
            page = fetch(page_token)
            yield page
            if not page.next_token:
                return
            page_token = page.next_token

    def fetch_in_background(token: str | None):
        with client.errors_deferred() as notes:
            try:
                return fetch(token), notes, None
            except Exception as exc:  # raised again in the importing thread, after its errors are logged
                return None, notes, exc

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="amazon-import-prefetch") as pool:
        upcoming = pool.submit(fetch_in_background, page_token)
        while True:
            page, notes, exc = upcoming.result()
            client.report_errors(notes)
            if exc is not None:
                raise exc
            if page.next_token:
                upcoming = pool.submit(fetch_in_background, page.next_token)
            yield page
            if not page.next_token:
                return


# --- One page --------------------------------------------------------------------------------------------------------

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
    "buyer_name",
    "buyer_email",
    "buyer_company",
    "shipping_address",
    "currency",
    "grand_total",
    "items_shipped",
    "items_unshipped",
    "packages",
    "cancellation_reason",
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
]


def process_orders(*, store: AmazonStore, orders: Iterable, actor, result: ImportResult) -> list[AmazonOrder]:
    """Upsert a page of Amazon orders (types.Order) and bring their Commerce orders in line; a few queries a page.

    Runs inside the caller's transaction; one order failing is recorded on it and never blocks the others."""
    latest: dict[str, object] = {}
    for order in orders:
        latest[order.order_id] = order  # the same order twice in a page: the later copy wins
    if not latest:
        return []
    result.orders_seen += len(latest)
    existing = {
        row.amazon_order_id: row
        for row in AmazonOrder.objects.filter(store=store, amazon_order_id__in=list(latest)).only(
            "id",
            "amazon_order_id",
            "status",
            "amazon_updated_at",
            "commerce_order_id",
            "shipping_address",
            "shipping_address_edited_at",
            "import_error",
            "import_attempts",
            "order_notes",
            "needs_refetch",
        )
    }
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
            row = _order_row(store, order, now)
            item_rows = [_item_row(item) for item in order.items]
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
        from ..spapi.types import BadOrder

        bad = [
            BadOrder(order_id=i, error=_("it can't be stored: %(why)s") % {"why": p}, raw=r) for i, p, r in unstorable
        ]
        _record_unreadable(store=store, bad_orders=bad, result=result)
    if not rows:
        return []
    for before, row in changes:
        # Carry over what the upsert does not touch, for the steps below.
        if before is not None:
            row.commerce_order_id = before.commerce_order_id
            row.import_error = before.import_error
            row.import_attempts = before.import_attempts
            row.order_notes = before.order_notes
            result.amazon_orders_updated += 1
        else:
            result.amazon_orders_created += 1
    # Orders seen for the first time get their Commerce orders before their own rows are written, so each is
    # inserted once, already linked: writing the link afterwards rewrote the row and all 15 of its index entries.
    new = [row for before, row in changes if before is None]
    outcome = apply_to_commerce(store=store, rows=new, items_of=items_of, actor=actor, result=result, save=False)
    upserted = _save_amazon_orders(store, changes, items_of)
    status_changes = [
        build_row(
            AmazonOrderStatusChange,
            amazon_order_id=row.pk,
            from_status=before.status if before is not None else "",
            to_status=row.status,
            amazon_updated_at=row.amazon_updated_at,
        )
        for before, row in changes
        if before is None or before.status != row.status
    ]
    insert_rows(AmazonOrderStatusChange, status_changes)
    known = [row for before, row in changes if before is not None]
    touched = apply_to_commerce(store=store, rows=known, items_of=items_of, actor=actor, result=result, save=False)
    # New rows that went through the upsert (stored meanwhile by someone else) did not get their link written.
    linked_here = {id(row) for row in outcome}
    _save_import_outcome(touched + [row for row in upserted if id(row) in linked_here])
    return rows


def _save_amazon_orders(
    store: AmazonStore, changes: list[tuple[AmazonOrder | None, AmazonOrder]], items_of: dict[str, list]
) -> list[AmazonOrder]:
    """Write the page's Amazon orders and their items, setting the rows' ids.

    Orders seen for the first time (most of a page) are plainly inserted, half the database's work of an upsert
    on this 13-index table; if one of them was stored meanwhile (a *Recover order*, a worker whose lease ran out),
    the insert fails as a whole and the page is upserted instead, so the unique constraint still decides."""
    new = [row for before, row in changes if before is None]
    known = [row for before, row in changes if before is not None]
    upserted: list[AmazonOrder] = []
    if new:
        try:
            with transaction.atomic():
                insert_rows(AmazonOrder, new)
        except IntegrityError:
            for row in new:
                row.pk = None
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
    return upserted


def apply_to_commerce(
    *,
    store: AmazonStore,
    rows: list[AmazonOrder],
    items_of: dict[str, list[AmazonOrderItem]],
    actor,
    result: ImportResult,
    save: bool = True,
) -> list[AmazonOrder]:
    """Create the Commerce orders that became importable, then apply Amazon's cancels and shipments to them.
    Returns the rows whose link, notes or error changed; with `save` those four fields are written here."""
    touched: dict[int, AmazonOrder] = {}  # by id(): rows not yet written have no pk
    to_create = [
        row
        for row in rows
        if store.import_orders
        and row.commerce_order_id is None
        and is_importable(status=row.status, fulfilled_by=row.fulfilled_by)
    ]
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
        _create_commerce_orders(store=store, rows=to_create, items_of=items_of, actor=actor, result=result)
        touched.update({id(row): row for row in to_create})
    linked = [row for row in rows if row.commerce_order_id]
    if linked:
        touched.update(_reconcile(rows=linked, items_of=items_of, actor=actor, result=result))
    if save:
        _save_import_outcome(list(touched.values()))
    return list(touched.values())


def _save_import_outcome(rows: list[AmazonOrder]) -> None:
    """Write the four fields the import sets after the upsert (Commerce order, notes, error, attempts) in one
    UPDATE ... FROM a VALUES list. Django's bulk_update builds a CASE WHEN per field and row in Python: 150 ms a
    page of 100 orders, as much as writing the Commerce orders themselves."""
    if not rows:
        return
    table = connection.ops.quote_name(AmazonOrder._meta.db_table)
    for start in range(0, len(rows), 500):
        batch = rows[start : start + 500]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
        params: list = []
        for row in batch:
            params += [row.pk, row.commerce_order_id, row.order_notes, row.import_error, row.import_attempts]
        # Only the model's table name and placeholders are formatted in; every value is a parameter.
        sql = (
            f"WITH outcome (id, commerce_order_id, order_notes, import_error, import_attempts) AS "  # noqa: S608
            f"(VALUES {values}) "
            f"UPDATE {table} SET commerce_order_id = CAST(outcome.commerce_order_id AS bigint), "
            f"order_notes = CAST(outcome.order_notes AS text), import_error = CAST(outcome.import_error AS text), "
            f"import_attempts = CAST(outcome.import_attempts AS integer) "
            f"FROM outcome WHERE {table}.id = CAST(outcome.id AS bigint)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _create_commerce_orders(
    *,
    store: AmazonStore,
    rows: list[AmazonOrder],
    items_of: dict[str, list[AmazonOrderItem]],
    actor,
    result: ImportResult,
) -> None:
    prepared: list[tuple[AmazonOrder, NewOrder]] = []
    for row in rows:
        try:
            prepared.append((row, build_new_order(store=store, row=row, items=items_of[row.amazon_order_id])))
        except ImportRefused as exc:
            _fail(store, row, exc.message, result)
    if not prepared:
        return
    _attach_customers(store, prepared)
    try:
        with transaction.atomic():
            placed = create_orders(
                orders=[new for _row, new in prepared], actor=actor, invoice_offline=True, origin=ORIGIN
            )
    except (IntegrityError, OrderActionRefused):
        # One duplicate (another worker, a recover) or one bad order: place them one by one so only it fails.
        for row, new in prepared:
            _create_one(store, row, new, actor, result)
        return
    for (row, _new), order in zip(prepared, placed, strict=True):
        _linked(row, order, result)


def _create_one(store: AmazonStore, row: AmazonOrder, new: NewOrder, actor, result: ImportResult) -> None:
    try:
        with transaction.atomic():
            (order,) = create_orders(orders=[new], actor=actor, invoice_offline=True, origin=ORIGIN)
    except IntegrityError:
        order = Order.objects.filter(channel=CHANNEL, external_order_number=row.amazon_order_id).first()
        if order is None:  # not ours: e.g. the Amazon number is already some other order's increment id
            _fail(store, row, _("The Commerce order could not be created: its order number is already taken."), result)
            return
        row.commerce_order_id = order.pk  # someone else created it first: link, never a second one
        row.import_error = ""
        row.order_notes = _("Linked to Commerce order #%(number)s.") % {"number": order.increment_id}
        return
    except OrderActionRefused as exc:
        _fail(store, row, str(exc.message if hasattr(exc, "message") else exc), result)
        return
    except Exception as exc:
        logger.exception("Amazon order %s could not be imported", row.amazon_order_id)
        _fail(store, row, str(exc) or type(exc).__name__, result)
        return
    _linked(row, order, result)


def _linked(row: AmazonOrder, order: Order, result: ImportResult) -> None:
    row.commerce_order_id = order.pk
    row.import_error = ""
    row.order_notes = _("Imported as Commerce order #%(number)s.") % {"number": order.increment_id}
    result.commerce_orders_created += 1
    result.failed.pop(row.amazon_order_id, None)


def _fail(store: AmazonStore, row: AmazonOrder, reason: str, result: ImportResult) -> None:
    row.import_error = reason
    row.import_attempts += 1
    row.order_notes = _("Not imported: %(reason)s") % {"reason": reason}
    result.failed[row.amazon_order_id] = reason
    CommunicationLog.objects.create(
        store=store, operation="importOrder", code="ImportFailed", message=reason, amazon_order_id=row.amazon_order_id
    )


# --- Building the Commerce order -------------------------------------------------------------------------------------


def build_new_order(*, store: AmazonStore, row: AmazonOrder, items: list[AmazonOrderItem]) -> NewOrder:
    """The Commerce order for an Amazon order, per the store's settings. Missing buyer data (Amazon withholds it,
    e.g. for Amazon-fulfilled orders) never blocks the import: it falls back and says so on the order."""
    if not items:
        raise ImportRefused(_("Amazon sent the order without items."))
    new_items = []
    for item in items:
        if item.unit_price is None and item.item_price is None:
            raise ImportRefused(
                _("Amazon sent no price for item %(sku)s yet.") % {"sku": item.seller_sku or item.order_item_id}
            )
        qty = item.quantity_ordered
        if qty <= 0:
            continue  # a line Amazon canceled before payment
        unit = item.unit_price if item.unit_price is not None else (item.item_price / qty).quantize(Decimal("0.01"))
        new_items.append(
            NewItem(
                sku=item.seller_sku or item.asin or item.order_item_id,
                name=item.title or item.seller_sku or item.asin or item.order_item_id,
                qty=qty,
                price=unit,
                tax_amount=item.item_tax or ZERO,
                discount_amount=item.promotion_discount or ZERO,
                external_item_id=item.order_item_id,
            )
        )
    if not new_items:
        raise ImportRefused(_("Every item of the order has quantity 0."))
    notes: list[str] = []
    address = row.shipping_address or {}
    recipient_name = (address.get("name") or "").strip()
    buyer_name = (row.buyer_name or "").strip()
    if not buyer_name:
        buyer_name = recipient_name or MISSING_BUYER_NAME
        notes.append(_("Amazon did not share the buyer's name; the order uses %(name)s.") % {"name": buyer_name})
    email = (row.buyer_email or "").strip()
    if not email:
        email = _fallback_email(row)
        notes.append(_("Amazon did not share the buyer's email; the order uses %(email)s.") % {"email": email})
    if not address:
        notes.append(_("Amazon did not share the shipping address; the buyer's name is used without an address."))
    first, last = _split_name(buyer_name)
    ship_first, ship_last = _split_name(recipient_name or buyer_name)
    lines = address.get("address_lines") or []
    shipping = NewAddress(
        first_name=ship_first,
        last_name=ship_last,
        company=address.get("company") or "",
        street="\n".join(line for line in lines if line),
        city=address.get("city") or "",
        region=address.get("state_or_region") or "",
        postcode=address.get("postal_code") or "",
        country_code=(address.get("country_code") or "")[:2],
        telephone=address.get("phone") or "",
        email=email,
    )
    billing = NewAddress(**{**vars(shipping), "first_name": first, "last_name": last, "company": row.buyer_company})
    shipping_amount = sum((item.shipping_price for item in items), ZERO)
    shipping_tax = sum((item.shipping_tax for item in items), ZERO)
    level = row.ship_service_level or _("Standard")
    comment = _("Imported from Amazon: order %(number)s (%(channel)s, marketplace %(marketplace)s).") % {
        "number": row.amazon_order_id,
        "channel": row.get_fulfilled_by_display(),
        "marketplace": row.marketplace_id or store.marketplace_id,
    }
    return NewOrder(
        store=store.commerce_store,
        items=new_items,
        billing_address=billing,
        shipping_address=shipping,
        channel=CHANNEL,
        external_order_number=row.amazon_order_id,
        increment_id=row.amazon_order_id if store.order_number_source == AmazonStore.OrderNumberSource.AMAZON else None,
        customer_email=email,
        customer_first_name=first,
        customer_last_name=last,
        currency=row.currency or None,
        shipping_amount=shipping_amount,
        shipping_tax_amount=shipping_tax,
        payment_method=PAYMENT_METHOD,
        payment_method_title=PAYMENT_TITLE,
        shipping_method="amazon_" + "".join(ch if ch.isalnum() else "_" for ch in level.lower())[:50],
        shipping_description=f"Amazon {level}",
        created_at=row.purchase_date,
        status=(
            store.processing_order_status
            if store.order_status_mode == AmazonStore.OrderStatusMode.CUSTOM and store.processing_order_status
            else None
        ),
        comment=comment,
        extra_comments=notes,
    )


def _attach_customers(store: AmazonStore, prepared: list[tuple[AmazonOrder, NewOrder]]) -> None:
    """*Build New Customer Account*: one customer account per buyer email, found or created in bulk."""
    if store.customer_creation != AmazonStore.CustomerCreation.BUILD:
        return
    emails = {new.customer_email.lower() for _row, new in prepared if new.customer_email}
    known = {c.email.lower(): c for c in Customer.objects.filter(email__in=emails)}
    missing = []
    for _row, new in prepared:
        key = new.customer_email.lower()
        if key and key not in known:
            customer = Customer(email=key, first_name=new.customer_first_name, last_name=new.customer_last_name)
            known[key] = customer
            missing.append(customer)
    if missing:
        Customer.objects.bulk_create(missing, ignore_conflicts=True)
        known.update({c.email.lower(): c for c in Customer.objects.filter(email__in=[c.email for c in missing])})
    for _row, new in prepared:
        customer = known.get(new.customer_email.lower())
        if customer is not None and customer.pk:
            new.customer = customer
            new.customer_group = customer.group


def _fallback_email(row: AmazonOrder) -> str:
    return f"{row.amazon_order_id.lower()}@amazon-buyer.invalid"


def _split_name(name: str) -> tuple[str, str]:
    first, _sep, last = name.strip().partition(" ")
    return first, last.strip()


# --- Amazon-side changes ---------------------------------------------------------------------------------------------


def _reconcile(
    *, rows: list[AmazonOrder], items_of: dict[str, list[AmazonOrderItem]], actor, result: ImportResult
) -> dict[int, AmazonOrder]:
    """Amazon canceled an order, or shipped (part of) it: reflect that on the Commerce order, told with
    origin="amazon_import" so the channel does not echo it back to Amazon. Repeats are no-ops."""
    candidates = [
        row
        for row in rows
        if row.status in {AmazonOrderStatus.CANCELLED, AmazonOrderStatus.SHIPPED}
        or any(item.quantity_shipped for item in items_of.get(row.amazon_order_id, []))
    ]
    if not candidates:
        return {}
    orders = {
        order.pk: order
        for order in Order.objects.filter(pk__in=[row.commerce_order_id for row in candidates]).prefetch_related(
            "items"
        )
    }
    touched = {}
    for row in candidates:
        order = orders.get(row.commerce_order_id)
        if order is None or order.state in {OrderState.CANCELED, OrderState.CLOSED}:
            continue
        items = list(order.items.all())
        try:
            with transaction.atomic():
                note = _apply_amazon_state(row, order, items, items_of.get(row.amazon_order_id, []), actor, result)
        except OrderActionRefused as exc:
            note = _("Amazon says %(status)s, but the Commerce order could not follow: %(reason)s") % {
                "status": row.get_status_display(),
                "reason": exc,
            }
        except Exception as exc:
            logger.exception("Amazon change to order %s could not be applied", row.amazon_order_id)
            note = _("Amazon says %(status)s, but the Commerce order could not follow: %(reason)s") % {
                "status": row.get_status_display(),
                "reason": exc,
            }
        if note:
            row.order_notes = note
            touched[id(row)] = row
    return touched


def _apply_amazon_state(
    row: AmazonOrder, order: Order, items: list, amazon_items: list[AmazonOrderItem], actor, result: ImportResult
) -> str:
    if order.state == OrderState.HOLDED:
        return ""  # staff put it on hold on purpose; Amazon's change waits until they release it
    if row.status == AmazonOrderStatus.CANCELLED:
        reason = row.cancellation_reason or _("canceled on Amazon")
        if order.total_invoiced > 0 and rules.can_creditmemo(order, items):
            refund_order(
                order=order,
                actor=actor,
                return_to_stock=True,
                comment=_("Amazon canceled the order (%(reason)s): refunded offline.") % {"reason": reason},
                channel_data={"amazon_cancellation_reason": reason},
                origin=ORIGIN,
            )
            result.commerce_orders_refunded += 1
            return _("Canceled on Amazon (%(reason)s); Commerce order #%(number)s refunded.") % {
                "reason": reason,
                "number": order.increment_id,
            }
        if rules.can_cancel(order, items):
            cancel_order(
                order=order,
                actor=actor,
                comment=_("Amazon canceled the order (%(reason)s).") % {"reason": reason},
                channel_data={"amazon_cancellation_reason": reason},
                origin=ORIGIN,
            )
            result.commerce_orders_canceled += 1
            return _("Canceled on Amazon (%(reason)s); Commerce order #%(number)s canceled.") % {
                "reason": reason,
                "number": order.increment_id,
            }
        return ""
    shipped_at_amazon = {item.order_item_id: item.quantity_shipped for item in amazon_items}
    quantities = {}
    for item in items:
        if row.status == AmazonOrderStatus.SHIPPED:
            target = item.qty_ordered  # all of it, whether or not Amazon filled in quantityShipped
        else:
            target = shipped_at_amazon.get(item.external_item_id, 0)
        more = min(target - item.qty_shipped, rules.qty_to_ship(item))
        if more > 0:
            quantities[item.pk] = more
    if not quantities or not rules.can_ship(order, items):
        return ""
    known = set(ShipmentTrack.objects.filter(shipment__order=order).values_list("track_number", flat=True))
    tracks = [track for track in _tracks(row.packages) if track.number not in known]
    ship_order(
        order=order,
        actor=actor,
        quantities=quantities,
        tracks=tracks,
        comment=_("Shipped on Amazon (%(channel)s).") % {"channel": row.get_fulfilled_by_display()},
        origin=ORIGIN,
    )
    result.commerce_orders_shipped += 1
    return _("Shipped on Amazon; shipment recorded on Commerce order #%(number)s.") % {"number": order.increment_id}


CARRIER_CODES = {"dhl": "dhl", "fedex": "fedex", "ups": "ups", "usps": "usps"}


def _tracks(packages: list[dict]) -> list[TrackInput]:
    tracks, seen = [], set()
    for package in packages or []:
        number = (package.get("tracking_number") or "").strip()
        if not number or number in seen:
            continue
        seen.add(number)
        carrier = (package.get("carrier") or "").strip()
        code = CARRIER_CODES.get(carrier.lower().replace(" ", ""), "custom")
        tracks.append(TrackInput(carrier_code=code, title=carrier or _("Amazon"), number=number))
    return tracks


# --- Mapping Amazon's data -------------------------------------------------------------------------------------------


def _amount(money) -> Decimal | None:
    return None if money is None else Decimal(money.amount).quantize(Decimal("0.01"))


def _order_row(store: AmazonStore, order, now: datetime) -> AmazonOrder:
    buyer, recipient = order.buyer, order.recipient
    currency = order.order_total.currency if order.order_total else ""
    if not currency:
        currency = next((i.unit_price.currency for i in order.items if i.unit_price is not None), "")
    shipped = sum(item.quantity_shipped or 0 for item in order.items)
    ordered = sum(item.quantity_ordered or 0 for item in order.items)
    return build_row(
        AmazonOrder,
        store=store,
        amazon_order_id=order.order_id,
        marketplace_id=order.marketplace_id or "",
        status=order.fulfillment_status or "",
        fulfilled_by=order.fulfilled_by or AmazonOrder.FulfilledBy.MERCHANT,
        ship_service_level=order.ship_service_level or "",
        purchase_date=order.purchase_date,
        amazon_updated_at=order.last_updated_time,
        latest_ship_date=order.latest_ship_date,
        is_prime=bool(order.is_prime),
        is_business=bool(order.is_business),
        is_premium=bool(order.is_premium),
        buyer_name=(buyer.name or "") if buyer else "",
        buyer_email=(buyer.email or "") if buyer else "",
        buyer_company=(buyer.company or "") if buyer else "",
        shipping_address=_address(recipient),
        currency=currency,
        grand_total=_amount(order.order_total),
        items_shipped=shipped,
        items_unshipped=max(ordered - shipped, 0),
        packages=[
            {
                "package_reference_id": p.package_reference_id,
                "carrier": p.carrier or "",
                "tracking_number": p.tracking_number or "",
                "ship_date": p.ship_date.isoformat() if p.ship_date else "",
                "items": [{"order_item_id": i.order_item_id, "quantity": i.quantity} for i in p.items],
            }
            for p in order.packages or []
        ],
        cancellation_reason=(order.cancellation.reason or "") if order.cancellation else "",
        raw=order.raw or {},
        needs_refetch=False,
        updated_at=now,
    )


def _address(recipient) -> dict:
    if recipient is None:
        return {}
    return {
        "name": recipient.name or "",
        "address_lines": [line for line in (recipient.address_lines or []) if line],
        "city": recipient.city or "",
        "state_or_region": recipient.state_or_region or "",
        "postal_code": recipient.postal_code or "",
        "country_code": recipient.country_code or "",
        "phone": recipient.phone or "",
        "company": getattr(recipient, "company", None) or "",
    }


def _item_row(item) -> AmazonOrderItem:
    return build_row(
        AmazonOrderItem,
        order_item_id=item.order_item_id,
        seller_sku=item.seller_sku or "",
        asin=item.asin or "",
        title=(item.title or "")[:512],
        quantity_ordered=item.quantity_ordered or 0,
        quantity_shipped=item.quantity_shipped or 0,
        unit_price=_amount(item.unit_price),
        item_price=_amount(item.item_price),
        item_tax=_amount(item.item_tax) or ZERO,
        shipping_price=_amount(item.shipping_price) or ZERO,
        shipping_tax=_amount(item.shipping_tax) or ZERO,
        promotion_discount=_amount(item.promotion_discount) or ZERO,
    )


# --- Orders Amazon sent in a shape we could not read ----------------------------------------------------------------


def unstorable_reason(*rows: models.Model) -> str | None:
    """Why these rows can't be written as they are, by their fields' own limits (None: they can). The checks the
    database would make (lengths, positive and 32-bit integers, digits of decimals) plus what PostgreSQL can't hold
    at all (NUL characters, lone surrogates), so a value that breaks them never reaches an INSERT."""
    for row in rows:
        for attname, kind, limit in _column_checks(type(row)):
            value = getattr(row, attname)
            if value is None:
                continue
            if kind == "text" and isinstance(value, str):
                if limit and len(value) > limit:
                    return f"{attname} is longer than {limit} characters"
                if not _storable_text(value):
                    return f"{attname} holds a character no database column can hold"
            elif kind == "int" and isinstance(value, int):
                low, high = limit
                if (low is not None and value < low) or (high is not None and value > high):
                    return f"{attname} is out of range: {value}"
            elif kind == "decimal" and isinstance(value, Decimal):
                if not value.is_finite() or abs(value) >= limit:
                    return f"{attname} is out of range: {value}"
            elif kind == "json" and not _storable_json(value):
                return f"{attname} holds a character no database column can hold"
    return None


@functools.cache
def _column_checks(model: type[models.Model]) -> tuple[tuple[str, str, object], ...]:
    """(attribute, kind, limit) per column, worked out once per model: the check runs for every imported order."""
    checks: list[tuple[str, str, object]] = []
    for column in model._meta.concrete_fields:
        if column.primary_key or isinstance(column, models.ForeignKey):
            continue
        internal = column.get_internal_type()
        if isinstance(column, models.JSONField):
            checks.append((column.attname, "json", None))
        elif isinstance(column, models.DecimalField):
            checks.append((column.attname, "decimal", Decimal(10) ** (column.max_digits - column.decimal_places)))
        elif internal in BaseDatabaseOperations.integer_field_ranges:
            # PostgreSQL's ranges (Django's defaults) on every database: the same order is refused everywhere.
            checks.append((column.attname, "int", BaseDatabaseOperations.integer_field_ranges[internal]))
        elif isinstance(column, models.CharField | models.TextField):
            checks.append((column.attname, "text", column.max_length))
    return tuple(checks)


# NUL as JSON writes it (\u0000), not preceded by an escaped backslash (which would make it the text "\u0000").
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _storable_text(text: str) -> bool:
    if "\x00" in text:  # PostgreSQL's text and jsonb refuse NUL
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape
        return False
    return True


def _storable_json(value: object) -> bool:
    dumped = json.dumps(value, ensure_ascii=False, default=str)
    if "\\u0000" in dumped and _JSON_NUL.search(dumped):  # the regex only when the text is there at all
        return False
    return _storable_text(dumped)


def _safe_text(value: object, limit: int) -> str:
    return "".join(ch for ch in str(value) if _storable_text(ch))[:limit]


def _record_unreadable(*, store: AmazonStore, bad_orders: list, result: ImportResult) -> None:
    """An order the client could not parse: logged, kept visible as not imported, fetched again next run."""
    for bad in bad_orders or []:
        amazon_id = _safe_text(bad.order_id or "", 65).strip()
        error = _safe_text(bad.error, 4000)
        reason = _("Amazon sent this order in a form we could not read: %(error)s") % {"error": error}
        CommunicationLog.objects.create(
            store=store, operation="searchOrders", code="UnreadableOrder", message=error, amazon_order_id=amazon_id[:64]
        )
        if not amazon_id or len(amazon_id) > 64:  # no id we could look it up by: the log line is what remains
            continue
        result.failed[amazon_id] = reason
        raw = bad.raw if isinstance(bad.raw, dict) else {}
        if unstorable_reason(AmazonOrder(raw=raw)):
            raw = {}
        updated = AmazonOrder.objects.filter(store=store, amazon_order_id=amazon_id).update(
            needs_refetch=True, import_error=reason, order_notes=reason
        )
        if not updated:
            AmazonOrder.objects.create(
                store=store,
                amazon_order_id=amazon_id[:64],
                status=_safe_text(
                    raw.get("fulfillmentStatus") or raw.get("orderStatus") or AmazonOrderStatus.PENDING, 32
                ),
                fulfilled_by=AmazonOrder.FulfilledBy.MERCHANT,
                purchase_date=_parse_time(raw.get("createdTime") or raw.get("purchaseDate")) or timezone.now(),
                amazon_updated_at=_parse_time(raw.get("lastUpdatedTime")) or timezone.now(),
                raw=raw,
                needs_refetch=True,
                import_error=reason,
                order_notes=reason,
                import_attempts=1,
            )


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)  # Amazon's times without an offset are UTC (as the client reads them)
    return parsed


def _refetch_unreadable(*, store: AmazonStore, client, actor, result: ImportResult, lease: str) -> None:
    from ..spapi import errors

    for amazon_id in AmazonOrder.objects.filter(store=store, needs_refetch=True).values_list(
        "amazon_order_id", flat=True
    )[:RETRY_BATCH]:
        try:
            order = client.get_order(amazon_id)
        except (errors.MalformedResponseError, errors.NotFoundError, errors.InvalidRequestError):
            AmazonOrder.objects.filter(store=store, amazon_order_id=amazon_id).update(
                import_attempts=F("import_attempts") + 1
            )
            continue
        with transaction.atomic():
            _renew_lease(store.pk, lease)
            process_orders(store=store, orders=[order], actor=actor, result=result)


def _retry_failed(*, store: AmazonStore, actor, result: ImportResult) -> None:
    """Orders that failed in an earlier run, retried from what we stored (Amazon may not send them again)."""
    if not store.import_orders:
        return
    rows = list(
        AmazonOrder.objects.filter(store=store, commerce_order__isnull=True, needs_refetch=False)
        .exclude(import_error="")
        .exclude(amazon_order_id__in=list(result.failed))
        .prefetch_related("items")[:RETRY_BATCH]
    )
    rows = [row for row in rows if is_importable(status=row.status, fulfilled_by=row.fulfilled_by)]
    if not rows:
        return
    with transaction.atomic():
        items_of = {row.amazon_order_id: list(row.items.all()) for row in rows}
        apply_to_commerce(store=store, rows=rows, items_of=items_of, actor=actor, result=result)


# --- Recover one order -----------------------------------------------------------------------------------------------


def recover_order(
    *, store: AmazonStore, amazon_order_id: str, actor: AbstractBaseUser | None, client=None
) -> AmazonOrder:
    """Import one Amazon order by its number, now (getOrder), whatever the cursor says."""
    from ..spapi import errors

    client = client or client_for_store(store)
    try:
        order = client.get_order(amazon_order_id)
    except errors.NotFoundError:
        raise ImportRefused(
            _("Amazon has no order %(number)s for this seller.") % {"number": amazon_order_id}
        ) from None
    except errors.SpApiError as exc:
        raise ImportRefused(
            _("Amazon did not return order %(number)s: %(message)s")
            % {"number": amazon_order_id, "message": exc.message or exc.code}
        ) from None
    if order.marketplace_id and order.marketplace_id != store.marketplace_id:
        raise ImportRefused(
            _("Order %(number)s belongs to marketplace %(marketplace)s, not this store's.")
            % {"number": amazon_order_id, "marketplace": order.marketplace_id}
        )
    result = ImportResult(store_id=store.pk)
    with transaction.atomic():
        process_orders(store=store, orders=[order], actor=actor, result=result)
    return AmazonOrder.objects.get(store=store, amazon_order_id=order.order_id)


__all__ = [
    "ImportRefused",
    "ImportResult",
    "acquire_import_lease",
    "build_new_order",
    "import_orders",
    "is_importable",
    "process_orders",
    "record_communication_error",
    "recover_order",
    "release_import_lease",
]
