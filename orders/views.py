"""Sales pages. Thin: read through selectors, parse a form, call one service, flash, redirect."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from admin_ui.formatting import currency_places
from admin_ui.mass_actions import posted_ids, report_mass_action, run_mass_action
from admin_ui.permissions import permission_required

from . import (
    action_guards,
    document_lines,
    documents,
    print_views,
    rules,
    selectors,
    services,
    ship_guards,
    view_blocks,
)
from .buyer_data import csv_columns_for, may_view_buyer_data
from .forms import (
    CommentForm,
    CreditMemoForm,
    InvoiceForm,
    ShipmentForm,
    credit_memo_form_class,
)
from .grids import CreditMemoGrid, InvoiceGrid, OrderGrid, ShipmentGrid
from .models import CreditMemo, Invoice, Order, OrderItem, Shipment
from .services import OrderActionRefused

# --- grids --------------------------------------------------------------------------------------------------------


def _grid_page(request, grid_cls, rows, *, template: str, title, csv_name: str, extra: dict | None = None):
    grid = grid_cls.from_request(request, rows)
    grid.csv_columns = csv_columns_for(request.user, grid.csv_columns)
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
        extra={"print_kind": documents.INVOICE, "print_label": _("Print Invoices")},
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
        extra={"print_kind": documents.PACKING_SLIP, "print_label": _("Print Packing Slips")},
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
        extra={"print_kind": documents.CREDIT_MEMO, "print_label": _("Print Credit Memos")},
        title=_("Credit Memos"),
        csv_name="credit-memos.csv",
    )


# --- order view ---------------------------------------------------------------------------------------------------


@permission_required("orders.view_order")
def order_view(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        order = selectors.order_detail(order_id)
    except Order.DoesNotExist:
        raise Http404 from None
    for item in order.items.all():  # the prefetched rows: no query
        item.row_total_incl = item.row_total + item.tax_amount - item.discount_amount
    status_label = selectors.status_label(order.status)
    ship_refusal = ship_guards.ship_refusal(order) if rules.can_ship(order) else None
    buttons = order_buttons(request.user, order)
    context = {
        "order": order,
        # A channel's reason this order gets no carrier shipment (e.g. in-store pickup): shown instead of *Ship*.
        "ship_refusal": ship_refusal,
        "status_label": status_label,
        "addresses": selectors.order_addresses(order),
        "history": selectors.order_history(order),
        "comment_form": CommentForm.for_order(order, comment_status_choices(order, status_label)),
        "buttons": [b for b in buttons if b.key != "ship"] if ship_refusal else buttons,
        "payment_shipping_blocks": view_blocks.render("payment_shipping", request, order),
        "order_notices": view_blocks.render("order_notices", request, order),
        "tab": request.GET.get("tab", "info"),
    }
    return render(request, "orders/order_view.html", context)


def comment_status_choices(order: Order, status_label: str) -> list[tuple[str, str]]:
    """The statuses a comment may set: those of the order's state, or at least the one it has."""
    statuses = [(s.code, s.display_label) for s in selectors.statuses_for_state(order.state)]
    return statuses or [(order.status, status_label)]


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
    guards = rules.guards(order, order.items.all())
    candidates = [
        (
            "cancel",
            "orders.cancel_order",
            guards["cancel"],
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
            bool(order.customer_email),
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
            guards["hold"],
            Button("hold", _("Hold"), reverse("orders:order_hold", args=[order.pk]), post=True),
        ),
        (
            "unhold",
            "orders.hold_order",
            guards["unhold"],
            Button("unhold", _("Unhold"), reverse("orders:order_unhold", args=[order.pk]), post=True),
        ),
        (
            "invoice",
            "orders.invoice_order",
            guards["invoice"],
            Button("invoice", _("Invoice"), reverse("orders:invoice_new", args=[order.pk])),
        ),
        (
            "creditmemo",
            "orders.creditmemo_order",
            guards["creditmemo"],
            Button("creditmemo", _("Credit Memo"), reverse("orders:creditmemo_new", args=[order.pk])),
        ),
        (
            "ship",
            "orders.ship_order",
            guards["ship"],
            Button("ship", _("Ship"), reverse("orders:shipment_new", args=[order.pk])),
        ),
    ]
    return [button for _key, perm, allowed, button in candidates if allowed and user.has_perm(perm)]


