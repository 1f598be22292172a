from django import template

from admin_ui.reversing import reverse_int
from amazon_channel.sync import Fate, explain

register = template.Library()


@register.filter
def commerce_order_url(order_id: int) -> str:
    """The Commerce order view of an Amazon order (reversed once per page, not once a row)."""
    return reverse_int("orders:order_view", order_id)


@register.filter
def amazon_order_url(pk: int) -> str:
    """The Amazon Order Details page of a grid row (reversed once per page, not once a row)."""
    return reverse_int("amazon_channel:order_detail", pk)


@register.filter
def order_fate(amazon_order) -> Fate | None:
    """Why an Amazon order has no Commerce order (None when it has one)."""
    return explain(amazon_order)


@register.filter
def import_now_url(pk: int) -> str:
    return reverse_int("amazon_channel:order_import_now", pk)
