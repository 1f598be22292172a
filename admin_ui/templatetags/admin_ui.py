"""`{% load admin_ui %}`: money, numbers, dates, status badges, confirm buttons, grid helpers."""

from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..formatting import format_datetime, format_money, format_number

register = template.Library()

# Magento's grid colours: green done, blue in progress, grey closed, red canceled, yellow waiting.
BADGE_CLASSES = {
    "pending": "text-bg-warning",
    "new": "text-bg-warning",
    "pending_payment": "text-bg-warning",
    "payment_review": "text-bg-warning",
    "processing": "text-bg-primary",
    "complete": "text-bg-success",
    "paid": "text-bg-success",
    "refunded": "text-bg-secondary",
    "closed": "text-bg-secondary",
    "canceled": "text-bg-danger",
    "holded": "text-bg-dark",
    "open": "text-bg-warning",
    "failed": "text-bg-danger",
}


@register.simple_tag
def money(amount, currency="USD") -> str:
    return format_money(amount, currency)


@register.filter(name="money")
def money_filter(amount, currency="USD") -> str:
    """`{{ order.grand_total|money:order.order_currency }}`: `$1,234.56` / `US$1,234.56` / `€ 1.234,56`."""
    return format_money(amount, currency)


@register.filter(name="number")
def number_filter(value, places=None) -> str:
    """`{{ count|number }}`, `{{ rate|number:2 }}`: grouped, with the language's decimal mark."""
    return format_number(value, None if places in (None, "") else int(places))


@register.filter(name="number_capped")
def number_capped_filter(value, cap) -> str:
    """`{{ count|number_capped:10000 }}`: a count taken up to `cap` + 1, shown as "10,000+" when above `cap`."""
    if value is not None and cap not in (None, "") and value > int(cap):
        # Translators: a count that was stopped at a limit, e.g. "10,000+" (more than 10,000).
        return _("%(number)s+") % {"number": format_number(int(cap))}
    return format_number(value)


@register.filter(name="datetime")
def datetime_filter(value, part="datetime") -> str:
    """`{{ order.created_at|datetime }}` (or `:"date"`, `:"time"`): the language's one format, site time zone."""
    return format_datetime(value, part)


@register.simple_tag
def status_badge(status, label=None) -> str:
    key = str(status or "").lower()
    text = label if label is not None else key.replace("_", " ").title()
    css = BADGE_CLASSES.get(key, "text-bg-light border")
    return format_html('<span class="badge {} status-badge" data-status="{}">{}</span>', css, key, text)


@register.simple_tag(takes_context=True)
def confirm_button(context, url, label, message, css="btn-outline-secondary", icon="", testid="", version=None) -> str:
    """A POST button that asks first (the layout's confirm dialog); without JS the browser submits at once.
    `version` posts the version of the object the page showed, so an action on a changed object can be refused."""
    request = context["request"]
    icon_html = format_html('<i class="bi bi-{} me-1"></i>', icon) if icon else ""
    version_html = format_html('<input type="hidden" name="version" value="{}">', version) if version else ""
    return format_html(
        '<form method="post" action="{}" class="d-inline" data-confirm="{}">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">{}'
        '<button type="submit" class="btn {}" data-testid="{}">{}{}</button></form>',
        url,
        message,
        get_token(request),
        version_html,
        css,
        testid,
        icon_html,
        label,
    )


@register.simple_tag(takes_context=True)
def grid_url(context, grid, **changes) -> str:
    return grid.url_with(**changes)


@register.inclusion_tag("admin_ui/sort_header.html", takes_context=True)
def sort_header(context, grid, column):
    return {"grid": grid, "column": column, "state": grid.sort_state(column)}


@register.simple_tag
def render_filter(grid, grid_filter) -> str:
    """A declared filter's form field: its template with `filter`, `grid` and what the filter's `context()` gives."""
    from django.template.loader import render_to_string

    context = {"filter": grid_filter, "grid": grid, **grid_filter.context(grid.data)}
    return render_to_string(grid_filter.template, context)


@register.filter
def get_item(mapping, key):
    """`{{ labels|get_item:order.status }}`: a dict lookup by a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