# --- document views -----------------------------------------------------------------------------------------------


@permission_required("orders.view_invoice")
def invoice_view(request: HttpRequest, invoice_id: int) -> HttpResponse:
    try:
        invoice = selectors.invoice_detail(invoice_id)
    except Invoice.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "orders/invoice_view.html",
        {
            "invoice": invoice,
            "order": invoice.order,
            "addresses": selectors.order_addresses(invoice.order),
            "status_label": selectors.status_label(invoice.order.status),
            "order_lines": document_lines.shown_lines(invoice.order, visible=may_view_buyer_data(request.user)),
        },
    )


@permission_required("orders.view_shipment")
def shipment_view(request: HttpRequest, shipment_id: int) -> HttpResponse:
    try:
        shipment = selectors.shipment_detail(shipment_id)
    except Shipment.DoesNotExist:
        raise Http404 from None
    context = {
        "shipment": shipment,
        "order": shipment.order,
        "addresses": selectors.order_addresses(shipment.order),
        "status_label": selectors.status_label(shipment.order.status),
        "blocks": view_blocks.render("shipment", request, shipment),
    }
    return render(request, "orders/shipment_view.html", context)


@permission_required("orders.view_creditmemo")
def creditmemo_view(request: HttpRequest, credit_memo_id: int) -> HttpResponse:
    try:
        memo = selectors.creditmemo_detail(credit_memo_id)
    except CreditMemo.DoesNotExist:
        raise Http404 from None
    context = {
        "memo": memo,
        "order": memo.order,
        "addresses": selectors.order_addresses(memo.order),
        "status_label": selectors.status_label(memo.order.status),
        "order_lines": document_lines.shown_lines(memo.order, visible=may_view_buyer_data(request.user)),
        "blocks": view_blocks.render("credit_memo", request, memo),
    }
    return render(request, "orders/creditmemo_view.html", context)


# --- actions ------------------------------------------------------------------------------------------------------


def _order_for_action(order_id: int) -> tuple[Order, list[OrderItem]]:
    order = get_object_or_404(Order.objects.select_related("store"), pk=order_id)
    return order, list(order.items.order_by("id"))


def _back_to_order(order_id: int, tab: str = "") -> HttpResponse:
    url = reverse("orders:order_view", args=[order_id])
    return redirect(f"{url}?tab={tab}" if tab else url)


def _refused(request: HttpRequest, order_id: int, refusal: OrderActionRefused) -> HttpResponse:
    messages.error(request, refusal.message)
    return _back_to_order(order_id)


def _action_page(request, *, order, items, form, template: str, title, extra: dict | None = None):
    context = {
        "order": order,
        "form": form,
        "title": title,
        "addresses": selectors.order_addresses(order),
        "status_label": selectors.status_label(order.status),
        **(extra or {}),
    }
    return render(request, template, context, status=400 if form.is_bound and form.errors else 200)


@permission_required("orders.invoice_order")
def invoice_new(request: HttpRequest, order_id: int) -> HttpResponse:
    order, items = _order_for_action(order_id)
    if not rules.can_invoice(order, items):
        messages.error(request, _("The order does not allow an invoice to be created."))
        return _back_to_order(order.pk)
    form = InvoiceForm(request.POST or None, order=order, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            invoice = services.invoice_order(
                order=order,
                actor=request.user,
                quantities=form.quantities(),
                comment=form.cleaned_data["comment"],
                notify_customer=form.cleaned_data["notify_customer"],
                expected_version=form.cleaned_data["version"],
            )
        except OrderActionRefused as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, _("The invoice #%(number)s has been created.") % {"number": invoice.increment_id})
            return _back_to_order(order.pk)
    return _action_page(
        request, order=order, items=items, form=form, template="orders/invoice_new.html", title=_("New Invoice")
    )


