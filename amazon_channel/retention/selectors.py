"""Which Amazon orders' buyer data is due for removal."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from ..models import AmazonOrder, AmazonOrderStatus

# Done at Amazon: nothing more will ship, so the buyer's address is no longer needed.
FINAL_STATUSES = (AmazonOrderStatus.SHIPPED, AmazonOrderStatus.CANCELLED)


def retention_days() -> int:
    return int(getattr(settings, "AMAZON_BUYER_DATA_RETENTION_DAYS", 30))


def retention_cutoff(*, days: int | None = None, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=retention_days() if days is None else days)


def due_amazon_orders(*, cutoff: datetime) -> QuerySet[AmazonOrder]:
    """Shipped or canceled orders not updated at Amazon since `cutoff`, whose buyer data is still there.

    Amazon's last update is at or after the shipment or cancel, so the data is never removed early; an order Amazon
    changed again later waits the full period from that change."""
    return AmazonOrder.objects.filter(
        status__in=FINAL_STATUSES, amazon_updated_at__lt=cutoff, buyer_data_removed_at__isnull=True
    ).order_by("pk")
