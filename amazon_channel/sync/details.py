"""What an Amazon order says beyond the columns the grid filters on (issue 17), read from the order Amazon sent
(`AmazonOrder.raw`, Orders v2026-01-01): a business order's tax registrations and invoicing requirement, each item's
gift option and customization, and the proceeds breakdowns. v2026-01-01 carries no Amazon fees (those are in the
Finances API), so "net to the seller" here is the proceeds before Amazon's fees: the grand total less the tax."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import AmazonOrder, AmazonOrderStatus

# The programs shown as badges and offered by the grid's Program filter (the model's Order.programs values).
PROGRAM_LABELS = {
    "PRIME": _("Prime"),
    "PREMIUM": _("Premium"),
    "AMAZON_BUSINESS": _("Business"),
    "AMAZON_EASY_SHIP": _("Easy Ship"),
    "FBM_SHIP_PLUS": _("Ship Plus"),
    "DELIVERY_BY_AMAZON": _("Delivery by Amazon"),
    "INVOICE_BY_AMAZON": _("Invoice by Amazon"),
    "PREORDER": _("Pre-order"),
    "AMAZON_BAZAAR": _("Amazon Bazaar"),
    "AMAZON_HAUL": _("Amazon Haul"),
    "IN_STORE_PICK_UP": _("In-store Pickup"),
}
PROGRAMS = tuple(PROGRAM_LABELS)


def program_label(code: str) -> str:
    """A program's name as staff read it (a program Amazon adds later shows as its code)."""
    return str(PROGRAM_LABELS.get(code, code))


@dataclass(frozen=True)
class TaxRegistration:
    entity_type: str
    legal_name: str
    kind: str  # taxRegistrationType: VAT, BUSINESS, CNPJ...
    number: str
    attributes: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ItemExtras:
    gift_message: str = ""
    gift_wrap_level: str = ""
    customized_url: str = ""
    # (type, subtotal, [(subtype, value)]) of the item's proceeds.
    breakdowns: list[tuple[str, Decimal | None, list[tuple[str, Decimal | None]]]] = field(default_factory=list)

    @property
    def is_gift(self) -> bool:
        return bool(self.gift_message or self.gift_wrap_level)


@dataclass(frozen=True)
class OrderDetails:
    tax_registrations: list[TaxRegistration]
    invoice_preference: str
    invoice_status: str
    breakdowns: list[tuple[str, Decimal | None]]  # proceeds.breakdowns: (type, subtotal)
    items: dict[str, ItemExtras]

    @property
    def tax_total(self) -> Decimal:
        return sum((amount or Decimal(0) for kind, amount in self.breakdowns if kind == "TAX"), Decimal(0))

    def net_before_fees(self, grand_total: Decimal | None) -> Decimal | None:
        return None if grand_total is None else grand_total - self.tax_total


def _obj(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _amount(money: Any) -> Decimal | None:
    try:
        return Decimal(str(_obj(money)["amount"])).quantize(Decimal("0.01"))
    except (KeyError, InvalidOperation):
        return None


def order_details(raw: dict | None) -> OrderDetails:
    """The details of an order as Amazon sent it (a missing or malformed part reads as absent)."""
    raw = _obj(raw)
    tax = _obj(raw.get("tax"))
    invoicing = _obj(tax.get("taxInvoicing"))
    registrations = [
        TaxRegistration(
            entity_type=str(r.get("entityType") or ""),
            legal_name=str(r.get("legalName") or ""),
            kind=str(r.get("taxRegistrationType") or ""),
            number=str(r.get("taxRegistrationNumber") or ""),
            attributes=[
                (str(a.get("key") or ""), str(a.get("value") or ""))
                for a in map(_obj, _list(r.get("taxRegistrationAttributes")))
            ],
        )
        for r in map(_obj, _list(tax.get("taxRegistrations")))
    ]
    items = {}
    for item in map(_obj, _list(raw.get("orderItems"))):
        gift = _obj(_obj(_obj(item.get("fulfillment")).get("packing")).get("giftOption"))
        items[str(item.get("orderItemId") or "")] = ItemExtras(
            gift_message=str(gift.get("giftMessage") or ""),
            gift_wrap_level=str(gift.get("giftWrapLevel") or ""),
            customized_url=str(_obj(_obj(item.get("product")).get("customization")).get("customizedUrl") or ""),
            breakdowns=[
                (
                    str(b.get("type") or ""),
                    _amount(b.get("subtotal")),
                    [
                        (str(d.get("subtype") or ""), _amount(d.get("value")))
                        for d in map(_obj, _list(b.get("detailedBreakdowns")))
                    ],
                )
                for b in map(_obj, _list(_obj(item.get("proceeds")).get("breakdowns")))
            ],
        )
    return OrderDetails(
        tax_registrations=registrations,
        invoice_preference=str(invoicing.get("buyerInvoicePreference") or ""),
        invoice_status=str(invoicing.get("invoiceStatus") or ""),
        breakdowns=[
            (str(b.get("type") or ""), _amount(b.get("subtotal")))
            for b in map(_obj, _list(_obj(raw.get("proceeds")).get("breakdowns")))
        ],
        items=items,
    )


# Orders Amazon still expects the seller to ship (Amazon ships its own): what "late" and "due today" are about.
OPEN_TO_SHIP = (AmazonOrderStatus.UNSHIPPED, AmazonOrderStatus.PARTIALLY_SHIPPED)


def ship_by_condition(which: str, now: datetime | None = None) -> Q:
    """`late`: the ship-by window has ended and the order is still to ship; `due_today`: it ends before midnight
    (the site's time zone) and hasn't ended yet."""
    now = now or timezone.now()
    still_open = Q(
        status__in=OPEN_TO_SHIP, fulfilled_by=AmazonOrder.FulfilledBy.MERCHANT, latest_ship_date__isnull=False
    )
    if which == "late":
        return still_open & Q(latest_ship_date__lt=now)
    if which == "due_today":
        local = timezone.localtime(now)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return still_open & Q(latest_ship_date__gte=now, latest_ship_date__lt=midnight)
    raise ValueError(f"unknown ship-by filter {which!r}")


def ship_by_state(amazon_order: AmazonOrder, now: datetime | None = None) -> str:
    """The row's side of `ship_by_condition`: "late", "due_today" or ""."""
    ship_by = amazon_order.latest_ship_date
    if (
        ship_by is None
        or amazon_order.status not in OPEN_TO_SHIP
        or amazon_order.fulfilled_by != AmazonOrder.FulfilledBy.MERCHANT
    ):
        return ""
    now = now or timezone.now()
    if ship_by < now:
        return "late"
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return "due_today" if ship_by < midnight else ""
