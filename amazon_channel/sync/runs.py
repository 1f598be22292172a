"""An import run: the per-store sync (Celery beat, *Sync now*, `manage.py amazon_sync`) and *Recover order*.

How one run goes:
1. Take the store's import lease (core.leases): one import per store at a time, and a crashed worker's lease simply
   runs out.
2. Ask searchOrders for orders updated since the cursor minus an overlap (late-indexed orders are not missed). No
   lastUpdatedBefore is sent: Amazon fixes the window end (now - 2 min) and returns it.
3. Per page, in one transaction (sync.pages): upsert the Amazon orders and items in bulk, record status changes,
   create the Commerce orders that became importable, apply Amazon-side cancels and shipments, and save the
   pagination token so an interrupted run resumes on that page.
4. After the last page, the cursor moves to the window end Amazon returned. Orders that failed are retried next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.services import release_expired_stock_reservations

from ..core import client as clients
from ..core.credentials import pause_for_unreadable_credentials, paused_reason
from ..core.leases import Lease
from ..models import AmazonOrder, AmazonStore
from ..spapi import SpApiClient, errors
from .pages import apply_to_commerce, process_orders
from .paging import search_pages
from .result import ImportRefused, ImportResult, LeaseLost, ProgressCallback
from .rules import is_importable
from .set_aside import set_aside_unreadable

logger = logging.getLogger(__name__)

RESUME_TOKEN_TTL = timedelta(hours=23)  # Amazon keeps a pagination token 24 h
RETRY_BATCH = 200  # failed orders retried per run


def overlap() -> timedelta:
    return timedelta(minutes=getattr(settings, "AMAZON_IMPORT_OVERLAP_MINUTES", 5))


def lease_duration() -> timedelta:
    return timedelta(seconds=getattr(settings, "AMAZON_IMPORT_LEASE_SECONDS", 600))


def initial_lookback() -> timedelta:
    return timedelta(days=getattr(settings, "AMAZON_IMPORT_INITIAL_DAYS", 30))


IMPORT_LEASE = Lease(AmazonStore, "sync_lease_token", "sync_lease_until", duration=lease_duration)


def acquire_import_lease(*, store: AmazonStore) -> str | None:
    """The store's import lease, or None while another run holds it."""
    now = timezone.now()
    return IMPORT_LEASE.claim(store.pk, now=now, last_sync_started_at=now)


def _renew_lease(store_id: int, token: str) -> None:
    if not IMPORT_LEASE.renew(store_id, token):
        raise LeaseLost


def release_import_lease(*, store: AmazonStore, token: str) -> None:
    IMPORT_LEASE.release(store.pk, token)


@dataclass(frozen=True)
class Turn:
    """How much one turn of the fair scheduler may read (sync.fair)."""

    pages: int
    max_wait: float  # seconds a page may wait for the quota before the turn ends instead

    @staticmethod
    def quota_wait(client) -> float:
        wait = getattr(client, "quota_wait", None)  # a test's fake client has no quota
        return float(wait("searchOrders")) if wait is not None else 0.0

    def keep_going(self, client, fetched: int) -> bool:
        return fetched < self.pages and self.quota_wait(client) <= self.max_wait


def import_orders(
    *,
    store: AmazonStore,
    actor: AbstractBaseUser | None = None,
    since: datetime | None = None,
    progress: ProgressCallback | None = None,
    client: SpApiClient | None = None,
    turn: Turn | None = None,
) -> ImportResult:
    """Import what changed at Amazon since the store's Last Order Sync (or since `since`, for a backfill).

    With a `turn` (the fair scheduler's), at most `turn.pages` pages are read, and reading stops early rather than
    wait more than `turn.max_wait` seconds on the searchOrders quota; `result.more` then says pages are left (the
    next run resumes on the saved token) and `result.resume_in` when the quota gives the next one."""
    result = ImportResult(store_id=store.pk)
    if client is None and pause_for_unreadable_credentials(store=store):
        # Paused until the credentials are entered again: nothing is asked of Amazon, the cursor stays.
        result.error = paused_reason(store)
        AmazonStore.objects.filter(pk=store.pk).update(
            last_sync_finished_at=timezone.now(), last_sync_ok=False, last_sync_message=result.summary()[:2000]
        )
        return result
    token = acquire_import_lease(store=store)
    if token is None:
        result.busy = True
        return result
    try:
        if client is None:
            # A turn's client is kept by the worker for the store's next turn.
            client = clients.kept_client_for_store(store) if turn is not None else clients.client_for_store(store)
        release_expired_stock_reservations()  # besides the hourly job: a run never leaves one past its end open
        _refetch_unreadable(store=store, client=client, actor=actor, result=result, lease=token)
        _import_window(
            store=store,
            client=client,
            actor=actor,
            since=since,
            result=result,
            progress=progress,
            lease=token,
            turn=turn,
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
    actor: AbstractBaseUser | None,
    since: datetime | None,
    result: ImportResult,
    progress: ProgressCallback | None,
    lease: str,
    turn: Turn | None = None,
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
    keep_going = None
    if turn is not None:
        if turn.quota_wait(client) > turn.max_wait:
            # Nothing to read before the quota refills: give the worker back, the next turn starts here.
            result.more, result.resume_in = True, turn.quota_wait(client)
            return
        keep_going = partial(turn.keep_going, client)
    last_page = None
    pages = search_pages(
        client, after=after, marketplace_ids=store.marketplace_ids, page_token=page_token, keep_going=keep_going
    )
    for page in pages:
        last_page = page
        window_end = window_end or page.last_updated_before
        with transaction.atomic():
            _commit_without_waiting_for_disk()
            _renew_lease(store.pk, lease)
            process_orders(store=store, orders=page.orders, actor=actor, result=result)
            set_aside_unreadable(store=store, bad_orders=page.bad_orders, result=result)
            # The token is saved with the page's orders: a crash resumes on the next page, never skips one.
            AmazonStore.objects.filter(pk=store.pk).update(
                sync_resume_token=page.next_token or "",
                sync_resume_saved_at=timezone.now(),
                sync_window_end=window_end,
            )
        result.pages += 1
        if progress is not None:
            progress(result)
    if last_page is not None and last_page.next_token:
        # The turn ended with pages left; their token is saved with the last page, the cursor stays.
        result.more = True
        result.resume_in = turn.quota_wait(client) if turn is not None else 0.0
        return
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


def _refetch_unreadable(
    *, store: AmazonStore, client: SpApiClient, actor: AbstractBaseUser | None, result: ImportResult, lease: str
) -> None:
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


def _retry_failed(*, store: AmazonStore, actor: AbstractBaseUser | None, result: ImportResult) -> None:
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


def recover_order(
    *, store: AmazonStore, amazon_order_id: str, actor: AbstractBaseUser | None, client: SpApiClient | None = None
) -> AmazonOrder:
    """Import one Amazon order by its number, now (getOrder), whatever the cursor says."""
    if client is None and pause_for_unreadable_credentials(store=store):
        raise ImportRefused(paused_reason(store))
    client = client or clients.client_for_store(store)
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
    if order.marketplace_id and order.marketplace_id not in store.marketplace_ids:
        raise ImportRefused(
            _("Order %(number)s belongs to marketplace %(marketplace)s, not this store's.")
            % {"number": amazon_order_id, "marketplace": order.marketplace_id}
        )
    result = ImportResult(store_id=store.pk)
    with transaction.atomic():
        process_orders(store=store, orders=[order], actor=actor, result=result)
    return AmazonOrder.objects.get(store=store, amazon_order_id=order.order_id)
