"""Recording outbound updates, in the orders service's transaction (called by push.listeners), and the cancel
requested on *Amazon Order Details*."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from admin_ui.formatting import currency_places
from orders.models import CreditMemo, Order, Shipment

from ..core.carriers import OTHER_CARRIER, amazon_carrier_code
from ..core.reasons import DEFAULT_ADJUSTMENT_REASON, DEFAULT_CANCEL_REASON
from ..models import AmazonOrder, OutboundUpdate
from ..spapi.feeds import ADJUSTMENT_REASONS, CANCEL_REASONS
from . import transitions

Kind = OutboundUpdate.Kind
State = OutboundUpdate.State

# Where the credit memo page / Amazon Order Details put the merchant's choice (credit memo and cancel channel_data).
ADJUSTMENT_REASON_KEY = "amazon_adjustment_reason"
CANCEL_REASON_KEY = "amazon_cancel_reason"
# Amazon's packageReferenceId must be a positive number, unique within the order: shipment pk * 1000 + track number.
PACKAGES_PER_SHIPMENT = 999


def amazon_order_for(order: Order) -> AmazonOrder | None:
    return AmazonOrder.objects.select_related("store").filter(commerce_order=order).first()


def split_items_over_packages(
    items: Sequence[tuple[str, int]], packages: int
) -> tuple[list[list[tuple[str, int]]], int]:
    """Spread a shipment's units over its packages (one package per tracking number).

    Amazon needs each package's items, but a Commerce shipment only knows which items were shipped and its tracking
    numbers. The rule: one tracking number carries all items; with several, the units are dealt out in item order in
    contiguous blocks, as evenly as possible (earlier packages take the extra unit), so each package has at least one
    unit. Returns the packages' item lists and how many tracking numbers had no unit left (more tracks than units).
    """
    units = [item_id for item_id, qty in items for _ in range(qty)]
    if packages <= 1:
        return [list(items)], 0
    usable = min(packages, len(units))
    per, extra = divmod(len(units), usable) if usable else (0, 0)
    result: list[list[tuple[str, int]]] = []
    start = 0
    for index in range(usable):
        size = per + (1 if index < extra else 0)
        block = units[start : start + size]
        start += size
        grouped: dict[str, int] = {}
        for item_id in block:
            grouped[item_id] = grouped.get(item_id, 0) + 1
        result.append(list(grouped.items()))
    return result, packages - usable


def _packed_contents(tracks: list, amazon_items: dict[str, str], missing: list[str]) -> list[list[tuple[str, int]]]:
    """Each package's Amazon order items and quantities, as packed on New Shipment."""
    contents = []
    for track in tracks:
        held: dict[str, int] = {}
        for line in track.items.all():
            item_id = line.order_item.external_item_id or amazon_items.get(line.order_item.sku, "")
            if not item_id:
                if line.order_item.sku not in missing:
                    missing.append(line.order_item.sku)
                continue
            held[item_id] = held.get(item_id, 0) + line.qty
        contents.append(list(held.items()))
    return contents


def build_shipment_payload(*, shipment: Shipment, amazon_order: AmazonOrder) -> tuple[dict[str, Any], str]:
    """The packages confirmShipment needs, and a problem that stops them from being sent ("" when none)."""
    order = shipment.order
    amazon_items = {i.seller_sku: i.order_item_id for i in amazon_order.items.all()}
    items: list[tuple[str, int]] = []
    missing: list[str] = []
    for ship_item in shipment.items.select_related("order_item").order_by("order_item_id"):
        if not ship_item.qty:
            continue
        order_item = ship_item.order_item
        item_id = order_item.external_item_id or amazon_items.get(order_item.sku, "")
        if not item_id:
            missing.append(order_item.sku)
            continue
        items.append((item_id, ship_item.qty))
    tracks = list(shipment.tracks.prefetch_related("items__order_item"))
    shipping_method = amazon_order.ship_service_level or order.shipping_description
    packages: list[dict[str, Any]] = []
    if any(track.items.all() for track in tracks):
        # The person said what each package holds (New Shipment): Amazon gets exactly that.
        splits, without_units = _packed_contents(tracks, amazon_items, missing), 0
    else:
        splits, without_units = split_items_over_packages(items, len(tracks))
    for number, (track, package_items) in enumerate(zip(tracks, splits, strict=False), start=1):
        carrier_code = amazon_carrier_code(track.carrier_code)
        packages.append(
            {
                "package_reference_id": str(shipment.pk * (PACKAGES_PER_SHIPMENT + 1) + number),
                "carrier_code": carrier_code,
                "carrier_name": track.title if carrier_code == OTHER_CARRIER else None,
                "shipping_method": shipping_method or None,
                "tracking_number": track.track_number,
                "ship_date": shipment.created_at.isoformat(),
                "items": [[item_id, qty] for item_id, qty in package_items],
            }
        )
    problem = ""
    if missing:
        problem = _("These items have no Amazon order item: %(skus)s.") % {"skus": ", ".join(missing)}
    elif not tracks:
        problem = _("Amazon needs a tracking number to confirm a shipment; add one to shipment #%(number)s.") % {
            "number": shipment.increment_id
        }
    elif not items:
        problem = _("The shipment has no items to confirm.")
    payload = {
        "amazon_order_id": amazon_order.amazon_order_id,
        "marketplace_id": amazon_order.marketplace_id or amazon_order.store.marketplace_id,
        "shipment_increment_id": shipment.increment_id,
        "packages": packages,
        "confirmed": [],
        "tracks_without_items": [t.track_number for t in tracks[len(tracks) - without_units :]]
        if without_units
        else [],
    }
    return payload, problem


