"""Sales pages. Thin: read through selectors, parse a form, call one service, flash, redirect."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from admin_ui.permissions import permission_required

from . import selectors, view_blocks
from .grids import CreditMemoGrid, InvoiceGrid, OrderGrid, ShipmentGrid
from .models import CreditMemo, Invoice, Order, OrderAddress, Shipment

# --- grids --------------------------------------------------------------------------------------------------------


def _grid_page(request, grid_cls, rows, *, template: str, title, csv_name: str, extra: dict | None = None):
    grid = grid_cls.from_request(request, rows)
    if request.GET.get("export") == "csv":
        return grid.csv_response(csv_name)
    context = {"grid": grid, "page": grid.page(), "title": title, **(extra or {})}
    return render(request, template, context)


@permission_required("orders.view_order")
def order_grid(request: HttpRequest) -> HttpResponse:
    return _grid_page(
        request,
        OrderGrid,
        selectors.order_grid_rows(),
        template="orders/order_grid.html",
        title=_("Orders"),
        csv_name="orders.csv",
    )


@permission_required("orders.view_invoice")
def invoice_grid(request: HttpRequest) -> HttpResponse:
    return _grid_page(
        request,
        InvoiceGrid,
        selectors.invoice_grid_rows(),
        template="orders/invoice_grid.html",
        title=_("Invoices"),
        csv_name="invoices.csv",
    )


@permission_required("orders.view_shipment")
def shipment_grid(request: HttpRequest) -> HttpResponse:
    return _grid_page(
        request,
        ShipmentGrid,
        selectors.shipment_grid_rows(),
        template="orders/shipment_grid.html",
        title=_("Shipments"),
        csv_name="shipments.csv",
    )


@permission_required("orders.view_creditmemo")
def creditmemo_grid(request: HttpRequest) -> HttpResponse:
    return _grid_page(
        request,
        CreditMemoGrid,
        selectors.creditmemo_grid_rows(),
        template="orders/creditmemo_grid.html",
        title=_("Credit Memos"),
        csv_name="credit-memos.csv",
    )


# --- order view ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    at: object
    title: str
    comment: str
    by: object
    notified: bool | None = None
    status: str = ""


def _history(order: Order) -> list[HistoryEntry]:
    """Everything that happened to the order, newest first: comments and status changes, and each document."""
    entries = [
        HistoryEntry(c.created_at, c.get_kind_display(), c.comment, c.created_by, c.is_customer_notified, c.status)
        for c in order.comments.all()
    ]
    entries += [
        HistoryEntry(i.created_at, _("Invoice #%s created") % i.increment_id, "", i.created_by, i.email_sent)
        for i in order.invoices.all()
    ]
    entries += [
        HistoryEntry(s.created_at, _("Shipment #%s created") % s.increment_id, "", s.created_by, s.email_sent)
        for s in order.shipments.all()
    ]
    entries += [
        HistoryEntry(m.created_at, _("Credit Memo #%s created") % m.increment_id, "", m.created_by, m.email_sent)
        for m in order.credit_memos.all()
    ]
    return sorted(entries, key=attrgetter("at"), reverse=True)


def _addresses(order: Order) -> dict[str, OrderAddress | None]:
    by_type = {a.address_type: a for a in order.addresses.all()}
    return {"billing": by_type.get(OrderAddress.Type.BILLING), "shipping": by_type.get(OrderAddress.Type.SHIPPING)}


@permission_required("orders.view_order")
def order_view(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        order = selectors.order_detail(order_id)
    except Order.DoesNotExist:
        return get_object_or_404(Order, pk=order_id)  # raises Http404
    for item in order.items.all():  # the prefetched rows: no query
        item.row_total_incl = item.row_total + item.tax_amount - item.discount_amount
    context = {
        "order": order,
        "status_label": selectors.status_label(order.status),
        "addresses": _addresses(order),
        "history": _history(order),
        "buttons": order_buttons(request.user, order),
        "payment_shipping_blocks": view_blocks.render("payment_shipping", request, order),
        "order_notices": view_blocks.render("order_notices", request, order),
        "tab": request.GET.get("tab", "info"),
    }
    return render(request, "orders/order_view.html", context)


@dataclass(frozen=True)
class Button:
    key: str
    label: str
    url: str
    confirm: str = ""  # a message the user confirms first
    post: bool = False  # an action done at once (POST), not a page to open

    @property
    def testid(self) -> str:
        return f"btn-{self.key}"


def order_buttons(user, order: Order) -> list[Button]:
    """The action buttons the order page shows: those its guard allows and the user has permission for."""
    try:
        from . import rules
    except ImportError:  # until orders.rules lands the page is read-only
        return []
    candidates = [
        (
            "cancel",
            "orders.cancel_order",
            rules.can_cancel,
            Button(
                "cancel",
                _("Cancel"),
                reverse("orders:order_cancel", args=[order.pk]),
                confirm=_("Are you sure you want to cancel this order?"),
                post=True,
            ),
        ),
        (
            "email",
            "orders.email_order",
            lambda o: True,
            Button(
                "email",
                _("Send Email"),
                reverse("orders:order_email", args=[order.pk]),
                confirm=_("Are you sure you want to send an order email to the customer?"),
                post=True,
            ),
        ),
        (
            "hold",
            "orders.hold_order",
            rules.can_hold,
            Button("hold", _("Hold"), reverse("orders:order_hold", args=[order.pk]), post=True),
        ),
        (
            "unhold",
            "orders.hold_order",
            rules.can_unhold,
            Button("unhold", _("Unhold"), reverse("orders:order_unhold", args=[order.pk]), post=True),
        ),
        (
            "invoice",
            "orders.invoice_order",
            rules.can_invoice,
            Button("invoice", _("Invoice"), reverse("orders:invoice_new", args=[order.pk])),
        ),
        (
            "creditmemo",
            "orders.creditmemo_order",
            rules.can_creditmemo,
            Button("creditmemo", _("Credit Memo"), reverse("orders:creditmemo_new", args=[order.pk])),
        ),
        (
            "ship",
            "orders.ship_order",
            rules.can_ship,
            Button("ship", _("Ship"), reverse("orders:shipment_new", args=[order.pk])),
        ),
    ]
    return [button for _key, perm, guard, button in candidates if user.has_perm(perm) and guard(order)]


# --- document views -----------------------------------------------------------------------------------------------


@permission_required("orders.view_invoice")
def invoice_view(request: HttpRequest, invoice_id: int) -> HttpResponse:
    try:
        invoice = selectors.invoice_detail(invoice_id)
    except Invoice.DoesNotExist:
        return get_object_or_404(Invoice, pk=invoice_id)
    return render(
        request,
        "orders/invoice_view.html",
        {"invoice": invoice, "order": invoice.order, "addresses": _addresses(invoice.order)},
    )


@permission_required("orders.view_shipment")
def shipment_view(request: HttpRequest, shipment_id: int) -> HttpResponse:
    try:
        shipment = selectors.shipment_detail(shipment_id)
    except Shipment.DoesNotExist:
        return get_object_or_404(Shipment, pk=shipment_id)
    context = {
        "shipment": shipment,
        "order": shipment.order,
        "addresses": _addresses(shipment.order),
        "blocks": view_blocks.render("shipment", request, shipment),
    }
    return render(request, "orders/shipment_view.html", context)


@permission_required("orders.view_creditmemo")
def creditmemo_view(request: HttpRequest, credit_memo_id: int) -> HttpResponse:
    try:
        memo = selectors.creditmemo_detail(credit_memo_id)
    except CreditMemo.DoesNotExist:
        return get_object_or_404(CreditMemo, pk=credit_memo_id)
    context = {
        "memo": memo,
        "order": memo.order,
        "addresses": _addresses(memo.order),
        "blocks": view_blocks.render("credit_memo", request, memo),
    }
    return render(request, "orders/creditmemo_view.html", context)
