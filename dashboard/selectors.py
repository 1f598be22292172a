"""Reads of the store dashboard besides its figures (dashboard.figures): the newest orders, the quick search by
order number, the currency the figures are in."""

from __future__ import annotations

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from orders.models import Order, OrderItem, Store


def dashboard_currency() -> str:
    """Figures are sums of base grand totals, so they are in the base currency (Magento's global base currency)."""
    store = Store.objects.order_by("pk").only("base_currency").first()
    return store.base_currency if store else "USD"


def recent_orders(*, limit: int = 10) -> QuerySet[Order]:
    """The newest orders with their item count. The count is a correlated subquery, evaluated for the few rows the
    index on created_at returns, not a GROUP BY over every order."""
    qty = (
        OrderItem.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(total=Sum("qty_ordered"))
        .values("total")[:1]
    )
    return (
        Order.objects.order_by("-created_at", "-id")
        .annotate(items_qty=Coalesce(Subquery(qty, output_field=IntegerField()), Value(0)))
        .only(
            "id",
            "increment_id",
            "channel",
            "external_order_number",
            "customer_first_name",
            "customer_last_name",
            "customer_email",
            "billing_name",
            "grand_total",
            "order_currency",
            "state",
            "status",
            "created_at",
        )[:limit]
    )


def find_orders_by_number(number: str, *, limit: int = 2) -> list[int]:
    """Ids of orders whose Commerce order number or channel (Amazon) order number is exactly `number`."""
    number = number.strip()
    if not number:
        return []
    return list(
        Order.objects.filter(Q(increment_id=number) | Q(external_order_number=number))
        .order_by("-created_at")
        .values_list("pk", flat=True)[:limit]
    )
