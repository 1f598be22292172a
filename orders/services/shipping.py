"""ship_order: send all or part of an order, with one or more tracking numbers."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import events, rules, ship_guards
from ..models import Order, OrderComment, OrderItem, Shipment, ShipmentItem, ShipmentTrack, ShipmentTrackItem
from ._common import (
    OrderActionRefused,
    actor_id,
    actor_or_none,
    finish,
    lock_order,
    next_increment_ids,
    parse_quantities,
)
from .notifying import notify_customer_after_commit
from .packing import check_packages, is_packed


@dataclass(frozen=True)
class TrackInput:
    """One package: its carrier and tracking number and, optionally, what it holds (order item id -> quantity)."""

    carrier_code: str
    title: str
    number: str
    items: Mapping[int, object] = field(default_factory=dict)


# What Amazon's confirmShipment takes for a tracking number / carrier name, and what a label scanner types: short,
# printable text. A NUL can't be stored by PostgreSQL; a longer text would be refused by Amazon after the fact.
TRACK_TEXT_MAX_LENGTH = 50


def track_text_problem(value: str) -> str | None:
    """Why a tracking number or carrier title can't be used, or None."""
    if len(value) > TRACK_TEXT_MAX_LENGTH:
        return _("Use at most %(max)d characters (this has %(length)d).") % {
            "max": TRACK_TEXT_MAX_LENGTH,
            "length": len(value),
        }
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        return _("Remove the control characters (such as tabs or NUL) from it.")
    return None


def clean_tracks(tracks: Sequence[TrackInput]) -> list[TrackInput]:
    """Refuse an empty tracking number or an unknown carrier; fill the title from the carrier when blank."""
    carriers = dict(ShipmentTrack.Carrier.choices)
    cleaned, errors = [], {}
    for n, track in enumerate(tracks):
        code = (track.carrier_code or "").strip()
        number = (track.number or "").strip()
        title = (track.title or "").strip()
        if code not in carriers:
            errors[f"track_{n}_carrier_code"] = [_("Choose a carrier.")]
        if not number:
            errors[f"track_{n}_number"] = [_("Enter the tracking number.")]
        if code == ShipmentTrack.Carrier.CUSTOM and not title:
            errors[f"track_{n}_title"] = [_("Enter the carrier's name for a custom carrier.")]
        for part, value in (("number", number), ("title", title)):
            problem = track_text_problem(value)
            if problem:
                errors.setdefault(f"track_{n}_{part}", []).append(problem)
        cleaned.append(TrackInput(code, title or str(carriers.get(code, "")), number, track.items))
    if errors:
        raise OrderActionRefused(_("Check the tracking numbers."), errors)
    return cleaned


def ship_order(
    *,
    order: Order | int,
    actor: AbstractBaseUser | None,
    quantities: dict[int, int] | None = None,
    tracks: Sequence[TrackInput] = (),
    comment: str = "",
    notify_customer: bool = False,
    expected_version: int | None = None,
    origin: str = "admin",
) -> Shipment:
    tracks = clean_tracks(tracks)
    with transaction.atomic():
        order, items = lock_order(order, expected_version=expected_version)
        if not rules.can_ship(order, items):
            raise OrderActionRefused(_("This order can't be shipped: there is nothing left to ship."))
        refusal = ship_guards.ship_refusal(order, origin=origin)
        if refusal:
            raise OrderActionRefused(refusal)
        contents: list[dict[int, int]] = [{} for _t in tracks]
        if is_packed([t.items for t in tracks]):
            chosen, contents = check_packages(items, [t.items for t in tracks], quantities, rules.qty_to_ship)
        else:
            chosen = parse_quantities(
                items,
                quantities,
                rules.qty_to_ship,
                too_many=_("Only %(left)s left to ship for this item."),
                nothing=_("There is nothing to ship: choose at least one item."),
            )
        shipment = Shipment.objects.create(
            order=order,
            increment_id=next_increment_ids(order.store, "shipment")[0],
            total_qty=sum(chosen.values()),
            email_sent=notify_customer,
            created_by=actor_or_none(actor),
        )
        shipped = []
        for item in items:
            qty = chosen.get(item.pk, 0)
            if qty:
                item.qty_shipped += qty
                shipped.append(ShipmentItem(shipment=shipment, order_item=item, qty=qty))
        ShipmentItem.objects.bulk_create(shipped)
        saved_tracks = ShipmentTrack.objects.bulk_create(
            ShipmentTrack(shipment=shipment, carrier_code=t.carrier_code, title=t.title, track_number=t.number)
            for t in tracks
        )
        ShipmentTrackItem.objects.bulk_create(
            ShipmentTrackItem(track=track, order_item_id=pk, qty=qty)
            for track, held in zip(saved_tracks, contents, strict=True)
            for pk, qty in sorted(held.items())
        )
        OrderItem.objects.bulk_update([s.order_item for s in shipped], ["qty_shipped"])
        finish(order, items, extra_fields=[])
        numbers = ", ".join(f"{t.title} {t.number}" for t in tracks)
        OrderComment.objects.create(
            order=order,
            kind=OrderComment.Kind.SHIPMENT,
            comment=comment
            or (
                ngettext(
                    "Shipped %(qty)s item (shipment #%(number)s; tracking: %(tracks)s).",
                    "Shipped %(qty)s items (shipment #%(number)s; tracking: %(tracks)s).",
                    shipment.total_qty,
                )
                if tracks
                else ngettext(
                    "Shipped %(qty)s item (shipment #%(number)s).",
                    "Shipped %(qty)s items (shipment #%(number)s).",
                    shipment.total_qty,
                )
            )
            % {"qty": shipment.total_qty, "number": shipment.increment_id, "tracks": numbers},
            status=order.status,
            is_customer_notified=notify_customer,
            created_by=actor_or_none(actor),
        )
        if notify_customer:
            notify_customer_after_commit(order, "shipment", shipment)
        events.announce(
            events.OrderShipped(order_id=order.pk, actor_id=actor_id(actor), origin=origin, shipment_id=shipment.pk)
        )
        return shipment
