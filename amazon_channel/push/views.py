"""The *Updates to Amazon* page across stores, and Retry (one or many). Thin views: parse, call one push service,
flash, redirect."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from admin_ui.permissions import permission_required

from ..models import OutboundUpdate
from . import scheduling, selectors
from .blocks import RETRY_PERMISSION, _decorate, describe_update

staff_required = staff_member_required(login_url="login")
PAGE_SIZES = (20, 50, 100, 200)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@require_POST
@staff_required
@permission_required(RETRY_PERMISSION)
def retry_update(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(OutboundUpdate.objects.select_related("amazon_order"), pk=pk)
    if scheduling.retry_update(update=update, actor=request.user):
        messages.success(request, _("%(what)s will be sent to Amazon again.") % {"what": describe_update(update)})
    else:
        update.refresh_from_db()
        messages.error(
            request,
            _("%(what)s was not queued again: %(why)s")
            % {"what": describe_update(update), "why": update.last_response or update.get_state_display()},
        )
    return HttpResponseRedirect(_safe_next(request, reverse("amazon_channel:push_outbox")))


class OutboxFilterForm(forms.Form):
    store = forms.TypedChoiceField(label=gettext_lazy("Store"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Update"), required=False)
    q = forms.CharField(label=gettext_lazy("Order Number"), required=False, max_length=64)
    page_size = forms.TypedChoiceField(
        label=gettext_lazy("Per page"),
        required=False,
        coerce=int,
        empty_value=PAGE_SIZES[0],
        choices=[(n, n) for n in PAGE_SIZES],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All stores"))] + [(s.pk, s.name) for s in selectors.stores_for_filter()]
        self.fields["state"].choices = [("", _("Pending and failed")), *list(OutboundUpdate.State.choices)]
        self.fields["kind"].choices = [("", _("All updates")), *list(OutboundUpdate.Kind.choices)]


@staff_required
def outbox_list(request: HttpRequest) -> HttpResponse:
    """Channel page: updates not yet accepted by Amazon across stores, filterable, with bulk retry."""
    form = OutboxFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.OutboxFilters(
        store_id=data.get("store"), state=data.get("state", ""), kind=data.get("kind", ""), search=data.get("q", "")
    )
    page_size = data.get("page_size") or PAGE_SIZES[0]
    page = Paginator(selectors.outbox_updates(filters=filters), page_size).get_page(request.GET.get("page"))
    _decorate(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "amazon_channel/push/outbox.html",
        {
            "form": form,
            "page": page,
            "updates": page.object_list,
            "query": query.urlencode(),
            "can_retry": request.user.has_perm(RETRY_PERMISSION),
        },
    )


@require_POST
@staff_required
@permission_required(RETRY_PERMISSION)
def retry_updates(request: HttpRequest) -> HttpResponse:
    ids = [int(pk) for pk in request.POST.getlist("update") if pk.isdigit()]
    if not ids:
        messages.error(request, _("Choose the updates to send again."))
    else:
        queued = scheduling.retry_updates(updates=ids, actor=request.user)
        refused = len(ids) - queued
        messages.success(request, _("%(count)s update(s) will be sent to Amazon again.") % {"count": queued})
        if refused:
            messages.warning(
                request,
                _("%(count)s update(s) were not queued: only failed updates can be retried.") % {"count": refused},
            )
    return HttpResponseRedirect(_safe_next(request, reverse("amazon_channel:push_outbox")))
