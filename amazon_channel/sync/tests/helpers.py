"""Helpers shared by the import tests."""

from __future__ import annotations

from amazon_channel.sync import ImportResult, process_orders
from orders.models import Order


def run(store, *orders, actor=None) -> ImportResult:
    """One import page of these orders (process_orders), and what it reports."""
    result = ImportResult(store_id=store.pk)
    process_orders(store=store, orders=list(orders), actor=actor, result=result)
    return result


def commerce(amazon_id: str) -> Order:
    return Order.objects.get(channel="amazon", external_order_number=amazon_id)
