"""Typed results of SP-API calls.

Dataclasses in the merchant's words, mapped from Amazon's model names in `parsing.py`. Optional data Amazon may withhold
(buyer details for Amazon-fulfilled orders, prices while PENDING) is None, never a made-up default. Money is Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

# Data sets searchOrders/getOrder return with each order (Amazon returns only the core fields without them).
# TAX brings a business order's tax registrations and invoicing requirement (issue 17).
DEFAULT_INCLUDED: tuple[str, ...] = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "FULFILLMENT",
    "PACKAGES",
    "CANCELLATION",
    "TAX",
)

FULFILLMENT_STATUSES: tuple[str, ...] = (
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"can't add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)


@dataclass(frozen=True)
class Buyer:
    name: str | None
    email: str | None
    company: str | None
    purchase_order_number: str | None = None


@dataclass(frozen=True)
class Address:
    name: str | None
    address_lines: list[str]
    city: str | None
    state_or_region: str | None
    postal_code: str | None
    country_code: str | None
    phone: str | None
    company: str | None = None
    district_or_county: str | None = None
    municipality: str | None = None
    address_type: str | None = None
    # Country-specific parts (BR: streetName, streetNumber, complement, neighborhood).
    extended_fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderItem:
    order_item_id: str
    seller_sku: str | None
    asin: str | None
    title: str | None
    quantity_ordered: int
    quantity_shipped: int
    unit_price: Money | None
    # The item's lines of the proceeds breakdown (price of all units, their tax, shipping, shipping tax).
    item_price: Money | None
    item_tax: Money | None
    shipping_price: Money | None
    shipping_tax: Money | None
    # Discounts as the positive amount taken off.
    promotion_discount: Money | None
    shipping_discount: Money | None
    cancellation_reason: str | None = None
    gift_message: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PackageItem:
    order_item_id: str
    quantity: int


@dataclass(frozen=True)
class Package:
    package_reference_id: str
    carrier: str | None
    tracking_number: str | None
    ship_date: datetime | None
    items: list[PackageItem]
    shipping_service: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Cancellation:
    """Why (and by whom) an order or some of its items were cancelled or asked to be."""

    reason: str | None
    requested_by: str | None = None
    cancelled_by: str | None = None


# associatedOrders[].associationType values that name this order's original (the model's possible values).
ORIGINAL_ASSOCIATIONS = ("REPLACEMENT_ORIGINAL_ID", "EXCHANGE_ORIGINAL_ID")


@dataclass(frozen=True)
class AssociatedOrder:
    order_id: str
    association_type: str


@dataclass(frozen=True)
class Order:
    order_id: str
    marketplace_id: str | None
    purchase_date: datetime
    last_updated_time: datetime
    fulfillment_status: str | None
    fulfilled_by: str | None  # "MERCHANT" or "AMAZON"
    ship_service_level: str | None
    latest_ship_date: datetime | None
    is_prime: bool
    is_business: bool
    is_premium: bool
    buyer: Buyer | None
    recipient: Address | None
    items: list[OrderItem]
    order_total: Money | None
    packages: list[Package]
    cancellation: Cancellation | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    sales_channel: str | None = None
    marketplace_name: str | None = None
    earliest_ship_date: datetime | None = None
    latest_delivery_date: datetime | None = None
    programs: list[str] = field(default_factory=list)
    associated_orders: list[AssociatedOrder] = field(default_factory=list)

    @property
    def replaces(self) -> AssociatedOrder | None:
        """The original order this one replaces or exchanges (a replacement Amazon sends free of charge)."""
        return next((a for a in self.associated_orders if a.association_type in ORIGINAL_ASSOCIATIONS), None)

    @property
    def currency(self) -> str | None:
        if self.order_total:
            return self.order_total.currency
        for item in self.items:
            for money in (item.item_price, item.unit_price):
                if money:
                    return money.currency
        return None


@dataclass(frozen=True)
class BadOrder:
    """An order in a page that could not be parsed: isolated so the rest of the page still imports."""

    order_id: str | None
    error: str
    raw: Any = field(repr=False, compare=False, default=None)


@dataclass(frozen=True)
class OrdersPage:
    orders: list[Order]
    next_token: str | None
    created_before: datetime | None
    last_updated_before: datetime | None
    bad_orders: list[BadOrder] = field(default_factory=list)


@dataclass(frozen=True)
class PackageDetail:
    """One package for v0 confirmShipment; one per tracking number."""

    package_reference_id: str
    carrier_code: str
    carrier_name: str | None
    shipping_method: str | None
    tracking_number: str
    ship_date: datetime
    items: list[tuple[str, int]]  # (order_item_id, quantity)


@dataclass(frozen=True)
class FeedDocumentUpload:
    feed_document_id: str
    url: str


@dataclass(frozen=True)
class Feed:
    feed_id: str
    feed_type: str
    processing_status: str  # IN_QUEUE, IN_PROGRESS, DONE, CANCELLED, FATAL
    result_feed_document_id: str | None
    created_time: datetime | None = None
    processing_end_time: datetime | None = None


@dataclass(frozen=True)
class FeedDocument:
    feed_document_id: str
    url: str
    compression_algorithm: str | None
