"""Which Amazon orders become Commerce orders."""

from __future__ import annotations

from ..models import AmazonOrder, AmazonOrderStatus


def is_importable(*, status: str, fulfilled_by: str) -> bool:
    """When a Commerce order is created: merchant fulfilled once Amazon has the payment (Unshipped or later, not
    canceled); Amazon fulfilled only once shipped. Never Pending (no prices yet) or Canceled."""
    if fulfilled_by == AmazonOrder.FulfilledBy.AMAZON:
        return status == AmazonOrderStatus.SHIPPED
    return status in {AmazonOrderStatus.UNSHIPPED, AmazonOrderStatus.PARTIALLY_SHIPPED, AmazonOrderStatus.SHIPPED}
