"""Push to Seller Central through an outbox.

A shipment, refund (credit memo) or cancel of an Amazon order writes an `OutboundUpdate` in the same transaction as
the change itself (see `amazon_channel.listeners`). Workers deliver them; nothing reaches Amazon from a web request.

Delivery guarantees:
- A claim is a compare-and-set UPDATE on the row's own columns (state, next_attempt_at), so two workers never send
  the same update; while an update is "sending", `next_attempt_at` is the claimer's lease. A worker that dies keeps
  the update "sending" until the lease runs out, then the sweep claims it again and re-sends it.
- Re-sending is safe: a shipment's packages carry a stable packageReferenceId (Amazon's confirmShipment is idempotent
  on it); a feed message is only sent again if its feed was never created (each step of a feed is recorded before
  and after it runs, so a crash resumes at the step it stopped at).
- 429 / 5xx / timeouts are retried by the client; after that the update is rescheduled with backoff. Amazon's
  rejection (400, or an error in the feed's processing report) marks it failed with Amazon's message until a person
  retries it.
- *Read-Only Mode* keeps a store's updates pending.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import CreditMemo, Order, Shipment

from ..models import AmazonFeed, AmazonOrder, AmazonOrderStatus, AmazonStore, CommunicationLog, OutboundUpdate

logger = logging.getLogger(__name__)

Kind = OutboundUpdate.Kind
State = OutboundUpdate.State

CANCEL_FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
REFUND_FEED = "POST_PAYMENT_ADJUSTMENT_DATA"
FEED_TYPES = {Kind.CANCEL: CANCEL_FEED, Kind.REFUND: REFUND_FEED}
FEED_CONTENT_TYPE = "text/xml; charset=UTF-8"

CANCEL_REASONS = (
    "NoInventory",
    "ShippingAddressUndeliverable",
    "CustomerExchange",
    "BuyerCanceled",
    "GeneralAdjustment",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "CustomerReturn",
    "MerchandiseNotReceived",
)
DEFAULT_CANCEL_REASON = "NoInventory"  # a Commerce cancel of an Amazon order: the merchant can't ship it
ADJUSTMENT_REASONS = (
    "NoInventory",
    "CustomerReturn",
    "GeneralAdjustment",
    "CouldNotShip",
    "DifferentItem",
    "Abandoned",
    "CustomerCancel",
    "PriceError",
    "ProductOutofStock",
    "CustomerAddressIncorrect",
    "Exchange",
    "Other",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "TransactionRecord",
    "Undeliverable",
    "RefusedDelivery",
)
DEFAULT_ADJUSTMENT_REASON = "CustomerReturn"
# Where the credit memo page / Amazon Order Details put the merchant's choice (credit memo and cancel channel_data).
ADJUSTMENT_REASON_KEY = "amazon_adjustment_reason"
CANCEL_REASON_KEY = "amazon_cancel_reason"

# Commerce carrier code -> Amazon carrierCode. Anything else is sent as "Other" with the track's title as carrierName.
CARRIER_CODES = {"dhl": "DHL", "fedex": "FedEx", "ups": "UPS", "usps": "USPS"}
OTHER_CARRIER = "Other"
# Amazon's packageReferenceId must be a positive number, unique within the order: shipment pk * 1000 + track number.
PACKAGES_PER_SHIPMENT = 999


def lease_seconds() -> int:
    return int(getattr(settings, "AMAZON_OUTBOX_LEASE_SECONDS", 300))


def feed_window_seconds() -> int:
    """About one createFeed per two minutes per store and feed type (Amazon's createFeed usage plan)."""
    return int(getattr(settings, "AMAZON_FEED_WINDOW_SECONDS", 120))


def feed_poll_seconds() -> int:
    return int(getattr(settings, "AMAZON_FEED_POLL_SECONDS", 30))


def max_feed_messages() -> int:
    return int(getattr(settings, "AMAZON_FEED_MAX_MESSAGES", 5000))


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about 1, 2, 4, ... minutes, at most an hour."""
    base = min(60 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


class WorkerStopped(BaseException):
    """Raised only by tests to stand for a worker killed mid-delivery (nothing after it runs)."""


# ---------------------------------------------------------------------------------------------------------------------
# Recording: called in the orders service's transaction (in-transaction event handlers).
# ---------------------------------------------------------------------------------------------------------------------


def _amazon_order_for(order: Order) -> AmazonOrder | None:
    return AmazonOrder.objects.select_related("store").filter(commerce_order=order).first()


def _actor_id(actor: AbstractBaseUser | int | None) -> int | None:
    if actor is None or isinstance(actor, int):
        return actor
    return actor.pk


def split_items_over_packages(
    items: Sequence[tuple[str, int]], packages: int
) -> tuple[list[list[tuple[str, int]]], int]:
    """Spread a shipment's units over its packages (one package per tracking number).

    Amazon needs each package's items, but a Commerce shipment only knows which items were shipped and its tracking
    numbers. The rule: one tracking number carries all items; with several, the units are dealt out in item order in
    contiguous blocks, as evenly as possible (earlier packages take the extra unit), so each package has at least one
    unit. Returns the packages' item lists and how many tracking numbers had no unit left (more tracks than units).
    """
    units = [item_id for item_id, qty in items for _ in range(qty)]
    if packages <= 1:
        return [list(items)], 0
    usable = min(packages, len(units))
    per, extra = divmod(len(units), usable) if usable else (0, 0)
    result: list[list[tuple[str, int]]] = []
    start = 0
    for index in range(usable):
        size = per + (1 if index < extra else 0)
        block = units[start : start + size]
        start += size
        grouped: dict[str, int] = {}
        for item_id in block:
            grouped[item_id] = grouped.get(item_id, 0) + 1
        result.append(list(grouped.items()))
    return result, packages - usable


def build_shipment_payload(*, shipment: Shipment, amazon_order: AmazonOrder) -> tuple[dict[str, Any], str]:
    """The packages confirmShipment needs, and a problem that stops them from being sent ("" when none)."""
    order = shipment.order
    amazon_items = {i.seller_sku: i.order_item_id for i in amazon_order.items.all()}
    items: list[tuple[str, int]] = []
    missing: list[str] = []
    for ship_item in shipment.items.select_related("order_item").order_by("order_item_id"):
        if not ship_item.qty:
            continue
        order_item = ship_item.order_item
        item_id = order_item.external_item_id or amazon_items.get(order_item.sku, "")
        if not item_id:
            missing.append(order_item.sku)
            continue
        items.append((item_id, ship_item.qty))
    tracks = list(shipment.tracks.all())
    shipping_method = amazon_order.ship_service_level or order.shipping_description
    packages: list[dict[str, Any]] = []
    splits, without_units = split_items_over_packages(items, len(tracks))
    for number, (track, package_items) in enumerate(zip(tracks, splits, strict=False), start=1):
        carrier_code = CARRIER_CODES.get(track.carrier_code, OTHER_CARRIER)
        packages.append(
            {
                "package_reference_id": str(shipment.pk * (PACKAGES_PER_SHIPMENT + 1) + number),
                "carrier_code": carrier_code,
                "carrier_name": track.title if carrier_code == OTHER_CARRIER else None,
                "shipping_method": shipping_method or None,
                "tracking_number": track.track_number,
                "ship_date": shipment.created_at.isoformat(),
                "items": [[item_id, qty] for item_id, qty in package_items],
            }
        )
    problem = ""
    if missing:
        problem = _("These items have no Amazon order item: %(skus)s.") % {"skus": ", ".join(missing)}
    elif not tracks:
        problem = _("Amazon needs a tracking number to confirm a shipment; add one to shipment #%(number)s.") % {
            "number": shipment.increment_id
        }
    elif not items:
        problem = _("The shipment has no items to confirm.")
    payload = {
        "amazon_order_id": amazon_order.amazon_order_id,
        "marketplace_id": amazon_order.marketplace_id or amazon_order.store.marketplace_id,
        "shipment_increment_id": shipment.increment_id,
        "packages": packages,
        "confirmed": [],
        "tracks_without_items": [t.track_number for t in tracks[len(tracks) - without_units :]]
        if without_units
        else [],
    }
    return payload, problem


def record_shipment_update(*, shipment: Shipment | int, actor: AbstractBaseUser | int | None) -> OutboundUpdate | None:
    """Queue the confirmShipment of one Commerce shipment of an Amazon order (None for other orders)."""
    if not isinstance(shipment, Shipment):
        shipment = Shipment.objects.select_related("order").get(pk=shipment)
    amazon_order = _amazon_order_for(shipment.order)
    if amazon_order is None:
        return None
    payload, problem = build_shipment_payload(shipment=shipment, amazon_order=amazon_order)
    update, _created = OutboundUpdate.objects.get_or_create(
        idempotency_key=f"shipment:{shipment.pk}",
        defaults={
            "store": amazon_order.store,
            "amazon_order": amazon_order,
            "kind": Kind.SHIPMENT,
            "payload": payload,
            "shipment_id": shipment.pk,
            "created_by_id": _actor_id(actor),
            "state": State.FAILED if problem else State.PENDING,
            "last_response": problem,
        },
    )
    return update


def _refund_components(credit_memo: CreditMemo, amazon_order: AmazonOrder) -> list[dict[str, Any]]:
    """Per item the refunded principal, tax, shipping and shipping tax; adjustment refund / fee on the first item.

    Principal is the refunded row total less its discount, Tax the item's refunded tax. The credit memo's refund
    shipping is spread over its items in proportion to the shipping Amazon charged for them (equally when unknown),
    and its shipping tax (the memo's tax beyond the items' tax) the same way. Cents left by rounding go to the last
    item. Adjustment refund is sent as Goodwill, adjustment fee as RestockingFee (every component amount is a positive
    magnitude; its Type says which way the money goes, as the feed builder and the sandbox expect).
    """
    amazon_items = {i.order_item_id: i for i in amazon_order.items.all()}
    by_sku = {i.seller_sku: i for i in amazon_order.items.all()}
    lines = [
        line
        for line in credit_memo.items.select_related("order_item").order_by("order_item_id")
        if line.qty or line.row_total or line.tax_amount
    ]
    cent = Decimal("0.01")
    items_tax = sum((line.tax_amount for line in lines), Decimal(0))
    shipping = credit_memo.shipping_amount or Decimal(0)
    shipping_tax = max(credit_memo.tax_amount - items_tax, Decimal(0))
    result: list[dict[str, Any]] = []
    resolved = []
    for line in lines:
        order_item = line.order_item
        amazon_item = amazon_items.get(order_item.external_item_id) or by_sku.get(order_item.sku)
        item_id = order_item.external_item_id or (amazon_item.order_item_id if amazon_item else "")
        resolved.append((line, item_id, amazon_item))
    if not resolved and (shipping or credit_memo.adjustment_refund or credit_memo.adjustment_fee):
        # A shipping-only or adjustment-only refund: Amazon still wants an item to attach it to.
        first = amazon_order.items.order_by("id").first()
        if first is not None:
            resolved.append((None, first.order_item_id, first))
    weights = [
        (amazon_item.shipping_price if amazon_item and amazon_item.shipping_price else Decimal(0))
        for _line, _id, amazon_item in resolved
    ]
    if not any(weights):
        weights = [Decimal(1)] * len(resolved)
    total_weight = sum(weights, Decimal(0))

    def share(amount: Decimal, index: int, given: Decimal) -> Decimal:
        if index == len(resolved) - 1:
            return amount - given
        return (amount * weights[index] / total_weight).quantize(cent)

    given_shipping = given_tax = Decimal(0)
    for index, (line, item_id, _amazon_item) in enumerate(resolved):
        components: dict[str, str] = {}
        if line is not None:
            components["Principal"] = str((line.row_total - line.discount_amount).quantize(cent))
            components["Tax"] = str(line.tax_amount.quantize(cent))
        if shipping:
            part = share(shipping, index, given_shipping)
            given_shipping += part
            components["Shipping"] = str(part.quantize(cent))
        if shipping_tax:
            part = share(shipping_tax, index, given_tax)
            given_tax += part
            components["ShippingTax"] = str(part.quantize(cent))
        if index == 0 and credit_memo.adjustment_refund:
            components["Goodwill"] = str(credit_memo.adjustment_refund.quantize(cent))
        if index == 0 and credit_memo.adjustment_fee:
            components["RestockingFee"] = str(credit_memo.adjustment_fee.quantize(cent))
        result.append({"order_item_id": item_id, "components": components})
    return result


def record_refund_update(
    *, credit_memo: CreditMemo | int, actor: AbstractBaseUser | int | None
) -> OutboundUpdate | None:
    """Queue the payment adjustment of one credit memo of an Amazon order (None for other orders)."""
    if not isinstance(credit_memo, CreditMemo):
        credit_memo = CreditMemo.objects.select_related("order").get(pk=credit_memo)
    amazon_order = _amazon_order_for(credit_memo.order)
    if amazon_order is None:
        return None
    reason = (credit_memo.channel_data or {}).get(ADJUSTMENT_REASON_KEY) or DEFAULT_ADJUSTMENT_REASON
    items = _refund_components(credit_memo, amazon_order)
    problem = ""
    if reason not in ADJUSTMENT_REASONS:
        problem = _("Amazon does not know the adjustment reason %(reason)s.") % {"reason": reason}
    elif not items or any(not item["order_item_id"] for item in items):
        problem = _("The credit memo has items Amazon does not know; refund them in Seller Central.")
    update, _created = OutboundUpdate.objects.get_or_create(
        idempotency_key=f"creditmemo:{credit_memo.pk}",
        defaults={
            "store": amazon_order.store,
            "amazon_order": amazon_order,
            "kind": Kind.REFUND,
            "credit_memo_id": credit_memo.pk,
            "payload": {
                "amazon_order_id": amazon_order.amazon_order_id,
                "credit_memo_increment_id": credit_memo.increment_id,
                "reason": reason,
                "currency": credit_memo.order.order_currency,
                "items": items,
            },
            "created_by_id": _actor_id(actor),
            "state": State.FAILED if problem else State.PENDING,
            "last_response": problem,
        },
    )
    return update


def request_cancel_update(
    *, amazon_order: AmazonOrder, reason: str = DEFAULT_CANCEL_REASON, actor: AbstractBaseUser | int | None
) -> OutboundUpdate:
    """Queue the cancel of an Amazon order (from the Commerce order's cancel or *Amazon Order Details*).

    One cancel per Amazon order: asking again while one is pending or accepted returns that one; a failed one is
    queued again with the new reason.
    """
    if reason not in CANCEL_REASONS:
        raise ValueError(f"unknown cancel reason {reason!r}")
    commerce_order = amazon_order.commerce_order
    payload = {
        "amazon_order_id": amazon_order.amazon_order_id,
        "merchant_order_id": commerce_order.increment_id if commerce_order else "",
        "reason": reason,
    }
    update, created = OutboundUpdate.objects.select_for_update().get_or_create(
        idempotency_key=f"cancel:{amazon_order.pk}",
        defaults={
            "store": amazon_order.store,
            "amazon_order": amazon_order,
            "kind": Kind.CANCEL,
            "payload": payload,
            "created_by_id": _actor_id(actor),
        },
    )
    if not created and update.state == State.FAILED:
        update.payload = payload
        update.state = State.PENDING
        update.next_attempt_at = None
        update.feed = None
        update.save(update_fields=["payload", "state", "next_attempt_at", "feed"])
    return update


def record_cancel_update(
    *, order: Order | int, channel_data: dict[str, Any] | None, actor: AbstractBaseUser | int | None
) -> OutboundUpdate | None:
    """Queue the cancel of the Amazon order behind a cancelled Commerce order (None for other orders)."""
    if not isinstance(order, Order):
        order = Order.objects.get(pk=order)
    amazon_order = _amazon_order_for(order)
    if amazon_order is None:
        return None
    reason = (channel_data or {}).get(CANCEL_REASON_KEY) or DEFAULT_CANCEL_REASON
    if reason not in CANCEL_REASONS:
        reason = DEFAULT_CANCEL_REASON
    return request_cancel_update(amazon_order=amazon_order, reason=reason, actor=actor)


# ---------------------------------------------------------------------------------------------------------------------
# Client and error handling
# ---------------------------------------------------------------------------------------------------------------------


def client_for_store(store: AmazonStore):
    """The SP-API client for a store, with the shared rate limiter; failed exchanges go to its communication log."""
    from ..spapi import SpApiClient, SpApiConfig
    from ..spapi.ratelimit import build_rate_limiter

    def on_error(operation: str, exc: Exception) -> None:
        log_error(store=store, operation=operation, exc=exc)

    return SpApiClient(SpApiConfig.for_store(store), rate_limiter=build_rate_limiter(), on_error=on_error)


def log_error(*, store: AmazonStore, operation: str, exc: Exception, amazon_order_id: str = "") -> None:
    CommunicationLog.objects.create(
        store=store,
        operation=operation or getattr(exc, "operation", "") or "",
        http_status=getattr(exc, "status", None),
        code=(getattr(exc, "code", "") or "")[:128],
        message=getattr(exc, "message", "") or str(exc),
        request_id=(getattr(exc, "request_id", "") or "")[:128],
        amazon_order_id=amazon_order_id,
    )


def _is_rejection(exc: Exception) -> bool:
    """Amazon said no to this request (fix it, then retry by hand); anything else is worth trying again later."""
    from ..spapi import errors

    return isinstance(exc, errors.InvalidRequestError | errors.NotFoundError)


def _describe(exc: Exception) -> str:
    message = getattr(exc, "message", "") or str(exc)
    code = getattr(exc, "code", "")
    return f"{code}: {message}" if code and code not in message else message


# ---------------------------------------------------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    """Pending and due, or sending with a lease that ran out (its worker died)."""
    return Q(state=State.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)) | Q(
        state=State.SENDING, feed__isnull=True, next_attempt_at__lte=now
    )


def claim_update(*, update_id: int, now: datetime | None = None) -> str | None:
    """Take one due shipment update for this worker; returns the lease token, or None when someone else has it.

    The UPDATE filters only on the row's own columns, so on PostgreSQL a concurrent claimer re-checks them after the
    first commits and finds nothing to update.
    """
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimed = (
        OutboundUpdate.objects.filter(_due(now), pk=update_id, kind=Kind.SHIPMENT)
        .filter(store__read_only_mode=False)
        .values_list("pk", flat=True)
    )
    if not claimed.exists():
        return None
    rows = OutboundUpdate.objects.filter(_due(now), pk=update_id).update(
        state=State.SENDING,
        lease_token=token,
        next_attempt_at=now + timedelta(seconds=lease_seconds()),
        attempts=F("attempts") + 1,
    )
    return token if rows == 1 else None


def _mine(update_id: int, token: str) -> QuerySet[OutboundUpdate]:
    return OutboundUpdate.objects.filter(pk=update_id, state=State.SENDING, lease_token=token)


# ---------------------------------------------------------------------------------------------------------------------
# Shipments: confirmShipment, one call per package
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    update_id: int
    state: str
    message: str = ""


def _comment(*, update: OutboundUpdate, text: str) -> None:
    """Record an accepted update in the Commerce order's comments history."""
    order_id = update.amazon_order.commerce_order_id
    if not order_id:
        return
    from orders.services import add_comment

    add_comment(order=order_id, actor=update.created_by, comment=text)


def deliver_shipment(*, update_id: int, client=None, now: datetime | None = None) -> DeliveryResult:
    """Send every package of one shipment that Amazon has not confirmed yet."""
    from ..spapi import types

    now = now or timezone.now()
    token = claim_update(update_id=update_id, now=now)
    update = OutboundUpdate.objects.select_related("store", "amazon_order").get(pk=update_id)
    if token is None:
        return DeliveryResult(update_id, update.state, _("not due or taken by another worker"))
    client = client or client_for_store(update.store)
    payload = update.payload
    confirmed = set(payload.get("confirmed", []))
    try:
        for package in payload["packages"]:
            reference = package["package_reference_id"]
            if reference in confirmed:
                continue
            client.confirm_shipment(
                payload["amazon_order_id"],
                marketplace_id=payload["marketplace_id"],
                package=types.PackageDetail(
                    package_reference_id=reference,
                    carrier_code=package["carrier_code"],
                    carrier_name=package["carrier_name"],
                    shipping_method=package["shipping_method"],
                    tracking_number=package["tracking_number"],
                    ship_date=datetime.fromisoformat(package["ship_date"]),
                    items=[(item_id, qty) for item_id, qty in package["items"]],
                ),
            )
            confirmed.add(reference)
            # Remember each confirmed package, so a retry sends only what is left (re-sending would be harmless).
            with transaction.atomic():
                locked = _mine(update_id, token).select_for_update().first()
                if locked is None:
                    return DeliveryResult(update_id, State.SENDING, _("lease lost"))
                locked.payload = {**locked.payload, "confirmed": sorted(confirmed)}
                locked.save(update_fields=["payload"])
    except Exception as exc:
        return _after_error(update=update, token=token, exc=exc, now=now)
    with transaction.atomic():
        locked = _mine(update_id, token).select_for_update().select_related("amazon_order").first()
        if locked is None:
            return DeliveryResult(update_id, State.SENDING, _("lease lost"))
        numbers = ", ".join(p["tracking_number"] for p in payload["packages"])
        message = _("Amazon confirmed the shipment (tracking %(numbers)s).") % {"numbers": numbers}
        if payload.get("tracks_without_items"):
            message += " " + _("Not sent (no items left for them): %(numbers)s.") % {
                "numbers": ", ".join(payload["tracks_without_items"])
            }
        locked.state = State.ACCEPTED
        locked.accepted_at = now
        locked.next_attempt_at = None
        locked.last_response = message
        locked.lease_token = ""
        locked.save(update_fields=["state", "accepted_at", "next_attempt_at", "last_response", "lease_token"])
        _comment(
            update=locked,
            text=_("Sent to Amazon: shipment #%(number)s confirmed (tracking %(numbers)s).")
            % {"number": payload.get("shipment_increment_id", ""), "numbers": numbers},
        )
    return DeliveryResult(update_id, State.ACCEPTED, message)


def _after_error(*, update: OutboundUpdate, token: str, exc: Exception, now: datetime) -> DeliveryResult:
    if not _is_spapi_error(exc):
        raise exc
    log_error(store=update.store, operation="", exc=exc, amazon_order_id=update.amazon_order.amazon_order_id)
    with transaction.atomic():
        locked = _mine(update.pk, token).select_for_update().first()
        if locked is None:
            return DeliveryResult(update.pk, State.SENDING, _("lease lost"))
        locked.lease_token = ""
        if _is_rejection(exc):
            locked.state = State.FAILED
            locked.next_attempt_at = None
            locked.last_response = _("Amazon rejected it: %(message)s") % {"message": _describe(exc)}
        else:
            locked.state = State.PENDING
            locked.next_attempt_at = now + backoff(locked.attempts)
            locked.last_response = _("Will try again at %(when)s: %(message)s") % {
                "when": timezone.localtime(locked.next_attempt_at).strftime("%Y-%m-%d %H:%M"),
                "message": _describe(exc),
            }
        locked.save(update_fields=["state", "next_attempt_at", "last_response", "lease_token"])
    return DeliveryResult(update.pk, locked.state, locked.last_response)


def _is_spapi_error(exc: BaseException) -> bool:
    from ..spapi import errors

    return isinstance(exc, errors.SpApiError)


# ---------------------------------------------------------------------------------------------------------------------
# Feeds: cancellations and refunds, batched per store and feed type
# ---------------------------------------------------------------------------------------------------------------------


def _feed_messages(updates: Iterable[OutboundUpdate], feed_type: str):
    from ..spapi import feeds, types

    messages = []
    for update in updates:
        payload = update.payload
        if feed_type == CANCEL_FEED:
            items = [
                feeds.CancelItem(order_item_id=i.order_item_id, reason=payload["reason"])
                for i in update.amazon_order.items.all()
            ]
            messages.append(
                feeds.CancelMessage(
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
                feeds.AdjustmentMessage(
                    message_id=update.pk,
                    amazon_order_id=payload["amazon_order_id"],
                    items=[
                        feeds.AdjustmentItem(
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
    from ..spapi import feeds

    messages = _feed_messages(updates, feed_type)
    if feed_type == CANCEL_FEED:
        return feeds.build_order_acknowledgement_feed(seller_id=store.seller_id, messages=messages)
    return feeds.build_payment_adjustment_feed(seller_id=store.seller_id, messages=messages)


def _drop_unwritable(*, store: AmazonStore, feed_type: str, updates: list[OutboundUpdate]) -> list[OutboundUpdate]:
    """Fail the updates the feed format can't express (e.g. an unknown reason), so they never block the others."""
    writable, unwritable = [], []
    for update in updates:
        try:
            build_feed_document(store=store, feed_type=feed_type, updates=[update])
        except (ValueError, KeyError) as exc:
            update.state = State.FAILED
            update.last_response = _("This update can't be written as an Amazon feed message: %(error)s") % {
                "error": exc
            }
            unwritable.append(update)
        else:
            writable.append(update)
    OutboundUpdate.objects.bulk_update(unwritable, ["state", "last_response"])
    return writable


def _window_open(*, store: AmazonStore, feed_type: str, now: datetime) -> bool:
    since = now - timedelta(seconds=feed_window_seconds())
    return not AmazonFeed.objects.filter(store=store, feed_type=feed_type, submitted_at__gt=since).exists()


def assemble_feed(*, store: AmazonStore, feed_type: str, now: datetime | None = None) -> AmazonFeed | None:
    """Put all due updates of one store and feed type into one new feed (None when nothing is due or the
    createFeed window of this store and type is still closed).

    Cancels of orders Amazon no longer has as Unshipped fail here with a clear message: Amazon only takes a seller's
    cancel while the order is Unshipped.
    """
    now = now or timezone.now()
    kind = Kind.CANCEL if feed_type == CANCEL_FEED else Kind.REFUND
    with transaction.atomic():
        # One assembler per store at a time.
        store = AmazonStore.objects.select_for_update().get(pk=store.pk)
        if store.read_only_mode or not _window_open(store=store, feed_type=feed_type, now=now):
            return None
        if AmazonFeed.objects.filter(
            store=store, feed_type=feed_type, feed_id="", finished_at__isnull=True, submitted_at__isnull=True
        ).exists():
            return None  # an assembled feed is still waiting to be uploaded: it goes first
        due = list(
            OutboundUpdate.objects.filter(store=store, kind=kind, state=State.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .select_related("amazon_order")
            .prefetch_related("amazon_order__items")
            .order_by("pk")[: max_feed_messages()]
        )
        if kind == Kind.CANCEL:
            not_cancellable = [u for u in due if u.amazon_order.status != AmazonOrderStatus.UNSHIPPED]
            for update in not_cancellable:
                update.state = State.FAILED
                update.last_response = _(
                    "Amazon only accepts a cancel while the order is Unshipped; this order is %(status)s."
                ) % {"status": update.amazon_order.get_status_display()}
            OutboundUpdate.objects.bulk_update(not_cancellable, ["state", "last_response"])
            due = [u for u in due if u not in not_cancellable]
        due = _drop_unwritable(store=store, feed_type=feed_type, updates=due)
        if not due:
            return None
        feed = AmazonFeed.objects.create(store=store, feed_type=feed_type)
        document = build_feed_document(store=store, feed_type=feed_type, updates=due)
        feed.document = document.decode("utf-8")
        feed.next_check_at = now
        feed.save(update_fields=["document", "next_check_at"])
        OutboundUpdate.objects.filter(pk__in=[u.pk for u in due], state=State.PENDING).update(
            state=State.SENDING,
            feed=feed,
            feed_message_id=F("id"),
            next_attempt_at=None,
            attempts=F("attempts") + 1,
        )
    return feed


def _claim_feed(feed_pk: int, now: datetime) -> str | None:
    token = uuid.uuid4().hex
    rows = (
        AmazonFeed.objects.filter(pk=feed_pk, finished_at__isnull=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(lease_token=token, lease_until=now + timedelta(seconds=lease_seconds()))
    )
    return token if rows == 1 else None


def _save_feed(feed: AmazonFeed, token: str, **fields: Any) -> bool:
    """Record one step of a feed, only while this worker still holds it."""
    rows = AmazonFeed.objects.filter(pk=feed.pk, lease_token=token).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(feed, name, value)
    return rows == 1


def _release_feed(feed: AmazonFeed, token: str, **fields: Any) -> None:
    _save_feed(feed, token, lease_token="", lease_until=None, **fields)


def advance_feed(*, feed: AmazonFeed | int, client=None, now: datetime | None = None) -> AmazonFeed:
    """Take a feed one or more steps further: upload its document, create it, poll it, apply its report."""
    now = now or timezone.now()
    feed_pk = feed.pk if isinstance(feed, AmazonFeed) else feed
    token = _claim_feed(feed_pk, now)
    feed = AmazonFeed.objects.select_related("store").get(pk=feed_pk)
    if token is None:
        return feed
    if feed.store.read_only_mode and not feed.feed_id:
        _release_feed(feed, token)
        return feed
    client = client or client_for_store(feed.store)
    try:
        if not feed.feed_id:
            if feed.submitted_at:
                _feed_outcome_unknown(feed=feed, token=token)
                return feed
            if not feed.feed_document_id:
                upload = client.create_feed_document(FEED_CONTENT_TYPE)
                client.upload_feed_document(upload, feed.document.encode("utf-8"), FEED_CONTENT_TYPE)
                _save_feed(feed, token, feed_document_id=upload.feed_document_id)
            if not _save_feed(feed, token, submitted_at=now, attempts=feed.attempts + 1):
                return feed
            try:
                feed_id = client.create_feed(
                    feed_type=feed.feed_type,
                    input_feed_document_id=feed.feed_document_id,
                    marketplace_ids=[feed.store.marketplace_id],
                )
            except Exception as exc:
                if _is_spapi_error(exc):
                    # Amazon answered with an error (or never answered after the client's retries): no feed.
                    _save_feed(feed, token, submitted_at=None)
                raise
            with transaction.atomic():
                _save_feed(feed, token, feed_id=feed_id, processing_status="IN_QUEUE", next_check_at=now)
                feed.updates.filter(state=State.SENDING).update(state=State.AWAITING_RESULT)
        status = client.get_feed(feed.feed_id)
        _save_feed(feed, token, processing_status=status.processing_status)
        if status.processing_status in {"IN_QUEUE", "IN_PROGRESS"}:
            _release_feed(feed, token, next_check_at=now + timedelta(seconds=feed_poll_seconds()))
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
            from ..spapi import feeds

            report = feeds.parse_processing_report(data)
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
        if not _is_spapi_error(exc):
            raise
        log_error(store=feed.store, operation="", exc=exc)
        if _is_rejection(exc) and not feed.feed_id:
            _fail_feed_updates(feed=feed, token=token, now=now, message=_describe(exc))
        else:
            delay = backoff(feed.attempts or 1)
            _release_feed(feed, token, next_check_at=now + delay, message=_describe(exc))
            feed.updates.filter(state__in=[State.SENDING, State.AWAITING_RESULT]).update(
                last_response=_("Will try again: %(message)s") % {"message": _describe(exc)}
            )
    return feed


def _feed_outcome_unknown(*, feed: AmazonFeed, token: str) -> None:
    """The worker stopped while calling createFeed: Amazon may have the feed. Re-sending could refund twice, so a
    person decides (Seller Central lists uploaded feeds)."""
    message = _(
        "The worker stopped while sending feed document %(doc)s to Amazon; check Seller Central's feed upload "
        "history before retrying."
    ) % {"doc": feed.feed_document_id}
    _fail_feed_updates(feed=feed, token=token, now=timezone.now(), message=message)


def _fail_feed_updates(*, feed: AmazonFeed, token: str, now: datetime, message: str) -> None:
    with transaction.atomic():
        feed.updates.filter(state__in=[State.SENDING, State.AWAITING_RESULT]).update(
            state=State.FAILED, last_response=message
        )
        _release_feed(feed, token, finished_at=now, message=message)


def _requeue_feed_updates(*, feed: AmazonFeed, token: str, now: datetime, why: str) -> None:
    with transaction.atomic():
        feed.updates.filter(state__in=[State.SENDING, State.AWAITING_RESULT]).update(
            state=State.PENDING, feed=None, next_attempt_at=now, last_response=why
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
    with transaction.atomic():
        if AmazonFeed.objects.filter(pk=feed.pk, lease_token=token).select_for_update().first() is None:
            return
        updates = list(feed.updates.filter(state=State.AWAITING_RESULT).select_related("amazon_order", "created_by"))
        accepted: list[OutboundUpdate] = []
        feed_level = results.get(0, [])  # results about the feed as a whole apply to every message
        for update in updates:
            lines = results.get(update.feed_message_id or update.pk, []) + feed_level
            errors = [r for r in lines if (r.severity or "").lower() == "error"]
            text = "; ".join(f"{r.code}: {r.description}" if r.code else r.description for r in lines)
            if errors or (fatal and report is None):
                update.state = State.FAILED
                update.last_response = _("Amazon rejected it: %(message)s") % {
                    "message": text or _("the feed could not be processed (FATAL).")
                }
            elif fatal and report is not None and report.successful == 0:
                update.state = State.FAILED
                update.last_response = _("Amazon could not process the feed (FATAL).")
            else:
                update.state = State.ACCEPTED
                update.accepted_at = now
                update.last_response = _("Accepted by Amazon.") + (f" {text}" if text else "")
                accepted.append(update)
            update.next_attempt_at = None
        OutboundUpdate.objects.bulk_update(updates, ["state", "accepted_at", "last_response", "next_attempt_at"])
        for update in accepted:
            if update.kind == Kind.CANCEL:
                text = _("Sent to Amazon: order cancellation accepted (reason %(reason)s).")
            else:
                text = _("Sent to Amazon: refund for credit memo #%(number)s accepted (reason %(reason)s).")
            _comment(
                update=update,
                text=text
                % {
                    "reason": update.payload.get("reason", ""),
                    "number": update.payload.get("credit_memo_increment_id", ""),
                },
            )
        _release_feed(
            feed,
            token,
            report=report_text,
            result_document_id=result_document_id,
            finished_at=now,
            next_check_at=None,
        )


# ---------------------------------------------------------------------------------------------------------------------
# Sweep, retry
# ---------------------------------------------------------------------------------------------------------------------


def due_shipment_updates(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        OutboundUpdate.objects.filter(_due(now), kind=Kind.SHIPMENT, store__read_only_mode=False)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )


def stores_with_feed_work(*, now: datetime | None = None) -> list[int]:
    """Stores with due cancels / refunds to batch, or feeds to take further."""
    now = now or timezone.now()
    pending = OutboundUpdate.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        kind__in=[Kind.CANCEL, Kind.REFUND],
        state=State.PENDING,
        store__read_only_mode=False,
    ).values_list("store_id", flat=True)
    feeds = AmazonFeed.objects.filter(
        Q(next_check_at__isnull=True) | Q(next_check_at__lte=now), finished_at__isnull=True
    ).values_list("store_id", flat=True)
    return sorted(set(pending) | set(feeds))


def process_store_feeds(*, store: AmazonStore | int, client=None, now: datetime | None = None) -> list[AmazonFeed]:
    """Batch the store's due cancels and refunds into feeds, and take its open feeds a step further."""
    now = now or timezone.now()
    if not isinstance(store, AmazonStore):
        store = AmazonStore.objects.get(pk=store)
    for feed_type in (CANCEL_FEED, REFUND_FEED):
        assemble_feed(store=store, feed_type=feed_type, now=now)
    open_feeds = list(
        AmazonFeed.objects.filter(store=store, finished_at__isnull=True)
        .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))
        .order_by("pk")
    )
    if not open_feeds:
        return []
    client = client or client_for_store(store)
    return [advance_feed(feed=feed, client=client, now=now) for feed in open_feeds]


def deliver_update(*, update_id: int, client=None, now: datetime | None = None) -> DeliveryResult:
    """Deliver one update now (a shipment) or as part of its store's next feed (a cancel or refund)."""
    update = OutboundUpdate.objects.select_related("store").get(pk=update_id)
    if update.store.read_only_mode:
        return DeliveryResult(update_id, update.state, read_only_message(update.store))
    if update.kind == Kind.SHIPMENT:
        return deliver_shipment(update_id=update_id, client=client, now=now)
    process_store_feeds(store=update.store, client=client, now=now)
    update.refresh_from_db()
    return DeliveryResult(update_id, update.state, update.last_response)


def read_only_message(store: AmazonStore) -> str:
    return _("Read-Only Mode is on for %(store)s: this update waits until it is turned off.") % {"store": store.name}


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
            update.state = State.PENDING
            update.next_attempt_at = None
            update.feed = None
            update.lease_token = ""
            who = getattr(actor, "get_username", lambda: "")()
            update.last_response = _("Queued again by %(user)s.") % {"user": who} if who else _("Queued again.")
            update.save(update_fields=["payload", "state", "next_attempt_at", "feed", "lease_token", "last_response"])
            queued.append(update.pk)
        if queued:
            transaction.on_commit(lambda: enqueue_delivery(update_ids=queued))
    return len(queued)


def retry_update(*, update: OutboundUpdate | int, actor: AbstractBaseUser | None) -> bool:
    return retry_updates(updates=[update], actor=actor) == 1


def enqueue_delivery(*, update_ids: Sequence[int]) -> None:
    """Hand updates to the workers (called after commit); a lost message is picked up by the sweep."""
    from ..push_tasks import deliver_outbound_update

    for update_id in update_ids:
        try:
            deliver_outbound_update.delay(update_id)
        except Exception:  # the broker is down: the beat sweep delivers it later
            logger.warning("could not enqueue Amazon update %s; the sweep will deliver it", update_id, exc_info=True)


def sweep_outbox(*, now: datetime | None = None) -> dict[str, int]:
    """What beat runs every minute: enqueue due shipments and the feed work of each store."""
    from ..push_tasks import deliver_outbound_update, process_amazon_store_feeds

    now = now or timezone.now()
    shipments = due_shipment_updates(now=now)
    stores = stores_with_feed_work(now=now)
    for update_id in shipments:
        deliver_outbound_update.delay(update_id)
    for store_id in stores:
        process_amazon_store_feeds.delay(store_id)
    return {"shipments": len(shipments), "stores": len(stores)}
