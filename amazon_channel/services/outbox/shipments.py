"""Shipments: claim an update (a lease), then v0 confirmShipment, one call per package."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import OutboundUpdate
from ...spapi import types
from .common import (
    DeliveryResult,
    Kind,
    State,
    backoff,
    client_for_store,
    comment_on_order,
    describe_error,
    is_rejection,
    is_spapi_error,
    lease_seconds,
)


def due_filter(now: datetime) -> Q:
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
        OutboundUpdate.objects.filter(due_filter(now), pk=update_id, kind=Kind.SHIPMENT)
        .filter(store__read_only_mode=False)
        .values_list("pk", flat=True)
    )
    if not claimed.exists():
        return None
    rows = OutboundUpdate.objects.filter(due_filter(now), pk=update_id).update(
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


def deliver_shipment(*, update_id: int, client=None, now: datetime | None = None) -> DeliveryResult:
    """Send every package of one shipment that Amazon has not confirmed yet."""

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
        comment_on_order(
            update=locked,
            text=_("Sent to Amazon: shipment #%(number)s confirmed (tracking %(numbers)s).")
            % {"number": payload.get("shipment_increment_id", ""), "numbers": numbers},
        )
    return DeliveryResult(update_id, State.ACCEPTED, message)


def _after_error(*, update: OutboundUpdate, token: str, exc: Exception, now: datetime) -> DeliveryResult:
    if not is_spapi_error(exc):
        raise exc
    # The client already wrote each failed exchange to the store's communication log (on_error).
    with transaction.atomic():
        locked = _mine(update.pk, token).select_for_update().first()
        if locked is None:
            return DeliveryResult(update.pk, State.SENDING, _("lease lost"))
        locked.lease_token = ""
        if is_rejection(exc):
            locked.state = State.FAILED
            locked.next_attempt_at = None
            locked.last_response = _("Amazon rejected it: %(message)s") % {"message": describe_error(exc)}
        else:
            locked.state = State.PENDING
            locked.next_attempt_at = now + backoff(locked.attempts)
            locked.last_response = _("Will try again at %(when)s: %(message)s") % {
                "when": timezone.localtime(locked.next_attempt_at).strftime("%Y-%m-%d %H:%M"),
                "message": describe_error(exc),
            }
        locked.save(update_fields=["state", "next_attempt_at", "last_response", "lease_token"])
    return DeliveryResult(update.pk, locked.state, locked.last_response)
