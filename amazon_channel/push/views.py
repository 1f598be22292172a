"""The *Updates to Amazon* page across stores, and Retry (one or many). Thin views: parse, call one push service,
flash, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from admin_ui.mass_actions import posted_ids

from ..core.permissions import update_page
from ..models import OutboundUpdate
from . import scheduling
from .blocks import RETRY_PERMISSION, _decorate, describe_update
from .grids import OutboxGrid


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@require_POST
@update_page
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


@update_page
def outbox_list(request: HttpRequest) -> HttpResponse:
    """Channel page: updates not yet accepted by Amazon across stores, filterable, with bulk retry."""
    grid = OutboxGrid.from_request(request, OutboundUpdate.objects.all())
    page = grid.page()
    _decorate(page.rows)
    context = {"grid": grid, "page": page, "can_retry": request.user.has_perm(RETRY_PERMISSION)}
    return render(request, "amazon_channel/push/outbox.html", context)


@require_POST
@update_page
def retry_updates(request: HttpRequest) -> HttpResponse:
    ids = posted_ids(request, "update")
    if not ids:
        messages.error(request, _("Choose the updates to send again."))
    else:
        queued = scheduling.retry_updates(updates=ids, actor=request.user)
        refused = len(ids) - queued
        messages.success(
            request,
            ngettext(
                "%(count)s update will be sent to Amazon again.",
                "%(count)s updates will be sent to Amazon again.",
                queued,
            )
            % {"count": queued},
        )
        if refused:
            messages.warning(
                request,
                ngettext(
                    "%(count)s update was not queued: only failed updates can be retried.",
                    "%(count)s updates were not queued: only failed updates can be retried.",
                    refused,
                )
                % {"count": refused},
            )
    return HttpResponseRedirect(_safe_next(request, reverse("amazon_channel:push_outbox")))
