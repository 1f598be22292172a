"""Amazon order pages: *All Orders* and *Amazon Order Details* (shipping address, cancel). Thin views: parse a
form, call one service or selector, render or redirect."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from admin_ui.pagination import DeferredRowsPaginator
from admin_ui.permissions import permission_required

from ..models import AmazonOrder, AmazonOrderStatus, AmazonStore
from . import selectors
from .forms import CancelAmazonOrderForm, ShippingAddressForm
from .services import AmazonOrderActionRefused, request_amazon_cancel, update_shipping_address

staff_required = staff_member_required(login_url="login")
PAGE_SIZES = (20, 50, 100, 200)


class AmazonOrderFilterForm(django_forms.Form):
    purchase_date_from = django_forms.DateTimeField(
        required=False, label=_("Purchase Date from"), widget=django_forms.DateInput(attrs={"type": "date"})
    )
    purchase_date_to = django_forms.DateTimeField(
        required=False, label=_("to"), widget=django_forms.DateInput(attrs={"type": "date"})
    )
    order_number = django_forms.CharField(required=False, label=_("Order Number"))
    status = django_forms.ChoiceField(required=False, label=_("Status"))
    buyer_name = django_forms.CharField(required=False, label=_("Buyer's Name"))
    grand_total_from = django_forms.DecimalField(required=False, label=_("Grand Total from"))
    grand_total_to = django_forms.DecimalField(required=False, label=_("to"))
    order_notes = django_forms.CharField(required=False, label=_("Order Notes"))
    failed = django_forms.BooleanField(required=False, label=_("Not imported only"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any")), *AmazonOrderStatus.choices]

    def filters(self, *, store_id: int | None) -> selectors.AmazonOrderFilters:
        data = self.cleaned_data if self.is_valid() else {}
        to = data.get("purchase_date_to")
        if to is not None and to.hour == 0 and to.minute == 0:
            to = to.replace(hour=23, minute=59, second=59)  # a date "to" includes that whole day
        return selectors.AmazonOrderFilters(
            store_id=store_id,
            purchase_date_from=data.get("purchase_date_from"),
            purchase_date_to=to,
            order_number=data.get("order_number") or "",
            status=data.get("status") or "",
            buyer_name=data.get("buyer_name") or "",
            grand_total_from=data.get("grand_total_from"),
            grand_total_to=data.get("grand_total_to"),
            order_notes=data.get("order_notes") or "",
            failed_only=bool(data.get("failed")),
        )


@staff_required
def order_grid(request: HttpRequest, store_pk: int | None = None) -> HttpResponse:
    store = get_object_or_404(AmazonStore, pk=store_pk) if store_pk else None
    form = AmazonOrderFilterForm(request.GET or None)
    sort = request.GET.get("sort") or selectors.DEFAULT_GRID_SORT
    rows = selectors.amazon_orders(filters=form.filters(store_id=store.pk if store else None), sort=sort)
    page_size = _page_size(request.GET.get("page_size"))
    paginator = DeferredRowsPaginator(rows, page_size, load_rows=lambda ids: selectors.grid_rows(ids, sort=sort))
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(
        request,
        "amazon_channel/amazon_orders/order_grid.html",
        {
            "store": store,
            "form": form,
            "page": page,
            "sort": sort,
            "page_size": page_size,
            "page_sizes": PAGE_SIZES,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "columns": _grid_columns(sort),
        },
    )


def _page_size(value: str | None) -> int:
    try:
        size = int(value or PAGE_SIZES[0])
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


def _grid_columns(sort: str) -> list[dict]:
    labels = [
        ("purchase_date", _("Purchase Date")),
        ("order_number", _("Order Number")),
        ("status", _("Status")),
        ("buyer_name", _("Buyer's Name")),
        ("grand_total", _("Grand Total")),
        ("order_notes", _("Order Notes")),
    ]
    columns = []
    for key, label in labels:
        active = sort.lstrip("-") == key
        descending = active and sort.startswith("-")
        columns.append(
            {
                "key": key,
                "label": label,
                "active": active,
                "descending": descending,
                "next_sort": key if descending or not active else "-" + key,
            }
        )
    return columns


@staff_required
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
            "pending_cancel": selectors.pending_cancel_request(amazon_order),
            "address_form": address_form or ShippingAddressForm(initial=ShippingAddressForm.initial_from(amazon_order)),
            "cancel_form": cancel_form or CancelAmazonOrderForm(),
            "can_cancel_perm": request.user.has_perm("amazon_channel.cancel_amazonorder"),
            "can_edit_perm": request.user.has_perm("amazon_channel.change_amazonorder"),
        },
        status=status,
    )


@require_POST
@staff_required
@permission_required("amazon_channel.change_amazonorder")
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
@staff_required
@permission_required("amazon_channel.cancel_amazonorder")
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
