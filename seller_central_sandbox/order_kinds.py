"""The special kinds of order Amazon sends (issue 17): business orders with tax registrations, Prime / Premium and
other programs, gifts, customized items, Brazilian addresses with extendedFields. Each kind adds fields of the
v2026-01-01 model to an order the factory made; nothing here draws from the factory's random stream, so asking for a
kind never changes the other orders of a seed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# Kind(features=...) names what to add; programs are the model's `Order.programs` values.
FEATURES = ("premium", "gift", "customization", "br_address", "tax", "late", "due_today")
PROGRAMS = ("AMAZON_BAZAAR", "AMAZON_EASY_SHIP", "FBM_SHIP_PLUS", "INVOICE_BY_AMAZON", "PREORDER")


def apply(order: Any, features: tuple[str, ...] | list[str], programs: tuple[str, ...] | list[str] = ()) -> None:
    """Write what the features ask for into `order.extra` (API fragments merged by `merge`)."""
    unknown = [f for f in features if f not in FEATURES] + [p for p in programs if p not in PROGRAMS]
    if unknown:
        raise ValueError(f"unknown order kinds: {', '.join(unknown)}")
    extra: dict[str, Any] = {"programs": list(programs), "items": {}}
    if "premium" in features:
        extra["programs"].append("PREMIUM")
    first = order.items[0].order_item_id
    if "gift" in features:
        extra["items"].setdefault(first, {})["giftOption"] = {
            "giftMessage": "Happy birthday, love from Ada",
            "giftWrapLevel": "Classic",
        }
    if "customization" in features:
        extra["items"].setdefault(first, {})["customizedUrl"] = (
            f"https://zme-caps.amazon.com/t/customization/{order.order_id}.zip"
        )
    if "br_address" in features:
        order.address = {
            "name": "João da Silva",
            "addressLine1": "Rua das Flores, 123",
            "addressLine2": "Apto 45",
            "city": "São Paulo",
            "districtOrCounty": "Pinheiros",
            "stateOrRegion": "SP",
            "municipality": "São Paulo",
            "postalCode": "05422-010",
            "countryCode": "BR",
            "phone": "+5511987654321",
            "addressType": "RESIDENTIAL",
            "extendedFields": {
                "streetName": "Rua das Flores",
                "streetNumber": "123",
                "complement": "Apto 45",
                "neighborhood": "Pinheiros",
            },
        }
    if "tax" in features:
        company = (order.buyer or {}).get("buyerCompanyName") or "Buyer GmbH"
        extra["tax"] = {
            "taxRegistrations": [
                {
                    "entityType": "BUYER",
                    "legalName": company,
                    "taxRegistrationType": "VAT",
                    "taxRegistrationNumber": "DE123456789",
                    "taxRegistrationAttributes": [{"key": "ISSUER", "value": "DE"}],
                }
            ],
            "taxInvoicing": {"buyerInvoicePreference": "BUSINESS", "invoiceStatus": "PENDING"},
        }
    # Ship-by windows: late (ended a day ago) or due today (ends ten minutes after the order is made).
    if "late" in features:
        extra["ship_by_end"] = order.created - 86400
    if "due_today" in features:
        extra["ship_by_end"] = order.created + 600
    order.extra = extra


ASSOCIATIONS = ("REPLACEMENT_ORIGINAL_ID", "EXCHANGE_ORIGINAL_ID")


def make_replacement(order: Any, original_id: str, association: str) -> None:
    """A replacement or exchange order: Amazon sends it for an original order and charges the buyer nothing."""
    if association not in ASSOCIATIONS:
        raise ValueError(f"unknown association type: {association}")
    for item in order.items:
        item.unit_price = item.shipping = item.item_tax = item.shipping_tax = item.discount = Decimal("0.00")
        item.promotion_id = None
    order.extra = {
        **(order.extra or {}),
        "associatedOrders": [{"orderId": original_id, "associationType": association}],
    }


def merge(order: Any, data: dict[str, Any], included: frozenset[str] | set[str]) -> None:
    """Add the order's extra fragments to its API form (`Order.to_api`)."""
    extra = getattr(order, "extra", None) or {}
    programs = list(data.get("programs") or []) + [p for p in extra.get("programs", []) if p]
    if programs:
        data["programs"] = programs
    if extra.get("associatedOrders"):
        data["associatedOrders"] = extra["associatedOrders"]
    if "TAX" in included and extra.get("tax"):
        data["tax"] = extra["tax"]
    if "FULFILLMENT" in included and extra.get("ship_by_end") is not None and "fulfillment" in data:
        from .orders import iso

        window = data["fulfillment"]["shipByWindow"]
        window["latestDateTime"] = iso(extra["ship_by_end"])
        window["earliestDateTime"] = iso(min(order.created, extra["ship_by_end"]))
    for item in data.get("orderItems", []):
        parts = extra.get("items", {}).get(item["orderItemId"], {})
        if parts.get("customizedUrl"):
            item["product"]["customization"] = {"customizedUrl": parts["customizedUrl"]}
        if parts.get("giftOption") and "FULFILLMENT" in included:
            item.setdefault("fulfillment", {})["packing"] = {"giftOption": parts["giftOption"]}