def record_shipment_update(*, shipment: Shipment | int, actor_id: int | None) -> OutboundUpdate | None:
    """Queue the confirmShipment of one Commerce shipment of an Amazon order (None for other orders)."""
    if not isinstance(shipment, Shipment):
        shipment = Shipment.objects.select_related("order").get(pk=shipment)
    amazon_order = amazon_order_for(shipment.order)
    if amazon_order is None:
        return None
    payload, problem = build_shipment_payload(shipment=shipment, amazon_order=amazon_order)
    update, _created = OutboundUpdate.objects.get_or_create(
        idempotency_key=f"shipment:{shipment.pk}",
        defaults={
            "store": amazon_order.store,
            "amazon_order": amazon_order,
            "kind": Kind.SHIPMENT,
            "payload": payload,
            "shipment_id": shipment.pk,
            "created_by_id": actor_id,
            "state": transitions.initial_state(problem=problem),
            "last_response": problem,
        },
    )
    return update


def _refund_components(credit_memo: CreditMemo, amazon_order: AmazonOrder) -> list[dict[str, Any]]:
    """Per item the refunded principal, tax, shipping and shipping tax; adjustment refund / fee on the first item.

    Principal is the refunded row total less its discount, Tax the item's refunded tax. The credit memo's refund
    shipping is spread over its items in proportion to the shipping Amazon charged for them (equally when unknown),
    and its shipping tax (the memo's tax beyond the items' tax) the same way. Cents left by rounding go to the last
    item. Adjustment refund is sent as Goodwill, adjustment fee as RestockingFee (every component amount is a positive
    magnitude; its Type says which way the money goes, as the feed builder and the sandbox expect).
    """
    amazon_items = {i.order_item_id: i for i in amazon_order.items.all()}
    by_sku = {i.seller_sku: i for i in amazon_order.items.all()}
    lines = [
        line
        for line in credit_memo.items.select_related("order_item").order_by("order_item_id")
        if line.qty or line.row_total or line.tax_amount
    ]
    cent = Decimal(1).scaleb(-currency_places(amazon_order.currency or credit_memo.order.order_currency))  # JPY: 1
    items_tax = sum((line.tax_amount for line in lines), Decimal(0))
    shipping = credit_memo.shipping_amount or Decimal(0)
    shipping_tax = max(credit_memo.tax_amount - items_tax, Decimal(0))
    result: list[dict[str, Any]] = []
    resolved = []
    for line in lines:
        order_item = line.order_item
        amazon_item = amazon_items.get(order_item.external_item_id) or by_sku.get(order_item.sku)
        item_id = order_item.external_item_id or (amazon_item.order_item_id if amazon_item else "")
        resolved.append((line, item_id, amazon_item))
    if not resolved and (shipping or credit_memo.adjustment_refund or credit_memo.adjustment_fee):
        # A shipping-only or adjustment-only refund: Amazon still wants an item to attach it to.
        first = amazon_order.items.order_by("id").first()
        if first is not None:
            resolved.append((None, first.order_item_id, first))
    weights = [
        (amazon_item.shipping_price if amazon_item and amazon_item.shipping_price else Decimal(0))
        for _line, _id, amazon_item in resolved
    ]
    if not any(weights):
        weights = [Decimal(1)] * len(resolved)
    total_weight = sum(weights, Decimal(0))

    def share(amount: Decimal, index: int, given: Decimal) -> Decimal:
        if index == len(resolved) - 1:
            return amount - given
        return (amount * weights[index] / total_weight).quantize(cent)

    given_shipping = given_tax = Decimal(0)
    for index, (line, item_id, _amazon_item) in enumerate(resolved):
        components: dict[str, str] = {}
        if line is not None:
            components["Principal"] = str((line.row_total - line.discount_amount).quantize(cent))
            components["Tax"] = str(line.tax_amount.quantize(cent))
        if shipping:
            part = share(shipping, index, given_shipping)
            given_shipping += part
            components["Shipping"] = str(part.quantize(cent))
        if shipping_tax:
            part = share(shipping_tax, index, given_tax)
            given_tax += part
            components["ShippingTax"] = str(part.quantize(cent))
        if index == 0 and credit_memo.adjustment_refund:
            components["Goodwill"] = str(credit_memo.adjustment_refund.quantize(cent))
        if index == 0 and credit_memo.adjustment_fee:
            components["RestockingFee"] = str(credit_memo.adjustment_fee.quantize(cent))
        result.append({"order_item_id": item_id, "components": components})
    return result


