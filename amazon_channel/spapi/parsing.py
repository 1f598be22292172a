"""Map Amazon's JSON (Orders v2026-01-01, Feeds 2021-06-30) to the dataclasses in `types`.

Tolerant on purpose: unknown fields are ignored and optional sections may be missing. Required fields of the model
that are missing or unusable raise `ParseError`; the page parser isolates such an order in `bad_orders`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from . import types

_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)


class ParseError(ValueError):
    """Amazon's data is not what the model promises."""


def parse_datetime(value: Any, *, what: str = "date") -> datetime:
    """An ISO 8601 / RFC 3339 timestamp as an aware datetime (UTC when Amazon gives no offset)."""
    if not isinstance(value, str):
        raise ParseError(f"{what} is not a string: {value!r}")
    match = _DATETIME_RE.match(value.strip())
    if not match:
        raise ParseError(f"{what} is not an ISO 8601 date-time: {value!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    sec = int(second or 0)
    leap = sec == 60  # RFC 3339 allows a leap second; Python doesn't
    try:
        tz: timezone = UTC
        if offset and offset not in ("Z", "z"):
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        result = datetime(
            int(year), int(month), int(day), int(hour), int(minute), 59 if leap else sec, micro, tzinfo=tz
        )
    except ValueError as exc:
        raise ParseError(f"{what} is not a valid date-time: {value!r} ({exc})") from exc
    return result


def parse_optional_datetime(value: Any, *, what: str = "date") -> datetime | None:
    if value is None or value == "":
        return None
    return parse_datetime(value, what=what)


def parse_money(value: Any, *, what: str = "money") -> types.Money | None:
    """Amazon's Money {amount: "12.34", currencyCode: "USD"}; None when absent."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ParseError(f"{what} is not an object: {value!r}")
    amount, currency = value.get("amount"), value.get("currencyCode")
    if amount is None or not currency:
        raise ParseError(f"{what} lacks amount or currencyCode: {value!r}")
    try:
        decimal = Decimal(str(amount).strip())
    except InvalidOperation:
        raise ParseError(f"{what} amount is not a number: {amount!r}")
    if not decimal.is_finite():
        raise ParseError(f"{what} amount is not a finite number: {amount!r}")
    return types.Money(decimal, str(currency))


def _obj(value: Any, what: str) -> Mapping[str, Any]:
    """An optional object section: missing -> {}, wrong type -> ParseError."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ParseError(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(f"{what} is not a list")
    return value


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    return str(value)


def _id(value: Any, what: str) -> str:
    """Amazon's identifiers are strings: a number or a list there is not an id we can match later."""
    if not isinstance(value, str) or not value.strip():
        raise ParseError(f"{what} is not an identifier: {value!r}"[:200])
    return value


def _int(value: Any, what: str, *, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParseError(f"{what} is not an integer: {value!r}")
    return value


def _sum(values: list[types.Money]) -> types.Money | None:
    if not values:
        return None
    total = values[0]
    for money in values[1:]:
        try:
            total = total + money
        except ValueError as exc:
            raise ParseError(str(exc))
    return total


def parse_buyer(raw: Any) -> types.Buyer | None:
    data = _obj(raw, "buyer")
    if not data:
        return None
    return types.Buyer(
        name=_str(data.get("buyerName")),
        email=_str(data.get("buyerEmail")),
        company=_str(data.get("buyerCompanyName")),
        purchase_order_number=_str(data.get("buyerPurchaseOrderNumber")),
    )


def parse_address(raw: Any) -> types.Address | None:
    data = _obj(raw, "address")
    if not data:
        return None
    lines = [line for key in ("addressLine1", "addressLine2", "addressLine3") if (line := _str(data.get(key)))]
    return types.Address(
        name=_str(data.get("name")),
        address_lines=lines,
        city=_str(data.get("city")),
        state_or_region=_str(data.get("stateOrRegion")),
        postal_code=_str(data.get("postalCode")),
        country_code=_str(data.get("countryCode")),
        phone=_str(data.get("phone")),
        company=_str(data.get("companyName")),
        district_or_county=_str(data.get("districtOrCounty")),
        municipality=_str(data.get("municipality")),
        address_type=_str(data.get("addressType")),
        extended_fields={
            str(k): text for k, v in _obj(data.get("extendedFields"), "extendedFields").items() if (text := _str(v))
        },
    )


def _breakdown_amounts(breakdowns: list[Any], what: str) -> dict[tuple[str, str | None], list[types.Money]]:
    """Proceeds breakdowns by (type, subtype): (TAX, ITEM), (TAX, SHIPPING), (TAX, None) for an undetailed total..."""
    found: dict[tuple[str, str | None], list[types.Money]] = {}
    for index, entry in enumerate(breakdowns):
        entry = _obj(entry, f"{what}[{index}]")
        kind = _str(entry.get("type"))
        if not kind:
            raise ParseError(f"{what}[{index}] has no type")
        subtotal = parse_money(entry.get("subtotal"), what=f"{what}[{index}].subtotal")
        details = _list(entry.get("detailedBreakdowns"), f"{what}[{index}].detailedBreakdowns")
        detailed = False
        for d_index, detail in enumerate(details):
            detail = _obj(detail, f"{what}[{index}].detailedBreakdowns[{d_index}]")
            value = parse_money(detail.get("value"), what=f"{what}[{index}].detailedBreakdowns[{d_index}].value")
            subtype = _str(detail.get("subtype"))
            if value is not None and subtype:
                found.setdefault((kind, subtype), []).append(value)
                detailed = True
        if subtotal is not None:
            found.setdefault((kind, None), []).append(subtotal)
            if not detailed:
                found.setdefault((kind, "__undetailed__"), []).append(subtotal)
    return found


def _positive(money: types.Money | None) -> types.Money | None:
    return types.Money(abs(money.amount), money.currency) if money else None


def parse_order_item(raw: Any, *, index: int = 0) -> types.OrderItem:
    what = f"orderItems[{index}]"
    data = _obj(raw, what)
    if not data:
        raise ParseError(f"{what} is empty")
    order_item_id = _id(data.get("orderItemId"), f"{what}.orderItemId")
    product = _obj(data.get("product"), f"{what}.product")
    price = _obj(product.get("price"), f"{what}.product.price")
    proceeds = _obj(data.get("proceeds"), f"{what}.proceeds")
    amounts = _breakdown_amounts(_list(proceeds.get("breakdowns"), f"{what}.proceeds.breakdowns"), what)
    fulfillment = _obj(data.get("fulfillment"), f"{what}.fulfillment")
    packing = _obj(fulfillment.get("packing"), f"{what}.fulfillment.packing")
    gift = _obj(packing.get("giftOption"), f"{what}.fulfillment.packing.giftOption")
    cancellation = _obj(data.get("cancellation"), f"{what}.cancellation")
    execution = _obj(cancellation.get("cancellationExecution"), f"{what}.cancellation.cancellationExecution")
    request = _obj(cancellation.get("cancellationRequest"), f"{what}.cancellation.cancellationRequest")

    def part(kind: str, subtype: str) -> types.Money | None:
        # A detailed line for this subtype; for the item's own line an undetailed total counts as the item's.
        if (kind, subtype) in amounts:
            return _sum(amounts[(kind, subtype)])
        if subtype == "ITEM" and (kind, "__undetailed__") in amounts:
            return _sum(amounts[(kind, "__undetailed__")])
        return None

    return types.OrderItem(
        order_item_id=order_item_id,
        seller_sku=_str(product.get("sellerSku")),
        asin=_str(product.get("asin")),
        title=_str(product.get("title")),
        quantity_ordered=_int(data.get("quantityOrdered"), f"{what}.quantityOrdered"),
        quantity_shipped=_int(fulfillment.get("quantityFulfilled"), f"{what}.quantityFulfilled", default=0),
        unit_price=parse_money(price.get("unitPrice"), what=f"{what}.unitPrice"),
        item_price=_sum(amounts.get(("ITEM", None), [])),
        item_tax=part("TAX", "ITEM"),
        shipping_price=_sum(amounts.get(("SHIPPING", None), [])),
        shipping_tax=part("TAX", "SHIPPING"),
        promotion_discount=_positive(part("DISCOUNT", "ITEM")),
        shipping_discount=_positive(part("DISCOUNT", "SHIPPING")),
        cancellation_reason=_str(execution.get("cancelReason")) or _str(request.get("cancelReason")),
        gift_message=_str(gift.get("giftMessage")) or "",
        raw=dict(data),
    )


def parse_package(raw: Any, *, index: int = 0) -> types.Package:
    what = f"packages[{index}]"
    data = _obj(raw, what)
    reference = _str(data.get("packageReferenceId"))
    if not reference:
        raise ParseError(f"{what} has no packageReferenceId")
    items = []
    for i_index, item in enumerate(_list(data.get("packageItems"), f"{what}.packageItems")):
        item = _obj(item, f"{what}.packageItems[{i_index}]")
        item_id = _str(item.get("orderItemId"))
        if not item_id:
            raise ParseError(f"{what}.packageItems[{i_index}] has no orderItemId")
        items.append(types.PackageItem(item_id, _int(item.get("quantity"), f"{what}.packageItems[{i_index}].quantity")))
    status = _obj(data.get("packageStatus"), f"{what}.packageStatus")
    return types.Package(
        package_reference_id=reference,
        carrier=_str(data.get("carrier")),
        tracking_number=_str(data.get("trackingNumber")),
        ship_date=parse_optional_datetime(data.get("shipTime"), what=f"{what}.shipTime"),
        items=items,
        shipping_service=_str(data.get("shippingService")),
        status=_str(status.get("status")),
    )


def _cancellation(raw_items: list[Any]) -> types.Cancellation | None:
    """Orders v2026 records cancellation per item; the order's is the first item's that has one."""
    for item in raw_items:
        if not isinstance(item, Mapping):
            continue
        cancellation = item.get("cancellation")
        if not isinstance(cancellation, Mapping) or not cancellation:
            continue
        execution = cancellation.get("cancellationExecution")
        request = cancellation.get("cancellationRequest")
        execution = execution if isinstance(execution, Mapping) else {}
        request = request if isinstance(request, Mapping) else {}
        if not execution and not request:
            continue
        return types.Cancellation(
            reason=_str(execution.get("cancelReason")) or _str(request.get("cancelReason")),
            requested_by=_str(request.get("requester")),
            cancelled_by=_str(execution.get("cancelledBy")),
        )
    return None


def parse_order(raw: Any) -> types.Order:
    """One Order object of Orders v2026-01-01 (searchOrders `orders[]`, getOrder `order`)."""
    if not isinstance(raw, Mapping):
        raise ParseError("order is not an object")
    order_id = _id(raw.get("orderId"), "orderId")
    channel = _obj(raw.get("salesChannel"), "salesChannel")
    fulfillment = _obj(raw.get("fulfillment"), "fulfillment")
    ship_by = _obj(fulfillment.get("shipByWindow"), "fulfillment.shipByWindow")
    deliver_by = _obj(fulfillment.get("deliverByWindow"), "fulfillment.deliverByWindow")
    recipient = _obj(raw.get("recipient"), "recipient")
    proceeds = _obj(raw.get("proceeds"), "proceeds")
    programs = [str(p) for p in _list(raw.get("programs"), "programs")]
    raw_items = _list(raw.get("orderItems"), "orderItems")
    items = [parse_order_item(item, index=i) for i, item in enumerate(raw_items)]
    item_ids = [item.order_item_id for item in items]
    if len(set(item_ids)) != len(item_ids):  # which line would a shipment or a refund be for?
        raise ParseError(f"order {order_id} lists an orderItemId twice")
    return types.Order(
        order_id=order_id,
        marketplace_id=_str(channel.get("marketplaceId")),
        purchase_date=parse_datetime(raw.get("createdTime"), what="createdTime"),
        last_updated_time=parse_datetime(raw.get("lastUpdatedTime"), what="lastUpdatedTime"),
        fulfillment_status=_str(fulfillment.get("fulfillmentStatus")),
        fulfilled_by=_str(fulfillment.get("fulfilledBy")),
        ship_service_level=_str(fulfillment.get("fulfillmentServiceLevel")),
        latest_ship_date=parse_optional_datetime(ship_by.get("latestDateTime"), what="shipByWindow.latestDateTime"),
        is_prime="PRIME" in programs,
        is_business="AMAZON_BUSINESS" in programs,
        is_premium="PREMIUM" in programs,
        buyer=parse_buyer(raw.get("buyer")),
        recipient=parse_address(recipient.get("deliveryAddress")),
        items=items,
        order_total=parse_money(proceeds.get("grandTotal"), what="proceeds.grandTotal"),
        packages=[parse_package(p, index=i) for i, p in enumerate(_list(raw.get("packages"), "packages"))],
        cancellation=_cancellation(raw_items),
        raw=dict(raw),
        sales_channel=_str(channel.get("channelName")),
        marketplace_name=_str(channel.get("marketplaceName")),
        earliest_ship_date=parse_optional_datetime(
            ship_by.get("earliestDateTime"), what="shipByWindow.earliestDateTime"
        ),
        latest_delivery_date=parse_optional_datetime(
            deliver_by.get("latestDateTime"), what="deliverByWindow.latestDateTime"
        ),
        programs=programs,
        associated_orders=[
            types.AssociatedOrder(order_id=order, association_type=str(a.get("associationType") or ""))
            for a in (_obj(a, "associatedOrders[]") for a in _list(raw.get("associatedOrders"), "associatedOrders"))
            if (order := _str(a.get("orderId")))
        ],
    )


def parse_search_orders_response(body: Any) -> types.OrdersPage:
    """A searchOrders response; raises ParseError only when the envelope isn't the model's shape.

    The envelope is read strictly (the orders inside it tolerantly): a `pagination` or `nextToken` we can't read
    would otherwise look like the last page and silently end the run before Amazon's last page."""
    if not isinstance(body, Mapping) or not isinstance(body.get("orders"), list):
        raise ParseError("searchOrders response has no `orders` list")
    orders: list[types.Order] = []
    bad: list[types.BadOrder] = []
    for raw in body["orders"]:
        try:
            orders.append(parse_order(raw))
        except (ParseError, TypeError, ValueError, ArithmeticError) as exc:
            order_id = raw.get("orderId") if isinstance(raw, Mapping) else None
            bad.append(types.BadOrder(order_id=_str(order_id), error=str(exc), raw=raw))
    next_token = None
    if "pagination" in body:
        pagination = body["pagination"]
        if not isinstance(pagination, Mapping):
            raise ParseError(f"searchOrders `pagination` is not an object: {pagination!r}"[:200])
        token = pagination.get("nextToken")
        if "nextToken" in pagination and not isinstance(token, str):
            raise ParseError(f"searchOrders `pagination.nextToken` is not a string: {token!r}"[:200])
        next_token = token or None
    return types.OrdersPage(
        orders=orders,
        next_token=next_token,
        created_before=_envelope_datetime(body, "createdBefore"),
        last_updated_before=_envelope_datetime(body, "lastUpdatedBefore"),
        bad_orders=bad,
    )


def _envelope_datetime(body: Mapping[str, Any], key: str) -> datetime | None:
    """A date-time of the envelope: absent is None; present, it must be one (null included)."""
    if key not in body:
        return None
    return parse_datetime(body[key], what=key)


def parse_get_order_response(body: Any) -> types.Order:
    if not isinstance(body, Mapping) or not isinstance(body.get("order"), Mapping):
        raise ParseError("getOrder response has no `order` object")
    return parse_order(body["order"])


# The feed processing statuses of Feeds 2021-06-30: an unknown one can't be acted on (done? failed? waiting?).
FEED_STATUSES = frozenset({"CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"})


def _required_str(body: Mapping[str, Any], key: str, what: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ParseError(f"{what} has no `{key}` string: {value!r}"[:200])
    return value


def _optional_str(body: Mapping[str, Any], key: str, what: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ParseError(f"{what} `{key}` is not a string: {value!r}"[:200])
    return value or None


def parse_feed(body: Any) -> types.Feed:
    if not isinstance(body, Mapping):
        raise ParseError("getFeed response is not a Feed")
    status = _required_str(body, "processingStatus", "getFeed response")
    if status not in FEED_STATUSES:
        raise ParseError(f"getFeed response has an unknown processingStatus: {status!r}"[:200])
    return types.Feed(
        feed_id=_required_str(body, "feedId", "getFeed response"),
        feed_type=_optional_str(body, "feedType", "getFeed response") or "",
        processing_status=status,
        result_feed_document_id=_optional_str(body, "resultFeedDocumentId", "getFeed response"),
        created_time=parse_optional_datetime(body.get("createdTime"), what="createdTime"),
        processing_end_time=parse_optional_datetime(body.get("processingEndTime"), what="processingEndTime"),
    )


def parse_feed_document(body: Any) -> types.FeedDocument:
    if not isinstance(body, Mapping):
        raise ParseError("getFeedDocument response is not a FeedDocument")
    compression = _optional_str(body, "compressionAlgorithm", "getFeedDocument response")
    if compression is not None and compression.upper() != "GZIP":  # the only one the model knows
        raise ParseError(f"getFeedDocument response has an unknown compressionAlgorithm: {compression!r}"[:200])
    return types.FeedDocument(
        feed_document_id=_required_str(body, "feedDocumentId", "getFeedDocument response"),
        url=_required_str(body, "url", "getFeedDocument response"),
        compression_algorithm=compression,
    )


def parse_feed_document_upload(body: Any) -> types.FeedDocumentUpload:
    if not isinstance(body, Mapping):
        raise ParseError("createFeedDocument response lacks feedDocumentId or url")
    return types.FeedDocumentUpload(
        feed_document_id=_required_str(body, "feedDocumentId", "createFeedDocument response"),
        url=_required_str(body, "url", "createFeedDocument response"),
    )


def parse_create_feed(body: Any) -> str:
    if not isinstance(body, Mapping):
        raise ParseError("createFeed response has no feedId")
    return _required_str(body, "feedId", "createFeed response")
