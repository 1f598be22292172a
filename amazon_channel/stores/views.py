"""Amazon store pages: the list, the settings form with *Test connection*, *Sync now*, *Recover order* and the
communication log. Thin views: parse a form, call one service, flash, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from admin_ui.permissions import permission_required

from .. import sync
from ..core.permissions import (
    ADD_STORE,
    CHANGE_STORE,
    communication_log_page,
    store_add_page,
    store_page,
    store_sync_action,
)
from ..models import AmazonStore
from . import selectors
from .forms import AmazonStoreForm, RecoverOrderForm, SyncNowForm
from .grids import CommunicationLogGrid
from .services import check_amazon_connection, preview_amazon_store, save_amazon_store


@store_page
def store_list(request: HttpRequest) -> HttpResponse:
    return render(request, "amazon_channel/stores/store_list.html", {"stores": selectors.store_list()})


@store_add_page
@permission_required(ADD_STORE)
def store_add(request: HttpRequest) -> HttpResponse:
    return _store_form(request, store=None)


@store_page
@permission_required(CHANGE_STORE)
def store_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _store_form(request, store=get_object_or_404(AmazonStore, pk=pk))


def _store_form(request: HttpRequest, *, store: AmazonStore | None) -> HttpResponse:
    form = AmazonStoreForm(request.POST or None, instance=store or AmazonStore())
    check = None
    if request.method == "POST" and "test_connection" in request.POST:
        # Test what is typed in the form (blank secrets = the stored ones), without saving it.
        if form.is_valid() or _credentials_valid(form):
            candidate = preview_amazon_store(store=store, data=_credential_data(form))
            check = check_amazon_connection(store=candidate, actor=request.user)
    elif request.method == "POST" and form.is_valid():
        saved = save_amazon_store(
            store=store, data=form.settings_data(), actor=request.user, import_skipped=form.import_skipped_too()
        )
        messages.success(request, _("You saved the Amazon store %(name)s.") % {"name": saved.name})
        return redirect("amazon_channel:store_edit", pk=saved.pk)
    return render(
        request,
        "amazon_channel/stores/store_form.html",
        {
            "store": store,
            "form": form,
            "check": check,
            "sync_form": SyncNowForm(),
            "recover_form": RecoverOrderForm(),
        },
    )


CREDENTIAL_FIELDS = (
    "region",
    "marketplace_id",
    "more_marketplace_ids",
    "seller_id",
    "client_id",
    "client_secret",
    "refresh_token",
)


def _credentials_valid(form: AmazonStoreForm) -> bool:
    return not any(name in form.errors for name in CREDENTIAL_FIELDS)


def _credential_data(form: AmazonStoreForm) -> dict:
    return {name: form.cleaned_data.get(name) for name in CREDENTIAL_FIELDS if name in form.cleaned_data}


@require_POST
@store_sync_action
def store_sync(request: HttpRequest, pk: int) -> HttpResponse:
    store = get_object_or_404(AmazonStore, pk=pk)
    form = SyncNowForm(request.POST)
    if form.is_valid():
        sync.request_store_sync(store=store, actor=request.user, since=form.cleaned_data["since"])
        messages.success(request, _("A sync of %(name)s is queued; new orders appear in a moment.") % {"name": store})
    else:
        messages.error(request, _("Enter a valid date and time."))
    return redirect("amazon_channel:store_edit", pk=store.pk)


@require_POST
@store_sync_action
def store_recover_order(request: HttpRequest, pk: int) -> HttpResponse:
    store = get_object_or_404(AmazonStore, pk=pk)
    form = RecoverOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["amazon_order_id"]))
        return redirect("amazon_channel:store_edit", pk=store.pk)
    try:
        amazon_order = sync.recover_order(
            store=store, amazon_order_id=form.cleaned_data["amazon_order_id"], actor=request.user
        )
    except sync.ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("amazon_channel:store_edit", pk=store.pk)
    if amazon_order.import_error:
        messages.warning(request, amazon_order.import_error)
    else:
        messages.success(request, _("Amazon order %(number)s is imported.") % {"number": amazon_order.amazon_order_id})
    return redirect("amazon_channel:order_detail", pk=amazon_order.pk)


@communication_log_page
def communication_log(request: HttpRequest, pk: int) -> HttpResponse:
    store = get_object_or_404(AmazonStore, pk=pk)
    grid = CommunicationLogGrid.from_request(request, selectors.communication_log(store=store))
    context = {"store": store, "grid": grid, "page": grid.page()}
    return render(request, "amazon_channel/stores/communication_log.html", context)
