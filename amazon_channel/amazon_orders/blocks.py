"""What the Amazon order pages add to other pages: the menu entries, *Payment & Shipping Method* and a notice on the
Commerce order view, a business order's lines on its invoices and credit memos (document_lines), and the admin-wide
banner of Amazon orders that could not be imported."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from admin_ui import menu, notices
from orders import document_lines, rules, ship_guards, view_blocks
from orders.models import Order, OrderState

from .. import push
from ..core.channel import FROM_AMAZON, is_amazon_order
from ..core.permissions import CHANGE_ORDER, VIEW_ORDER, VIEW_STORE
from ..models import AmazonOrderStatus, PickupStatus
from . import selectors
from .document_lines import business_lines


def payment_shipping_block(request: HttpRequest, order: Order) -> str | None:
    """*Payment & Shipping Method* of a Commerce order imported from Amazon: its Amazon order number and links."""
    if not is_amazon_order(order):
        return None
    amazon_order = selectors.amazon_order_for_commerce_order(order_id=order.pk)
    return render_to_string(
        "amazon_channel/amazon_orders/blocks/payment_shipping.html",
        {
            "order": order,
            "amazon_order": amazon_order,
            "related": selectors.related_orders(amazon_order) if amazon_order else None,
        },
        request=request,
    )


def order_notices_block(request: HttpRequest, order: Order) -> str | None:
    """A notice on the Commerce order when Amazon canceled it but the Commerce order could not follow (e.g. it was
    on hold): a person has to cancel or refund it."""
    if not is_amazon_order(order) or order.state in {OrderState.CANCELED, OrderState.CLOSED}:
        return None
    amazon_order = selectors.amazon_order_for_commerce_order(order_id=order.pk)
    if amazon_order is None:
        return None
    if amazon_order.status != AmazonOrderStatus.CANCELLED:
        return _credit_memo_notice(request, order, amazon_order)
    return render_to_string(
        "amazon_channel/amazon_orders/blocks/order_notice.html",
        {"amazon_order": amazon_order, "order": order},
        request=request,
    )


def buyer_cancel_request_block(request: HttpRequest, order: Order) -> str | None:
    """A notice on the Commerce order while the buyer's request to cancel waits for Accept or Decline."""
    if not is_amazon_order(order) or order.state in {OrderState.CANCELED, OrderState.CLOSED}:
        return None
    amazon_order = selectors.amazon_order_for_commerce_order(order_id=order.pk)
    if amazon_order is None or not amazon_order.buyer_cancel_requested or amazon_order.buyer_cancel_decision:
        return None
    return render_to_string(
        "amazon_channel/amazon_orders/blocks/buyer_cancel_notice.html", {"amazon_order": amazon_order}, request=request
    )


def pickup_block(request: HttpRequest, order: Order) -> str | None:
    """The in-store pickup buttons on the Commerce order: only the next allowed status, and where the last one is."""
    if not is_amazon_order(order):
        return None
    amazon_order = selectors.amazon_order_for_commerce_order(order_id=order.pk)
    if amazon_order is None or not amazon_order.is_in_store_pickup:
        return None
    return render_to_string(
        "amazon_channel/amazon_orders/blocks/pickup.html",
        {
            "amazon_order": amazon_order,
            "statuses": [(s, PickupStatus(s).label) for s in push.allowed_pickup_statuses(amazon_order)],
            "waiting": push.waiting_pickup_update(amazon_order),
            "can_change": request.user.has_perm(CHANGE_ORDER),
        },
        request=request,
    )


def in_store_pickup_refusal(order: Order, origin: str) -> str | None:
    """New Shipment is refused for an in-store pickup order (program IN_STORE_PICK_UP): the buyer collects it, so a
    carrier shipment would be wrong at Amazon. A pickup Amazon reports done (origin FROM_AMAZON) is still mirrored."""
    if origin == FROM_AMAZON or not is_amazon_order(order):
        return None
    if not selectors.is_in_store_pickup(order_id=order.pk):
        return None
    return _("Amazon order for in-store pickup: the buyer collects it at the store, so it is never shipped by carrier.")


def _credit_memo_notice(request: HttpRequest, order: Order, amazon_order) -> str | None:
    """Why a paid Amazon order has no *Credit Memo* button: Amazon has charged nothing yet (push.nothing_charged)."""
    if not rules.can_creditmemo(order) or not push.nothing_charged(amazon_order):
        return None
    return render_to_string(
        "amazon_channel/amazon_orders/blocks/credit_memo_notice.html",
        {"amazon_order": amazon_order, "message": push.credit_memo_refused_message()},
        request=request,
    )


def failed_imports_notice(request: HttpRequest) -> str:
    """The admin-wide banner: stores with Amazon orders that could not be imported, linking to them."""
    if not request.user.has_perm(VIEW_ORDER):  # the banner links to Amazon orders they may not open
        return ""
    failed = selectors.stores_with_failed_imports()
    if not failed:
        return ""
    return render_to_string(
        "amazon_channel/amazon_orders/_failed_banner.html", {"failed_imports": failed}, request=request
    )


def register() -> None:
    """Called when the app is ready."""
    menu.register("channels", _("Amazon Stores"), "amazon_channel:store_list", permission=VIEW_STORE, order=10)
    menu.register("channels", _("Amazon Orders"), "amazon_channel:order_grid", permission=VIEW_ORDER, order=20)
    notices.register(failed_imports_notice)
    view_blocks.register("payment_shipping", payment_shipping_block)
    view_blocks.register("order_notices", order_notices_block)
    view_blocks.register("order_notices", buyer_cancel_request_block)
    view_blocks.register("order_notices", pickup_block)
    ship_guards.register(in_store_pickup_refusal)
    document_lines.register(business_lines)
