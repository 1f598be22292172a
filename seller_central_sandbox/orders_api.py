"""The Orders API operations: searchOrders and getOrder (v2026-01-01), confirmShipment (v0)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request

from . import orders as o
from .replies import ORDER_ID, Reply, error, invalid
from .spec import parse_datetime
from .state import SELLER_ID


class OrdersApi:
    """Operations of SandboxApp (a mixin: `self.sandbox`, `self._query`, `self._json_body` are the app's)."""

    def op_searchOrders(self, request: Request, body: bytes) -> Reply:
        q = self._query(request, "searchOrders")
        created_after, updated_after = q.get("createdAfter"), q.get("lastUpdatedAfter")
        if (created_after is None) == (updated_after is None):
            return invalid("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
        if created_after is not None and "lastUpdatedBefore" in q:
            return invalid("lastUpdatedBefore cannot be combined with createdAfter.")
        if updated_after is not None and "createdBefore" in q:
            return invalid("createdBefore cannot be combined with lastUpdatedAfter.")
        limit = q.get("maxResultsPerPage", 100)
        if not 1 <= limit <= 100:
            return invalid("maxResultsPerPage must be between 1 and 100.")
        by_created = created_after is not None
        after_name, before_name = (
            ("createdAfter", "createdBefore") if by_created else ("lastUpdatedAfter", "lastUpdatedBefore")
        )
        after = (created_after or updated_after).timestamp()
        before_param: datetime | None = q.get(before_name)
        filters = {
            "by_created": by_created,
            "after": after,
            "before": before_param.timestamp() if before_param else None,
            "statuses": q.get("fulfillmentStatuses"),
            "marketplace_ids": q.get("marketplaceIds"),
            "fulfilled_by": q.get("fulfilledBy"),
            "seller_id": _seller(request),
        }
        included = frozenset(q.get("includedData") or ())
        sandbox = self.sandbox
        with sandbox.lock:
            now = sandbox.clock.now()
            token = q.get("paginationToken")
            start_after = None
            if token:
                state = sandbox.page_tokens.get(token)
                if state is None:
                    return invalid("Invalid paginationToken.")
                if state["expires"] < now:
                    return invalid("The paginationToken has expired; start the search again.")
                if state["filters"] != filters:
                    return invalid("The other parameters must be the same as in the request that returned this token.")
                before, start_after = state["before"], tuple(state["last_key"])
            else:
                latest = now - 120
                if before_param is not None:
                    before = before_param.timestamp()
                    if before > latest:
                        return invalid(f"{before_name} must be at least two minutes before the time of the request.")
                    if before < after:
                        return invalid(f"{before_name} must be equal to or after {after_name}.")
                else:
                    before = float(int(latest))
                    if after > before:
                        return invalid(f"{after_name} must be at least two minutes before the time of the request.")
            found, last_key = sandbox.search(
                by_created=by_created,
                after=after,
                before=before,
                statuses=filters["statuses"],
                marketplace_ids=filters["marketplace_ids"],
                fulfilled_by=filters["fulfilled_by"],
                start_after=start_after,
                limit=limit,
                seller_id=filters["seller_id"],
            )
            payload: dict[str, Any] = {"orders": [order.to_api(included) for order in found]}
            if last_key is not None:
                next_token = sandbox.new_page_token({"filters": filters, "before": before, "last_key": last_key})
                payload["pagination"] = {"nextToken": next_token}
            payload[before_name] = o.iso(before)
        return Reply(200, payload)

    def op_getOrder(self, request: Request, body: bytes, orderId: str) -> Reply:
        q = self._query(request, "getOrder")
        if not ORDER_ID.match(orderId):
            return invalid(f"Invalid orderId {orderId!r}: expected 3-7-7 digits.")
        with self.sandbox.lock:
            order = self.sandbox.orders.get(orderId)
            if order is None or order.indexed_at > self.sandbox.clock.now() or order.seller_id != _seller(request):
                return error(404, "NotFound", f"Order {orderId} was not found.")
            return Reply(200, {"order": order.to_api(frozenset(q.get("includedData") or ()))})

    def op_confirmShipment(self, request: Request, body: bytes, orderId: str) -> Reply:
        payload = self._json_body(body, "confirmShipment")
        if not ORDER_ID.match(orderId):
            return invalid(f"Invalid orderId {orderId!r}: expected 3-7-7 digits.")
        detail = payload["packageDetail"]
        reference = detail["packageReferenceId"]
        if not re.fullmatch(r"[1-9]\d*", reference):
            return invalid("packageReferenceId must be a positive number.")
        sandbox = self.sandbox
        with sandbox.lock:
            order = sandbox.orders.get(orderId)
            if order is None or order.seller_id != _seller(request):
                return error(404, "NotFound", f"Order {orderId} was not found.")
            if payload["marketplaceId"] != order.marketplace_id:
                return invalid(f"Order {orderId} does not belong to marketplace {payload['marketplaceId']}.")
            if order.fulfilled_by != o.MERCHANT:
                return invalid(f"Order {orderId} is fulfilled by Amazon; the seller cannot confirm its shipment.")
            if order.status == o.CANCELLED:
                return invalid(f"Order {orderId} is cancelled and cannot be shipped.")
            if order.status == o.PENDING:
                return invalid(f"Order {orderId} is pending and cannot be shipped yet.")
            quantities: dict[str, int] = {}
            for line in detail["orderItems"]:
                if line["quantity"] < 1:
                    return invalid(f"The quantity of order item {line['orderItemId']} must be at least 1.")
                quantities[line["orderItemId"]] = quantities.get(line["orderItemId"], 0) + line["quantity"]
            if not quantities:
                return invalid("The package has no order items.")
            package_items = [{"orderItemId": k, "quantity": v} for k, v in quantities.items()]
            existing = next((p for p in order.packages if p["packageReferenceId"] == reference), None)
            if existing is not None:
                if sorted(existing["packageItems"], key=str) != sorted(package_items, key=str):
                    return invalid(f"packageReferenceId {reference} was already confirmed with other items.")
                # The same package again (a retry): no double quantities; tracking corrections are taken.
                existing.update(_package_tracking(detail))
                return Reply(204)
            for item_id, qty in quantities.items():
                item = order.item(item_id)
                if item is None:
                    return invalid(f"Order item {item_id} is not part of order {orderId}.")
                if qty > item.quantity_open:
                    return invalid(
                        f"Quantity {qty} of order item {item_id} is more than the {item.quantity_open} left to ship."
                    )
            now = sandbox.clock.now()
            for item_id, qty in quantities.items():
                order.item(item_id).quantity_shipped += qty  # type: ignore[union-attr]
            order.packages.append(
                {
                    "packageReferenceId": reference,
                    "createdTime": o.iso(now),
                    "packageStatus": {"status": "SHIPPED"},
                    **_package_tracking(detail),
                    "packageItems": package_items,
                }
            )
            order.status = order.derive_status()
            sandbox.touch(order, now)
        return Reply(204)

    def op_updateShipmentStatus(self, request: Request, body: bytes, orderId: str) -> Reply:
        """v0 updateShipmentStatus, for in-store pickup orders: ReadyForPickup, then PickedUp (the order is shipped,
        without a package) or RefusedPickup (Amazon cancels it for the buyer)."""
        payload = self._json_body(body, "updateShipmentStatus")
        if not ORDER_ID.match(orderId):
            return invalid(f"Invalid orderId {orderId!r}: expected 3-7-7 digits.")
        status = payload["shipmentStatus"]
        sandbox = self.sandbox
        with sandbox.lock:
            order = sandbox.orders.get(orderId)
            if order is None:
                return error(404, "NotFound", f"Order {orderId} was not found.")
            if payload["marketplaceId"] != order.marketplace_id:
                return invalid(f"Order {orderId} does not belong to marketplace {payload['marketplaceId']}.")
            if not order.in_store_pickup:
                return invalid(f"Order {orderId} is not an in-store pickup order.")
            if order.status not in {o.UNSHIPPED, o.PARTIALLY_SHIPPED}:
                if order.pickup_status == status:
                    return Reply(204)  # the same status again (a retry)
                return invalid(f"Order {orderId} is {order.status}; its pickup status can no longer change.")
            if status in {"PickedUp", "RefusedPickup"} and order.pickup_status != "ReadyForPickup":
                return invalid(f"Order {orderId} must be ReadyForPickup before it is {status}.")
            now = sandbox.clock.now()
            order.pickup_status = status
            order.version += 1  # nothing planned for this order happens any more
            if status == "PickedUp":
                for item in order.items:
                    item.quantity_shipped += item.quantity_open
                order.status = order.derive_status()
                sandbox.touch(order, now)
            elif status == "RefusedPickup":
                sandbox.cancel(order, now, requester="BUYER", reason="BuyerCanceled", by="AMAZON")
            else:
                sandbox.touch(order, now)
        return Reply(204)


def _package_tracking(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "carrier": detail.get("carrierName") or detail["carrierCode"],
        "shipTime": o.iso(parse_datetime(detail["shipDate"]).timestamp()),
        "shippingService": detail.get("shippingMethod") or "Standard",
        "trackingNumber": detail["trackingNumber"],
    }


def _seller(request: Request) -> str:
    """The seller whose access token signed the request (the app's authentication sets it)."""
    return getattr(request, "seller_id", SELLER_ID)
