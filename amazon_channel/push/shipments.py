"""Shipments: claim an update (a lease), then v0 confirmShipment, one call per package. Pickup statuses (pickup.py)
are claimed and their errors handled the same way."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from admin_ui.formatting import format_datetime

from ..core import client as clients
from ..core.leases import Lease
from ..models import OutboundUpdate
from ..spapi import SpApiClient, types
from . import amazon_state, transitions
from .outcome import DeliveryResult, comment_on_order, describe_error, is_rejection, is_spapi_error
from .timing import backoff, lease_duration

Kind = OutboundUpdate.Kind
State = OutboundUpdate.State

# While an update is "sending", its worker holds this lease; a worker that dies lets it run out.
SENDING_LEASE = Lease(OutboundUpdate, "lease_token", "lease_until", duration=lease_duration)
# The updates a worker sends on its own (one call each), not batched into a feed.
DIRECT_KINDS = (Kind.SHIPMENT, Kind.PICKUP_STATUS)


def due_filter(now: datetime) -> Q:
    """Pending and due, or sending with a lease that ran out (its worker died); never part of a feed."""
    pending = Q(state=State.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(state=State.SENDING, feed__isnull=True)
    return (pending | abandoned) & SENDING_LEASE.free(now)


def claim_update(*, update_id: int, now: datetime | None = None) -> str | None:
    """Take one due shipment update for this worker; returns the lease token, or None when someone else has it."""
    now = now or timezone.now()
    claimable = OutboundUpdate.objects.filter(due_filter(now), pk=update_id, kind__in=DIRECT_KINDS)
    # Read-only mode is a condition on the store: checked first, so the UPDATE below filters only the row's own
    # columns (see core.leases).
    if not claimable.filter(store__read_only_mode=False).exists():
        return None
    token = SENDING_LEASE.new_token()
    moved = transitions.move_all(
        OutboundUpdate.objects.filter(due_filter(now), pk=update_id),
        State.SENDING,
        **SENDING_LEASE.taken(token, now=now),
        attempts=F("attempts") + 1,
    )
    return token if moved == 1 else None


def held(update_id: int, token: str) -> OutboundUpdate | None:
    """The update, locked, while this worker's lease still holds it."""
    return (
        SENDING_LEASE.held(update_id, token)
        .filter(state=State.SENDING)
        .select_for_update(of=("self",))
        .select_related("amazon_order")
        .first()
    )


def deliver_shipment(
    *, update_id: int, client: SpApiClient | None = None, now: datetime | None = None
) -> DeliveryResult:
    """Send every package of one shipment that Amazon has not confirmed yet."""
    now = now or timezone.now()
    token = claim_update(update_id=update_id, now=now)
    update = OutboundUpdate.objects.select_related("store", "amazon_order").get(pk=update_id)
    if token is None:
        return DeliveryResult(update_id, update.state, _("not due or taken by another worker"))
    client = client or clients.client_for_store(update.store)
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
                locked = held(update_id, token)
                if locked is None:
                    return DeliveryResult(update_id, State.SENDING, _("lease lost"))
                locked.payload = {**locked.payload, "confirmed": sorted(confirmed)}
                locked.save(update_fields=["payload"])
    except Exception as exc:
        return after_error(update=update, token=token, exc=exc, now=now)
    with transaction.atomic():
        locked = held(update_id, token)
        if locked is None:
            return DeliveryResult(update_id, State.SENDING, _("lease lost"))
        numbers = ", ".join(p["tracking_number"] for p in payload["packages"])
        message = _("Amazon confirmed the shipment (tracking %(numbers)s).") % {"numbers": numbers}
        if payload.get("tracks_without_items"):
            message += " " + _("Not sent (no items left for them): %(numbers)s.") % {
                "numbers": ", ".join(payload["tracks_without_items"])
            }
        transitions.move(
            locked,
            State.ACCEPTED,
            accepted_at=now,
            next_attempt_at=None,
            last_response=message,
            **SENDING_LEASE.released(),
        )
        comment_on_order(
            update=locked,
            text=_("Sent to Amazon: shipment #%(number)s confirmed (tracking %(numbers)s).")
            % {"number": payload.get("shipment_increment_id", ""), "numbers": numbers},
        )
        # The Amazon order shows it at once, not at the next import (its lock after the Commerce order's).
        amazon_state.reflect_accepted_shipment(update=locked, now=now)
    return DeliveryResult(update_id, State.ACCEPTED, message)


def after_error(*, update: OutboundUpdate, token: str, exc: Exception, now: datetime) -> DeliveryResult:
    if not is_spapi_error(exc):
        raise exc
    # The client already wrote each failed exchange to the store's communication log (on_error).
    with transaction.atomic():
        locked = held(update.pk, token)
        if locked is None:
            return DeliveryResult(update.pk, State.SENDING, _("lease lost"))
        if is_rejection(exc):
            message = _("Amazon rejected it: %(message)s") % {"message": describe_error(exc)}
            transitions.move(
                locked, State.FAILED, next_attempt_at=None, last_response=message, **SENDING_LEASE.released()
            )
        else:
            retry_at = now + backoff(locked.attempts)
            message = _("Will try again at %(when)s: %(message)s") % {
                "when": format_datetime(retry_at),
                "message": describe_error(exc),
            }
            transitions.move(
                locked, State.PENDING, next_attempt_at=retry_at, last_response=message, **SENDING_LEASE.released()
            )
    return DeliveryResult(update.pk, locked.state, locked.last_response)
