"""Which updates are due, the beat sweep, delivery of one update, and retry by a person."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Max, Min, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Shipment

from ..core import client as clients
from ..core.actors import user_label
from ..core.credentials import pause_for_unreadable_credentials, paused_reason
from ..models import AmazonFeed, AmazonStore, OutboundUpdate
from ..spapi import SpApiClient
from . import transitions
from .feeds import CANCEL_FEED, FEED_KINDS, REFUND_FEED, advance_feed, assemble_feed
from .outcome import DeliveryResult, read_only_message
from .pickup import deliver_pickup_status
from .recording import build_shipment_payload
from .shipments import DIRECT_KINDS, deliver_shipment, due_filter
from .timing import feed_gather_seconds, feed_window_seconds, sweep_limit
from .vat_invoices import assemble_vat_feeds, record_missing_vat_invoices, vat_stores

# Follow-ups further ahead than this are left to the minute's sweep.
FOLLOW_UP_HORIZON = 180.0

logger = logging.getLogger(__name__)

Kind = OutboundUpdate.Kind
State = OutboundUpdate.State


def due_shipment_updates(*, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Shipments to send now, longest waiting first; at most `limit` per sweep (the rest goes next minute) so a
    backlog never floods the queue faster than Amazon's confirmShipment quota drains it. The stores take turns: each
    store's longest waiting first, then each one's second, and so on, so one store's backlog (paced on its own
    seller's quota) never fills a sweep while other stores' shipments wait behind it."""
    now = now or timezone.now()
    limit = limit or sweep_limit()
    waiting = (F("next_attempt_at").asc(nulls_first=True), F("pk").asc())
    return list(
        OutboundUpdate.objects.filter(due_filter(now), kind__in=DIRECT_KINDS, store__read_only_mode=False)
        .annotate(store_turn=Window(RowNumber(), partition_by=[F("store_id")], order_by=waiting))
        .order_by("store_turn", *waiting)
        .values_list("pk", flat=True)[:limit]
    )


def stores_with_feed_work(*, now: datetime | None = None) -> list[int]:
    """Stores with due cancels / refunds to batch, or feeds to take further."""
    now = now or timezone.now()
    pending = OutboundUpdate.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        kind__in=[Kind.CANCEL, Kind.ORDER_NUMBER, Kind.REFUND, Kind.VAT_INVOICE],
        state=State.PENDING,
        store__read_only_mode=False,
    ).values_list("store_id", flat=True)
    feeds = AmazonFeed.objects.filter(
        Q(next_check_at__isnull=True) | Q(next_check_at__lte=now), finished_at__isnull=True
    ).values_list("store_id", flat=True)
    return sorted(set(pending) | set(feeds) | set(vat_stores()))


def process_store_feeds(
    *, store: AmazonStore | int, client: SpApiClient | None = None, now: datetime | None = None
) -> list[AmazonFeed]:
    """Batch the store's due cancels and refunds into feeds, and take its open feeds a step further."""
    given_now = now  # each feed step reads the clock when it acts unless a caller (a test) fixes it
    now = now or timezone.now()
    if not isinstance(store, AmazonStore):
        store = AmazonStore.objects.get(pk=store)
    for feed_type in (CANCEL_FEED, REFUND_FEED):
        assemble_feed(store=store, feed_type=feed_type, now=now)
    record_missing_vat_invoices(store=store, now=now)
    assemble_vat_feeds(store=store, now=now)
    open_feeds = list(
        AmazonFeed.objects.filter(store=store, finished_at__isnull=True)
        .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))
        .order_by("pk")
    )
    if not open_feeds:
        return []
    if client is None and pause_for_unreadable_credentials(store=store):
        return []  # the credentials can't be decrypted: the feeds wait, nothing is lost
    client = client or clients.client_for_store(store)
    return [advance_feed(feed=feed, client=client, now=given_now) for feed in open_feeds]


