from django import template
from django.utils.translation import gettext_lazy as _

from admin_ui.reversing import reverse_int
from amazon_channel.core.credentials import needs_new_credentials as _needs_new_credentials
from amazon_channel.core.marketplaces import marketplace_label
from amazon_channel.core.reasons import cancel_reason_label
from amazon_channel.sync import Fate, details, explain

EXTENDED_FIELD_LABELS = {
    "streetName": _("Street Name"),
    "streetNumber": _("Street Number"),
    "complement": _("Complement"),
    "neighborhood": _("Neighborhood"),
}

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
def marketplace(marketplace_id: str) -> str:
    """ "Amazon.de (Germany)" for A1PA6795UKMFR9; the ID itself when unknown."""
    return marketplace_label(marketplace_id) if marketplace_id else ""


@register.filter
def order_fate(amazon_order) -> Fate | None:
    """Why an Amazon order has no Commerce order (None when it has one)."""
    return explain(amazon_order)


@register.filter
def import_now_url(pk: int) -> str:
    return reverse_int("amazon_channel:order_import_now", pk)


@register.filter
def cancel_reason(code: str) -> str:
    """Amazon's cancel reason code in the merchant's words."""
    return cancel_reason_label(code or "")


@register.filter
def update_document_url(update) -> str:
    """Where an update to Amazon comes from: its shipment, its credit memo, or (a cancel) the Commerce order."""
    if update.shipment_id:
        return reverse_int("orders:shipment_view", update.shipment_id)
    if update.kind == "vat_invoice" and (update.payload or {}).get("document") == "invoice":
        return reverse_int("orders:invoice_view", update.payload.get("document_id"))
    if update.credit_memo_id:
        return reverse_int("orders:creditmemo_view", update.credit_memo_id)
    order = update.amazon_order.commerce_order_id if update.amazon_order_id else None
    return reverse_int("orders:order_view", order) if order else ""


@register.filter
def needs_new_credentials(store) -> bool:
    """The store pages' banner: a stored credential can't be decrypted, the merchant must enter it again."""
    return _needs_new_credentials(store)


@register.filter
def program_label(code: str) -> str:
    """An Amazon program (PRIME, AMAZON_BUSINESS...) by its name."""
    return details.program_label(code)


@register.filter
def ship_by_state(amazon_order) -> str:
    """ "late" or "due_today" for an order still to ship whose ship-by window has ended or ends today, else ""."""
    return details.ship_by_state(amazon_order)


@register.simple_tag
def order_details(amazon_order) -> details.OrderDetails:
    """Tax registrations, gifts, customizations and proceeds breakdowns from what Amazon sent."""
    return details.order_details(amazon_order.raw)


@register.filter
def extended_field_label(key: str) -> str:
    return str(EXTENDED_FIELD_LABELS.get(key, key))


@register.filter
def get_item(mapping: dict, key: str):
    return (mapping or {}).get(key)


@register.filter
def net_before_fees(order_details: details.OrderDetails, grand_total):
    return order_details.net_before_fees(grand_total)