def record_refund_update(*, credit_memo: CreditMemo | int, actor_id: int | None) -> OutboundUpdate | None:
    """Queue the payment adjustment of one credit memo of an Amazon order (None for other orders)."""
    if not isinstance(credit_memo, CreditMemo):
        credit_memo = CreditMemo.objects.select_related("order").get(pk=credit_memo)
    amazon_order = amazon_order_for(credit_memo.order)
    if amazon_order is None or credit_memo.grand_total == 0:
        return None  # a zero-total credit memo (e.g. a 100% restocking fee) gives the buyer nothing back at Amazon
    reason = (credit_memo.channel_data or {}).get(ADJUSTMENT_REASON_KEY) or DEFAULT_ADJUSTMENT_REASON
    items = _refund_components(credit_memo, amazon_order)
    problem = ""
    if reason not in ADJUSTMENT_REASONS:
        problem = _("Amazon does not know the adjustment reason %(reason)s.") % {"reason": reason}
    elif not items or any(not item["order_item_id"] for item in items):
        problem = _("The credit memo has items Amazon does not know; refund them in Seller Central.")
    update, _created = OutboundUpdate.objects.get_or_create(
        idempotency_key=f"creditmemo:{credit_memo.pk}",
        defaults={
            "store": amazon_order.store,
            "amazon_order": amazon_order,
            "kind": Kind.REFUND,
            "credit_memo_id": credit_memo.pk,
            "payload": {
                "amazon_order_id": amazon_order.amazon_order_id,
                "credit_memo_increment_id": credit_memo.increment_id,
                "reason": reason,
                "currency": credit_memo.order.order_currency,
                "items": items,
            },
            "created_by_id": actor_id,
            "state": transitions.initial_state(problem=problem),
            "last_response": problem,
        },
    )
    return update


def request_cancel_update(
    *, amazon_order: AmazonOrder, reason: str = DEFAULT_CANCEL_REASON, actor: AbstractBaseUser | None
) -> OutboundUpdate:
    """Queue the cancel of an Amazon order (from *Amazon Order Details*), under the caller's lock of the order.

    One cancel per Amazon order: asking again while one is pending or accepted (whoever queued it, e.g. the Commerce
    order's cancel) returns that one; a failed one is queued again with the new reason.
    """
    return _queue_cancel(amazon_order=amazon_order, reason=reason, actor_id=actor.pk if actor is not None else None)


def _queue_cancel(*, amazon_order: AmazonOrder, reason: str, actor_id: int | None) -> OutboundUpdate:
    if reason not in CANCEL_REASONS:
        raise ValueError(f"unknown cancel reason {reason!r}")
    queued = (
        OutboundUpdate.objects.select_for_update()
        .filter(amazon_order=amazon_order, kind=Kind.CANCEL)
        .exclude(state=State.FAILED)
        .order_by("pk")
        .first()
    )
    if queued is not None:
        return queued
    commerce_order = amazon_order.commerce_order
    payload = {
        "amazon_order_id": amazon_order.amazon_order_id,
        "merchant_order_id": commerce_order.increment_id if commerce_order else "",
        "reason": reason,
    }
    update, created = OutboundUpdate.objects.select_for_update().get_or_create(
        idempotency_key=f"cancel:{amazon_order.pk}",
        defaults={
            "store": amazon_order.store,
            "amazon_order": amazon_order,
            "kind": Kind.CANCEL,
            "payload": payload,
            "created_by_id": actor_id,
        },
    )
    if not created and update.state == State.FAILED:
        transitions.move(update, State.PENDING, payload=payload, next_attempt_at=None, feed=None)
    return update


def record_cancel_update(
    *, order: Order | int, channel_data: dict[str, Any] | None, actor_id: int | None
) -> OutboundUpdate | None:
    """Queue the cancel of the Amazon order behind a cancelled Commerce order (None for other orders)."""
    if not isinstance(order, Order):
        order = Order.objects.get(pk=order)
    amazon_order = amazon_order_for(order)
    if amazon_order is None:
        return None
    reason = (channel_data or {}).get(CANCEL_REASON_KEY) or DEFAULT_CANCEL_REASON
    if reason not in CANCEL_REASONS:
        reason = DEFAULT_CANCEL_REASON
    return _queue_cancel(amazon_order=amazon_order, reason=reason, actor_id=actor_id)
