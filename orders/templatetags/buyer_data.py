"""`{% load buyer_data %}`: `{{ order.billing_name|buyer:perms }}` shows the value only with the *view buyer data*
permission (the `perms` of the template context), else the mask."""

from __future__ import annotations

from typing import Any

from django import template

from orders.buyer_data import VIEW_BUYER_DATA, masked

register = template.Library()


@register.filter
def buyer(value: Any, perms: Any) -> Any:
    return masked(value, visible=bool(perms) and VIEW_BUYER_DATA in perms)
