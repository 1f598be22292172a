"""Reads for the push pages: what was (or will be) sent to Amazon, per Commerce order and across stores."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from orders.models import Order

from ..models import AmazonStore, OutboundUpdate

OPEN_STATES = (
    OutboundUpdate.State.PENDING,
    OutboundUpdate.State.SENDING,
    OutboundUpdate.State.AWAITING_RESULT,
    OutboundUpdate.State.FAILED,
)


def updates_for_order(*, order: Order) -> list[OutboundUpdate]:
    """Every update of the order's Amazon order, oldest first (one query)."""
    return list(
        OutboundUpdate.objects.filter(amazon_order__commerce_order=order)
        .select_related("store", "amazon_order")
        .order_by("created_at", "id")
    )


def update_for_document(*, shipment_id: int | None = None, credit_memo_id: int | None = None) -> OutboundUpdate | None:
    """The update of one shipment or credit memo (None for documents of other channels)."""
    updates = OutboundUpdate.objects.select_related("store", "amazon_order")
    if shipment_id is not None:
        return updates.filter(shipment_id=shipment_id).first()
    return updates.filter(credit_memo_id=credit_memo_id).first()


@dataclass(frozen=True)
class OutboxFilters:
    store_id: int | None = None
    state: str = ""  # "" = pending and failed (everything not yet accepted)
    kind: str = ""
    search: str = ""  # Amazon order number


def outbox_updates(*, filters: OutboxFilters) -> QuerySet[OutboundUpdate]:
    updates = OutboundUpdate.objects.select_related("store", "amazon_order", "amazon_order__commerce_order")
    updates = updates.filter(state=filters.state) if filters.state else updates.filter(state__in=OPEN_STATES)
    if filters.store_id:
        updates = updates.filter(store_id=filters.store_id)
    if filters.kind:
        updates = updates.filter(kind=filters.kind)
    if filters.search:
        term = filters.search.strip()
        updates = updates.filter(
            Q(amazon_order__amazon_order_id__icontains=term)
            | Q(amazon_order__commerce_order__increment_id__icontains=term)
        )
    return updates.order_by("-created_at", "-id")


def stores_for_filter() -> list[AmazonStore]:
    return list(AmazonStore.objects.order_by("name", "id"))
