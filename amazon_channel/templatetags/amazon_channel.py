from django import template
from django.urls import NoReverseMatch, reverse

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
