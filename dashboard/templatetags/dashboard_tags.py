"""Template helpers of the dashboard pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from admin_ui.formatting import format_money
from admin_ui.reversing import reverse_int
from amazon_channel.core.channel import is_amazon_order

register = template.Library()
register.filter("is_amazon_order", is_amazon_order)


@register.filter
def order_url(order_id: int) -> str:
    """The Commerce order's page (`{{ order.pk|order_url }}`)."""
    return reverse_int("orders:order_view", order_id)  # once a row: reversed once, then filled in


@register.filter
def get_label(labels: dict, key: str) -> str:
    return labels.get(key, key)


@register.simple_tag
def row_url(name: str, pk: int) -> str:
    """`{% row_url "app:page" row.pk %}`: a row's link, reversed once per page name and then filled in."""
    return reverse_int(name, pk)


@register.filter
def axis_money(amount: Decimal, currency: str = "") -> str:
    """A chart axis label: whole amounts without cents ($200, not $200.00); money as everywhere else (admin_ui)."""
    whole = Decimal(amount) == Decimal(amount).to_integral_value()
    return format_money(amount, currency, places=0 if whole else None)
