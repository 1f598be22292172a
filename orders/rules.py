"""Order rules in one place: what can be done to an order, how much of each item is left, and which state follows.

Views use the guards to show buttons; services call the same guards again under the order's row lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from . import action_guards
from .models import ZERO, Order, OrderItem, OrderState

# Magento's default status for each state. A custom status (e.g. the Amazon channel's processing status) is kept
# for as long as the order stays in the state it belongs to.
DEFAULT_STATUS: dict[str, str] = {
    OrderState.NEW: "pending",
    OrderState.PENDING_PAYMENT: "pending_payment",
    OrderState.PAYMENT_REVIEW: "payment_review",
    OrderState.PROCESSING: "processing",
    OrderState.COMPLETE: "complete",
    OrderState.CLOSED: "closed",
    OrderState.CANCELED: "canceled",
    OrderState.HOLDED: "holded",
}

# States in which nothing may happen to the order until a person acts.
_FROZEN = {OrderState.HOLDED, OrderState.PAYMENT_REVIEW}
_FINISHED = {OrderState.CANCELED, OrderState.COMPLETE, OrderState.CLOSED}


def qty_to_invoice(item: OrderItem) -> int:
    return max(item.qty_ordered - item.qty_invoiced - item.qty_canceled, 0)


def qty_to_ship(item: OrderItem) -> int:
    # A unit refunded before it shipped never ships; a shipped one can still be refunded. Magento counts
    # max(shipped, refunded), which leaves "1 to ship" forever after refunding one unshipped unit and shipping the
    # rest (docs/ORDER_STATES.md).
    return max(item.qty_ordered - item.qty_shipped - item.qty_refunded_unshipped - item.qty_canceled, 0)


def qty_to_refund(item: OrderItem) -> int:
    return max(item.qty_invoiced - item.qty_refunded, 0)


def qty_to_cancel(item: OrderItem) -> int:
    # Only what is neither invoiced nor shipped can be cancelled.
    return min(qty_to_invoice(item), qty_to_ship(item))


def refundable_amount(order: Order) -> Decimal:
    # An adjustment fee a credit memo kept stays with the merchant: it can't be refunded later (as Magento).
    return max(order.total_paid - order.total_refunded - order.adjustment_fee_kept, ZERO)


def _items(order: Order, items: Iterable[OrderItem] | None) -> list[OrderItem]:
    return list(items) if items is not None else list(order.items.all())


def can_invoice(order: Order, items: Iterable[OrderItem] | None = None) -> bool:
    if order.state in _FROZEN or order.state in _FINISHED:
        return False
    return any(qty_to_invoice(i) > 0 for i in _items(order, items))


def can_ship(order: Order, items: Iterable[OrderItem] | None = None) -> bool:
    if order.state in _FROZEN or order.state == OrderState.CANCELED:
        return False
    return any(qty_to_ship(i) > 0 for i in _items(order, items))


def can_creditmemo(order: Order, items: Iterable[OrderItem] | None = None) -> bool:
    if order.state in _FROZEN or order.state in {OrderState.CANCELED, OrderState.CLOSED}:
        return False
    if refundable_amount(order) > ZERO:
        return True
    # As Magento: a free (or replacement) order's items can still be credited at zero, e.g. to return them to stock.
    return order.total_paid == ZERO and any(qty_to_refund(i) > 0 for i in _items(order, items))


def can_cancel(order: Order, items: Iterable[OrderItem] | None = None) -> bool:
    if order.state in _FROZEN or order.state in _FINISHED:
        return False
    return any(qty_to_cancel(i) > 0 for i in _items(order, items))


def can_hold(order: Order, items: Iterable[OrderItem] | None = None) -> bool:
    return order.state not in _FROZEN and order.state not in _FINISHED


def can_unhold(order: Order, items: Iterable[OrderItem] | None = None) -> bool:
    return order.state == OrderState.HOLDED


def can_change_shipping_address(order: Order, items: Iterable[OrderItem] | None = None) -> bool:
    """Where the parcel goes can change until anything has shipped (Magento doesn't let a shipped order's address be
    edited either), and never on a canceled or closed order."""
    if order.state in {OrderState.CANCELED, OrderState.CLOSED}:
        return False
    return not any(i.qty_shipped for i in _items(order, items))


# Addresses that can never receive mail (RFC 2606 / 6761): a sales channel that withholds the buyer's address puts a
# placeholder under `.invalid` so the order still has one (the Amazon channel's import does).
UNDELIVERABLE_EMAIL_SUFFIXES = (".invalid",)


def email_is_withheld(email: str) -> bool:
    """No address to write to: none, or a placeholder for one the sales channel did not share."""
    email = (email or "").strip().lower()
    return not email or email.endswith(UNDELIVERABLE_EMAIL_SUFFIXES)


def guards(order: Order, items: Iterable[OrderItem] | None = None) -> dict[str, bool]:
    """Every guard at once, for a page that shows the buttons (items loaded once)."""
    loaded = _items(order, items)
    return {
        "invoice": can_invoice(order, loaded),
        "ship": can_ship(order, loaded),
        "creditmemo": can_creditmemo(order, loaded) and action_guards.refusal("creditmemo", order) is None,
        # A channel may refuse more (e.g. what its marketplace won't accept): the page hides the button then.
        "cancel": can_cancel(order, loaded) and action_guards.refusal("cancel", order) is None,
        "hold": can_hold(order, loaded),
        "unhold": can_unhold(order, loaded),
    }


def derive_state(order: Order, items: Iterable[OrderItem]) -> str:
    """The state that follows from the order's quantities and totals (Magento's state rules).

    A held order stays held: only unholding it lets the quantities speak again.
    """
    if order.state == OrderState.HOLDED:
        return OrderState.HOLDED
    items = list(items)
    if items and all(i.qty_canceled >= i.qty_ordered for i in items):
        return OrderState.CANCELED
    to_invoice = sum(qty_to_invoice(i) for i in items)
    to_ship = sum(qty_to_ship(i) for i in items)
    if to_invoice == 0 and to_ship == 0:
        refunded = (
            order.total_refunded > ZERO
            or order.adjustment_fee_kept > ZERO
            or any(i.qty_refunded for i in items)  # a zero-total credit memo of a free order counts too
        )
        if refunded and refundable_amount(order) == ZERO:
            return OrderState.CLOSED
        return OrderState.COMPLETE
    touched = any(i.qty_invoiced or i.qty_shipped or i.qty_refunded or i.qty_canceled for i in items)
    return OrderState.PROCESSING if touched else OrderState.NEW


# States in which an order waits for someone to invoice or ship it (the dashboard's and the grid's "awaiting").
OPEN_STATES = (OrderState.NEW, OrderState.PENDING_PAYMENT, OrderState.PROCESSING)


def set_awaiting(order: Order, items: Iterable[OrderItem]) -> None:
    """Set the order's maintained `needs_invoice` / `needs_shipment` flags: an open order with quantity left to
    invoice / ship. Called wherever a service (re)derives the state, so the flags are never stale."""
    items = list(items)
    is_open = order.state in OPEN_STATES
    order.needs_invoice = is_open and any(qty_to_invoice(i) > 0 for i in items)
    order.needs_shipment = is_open and any(qty_to_ship(i) > 0 for i in items)


def status_after(previous_state: str, previous_status: str, new_state: str) -> str:
    """Keep the order's status while its state holds; otherwise the new state's default status."""
    if new_state == previous_state and previous_status:
        return previous_status
    return DEFAULT_STATUS[new_state]
