"""Cancellations and refunds: batched per store and feed type into one feed per createFeed window; each step of
a feed is recorded so a crash resumes where it stopped; the processing report decides each update."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..core import client as clients
from ..core import statistics
from ..core.communication import communication_row
from ..core.leases import Lease
from ..core.reasons import adjustment_reason_label, cancel_reason_label
from ..models import AmazonFeed, AmazonOrderStatus, AmazonStore, CommunicationLog, OutboundUpdate
from ..spapi import SpApiClient, errors, types
from ..spapi import feeds as spapi_feeds
from . import amazon_state, transitions, vat_invoices
from .outcome import comment_on_order, describe_error, is_rejection, is_spapi_error
from .timing import (
    backoff,
    feed_gather_seconds,
    feed_window_seconds,
    lease_duration,
    max_feed_messages,
    next_feed_poll,
)

Kind = OutboundUpdate.Kind
State = OutboundUpdate.State

CANCEL_FEED = spapi_feeds.ORDER_ACKNOWLEDGEMENT_FEED
REFUND_FEED = spapi_feeds.PAYMENT_ADJUSTMENT_FEED
FEED_TYPES = {Kind.CANCEL: CANCEL_FEED, Kind.ORDER_NUMBER: CANCEL_FEED, Kind.REFUND: REFUND_FEED}
# The kinds each feed type carries: order numbers go out in the acknowledgement feed with the cancels.
FEED_KINDS = {CANCEL_FEED: (Kind.CANCEL, Kind.ORDER_NUMBER), REFUND_FEED: (Kind.REFUND,)}
FEED_CONTENT_TYPE = "text/xml; charset=UTF-8"
# One worker takes a feed a step further at a time; each step is recorded so a crash resumes, never repeats.
FEED_LEASE = Lease(AmazonFeed, "lease_token", "lease_until", duration=lease_duration)


def _feed_messages(updates: Iterable[OutboundUpdate], feed_type: str) -> list:
    messages = []
    for update in updates:
        payload = update.payload
        if update.kind == Kind.ORDER_NUMBER:
            messages.append(
                spapi_feeds.CancelMessage(
                    message_id=update.pk,
                    amazon_order_id=payload["amazon_order_id"],
                    merchant_order_id=payload["merchant_order_id"],
                    reason="",
                    acknowledge_only=True,
                )
            )
        elif feed_type == CANCEL_FEED:
            items = [
                spapi_feeds.CancelItem(order_item_id=i.order_item_id, reason=payload["reason"])
                for i in update.amazon_order.items.all()
            ]
            messages.append(
                spapi_feeds.CancelMessage(
                    message_id=update.pk,
                    amazon_order_id=payload["amazon_order_id"],
                    merchant_order_id=payload.get("merchant_order_id") or None,
                    reason=payload["reason"],
                    items=items,
                )
            )
        else:
            currency = payload["currency"]
            messages.append(
                spapi_feeds.AdjustmentMessage(
                    message_id=update.pk,
                    amazon_order_id=payload["amazon_order_id"],
                    items=[
                        spapi_feeds.AdjustmentItem(
                            order_item_id=item["order_item_id"],
                            reason=payload["reason"],
                            components={
                                name: types.Money(Decimal(amount), currency)
                                for name, amount in item["components"].items()
                            },
                        )
                        for item in payload["items"]
                    ],
                )
            )
    return messages


def build_feed_document(*, store: AmazonStore, feed_type: str, updates: Sequence[OutboundUpdate]) -> bytes:
    messages = _feed_messages(updates, feed_type)
    if feed_type == CANCEL_FEED:
        return spapi_feeds.build_order_acknowledgement_feed(seller_id=store.seller_id, messages=messages)
    return spapi_feeds.build_payment_adjustment_feed(seller_id=store.seller_id, messages=messages)


def _drop_unwritable(*, store: AmazonStore, feed_type: str, updates: list[OutboundUpdate]) -> list[OutboundUpdate]:
    """Fail the updates the feed format can't express (e.g. an unknown reason), so they never block the others."""
    writable, unwritable = [], []
    for update in updates:
        try:
            build_feed_document(store=store, feed_type=feed_type, updates=[update])
        except (ValueError, KeyError) as exc:
            message = _("This update can't be written as an Amazon feed message: %(error)s") % {"error": exc}
            unwritable.append(transitions.move(update, State.FAILED, save=False, last_response=message))
        else:
            writable.append(update)
    OutboundUpdate.objects.bulk_update(unwritable, ["state", "last_response"])
    return writable


