"""Store Information: the name, address, VAT number and logo the printed documents carry."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from admin_ui.permissions import permission_required

from . import services
from .forms import StoreInformationForm
from .models import Store
from .services import OrderActionRefused


@permission_required("orders.change_store")
def store_information(request: HttpRequest, store_id: int | None = None) -> HttpResponse:
    stores = list(Store.objects.order_by("name").defer("logo"))
    if not stores:
        raise Http404
    store = get_object_or_404(Store, pk=store_id) if store_id else Store.objects.get(pk=stores[0].pk)
    form = StoreInformationForm(request.POST or None, request.FILES or None, instance=store)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        logo = (
            data["logo_file"] if data.get("logo_file") else (None if data.get("remove_logo") else services.stores.KEEP)
        )
        try:
            services.update_store_information(
                store=store,
                name=data["name"],
                address=data["address"],
                vat_number=data["vat_number"],
                attach_invoice_pdf=data["attach_invoice_pdf"],
                logo=logo,
                actor=request.user,
            )
        except OrderActionRefused as refusal:
            for field, errors in refusal.field_errors.items():
                for error in errors:
                    form.add_error(field, error)
        else:
            messages.success(request, _("You saved the store information."))
            return redirect("orders:store_information", store.pk)
    return render(
        request,
        "orders/store_information.html",
        {"form": form, "store": store, "stores": stores, "title": _("Store Information")},
    )
