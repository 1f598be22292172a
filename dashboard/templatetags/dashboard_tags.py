"""Template helpers of the dashboard pages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from admin_ui.reversing import reverse_int
from amazon_channel.core.channel import is_amazon_order

register = template.Library()
register.filter("is_amazon_order", is_amazon_order)

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "TWD": "NT$"}
ZERO_PLACES = {"JPY", "KRW", "TWD"}


@register.filter
def order_url(order_id: int) -> str:
    """The Commerce order's page (`{{ order.pk|order_url }}`)."""
    return reverse_int("orders:order_view", order_id)  # once a row: reversed once, then filled in


@register.filter
def money(amount, currency: str = "") -> str:
    """An amount with its currency's symbol and places."""
    if amount is None or amount == "":
        return ""
    places = 0 if currency in ZERO_PLACES else 2
    value = Decimal(amount).quantize(Decimal(1).scaleb(-places))
    text = intcomma(f"{abs(value):.{places}f}")
    symbol = SYMBOLS.get(currency)
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}".strip()


@register.filter
def get_label(labels: dict, key: str) -> str:
    return labels.get(key, key)


@register.simple_tag
def row_url(name: str, pk: int) -> str:
    """`{% row_url "app:page" row.pk %}`: a row's link, reversed once per page name and then filled in."""
    return reverse_int(name, pk)


@register.filter
def axis_money(amount: Decimal, currency: str = "") -> str:
    """A chart axis label: whole amounts without cents ($200, not $200.00)."""
    text = money(amount, currency)
    if Decimal(amount) == Decimal(amount).to_integral_value() and currency not in ZERO_PLACES:
        return text.replace(".00", "", 1)
    return text