@permission_required("orders.ship_order")
def shipment_new(request: HttpRequest, order_id: int) -> HttpResponse:
    order, items = _order_for_action(order_id)
    if not rules.can_ship(order, items):
        messages.error(request, _("The order does not allow a shipment to be created."))
        return _back_to_order(order.pk)
    refusal = ship_guards.ship_refusal(order)
    if refusal:
        messages.error(request, refusal)
        return _back_to_order(order.pk)
    form = ShipmentForm(request.POST or None, order=order, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            shipment = services.ship_order(
                order=order,
                actor=request.user,
                quantities=form.quantities(),
                tracks=form.tracks(),
                comment=form.cleaned_data["comment"],
                notify_customer=form.cleaned_data["notify_customer"],
                expected_version=form.cleaned_data["version"],
            )
        except OrderActionRefused as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(
                request, _("The shipment #%(number)s has been created.") % {"number": shipment.increment_id}
            )
            return _back_to_order(order.pk)
    return _action_page(
        request,
        order=order,
        items=items,
        form=form,
        template="orders/shipment_new.html",
        title=_("New Shipment"),
        extra={
            "carriers": ShipmentForm.carriers,
            "track_rows": form.track_rows(),
            "package_items": form.package_items(),
        },
    )


@permission_required("orders.creditmemo_order")
def creditmemo_new(request: HttpRequest, order_id: int) -> HttpResponse:
    order, items = _order_for_action(order_id)
    if not rules.can_creditmemo(order, items):
        messages.error(request, _("The order does not allow a credit memo to be created."))
        return _back_to_order(order.pk)
    refused = action_guards.refusal("creditmemo", order)
    if refused:  # the sales channel's reason (e.g. its marketplace has charged nothing yet)
        messages.error(request, refused)
        return _back_to_order(order.pk)
    form_class = credit_memo_form_class(order, view_blocks.form_extensions("credit_memo", order))
    form = form_class(request.POST or None, order=order, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            memo = services.refund_order(
                order=order,
                actor=request.user,
                quantities=form.quantities(),
                return_to_stock=form.return_to_stock(),
                refund_shipping=form.amount("refund_shipping"),
                adjustment_refund=form.amount("adjustment_refund"),
                adjustment_fee=form.amount("adjustment_fee"),
                comment=form.cleaned_data["comment"],
                notify_customer=form.cleaned_data["notify_customer"],
                channel_data=form.channel_data(),
                expected_version=form.cleaned_data["version"],
            )
        except OrderActionRefused as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, _("You created the credit memo #%(number)s.") % {"number": memo.increment_id})
            return _back_to_order(order.pk)
    for item in items:  # per-unit figures for the page's own recalculation
        item.unit_tax = (item.tax_amount / item.qty_ordered) if item.qty_ordered else 0
        item.unit_discount = (item.discount_amount / item.qty_ordered) if item.qty_ordered else 0
    own = set(CreditMemoForm.base_fields)
    extension_fields = [
        form[name] for name in form.fields if name not in own and not name.startswith(("item_", "back_"))
    ]
    return _action_page(
        request,
        order=order,
        items=items,
        form=form,
        template="orders/creditmemo_new.html",
        title=_("New Memo"),
        extra={
            "extension_fields": extension_fields,
            "money_bound": [form["refund_shipping"], form["adjustment_refund"], form["adjustment_fee"]],
            "places": currency_places(order.order_currency),
            "refundable": rules.refundable_amount(order),
        },
    )


def _simple_action(request, order_id: int, action, done_message) -> HttpResponse:
    order = get_object_or_404(Order, pk=order_id)
    try:
        action(order)
    except OrderActionRefused as refusal:
        return _refused(request, order.pk, refusal)
    messages.success(request, done_message)
    return _back_to_order(order.pk)


@require_POST
@permission_required("orders.cancel_order")
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    return _simple_action(
        request,
        order_id,
        lambda o: services.cancel_order(order=o, actor=request.user, expected_version=_posted_version(request)),
        _("You canceled the order."),
    )


@require_POST
@permission_required("orders.hold_order")
def order_hold(request: HttpRequest, order_id: int) -> HttpResponse:
    return _simple_action(
        request, order_id, lambda o: services.hold_order(order=o, actor=request.user), _("You put the order on hold.")
    )


@require_POST
@permission_required("orders.hold_order")
def order_unhold(request: HttpRequest, order_id: int) -> HttpResponse:
    return _simple_action(
        request,
        order_id,
        lambda o: services.unhold_order(order=o, actor=request.user),
        _("You released the order from holding status."),
    )


@require_POST
@permission_required("orders.email_order")
def order_email(request: HttpRequest, order_id: int) -> HttpResponse:
    return _simple_action(
        request,
        order_id,
        lambda o: services.send_order_email(order=o, actor=request.user),
        _("You sent the order email."),
    )


# A posted version that is no number matches no order: the service refuses it as stale instead of not checking.
UNREADABLE_VERSION = -1


def _posted_version(request: HttpRequest) -> int | None:
    if "version" not in request.POST:
        return None
    try:
        return int(request.POST["version"])
    except ValueError:
        return UNREADABLE_VERSION


@require_POST
@permission_required("orders.comment_order")
def order_comment(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(Order, pk=order_id)
    form = CommentForm(request.POST)
    form.is_valid()  # every field is optional; the service says what is missing
    data = form.cleaned_data
    try:
        services.add_comment(
            order=order,
            actor=request.user,
            comment=data.get("comment", ""),
            status=data.get("status") or None,
            notify_customer=data.get("notify_customer", False),
            visible_on_storefront=data.get("visible_on_storefront", False),
            expected_version=UNREADABLE_VERSION if "version" in form.errors else data.get("version"),
        )
    except OrderActionRefused as refusal:
        errors = "; ".join(m for msgs in refusal.field_errors.values() for m in msgs)
        messages.error(request, f"{refusal.message} {errors}".strip())
        return _back_to_order(order.pk)
    messages.success(request, _("You added a comment to the order."))
    return _back_to_order(order.pk, "history")


# --- mass actions -------------------------------------------------------------------------------------------------


def _counted(singular: str, plural: str):
    return lambda n: ngettext(singular, plural, n) % {"count": n}


MASS_ACTIONS = {
    # action: (permission, service, "N orders were ...", "N orders could not be ...:"), whole sentences to translate
    "cancel": (
        "orders.cancel_order",
        services.cancel_order,
        _counted("%(count)d order was canceled.", "%(count)d orders were canceled."),
        _counted("%(count)d order could not be canceled:", "%(count)d orders could not be canceled:"),
    ),
    "hold": (
        "orders.hold_order",
        services.hold_order,
        _counted("%(count)d order was put on hold.", "%(count)d orders were put on hold."),
        _counted("%(count)d order could not be put on hold:", "%(count)d orders could not be put on hold:"),
    ),
    "unhold": (
        "orders.hold_order",
        services.unhold_order,
        _counted("%(count)d order was released from hold.", "%(count)d orders were released from hold."),
        _counted(
            "%(count)d order could not be released from hold:", "%(count)d orders could not be released from hold:"
        ),
    ),
}


@require_POST
@permission_required("orders.view_order")
def order_mass_action(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    ids = posted_ids(request)
    back = reverse("orders:order_grid") + (f"?{request.POST['query']}" if request.POST.get("query") else "")
    if action == "export":
        # The selected orders, or (none selected) everything the grid's filters match.
        grid = OrderGrid(QueryDict(request.POST.get("query", "")), selectors.order_grid_rows(), path=back)
        grid.csv_columns = csv_columns_for(request.user, grid.csv_columns)
        rows = grid.sorted().filter(pk__in=ids).iterator(chunk_size=2000) if ids else None
        return grid.csv_response("orders.csv", rows)
    if action in print_views.PRINT_ACTIONS:
        return print_views.print_orders(request, action, list(dict.fromkeys(ids)), back)
    if action not in MASS_ACTIONS:
        messages.error(request, _("Choose an action."))
        return redirect(back)
    permission, service, changed_text, refused_text = MASS_ACTIONS[action]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    if not ids:
        messages.warning(request, _("Select at least one order."))
        return redirect(back)
    result = run_mass_action(
        selectors.orders_by_ids(ids),
        lambda order: service(order=order, actor=request.user),
        refused_exceptions=(OrderActionRefused,),
        label=lambda order: f"#{order.increment_id}",
    )
    report_mass_action(request, result, changed_text=changed_text, refused_text=refused_text)
    return redirect(back)
