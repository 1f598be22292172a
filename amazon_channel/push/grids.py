"""The *Updates to Amazon* grid: every update of every store, the ones not yet accepted by default (admin_ui's grid)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from admin_ui.grid import ChoiceFilter, Column, Grid

from ..models import OutboundUpdate
from . import selectors


class StateFilter(ChoiceFilter):
    """Nothing chosen means what still needs Amazon or a person: pending, sending, awaiting a result, failed."""

    def __init__(self) -> None:
        super().__init__(
            "state", _("State"), "state", OutboundUpdate.State.choices, empty_label=_("Pending and failed")
        )

    def apply(self, qs, data):
        value = self.value(data)
        return qs.filter(state=value) if value else qs.filter(state__in=selectors.OPEN_STATES)


class OutboxGrid(Grid):
    columns = (
        Column("created_at", _("Created"), sort="created_at"),
        Column("store", _("Store"), sort="store__name"),
        Column("amazon_order", _("Amazon Order"), sort="amazon_order__amazon_order_id"),
        Column("order", _("Order #")),
        Column("kind", _("Update"), sort="kind"),
        Column("state", _("State"), sort="state"),
        Column("attempts", _("Attempts"), sort="attempts", css="text-end"),
        Column("last_response", _("Amazon's answer")),
    )
    filters = (
        ChoiceFilter("store", _("Store"), "store_id", selectors.store_choices, empty_label=_("All stores")),
        StateFilter(),
        ChoiceFilter("kind", _("Update"), "kind", OutboundUpdate.Kind.choices, empty_label=_("All updates")),
    )
    search_placeholder = _("Search by Amazon order # or order #")
    default_sort = "-created_at"
    page_sizes = (20, 50, 100, 200)

    def search_condition(self, keyword: str) -> Q | None:
        return Q(amazon_order__amazon_order_id__icontains=keyword) | Q(
            amazon_order__commerce_order__increment_id__icontains=keyword
        )

    def load_rows(self, ids: QuerySet) -> QuerySet[OutboundUpdate]:
        return selectors.outbox_rows(ids)
