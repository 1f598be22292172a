from django import template

from admin_ui.reversing import reverse_int

register = template.Library()


@register.filter
def commerce_order_url(order_id: int) -> str:
    """The Commerce order view of an Amazon order (reversed once per page, not once a row)."""
    return reverse_int("orders:order_view", order_id)


@register.filter
def amazon_order_url(pk: int) -> str:
    """The Amazon Order Details page of a grid row (reversed once per page, not once a row)."""
    return reverse_int("amazon_channel:order_detail", pk)
