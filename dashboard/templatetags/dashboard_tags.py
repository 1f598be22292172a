"""Template helpers of the dashboard pages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import NoReverseMatch, reverse

from admin_ui.reversing import reverse_int
from dashboard import views

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "TWD": "NT$"}
ZERO_PLACES = {"JPY", "KRW", "TWD"}


@register.filter
def order_url(order_id: int) -> str:
    return views.order_url(order_id)


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
def url_or_empty(name: str, *args) -> str:
    """The URL, or "" while the page it names is not installed (the template then shows plain text)."""
    try:
        if len(args) == 1 and isinstance(args[0], int):
            return reverse_int(name, args[0])  # a row's link: reversed once, not once a row
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def axis_money(amount: Decimal, currency: str = "") -> str:
    """A chart axis label: whole amounts without cents ($200, not $200.00)."""
    text = money(amount, currency)
    if Decimal(amount) == Decimal(amount).to_integral_value() and currency not in ZERO_PLACES:
        return text.replace(".00", "", 1)
    return text
