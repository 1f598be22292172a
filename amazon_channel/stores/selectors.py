"""Reads for the store pages: a fixed number of queries per page, whatever the number of rows."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from ..models import AmazonStore, CommunicationLog


def store_list() -> QuerySet[AmazonStore]:
    return AmazonStore.objects.select_related("commerce_store", "periodic_task__interval").annotate(
        order_count=Count("amazon_orders", distinct=True),
        failed_count=Count("amazon_orders", filter=~Q(amazon_orders__import_error=""), distinct=True),
        # Every order without a Commerce order, whatever the reason (All Orders' "Not imported only").
        not_imported_count=Count("amazon_orders", filter=Q(amazon_orders__commerce_order__isnull=True), distinct=True),
    )


def communication_log(*, store: AmazonStore) -> QuerySet[CommunicationLog]:
    return CommunicationLog.objects.filter(store=store).order_by("-created_at", "-id")


def same_account_store(*, seller_id: str, marketplace_ids: list[str], exclude_pk: int | None) -> AmazonStore | None:
    """The store already holding any of these marketplaces for this seller, if any: two would import the same
    orders. One query: the home marketplace or the further ones (jsonb `?|`)."""
    marketplace_ids = [m for m in marketplace_ids if m]
    if not seller_id or not marketplace_ids:
        return None
    stores = AmazonStore.objects.filter(
        Q(marketplace_id__in=marketplace_ids) | Q(more_marketplace_ids__has_any_keys=marketplace_ids),
        seller_id=seller_id.strip(),
    )
    if exclude_pk is not None:
        stores = stores.exclude(pk=exclude_pk)
    return stores.only("id", "name").first()