def shipments_on_their_way(*, store: AmazonStore):
    """Amazon orders of the store with a shipment not yet accepted by Amazon: their refunds wait for it, since Amazon
    rejects a refund of an order it has no shipment for yet (18090). A failed shipment holds nothing back."""
    return OutboundUpdate.objects.filter(
        store=store, kind=Kind.SHIPMENT, state__in=[State.PENDING, State.SENDING, State.AWAITING_RESULT]
    ).values("amazon_order_id")


def _window_open(*, store: AmazonStore, feed_type: str, now: datetime) -> bool:
    since = now - timedelta(seconds=feed_window_seconds())
    return not AmazonFeed.objects.filter(store=store, feed_type=feed_type, submitted_at__gt=since).exists()


def assemble_feed(*, store: AmazonStore, feed_type: str, now: datetime | None = None) -> AmazonFeed | None:
    """Put all due updates of one store and feed type into new feeds, one per marketplace of their orders (the first
    returned; None when nothing is due or the
    createFeed window of this store and type is still closed).

    Cancels of orders Amazon no longer has as Unshipped fail here with a clear message: Amazon only takes a seller's
    cancel while the order is Unshipped.
    """
    now = now or timezone.now()
    kinds = FEED_KINDS[feed_type]
    with transaction.atomic():
        # One assembler per store at a time.
        store = AmazonStore.objects.select_for_update().get(pk=store.pk)
        if store.read_only_mode or not _window_open(store=store, feed_type=feed_type, now=now):
            return None
        if AmazonFeed.objects.filter(
            store=store, feed_type=feed_type, feed_id="", finished_at__isnull=True, submitted_at__isnull=True
        ).exists():
            return None  # an assembled feed is still waiting to be uploaded: it goes first
        pending = OutboundUpdate.objects.filter(store=store, kind__in=kinds, state=State.PENDING).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        if Kind.REFUND in kinds:
            pending = pending.exclude(amazon_order__in=shipments_on_their_way(store=store))
        gather = feed_gather_seconds()
        if gather > 0 and pending.filter(created_at__gt=now - timedelta(seconds=gather)).exists():
            return None  # more are still coming: they go out together once the store is quiet a moment
        due = list(
            pending.select_related("amazon_order")
            .prefetch_related("amazon_order__items")
            .order_by("pk")[: max_feed_messages()]
        )
        if Kind.CANCEL in kinds:
            not_cancellable = [
                u for u in due if u.kind == Kind.CANCEL and u.amazon_order.status != AmazonOrderStatus.UNSHIPPED
            ]
            for update in not_cancellable:
                message = _("Amazon only accepts a cancel while the order is Unshipped; this order is %(status)s.") % {
                    "status": update.amazon_order.get_status_display()
                }
                transitions.move(update, State.FAILED, save=False, last_response=message)
            OutboundUpdate.objects.bulk_update(not_cancellable, ["state", "last_response"])
            due = [u for u in due if u not in not_cancellable]
        due = _drop_unwritable(store=store, feed_type=feed_type, updates=due)
        if not due:
            return None
        # One feed per marketplace of the orders (createFeed's marketplaceIds names the feed's marketplace); a store
        # holding one marketplace gets one feed, as before.
        by_marketplace: dict[str, list[OutboundUpdate]] = {}
        for update in due:
            by_marketplace.setdefault(update.amazon_order.marketplace_id or store.marketplace_id, []).append(update)
        feeds = [
            _new_feed(store=store, feed_type=feed_type, marketplace_id=marketplace_id, updates=updates, now=now)
            for marketplace_id, updates in by_marketplace.items()
        ]
    return feeds[0]


