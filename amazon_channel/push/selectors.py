"""Reads for the push pages: what was (or will be) sent to Amazon, per Commerce order and across stores."""

from __future__ import annotations

from django.db.models import QuerySet

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
    # The refund, not the credit memo's VAT credit note (which carries the same credit memo id).
    return updates.filter(credit_memo_id=credit_memo_id).exclude(kind=OutboundUpdate.Kind.VAT_INVOICE).first()


def outbox_rows(page_ids: QuerySet) -> QuerySet[OutboundUpdate]:
    """One page of *Updates to Amazon*: the updates `page_ids` picked, with the store and orders each row shows."""
    return OutboundUpdate.objects.filter(pk__in=page_ids).select_related(
        "store", "amazon_order", "amazon_order__commerce_order"
    )


def store_choices() -> list[tuple[int, str]]:
    return list(AmazonStore.objects.order_by("name", "id").values_list("pk", "name"))
