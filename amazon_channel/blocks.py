"""What the Amazon channel adds to other apps' pages: the admin menu, and blocks on the Commerce order view."""

from __future__ import annotations

from django.apps import apps
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from orders.models import OrderState

from . import selectors
from .models import AmazonOrderStatus


def register_all() -> None:
    if apps.is_installed("admin_ui"):
        from admin_ui import menu

        menu.register("channels", _("Amazon Stores"), "amazon_channel:store_list", order=10)
        menu.register("channels", _("Amazon Orders"), "amazon_channel:order_grid", order=20)
        from admin_ui import notices

        notices.register(failed_imports_notice)
    try:
        from orders import view_blocks
    except ImportError:  # the order view's blocks arrive with the admin UI
        return
    view_blocks.register("payment_shipping", payment_shipping_block)
    view_blocks.register("order_notices", order_notices_block)


def payment_shipping_block(request: HttpRequest, order) -> str | None:
    """*Payment & Shipping Method* of a Commerce order imported from Amazon: its Amazon order number and links."""
    if getattr(order, "channel", None) != "amazon":
        return None
    amazon_order = selectors.amazon_order_for_commerce_order(order_id=order.pk)
    return render_to_string(
        "amazon_channel/blocks/payment_shipping.html",
        {"order": order, "amazon_order": amazon_order},
        request=request,
    )


def order_notices_block(request: HttpRequest, order) -> str | None:
    """A notice on the Commerce order when Amazon canceled it but the Commerce order could not follow (e.g. it was
    on hold): a person has to cancel or refund it."""
    if getattr(order, "channel", None) != "amazon" or order.state in {OrderState.CANCELED, OrderState.CLOSED}:
        return None
    amazon_order = selectors.amazon_order_for_commerce_order(order_id=order.pk)
    if amazon_order is None or amazon_order.status != AmazonOrderStatus.CANCELLED:
        return None
    return render_to_string(
        "amazon_channel/blocks/order_notice.html", {"amazon_order": amazon_order, "order": order}, request=request
    )


def failed_imports_notice(request) -> str:
    """The admin-wide banner: stores with Amazon orders that could not be imported, linking to them."""
    from django.template.loader import render_to_string

    from .selectors import stores_with_failed_imports

    failed = stores_with_failed_imports()
    if not failed:
        return ""
    return render_to_string("amazon_channel/_failed_banner.html", {"failed_imports": failed}, request=request)