def _new_feed(
    *, store: AmazonStore, feed_type: str, marketplace_id: str, updates: list[OutboundUpdate], now: datetime
) -> AmazonFeed:
    document = build_feed_document(store=store, feed_type=feed_type, updates=updates)
    feed = AmazonFeed.objects.create(
        store=store,
        feed_type=feed_type,
        marketplace_id=marketplace_id,
        document=document.decode("utf-8"),
        next_check_at=now,
    )
    transitions.move_all(
        OutboundUpdate.objects.filter(pk__in=[u.pk for u in updates], state=State.PENDING),
        State.SENDING,
        feed=feed,
        feed_message_id=F("id"),
        next_attempt_at=None,
        attempts=F("attempts") + 1,
    )
    return feed


def _save_feed(feed: AmazonFeed, token: str, **fields: Any) -> bool:
    """Record one step of a feed, only while this worker still holds it."""
    saved = FEED_LEASE.save(feed.pk, token, **fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(feed, name, value)
    return saved


def _release_feed(feed: AmazonFeed, token: str, **fields: Any) -> None:
    _save_feed(feed, token, **FEED_LEASE.released(), **fields)


def advance_feed(
    *, feed: AmazonFeed | int, client: SpApiClient | None = None, now: datetime | None = None
) -> AmazonFeed:
    """Take a feed one or more steps further: upload its document, create it, poll it, apply its report."""
    given_now = now
    now = now or timezone.now()
    feed_pk = feed.pk if isinstance(feed, AmazonFeed) else feed
    token = FEED_LEASE.claim(feed_pk, now=now, where=Q(finished_at__isnull=True))
    feed = AmazonFeed.objects.select_related("store").get(pk=feed_pk)
    if token is None:
        return feed
    if feed.store.read_only_mode and not feed.feed_id:
        _release_feed(feed, token)
        return feed
    client = client or clients.client_for_store(feed.store)
    try:
        if not feed.feed_id:
            if feed.submitted_at:
                _feed_outcome_unknown(feed=feed, token=token)
                return feed
            vat = feed.feed_type == vat_invoices.VAT_FEED
            options = vat_invoices.feed_options(feed) if vat else None
            if not feed.feed_document_id:
                # A VAT invoice's PDF is laid out only now, when it is uploaded.
                content_type = vat_invoices.VAT_CONTENT_TYPE if vat else FEED_CONTENT_TYPE
                content = vat_invoices.feed_pdf(feed) if vat else feed.document.encode("utf-8")
                upload = client.create_feed_document(content_type)
                client.upload_feed_document(upload, content, content_type)
                _save_feed(feed, token, feed_document_id=upload.feed_document_id)
            # The createFeed window counts from here, after the upload: from the task's start, a slow upload of
            # this feed and a quick one of the next would put two createFeeds less than a window apart at Amazon.
            submitted = given_now or timezone.now()
            if not _save_feed(feed, token, submitted_at=submitted, attempts=feed.attempts + 1):
                return feed
            try:
                feed_id = client.create_feed(
                    feed_type=feed.feed_type,
                    input_feed_document_id=feed.feed_document_id,
                    marketplace_ids=[feed.marketplace_id or feed.store.marketplace_id],
                    **({"feed_options": options} if options else {}),  # only UPLOAD_VAT_INVOICE has options
                )
            except Exception as exc:
                if isinstance(exc, errors.ThrottledError | errors.ServerError | errors.AuthError):
                    # Amazon answered that it did not take it: no feed, the same document goes again later.
                    _save_feed(feed, token, submitted_at=None)
                elif isinstance(exc, errors.SpApiError) and not is_rejection(exc):
                    # A timeout, a dropped connection, a cut answer: Amazon may have created the feed.
                    _feed_outcome_unknown(feed=feed, token=token, why=describe_error(exc))
                    return feed
                raise
            with transaction.atomic():
                _save_feed(feed, token, feed_id=feed_id, processing_status="IN_QUEUE", next_check_at=now)
                transitions.move_all(feed.updates.filter(state=State.SENDING), State.AWAITING_RESULT)
        status = client.get_feed(feed.feed_id)
        _save_feed(feed, token, processing_status=status.processing_status)
        if status.processing_status in {"IN_QUEUE", "IN_PROGRESS"}:
            age = (now - feed.submitted_at).total_seconds() if feed.submitted_at else 0.0
            _release_feed(feed, token, next_check_at=now + timedelta(seconds=next_feed_poll(submitted_age=age)))
            return feed
        if status.processing_status == "CANCELLED":
            _requeue_feed_updates(feed=feed, token=token, now=now, why=_("Amazon cancelled the feed."))
            return feed
        report_text = ""
        report = None
        if status.result_feed_document_id:
            document = client.get_feed_document(status.result_feed_document_id)
            data = client.download_feed_document(document)
            report_text = data.decode("utf-8", errors="replace")
            try:
                report = spapi_feeds.parse_processing_report(data)
            except spapi_feeds.ProcessingReportError:
                if status.processing_status != "FATAL":
                    raise  # a DONE feed's report must be read: download it again later
        _apply_report(
            feed=feed,
            token=token,
            report=report,
            report_text=report_text,
            result_document_id=status.result_feed_document_id or "",
            fatal=status.processing_status == "FATAL",
            now=now,
        )
    except Exception as exc:
        if not (is_spapi_error(exc) or isinstance(exc, spapi_feeds.ProcessingReportError)):
            raise
        if is_spapi_error(exc) and is_rejection(exc) and not feed.feed_id:
            _fail_feed_updates(feed=feed, token=token, now=now, message=describe_error(exc))
        else:
            delay = backoff(feed.attempts or 1)
            _release_feed(feed, token, next_check_at=now + delay, message=describe_error(exc))
            feed.updates.filter(state__in=[State.SENDING, State.AWAITING_RESULT]).update(
                last_response=_("Will try again: %(message)s") % {"message": describe_error(exc)}
            )
    return feed


def _feed_outcome_unknown(*, feed: AmazonFeed, token: str, why: str = "") -> None:
    """createFeed was sent but its answer never arrived (the worker stopped, a timeout, a cut answer): Amazon may
    have the feed. Sending it again could refund twice, so a person decides (Seller Central lists uploaded feeds)."""
    message = _(
        "Amazon may or may not have received feed document %(doc)s (%(why)s); check Seller Central's feed upload "
        "history before retrying."
    ) % {"doc": feed.feed_document_id, "why": why or _("the worker stopped while sending it")}
    _fail_feed_updates(feed=feed, token=token, now=timezone.now(), message=message)


def _fail_feed_updates(*, feed: AmazonFeed, token: str, now: datetime, message: str) -> None:
    with transaction.atomic():
        transitions.move_all(
            feed.updates.filter(state__in=[State.SENDING, State.AWAITING_RESULT]), State.FAILED, last_response=message
        )
        _release_feed(feed, token, finished_at=now, message=message)


def _requeue_feed_updates(*, feed: AmazonFeed, token: str, now: datetime, why: str) -> None:
    with transaction.atomic():
        transitions.move_all(
            feed.updates.filter(state__in=[State.SENDING, State.AWAITING_RESULT]),
            State.PENDING,
            feed=None,
            next_attempt_at=now,
            last_response=why,
        )
        _release_feed(feed, token, finished_at=now, message=why)


def _apply_report(
    *,
    feed: AmazonFeed,
    token: str,
    report,
    report_text: str,
    result_document_id: str,
    fatal: bool,
    now: datetime,
) -> None:
    """Apply the processing report's per-message results: an Error fails that update with Amazon's message; every
    other message of the feed was accepted (the report lists only messages with errors or warnings)."""
    results = report.results if report is not None else {}
    # The accepted cancels' revenue statistics in one upsert after all their orders' row locks (core.statistics).
    with transaction.atomic(), statistics.batched():
        if FEED_LEASE.held(feed.pk, token).select_for_update().first() is None:
            return
        updates = list(feed.updates.filter(state=State.AWAITING_RESULT).select_related("amazon_order", "created_by"))
        accepted: list[OutboundUpdate] = []
        rejected: list[tuple[OutboundUpdate, str, str]] = []
        feed_level = results.get(0, [])  # results about the feed as a whole apply to every message
        for update in updates:
            lines = results.get(update.feed_message_id or update.pk, []) + feed_level
            errors = [r for r in lines if (r.severity or "").lower() == "error"]
            text = "; ".join(f"{r.code}: {r.description}" if r.code else r.description for r in lines)
            if errors or (fatal and report is None):
                message = _("Amazon rejected it: %(message)s") % {
                    "message": text or _("the feed could not be processed (FATAL).")
                }
                transitions.move(update, State.FAILED, save=False, last_response=message, next_attempt_at=None)
                rejected.append((update, errors[0].code if errors else "FATAL", message))
            elif fatal and report is not None and report.successful == 0:
                message = _("Amazon could not process the feed (FATAL).")
                transitions.move(update, State.FAILED, save=False, last_response=message, next_attempt_at=None)
                rejected.append((update, "FATAL", message))
            else:
                message = _("Accepted by Amazon.") + (f" {text}" if text else "")
                transitions.move(
                    update, State.ACCEPTED, save=False, accepted_at=now, last_response=message, next_attempt_at=None
                )
                accepted.append(update)
        OutboundUpdate.objects.bulk_update(updates, ["state", "accepted_at", "last_response", "next_attempt_at"])
        # A rejection inside a processing report is Amazon saying no as much as a 4xx is: the communication log
        # lists it too, with the feed's id to quote to Amazon.
        CommunicationLog.objects.bulk_create(
            communication_row(
                store=feed.store_id,
                operation=feed.feed_type,
                code=str(code or "Rejected"),
                message=message,
                request_id=f"feed {feed.feed_id}" if feed.feed_id else "",
                amazon_order_id=update.amazon_order.amazon_order_id if update.amazon_order else "",
            )
            for update, code, message in rejected
        )
        for update in accepted:
            if update.kind == Kind.VAT_INVOICE:
                comment_on_order(
                    update=update,
                    text=_("Sent to Amazon: VAT %(type)s #%(number)s accepted.")
                    % {
                        "type": _("invoice") if update.payload.get("document") == "invoice" else _("credit note"),
                        "number": update.payload.get("number", ""),
                    },
                )
                continue
            if update.kind == Kind.ORDER_NUMBER:
                comment_on_order(
                    update=update,
                    text=_("Sent to Amazon: order number %(number)s accepted as the seller order id.")
                    % {"number": update.payload.get("merchant_order_id", "")},
                )
                continue
            if update.kind == Kind.CANCEL:
                text = _("Sent to Amazon: order cancellation accepted (reason %(reason)s).")
            else:
                text = _("Sent to Amazon: refund for credit memo #%(number)s accepted (reason %(reason)s).")
            reason = update.payload.get("reason", "")
            comment_on_order(
                update=update,
                text=text
                % {
                    "reason": cancel_reason_label(reason)
                    if update.kind == Kind.CANCEL
                    else adjustment_reason_label(reason),
                    "number": update.payload.get("credit_memo_increment_id", ""),
                },
            )
            if update.kind == Kind.CANCEL:
                amazon_state.reflect_accepted_cancel(update=update, now=now)
        _release_feed(
            feed,
            token,
            report=report_text,
            result_document_id=result_document_id,
            finished_at=now,
            next_check_at=None,
        )