def next_feed_work_at(*, store: AmazonStore | int, now: datetime | None = None) -> datetime | None:
    """When the store's feed work is next due: an open feed's next check, or pending cancels / refunds once their
    createFeed window reopens and they have gathered (None: nothing waits)."""
    now = now or timezone.now()
    store_id = store.pk if isinstance(store, AmazonStore) else store
    moments = []
    check = AmazonFeed.objects.filter(store_id=store_id, finished_at__isnull=True).aggregate(at=Min("next_check_at"))
    if check["at"] is not None:
        moments.append(check["at"])
    for feed_type in (CANCEL_FEED, REFUND_FEED):
        pending = OutboundUpdate.objects.filter(
            store_id=store_id, kind__in=FEED_KINDS[feed_type], state=State.PENDING, store__read_only_mode=False
        ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        newest = pending.aggregate(at=Max("created_at"))["at"]
        if newest is None:
            continue
        last = AmazonFeed.objects.filter(store_id=store_id, feed_type=feed_type).aggregate(at=Max("submitted_at"))
        window = last["at"] + timedelta(seconds=feed_window_seconds()) if last["at"] else now
        moments.append(max(window, newest + timedelta(seconds=feed_gather_seconds())))
    return max(min(moments), now) if moments else None


def follow_up_store_feeds(*, store: AmazonStore | int, now: datetime | None = None) -> float | None:
    """Queue the store's next feed step for when it is due (a countdown, deduplicated through the cache), instead
    of a worker sleeping or the minute's sweep finding it late. Returns the countdown, or None when nothing waits
    (or within FOLLOW_UP_HORIZON, the sweep's job) or a follow-up is already queued."""
    from .tasks import process_amazon_store_feeds

    now = now or timezone.now()
    store_id = store.pk if isinstance(store, AmazonStore) else store
    when = next_feed_work_at(store=store_id, now=now)
    if when is None:
        return None
    countdown = max((when - now).total_seconds(), 0.5)
    if countdown > FOLLOW_UP_HORIZON:
        return None
    if not cache.add(f"amazon-feed-follow-up:{store_id}", 1, timeout=max(countdown - 0.25, 0.25)):
        return None
    try:
        process_amazon_store_feeds.apply_async((store_id,), countdown=countdown)
    except Exception:  # the broker is down: the sweep takes it further
        logger.warning("could not queue the feed follow-up of store %s", store_id, exc_info=True)
        return None
    return countdown


# Updates that travel in their store's cancel / refund feeds; the feed follow-ups know when those are due.
FOLLOWED_UP_KINDS = (Kind.CANCEL, Kind.ORDER_NUMBER, Kind.REFUND)


def hand_over_update(*, update_id: int) -> str:
    """What a delivery task does with one update: a shipment goes to Amazon now; a cancel or refund only queues its
    store's next feed step (once per store, through the cache). Running the store's feed work for each of them would
    find more still gathering almost every time, and a burst of 500 credit memos would put 500 such runs in the queue
    ahead of every other store's shipments."""
    update = OutboundUpdate.objects.filter(pk=update_id).values("kind", "state", "store_id").first()
    if update is not None and update["kind"] in FOLLOWED_UP_KINDS:
        follow_up_store_feeds(store=update["store_id"])
        return update["state"]
    return deliver_update(update_id=update_id).state


def deliver_update(*, update_id: int, client: SpApiClient | None = None, now: datetime | None = None) -> DeliveryResult:
    """Deliver one update now (a shipment) or as part of its store's next feed (a cancel or refund)."""
    update = OutboundUpdate.objects.select_related("store").get(pk=update_id)
    if update.store.read_only_mode:
        return DeliveryResult(update_id, update.state, read_only_message(update.store))
    if client is None and pause_for_unreadable_credentials(store=update.store):
        # Waits (still due) until the credentials are entered again; the reason is in the communication log.
        return DeliveryResult(update_id, update.state, paused_reason(update.store))
    if update.kind == Kind.SHIPMENT:
        return deliver_shipment(update_id=update_id, client=client, now=now)
    if update.kind == Kind.PICKUP_STATUS:
        return deliver_pickup_status(update_id=update_id, client=client, now=now)
    process_store_feeds(store=update.store, client=client, now=now)
    update.refresh_from_db()
    return DeliveryResult(update_id, update.state, update.last_response)


def retry_updates(*, updates: Iterable[OutboundUpdate | int], actor: AbstractBaseUser | None) -> int:
    """Queue failed updates again (a person fixed the cause). Returns how many were queued.

    A shipment that Amazon has not confirmed any package of is rebuilt from the shipment as it is now (e.g. with the
    tracking number added since). Each update keeps its identity (packageReferenceId / MessageID).
    """
    ids = [u.pk if isinstance(u, OutboundUpdate) else u for u in updates]
    queued: list[int] = []
    with transaction.atomic():
        for update in (
            OutboundUpdate.objects.select_for_update()
            .filter(pk__in=ids, state=State.FAILED)
            .select_related("amazon_order__store")
        ):
            if update.kind == Kind.SHIPMENT and update.shipment_id and not update.payload.get("confirmed"):
                shipment = Shipment.objects.select_related("order").filter(pk=update.shipment_id).first()
                if shipment is not None:
                    payload, problem = build_shipment_payload(shipment=shipment, amazon_order=update.amazon_order)
                    update.payload = payload
                    if problem:
                        update.last_response = problem
                        update.save(update_fields=["payload", "last_response"])
                        continue
            message = _("Queued again by %(user)s.") % {"user": user_label(actor)} if actor else _("Queued again.")
            transitions.move(
                update,
                State.PENDING,
                payload=update.payload,
                next_attempt_at=None,
                feed=None,
                lease_token="",
                lease_until=None,
                last_response=message,
            )
            queued.append(update.pk)
        if queued:
            transaction.on_commit(lambda: enqueue_delivery(update_ids=queued))
    return len(queued)


def retry_update(*, update: OutboundUpdate | int, actor: AbstractBaseUser | None) -> bool:
    return retry_updates(updates=[update], actor=actor) == 1


def deliver_after_commit(update: OutboundUpdate | None) -> None:
    """Hand a pending update to the workers once the transaction that wrote it commits."""
    if update is None or update.state != State.PENDING:
        return
    update_id = update.pk
    transaction.on_commit(lambda: enqueue_delivery(update_ids=[update_id]))


def enqueue_delivery(*, update_ids: Sequence[int]) -> None:
    """Hand updates to the workers (called after commit); a lost message is picked up by the sweep."""
    from .tasks import deliver_outbound_update

    for update_id in update_ids:
        try:
            deliver_outbound_update.delay(update_id)
        except Exception:  # the broker is down: the beat sweep delivers it later
            logger.warning("could not enqueue Amazon update %s; the sweep will deliver it", update_id, exc_info=True)


def sweep_outbox(*, now: datetime | None = None) -> dict[str, int]:
    """What beat runs every minute: enqueue due shipments, and each store's next feed step for when it is due (once,
    through the same cache key as the feed tasks' own follow-ups): a store whose cancels / refunds wait for its
    createFeed window, or whose feed waits for its next poll, costs the workers nothing until then. The stores that
    upload VAT invoices run at once: the invoices the import wrote are found only by running."""
    from .tasks import deliver_outbound_update, process_amazon_store_feeds

    now = now or timezone.now()
    shipments = due_shipment_updates(now=now)
    stores = stores_with_feed_work(now=now)
    uploading_vat = set(vat_stores())
    for update_id in shipments:
        deliver_outbound_update.delay(update_id)
    for store_id in stores:
        if store_id in uploading_vat:
            process_amazon_store_feeds.delay(store_id)
        else:
            follow_up_store_feeds(store=store_id, now=now)
    return {"shipments": len(shipments), "stores": len(stores)}
