from django import template
from django.urls import NoReverseMatch, reverse

from admin_ui.reversing import reverse_int

register = template.Library()

# The Commerce order view's URL name (owned by the orders UI); tried in order so this page never breaks on a rename.
ORDER_VIEW_NAMES = ("orders:order_view", "orders:order_detail", "orders:view")


@register.simple_tag
def commerce_order_url(order_id: int) -> str:
    for name in ORDER_VIEW_NAMES:
        try:
            return reverse(name, args=[order_id])
        except NoReverseMatch:
            continue
    return reverse("orders:order_grid") + f"?q={order_id}"


@register.filter
def amazon_order_url(pk: int) -> str:
    """The Amazon Order Details page of a grid row (reversed once per page, not once a row)."""
    return reverse_int("amazon_channel:order_detail", pk)


@register.inclusion_tag("amazon_channel/_failed_banner.html")
def amazon_failed_imports_banner() -> dict:
    """The banner naming each store with Amazon orders that could not be imported (one query)."""
    from amazon_channel.selectors import stores_with_failed_imports

    return {"failed_imports": stores_with_failed_imports()}
