"""Amazon-shaped JSON for tests (Orders v2026-01-01 names), valid against the official model."""

from __future__ import annotations

from typing import Any


def money(amount: str, currency: str = "USD") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def make_item(
    item_id: str = "10000000000001",
    *,
    sku: str = "SKU-1",
    quantity: int = 1,
    unit_price: str | None = "19.99",
    currency: str = "USD",
    tax: str | None = "1.60",
    shipping: str | None = "4.99",
    shipping_tax: str | None = "0.40",
    discount: str | None = None,
    shipped: int | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "orderItemId": item_id,
        "quantityOrdered": quantity,
        "product": {"asin": "B0" + item_id[-8:], "title": f"Product {sku}", "sellerSku": sku},
    }
    if unit_price is not None:  # PENDING orders have no prices yet
        item["product"]["price"] = {"unitPrice": money(unit_price, currency)}
        line = f"{float(unit_price) * quantity:.2f}"
        breakdowns: list[dict[str, Any]] = [{"type": "ITEM", "subtotal": money(line, currency)}]
        if shipping is not None:
            breakdowns.append({"type": "SHIPPING", "subtotal": money(shipping, currency)})
        if tax is not None:
            details = [{"subtype": "ITEM", "value": money(tax, currency)}]
            total_tax = float(tax)
            if shipping_tax is not None:
                details.append({"subtype": "SHIPPING", "value": money(shipping_tax, currency)})
                total_tax += float(shipping_tax)
            breakdowns.append(
                {"type": "TAX", "subtotal": money(f"{total_tax:.2f}", currency), "detailedBreakdowns": details}
            )
        if discount is not None:
            breakdowns.append(
                {
                    "type": "DISCOUNT",
                    "subtotal": money(f"-{discount}", currency),
                    "detailedBreakdowns": [{"subtype": "ITEM", "value": money(f"-{discount}", currency)}],
                }
            )
        item["proceeds"] = {"proceedsTotal": money(line, currency), "breakdowns": breakdowns}
    if shipped is not None:
        item["fulfillment"] = {"quantityFulfilled": shipped, "quantityUnfulfilled": quantity - shipped}
    return item


def make_order(
    order_id: str = "111-0000001-0000001",
    *,
    status: str = "UNSHIPPED",
    fulfilled_by: str = "MERCHANT",
    with_buyer: bool = True,
    items: list[dict[str, Any]] | None = None,
    total: str | None = "27.98",
    currency: str = "USD",
    marketplace_id: str = "ATVPDKIKX0DER",
    created: str = "2026-11-20T10:00:00Z",
    updated: str = "2026-11-20T11:00:00Z",
    programs: list[str] | None = None,
    packages: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    order: dict[str, Any] = {
        "orderId": order_id,
        "createdTime": created,
        "lastUpdatedTime": updated,
        "programs": programs or [],
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": marketplace_id, "marketplaceName": "Amazon.com"},
        "fulfillment": {
            "fulfillmentStatus": status,
            "fulfilledBy": fulfilled_by,
            "fulfillmentServiceLevel": "STANDARD",
            "shipByWindow": {"earliestDateTime": "2026-11-21T00:00:00Z", "latestDateTime": "2026-11-22T23:59:59Z"},
        },
        "orderItems": items if items is not None else [make_item(currency=currency)],
    }
    if with_buyer:
        order["buyer"] = {"buyerName": "Jane Doe", "buyerEmail": "jane@marketplace.amazon.com"}
        order["recipient"] = {
            "deliveryAddress": {
                "name": "Jane Doe",
                "addressLine1": "1 Main St",
                "addressLine2": "Apt 2",
                "city": "Seattle",
                "stateOrRegion": "WA",
                "postalCode": "98101",
                "countryCode": "US",
                "phone": "+1 206 555 0100",
            }
        }
    if total is not None:
        order["proceeds"] = {"grandTotal": money(total, currency)}
    if packages is not None:
        order["packages"] = packages
    return order


def search_page(orders: list[dict[str, Any]], next_token: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"orders": orders, **extra}
    if next_token:
        body["pagination"] = {"nextToken": next_token}
    return body
