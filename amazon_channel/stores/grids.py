"""A store's communication log as a grid (admin_ui's): search by Amazon order # or request ID, filter by operation."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from admin_ui.grid import Column, Grid, RangeFilter, TextFilter


class CommunicationLogGrid(Grid):
    columns = (
        Column("created_at", _("Time"), sort="created_at"),
        Column("operation", _("Operation"), sort="operation"),
        Column("http_status", _("HTTP"), sort="http_status"),
        Column("code", _("Amazon's code"), sort="code"),
        Column("message", _("Message")),
        Column("request_id", _("Request ID")),
        Column("amazon_order_id", _("Order Number"), sort="amazon_order_id"),
    )
    filters = (
        RangeFilter("created", _("Time"), "created_at", kind="date"),
        TextFilter("operation", _("Operation"), "operation", lookup="iexact", max_length=64),
        TextFilter("code", _("Amazon's code"), "code", max_length=128),
    )
    search_placeholder = _("Search by Amazon order # or request ID")
    default_sort = "-created_at"
    default_page_size = 50
    page_sizes = (50, 100, 200)

    def search_condition(self, keyword: str) -> Q | None:
        return Q(amazon_order_id__icontains=keyword) | Q(request_id__iexact=keyword)
