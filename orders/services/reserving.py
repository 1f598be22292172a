"""Stock reservations of a channel's orders not placed yet (see models.StockReservation): reserved when the channel
first sees the order, converted when the order is placed (create_orders: the stock then moves once, as for any
order), released when the channel cancels it or it expires. A reservation never moves qty_in_stock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Order, Product, StockReservation
from ._common import OrderActionRefused

OPEN = Q(converted_at__isnull=True, released_at__isnull=True)


@dataclass(frozen=True)
class ReservedLine:
    external_order_number: str
    sku: str
    qty: int


def reserve_stock(
    *, channel: str, lines: Iterable[ReservedLine], expires_at: datetime, now: datetime | None = None
) -> None:
    """Reserve each line's quantity of a catalogue SKU (lines of one order and SKU add up) until `expires_at`.

    An order and SKU reserved before, open or not, stays as it is (the database's unique constraint decides, so two
    workers reading the same order reserve once and an expired reservation is never renewed). A SKU the catalogue
    doesn't know reserves nothing: there is no stock to hold; nor does an order already placed (its stock has moved).
    Three queries, however many lines."""
    now = now or timezone.now()
    if expires_at <= now:
        raise OrderActionRefused(_("A stock reservation must end in the future."))
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines:
        if line.qty > 0 and line.sku and line.external_order_number:
            totals[(line.external_order_number, line.sku)] += line.qty
    if not totals:
        return
    known = set(Product.objects.filter(sku__in={sku for _number, sku in totals}).values_list("sku", flat=True))
    placed = set(
        Order.objects.filter(
            channel=channel, external_order_number__in={number for number, _sku in totals}
        ).values_list("external_order_number", flat=True)
    )
    rows = [
        StockReservation(
            channel=channel,
            external_order_number=number,
            sku=sku,
            qty=qty,
            reserved_at=now,
            expires_at=expires_at,
        )
        for (number, sku), qty in sorted(totals.items())  # one order of rows: two workers can't deadlock
        if sku in known and number not in placed
    ]
    if rows:
        with transaction.atomic(savepoint=False):  # one statement: the caller's transaction needs no savepoint
            StockReservation.objects.bulk_create(rows, ignore_conflicts=True)


def release_stock_reservations(
    *,
    channel: str,
    external_order_numbers: Collection[str],
    reason: str = StockReservation.ReleaseReason.CANCELED,
    now: datetime | None = None,
) -> int:
    """Release what these orders still hold (the channel canceled them): their stock is salable again at once.
    One UPDATE; returns the reservations released."""
    if reason not in StockReservation.ReleaseReason.values:
        raise OrderActionRefused(_("Unknown reason for releasing a stock reservation."))
    if not external_order_numbers:
        return 0
    with transaction.atomic(savepoint=False):  # one statement: the caller's transaction needs no savepoint
        return StockReservation.objects.filter(
            OPEN, channel=channel, external_order_number__in=list(external_order_numbers)
        ).update(released_at=now or timezone.now(), release_reason=reason)


def release_expired_stock_reservations(*, now: datetime | None = None) -> int:
    """Release every reservation past its end (the hourly beat job, and each channel import). Salable quantity
    already left them out once expired; this records that they ended. One UPDATE."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):  # one statement: the caller's transaction needs no savepoint
        return StockReservation.objects.filter(OPEN, expires_at__lte=now).update(
            released_at=now, release_reason=StockReservation.ReleaseReason.EXPIRED
        )


def convert_stock_reservations(*, orders: Iterable[tuple[str, str]], now: datetime) -> None:
    """The reservations of orders being placed (channel, order number) end: an open one is converted (the order's
    own stock move replaces it), one already past its end is released as expired. One UPDATE, inside the caller's
    transaction (create_orders)."""
    by_channel: dict[str, set[str]] = defaultdict(set)
    for channel, number in orders:
        if number:
            by_channel[channel].add(number)
    if not by_channel:
        return
    which = Q()
    for channel, numbers in by_channel.items():
        which |= Q(channel=channel, external_order_number__in=sorted(numbers))
    StockReservation.objects.filter(OPEN).filter(which).update(
        converted_at=Case(When(expires_at__gt=now, then=Value(now)), default=None),
        released_at=Case(When(expires_at__lte=now, then=Value(now)), default=None),
        release_reason=Case(
            When(expires_at__lte=now, then=Value(StockReservation.ReleaseReason.EXPIRED)), default=Value("")
        ),
    )
