"""VAT invoices to Amazon: every invoice and credit memo of an Amazon order of an EU or UK store that uploads them
goes to Amazon as its PDF in an UPLOAD_VAT_INVOICE feed, one document per feed (Amazon's rule), its metadata in
the feed options. Recorded in the outbox with the invoice or credit memo (same transaction), then taken through
the feed steps of push.feeds (upload, createFeed, poll, report) like the order feeds."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from admin_ui.formatting import currency_places
from orders import documents
from orders.models import CreditMemo, Invoice

from ..models import AmazonFeed, AmazonStore, OutboundUpdate
from . import transitions
from .recording import amazon_order_for

Kind = OutboundUpdate.Kind
State = OutboundUpdate.State

VAT_FEED = "UPLOAD_VAT_INVOICE"
VAT_CONTENT_TYPE = "application/pdf"
INVOICE, CREDIT_NOTE = "Invoice", "CreditNote"
# Amazon.co.uk, .de, .fr, .it, .es, .nl, .se, .pl, .com.be, .ie: the marketplaces that take VAT invoices.
VAT_MARKETPLACES = frozenset(
    {
        "A1F83G8C2ARO7P",
        "A1PA6795UKMFR9",
        "A13V1IB3VIYZZH",
        "APJ6JRA9NG5V4",
        "A1RKKUPIHCS9HS",
        "A1805IZSGTT6HS",
        "A2NODRKZP88ZB9",
        "A1C3SOZRARQ6R3",
        "AMEN7PMS3EDWL",
        "A28R8C7NBKEWEA",
    }
)
# Invoices written by the import (offline, as the order is placed) are picked up by the sweep within this many days;
# turning the setting on doesn't send a store's whole history.
VAT_CATCH_UP_DAYS = 7
# Feeds started per store and run: createFeed's burst (the client's rate limiter paces beyond it).
VAT_FEEDS_PER_RUN = 15


def uploads_vat_invoices(store: AmazonStore, marketplace_id: str | None = None) -> bool:
    """Does the store upload VAT invoices: of an order of this marketplace, or (no marketplace) of any of its own."""
    if not store.upload_vat_invoices:
        return False
    if marketplace_id:
        return marketplace_id in VAT_MARKETPLACES
    return bool(set(store.marketplace_ids) & VAT_MARKETPLACES)


def _amount(amount: Decimal, currency: str) -> str:
    """An amount as Amazon reads it: the currency's own decimals (JPY none)."""
    return f"{amount:.{currency_places(currency)}f}"


def _record(*, document, kind: str, actor_id: int | None) -> OutboundUpdate | None:
    amazon_order = amazon_order_for(document.order)
    if amazon_order is None or not uploads_vat_invoices(
        amazon_order.store, amazon_order.marketplace_id or amazon_order.store.marketplace_id
    ):
        return None
    prefix = "vatinvoice" if kind == INVOICE else "vatcreditnote"
    update, _created = OutboundUpdate.objects.get_or_create(
        idempotency_key=f"{prefix}:{document.pk}",
        defaults={
            "store": amazon_order.store,
            "amazon_order": amazon_order,
            "kind": Kind.VAT_INVOICE,
            "credit_memo_id": document.pk if kind == CREDIT_NOTE else None,
            "payload": {
                "document": documents.INVOICE if kind == INVOICE else documents.CREDIT_MEMO,
                "document_id": document.pk,
                "number": document.increment_id,
                "options": {
                    "metadata:orderid": amazon_order.amazon_order_id,
                    "metadata:invoicenumber": document.increment_id,
                    "metadata:documenttype": kind,
                    "metadata:totalamount": _amount(document.grand_total, document.order.order_currency),
                    "metadata:totalvatamount": _amount(document.tax_amount, document.order.order_currency),
                },
            },
            "created_by_id": actor_id,
            "state": transitions.initial_state(problem=""),
        },
    )
    return update


