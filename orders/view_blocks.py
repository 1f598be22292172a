"""Places on the sales pages other apps can add to, without orders knowing them (the Amazon channel adds its order
number and links to *Payment & Shipping Method*).

    from orders import view_blocks
    view_blocks.register("payment_shipping", render_amazon_block)   # (request, order) -> safe HTML or None

Sections: "payment_shipping" and "order_notices" get the order; "shipment" and "credit_memo" get that document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

SECTIONS = ("payment_shipping", "order_notices", "shipment", "credit_memo")

Renderer = Callable[[HttpRequest, object], "str | None"]
_renderers: dict[str, list[Renderer]] = {section: [] for section in SECTIONS}
FormExtension = Callable[[object], "type | None"]
_form_extensions: dict[str, list[FormExtension]] = {}


def register(section: str, renderer: Renderer) -> None:
    """Add a renderer to a section; registering the same renderer twice keeps one."""
    if section not in _renderers:
        raise ValueError(f"unknown view block section {section!r}; one of {SECTIONS}")
    if renderer not in _renderers[section]:
        _renderers[section].append(renderer)


def unregister(section: str, renderer: Renderer) -> None:
    if renderer in _renderers.get(section, []):
        _renderers[section].remove(renderer)


def render(section: str, request: HttpRequest, obj: object) -> SafeString:
    """Every registered block for this section, in registration order. A failing block is logged and left out:
    the order page must keep working for the people processing orders."""
    parts: list[str] = []
    for renderer in _renderers.get(section, []):
        try:
            html = renderer(request, obj)
        except Exception:
            logger.exception("view block %r for section %s failed", renderer, section)
            continue
        if html:
            # A renderer returns safe HTML; a plain str is escaped rather than trusted.
            parts.append(str(conditional_escape(html)))
    return mark_safe("".join(parts))


def register_form_extension(form: str, factory: FormExtension) -> None:
    """Let an app add fields to an action form ("credit_memo"): `factory(order)` returns a `django.forms.Form`
    subclass (its fields, and optionally `extension_data(self) -> dict` from its cleaned data, which reaches the
    service as `channel_data`), or None when it doesn't apply to this order. Its fields are drawn under the
    totals; their errors show there."""
    extensions = _form_extensions.setdefault(form, [])
    if factory not in extensions:
        extensions.append(factory)


def form_extensions(form: str, order: object) -> list[type]:
    mixins = []
    for factory in _form_extensions.get(form, []):
        mixin = factory(order)
        if mixin is not None:
            mixins.append(mixin)
    return mixins
