"""Amazon order pages: *All Orders* and *Amazon Order Details* (shipping address, cancel). Thin views: parse a
form, call one service or selector, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .. import push
from ..core.permissions import CANCEL_ORDER, CHANGE_ORDER, amazon_order_cancel_action, amazon_order_page
from ..models import AmazonOrder, AmazonStore
from ..sync import ImportRefused, import_now
from . import selectors
from .forms import CancelAmazonOrderForm, ShippingAddressForm
from .grids import AmazonOrderGrid, StoreAmazonOrderGrid
from .services import (
    AmazonOrderActionRefused,
    accept_buyer_cancel,
    decline_buyer_cancel,
    request_amazon_cancel,
    update_shipping_address,
)


@amazon_order_page
def order_grid(request: HttpRequest, store_pk: int | None = None) -> HttpResponse:
    store = get_object_or_404(AmazonStore, pk=store_pk) if store_pk else None
    grid_class = StoreAmazonOrderGrid if store else AmazonOrderGrid
    grid = grid_class.from_request(request, selectors.amazon_orders(store_id=store.pk if store else None))
    context = {
        "store": store,
        "grid": grid,
        "page": grid.page(),
        "can_import": request.user.has_perm(CHANGE_ORDER),
    }
    return render(request, "amazon_channel/amazon_orders/order_grid.html", context)


@amazon_order_page
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        amazon_order = selectors.amazon_order_detail(pk=pk)
    except AmazonOrder.DoesNotExist:
        return render(request, "amazon_channel/amazon_orders/not_found.html", status=404)
    return _render_detail(request, amazon_order)


def _render_detail(
    request: HttpRequest,
    amazon_order: AmazonOrder,
    *,
    address_form: ShippingAddressForm | None = None,
    cancel_form: CancelAmazonOrderForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "amazon_channel/amazon_orders/order_detail.html",
        {
            "amazon_order": amazon_order,
            "items": list(amazon_order.items.all()),
            "status_changes": list(amazon_order.status_changes.all()),
            "stock_reservations": selectors.stock_reservations(amazon_order),
            "related": selectors.related_orders(amazon_order),
            "pending_cancel": selectors.pending_cancel_request(amazon_order),
            "shipment_under_way": selectors.shipment_under_way(amazon_order),
            "address_can_change": selectors.address_can_change(amazon_order),
            "confirmation": push.latest_confirmation(amazon_order),
            "cancel_refused": push.cancel_refused_message(),
            "address_form": address_form or ShippingAddressForm(initial=ShippingAddressForm.initial_from(amazon_order)),
            "cancel_form": cancel_form or CancelAmazonOrderForm(),
            "can_cancel_perm": request.user.has_perm(CANCEL_ORDER),
            "can_edit_perm": request.user.has_perm(CHANGE_ORDER),
        },
        status=status,
    )


@require_POST
@amazon_order_page
def order_address(request: HttpRequest, pk: int) -> HttpResponse:
    amazon_order = get_object_or_404(AmazonOrder, pk=pk)
    form = ShippingAddressForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The shipping address was not saved: correct the marked fields."))
        return _render_detail(request, selectors.amazon_order_detail(pk=pk), address_form=form, status=400)
    try:
        update_shipping_address(amazon_order=amazon_order, address=form.address(), actor=request.user)
    except AmazonOrderActionRefused as exc:
        form.add_refusal(exc.field_errors)
        messages.error(request, exc.message)
        return _render_detail(request, selectors.amazon_order_detail(pk=pk), address_form=form, status=400)
    messages.success(request, _("You saved the shipping address."))
    return redirect("amazon_channel:order_detail", pk=pk)


@require_POST
@amazon_order_cancel_action
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    amazon_order = get_object_or_404(AmazonOrder, pk=pk)
    form = CancelAmazonOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose why the order is canceled."))
        return _render_detail(request, selectors.amazon_order_detail(pk=pk), cancel_form=form, status=400)
    try:
        request_amazon_cancel(amazon_order=amazon_order, reason=form.cleaned_data["reason"], actor=request.user)
    except AmazonOrderActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The cancel request is on its way to Amazon."))
    return redirect("amazon_channel:order_detail", pk=pk)


@require_POST
@amazon_order_cancel_action
def order_buyer_cancel_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """*Accept* the buyer's request to cancel: the order is canceled on Amazon (reason Buyer canceled)."""
    amazon_order = get_object_or_404(AmazonOrder, pk=pk)
    try:
        accept_buyer_cancel(amazon_order=amazon_order, actor=request.user)
    except AmazonOrderActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You accepted the buyer's request: the cancel is on its way to Amazon."))
    return redirect("amazon_channel:order_detail", pk=pk)


@require_POST
@amazon_order_cancel_action
def order_buyer_cancel_decline(request: HttpRequest, pk: int) -> HttpResponse:
    """*Decline* the buyer's request to cancel: recorded here only (SP-API has no call for it)."""
    amazon_order = get_object_or_404(AmazonOrder, pk=pk)
    try:
        decline_buyer_cancel(amazon_order=amazon_order, actor=request.user)
    except AmazonOrderActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("You declined the buyer's request to cancel. Amazon is not told: reply to the buyer in Seller Central."),
        )
    return redirect("amazon_channel:order_detail", pk=pk)


@require_POST
@amazon_order_page
def order_import_now(request: HttpRequest, pk: int) -> HttpResponse:
    """*Import now*: the Commerce order of one Amazon order that has none."""
    amazon_order = get_object_or_404(AmazonOrder, pk=pk)
    try:
        row = import_now(amazon_order=amazon_order, actor=request.user)
    except ImportRefused as exc:
        messages.error(request, exc.message)
    else:
        if row.commerce_order_id:
            messages.success(request, row.order_notes)
        else:
            messages.error(request, row.order_notes)
    return redirect("amazon_channel:order_detail", pk=pk)


@require_POST
@amazon_order_page
def order_pickup_status(request: HttpRequest, pk: int) -> HttpResponse:
    """*Ready for Pickup*, *Picked Up*, *Refused Pickup* of an in-store pickup order: queued for Amazon."""
    amazon_order = get_object_or_404(AmazonOrder, pk=pk)
    try:
        update = push.request_pickup_status(
            amazon_order=amazon_order, status=request.POST.get("status", ""), actor=request.user
        )
    except push.PickupRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(status)s is on its way to Amazon.") % {"status": update.amazon_order.get_pickup_status_display()},
        )
    if amazon_order.commerce_order_id:
        return redirect("orders:order_view", order_id=amazon_order.commerce_order_id)
    return redirect("amazon_channel:order_detail", pk=pk)