def record_vat_invoice_update(*, invoice: Invoice | int, actor_id: int | None) -> OutboundUpdate | None:
    """Queue the upload of one invoice of an Amazon order (None when its store uploads none)."""
    if not isinstance(invoice, Invoice):
        invoice = Invoice.objects.select_related("order").get(pk=invoice)
    return _record(document=invoice, kind=INVOICE, actor_id=actor_id)


def record_vat_credit_note_update(*, credit_memo: CreditMemo | int, actor_id: int | None) -> OutboundUpdate | None:
    """Queue the upload of one credit memo of an Amazon order as a CreditNote."""
    if not isinstance(credit_memo, CreditMemo):
        credit_memo = CreditMemo.objects.select_related("order").get(pk=credit_memo)
    return _record(document=credit_memo, kind=CREDIT_NOTE, actor_id=actor_id)


def vat_stores() -> list[int]:
    """The stores that upload VAT invoices (the sweep looks at these for invoices the import wrote)."""
    return list(
        AmazonStore.objects.filter(
            Q(marketplace_id__in=VAT_MARKETPLACES) | Q(more_marketplace_ids__has_any_keys=sorted(VAT_MARKETPLACES)),
            upload_vat_invoices=True,
            read_only_mode=False,
        ).values_list("pk", flat=True)
    )


def record_missing_vat_invoices(*, store: AmazonStore, now: datetime | None = None) -> int:
    """Queue the invoices of the store's Amazon orders that have no VAT update yet: those the import created with
    the order (the import places orders in bulk and announces no invoice; the channel's sync can't reach push)."""
    if not uploads_vat_invoices(store):
        return 0
    since = (now or timezone.now()) - timedelta(days=VAT_CATCH_UP_DAYS)
    missing = (
        Invoice.objects.filter(order__amazon_order__store=store, created_at__gte=since)
        # Only orders of marketplaces that take VAT invoices (a store may hold others, e.g. Amazon.com.tr).
        .filter(Q(order__amazon_order__marketplace_id__in=VAT_MARKETPLACES) | Q(order__amazon_order__marketplace_id=""))
        .annotate(vat_key=Concat(Value("vatinvoice:"), Cast("pk", CharField())))
        .exclude(Exists(OutboundUpdate.objects.filter(idempotency_key=OuterRef("vat_key"))))
        .select_related("order")
        .order_by("pk")[:500]
    )
    count = 0
    for invoice in missing:
        with transaction.atomic():
            if record_vat_invoice_update(invoice=invoice, actor_id=None) is not None:
                count += 1
    return count


def assemble_vat_feeds(*, store: AmazonStore, now: datetime | None = None) -> list[AmazonFeed]:
    """One new feed per due VAT invoice update of the store (at most VAT_FEEDS_PER_RUN)."""
    now = now or timezone.now()
    with transaction.atomic():
        store = AmazonStore.objects.select_for_update().get(pk=store.pk)
        if store.read_only_mode:
            return []
        due = list(
            OutboundUpdate.objects.filter(store=store, kind=Kind.VAT_INVOICE, state=State.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .select_related("amazon_order")
            .order_by("pk")[:VAT_FEEDS_PER_RUN]
        )
        feeds = []
        for update in due:
            feed = AmazonFeed.objects.create(
                store=store, feed_type=VAT_FEED, marketplace_id=update.amazon_order.marketplace_id, next_check_at=now
            )
            transitions.move_all(
                OutboundUpdate.objects.filter(pk=update.pk, state=State.PENDING),
                State.SENDING,
                feed=feed,
                feed_message_id=1,  # the one document of its feed: the report's MessageID 1
                next_attempt_at=None,
                attempts=F("attempts") + 1,
            )
            feeds.append(feed)
    return feeds


def feed_options(feed: AmazonFeed) -> dict[str, str]:
    """The feed options (metadata) of a VAT invoice feed's one document."""
    return dict(feed.updates.get().payload["options"])


def feed_pdf(feed: AmazonFeed) -> bytes:
    """The PDF of a VAT invoice feed's document, laid out again from the invoice or credit memo."""
    payload = feed.updates.get().payload
    return documents.document_pdf(payload["document"], payload["document_id"])
