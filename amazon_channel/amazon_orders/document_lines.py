"""What an Amazon business order adds to its invoices and credit memos (issue 17), through orders.document_lines:
the buyer's company, the purchase order number, the buyer's tax registrations (VAT number and issuing country) and
the invoicing requirement. Read for a whole chunk of documents in one query, live from the Amazon order: when
retention removes the buyer's data (company and Amazon's payload), the company, tax registrations and invoicing
requirement go with it; the purchase order number is the business's reference, no personal data, and stays."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from orders.document_lines import DocumentLine
from orders.models import Order

from ..core.channel import is_amazon_order
from ..models import AmazonOrder
from ..sync import OrderDetails, order_details


def _invoice_requirement(preference: str) -> str:
    labels = {"BUSINESS": _("Business invoice"), "INDIVIDUAL": _("Individual invoice")}
    return labels.get(preference, preference)


def _registration_label(kind: str, issuer: str) -> str:
    if kind == "VAT":
        if issuer:
            return _("Buyer VAT number (%(issuer)s)") % {"issuer": issuer}
        return _("Buyer VAT number")
    if issuer:
        return _("Buyer tax registration %(type)s (%(issuer)s)") % {"type": kind, "issuer": issuer}
    return _("Buyer tax registration %(type)s") % {"type": kind or "-"}


def _tax_lines(details: OrderDetails) -> list[DocumentLine]:
    lines = []
    # The merchant's own registration is the store's VAT number, already printed; only the buyer's belong here.
    for registration in details.tax_registrations:
        if registration.entity_type != "BUYER" or not registration.number:
            continue
        attributes = dict(registration.attributes)
        value = registration.number
        if attributes.get("TAX_OFFICE"):
            office = _("Tax office: %(office)s") % {"office": attributes["TAX_OFFICE"]}
            value = f"{value} · {office}"
        label = _registration_label(registration.kind, attributes.get("ISSUER", ""))
        lines.append(DocumentLine(label, value, buyer_data=True))
    return lines


def business_lines(orders: Sequence[Order]) -> dict[int, list[DocumentLine]]:
    """The lines of each Amazon order among these, in one query (only the payload's `tax` part is read)."""
    ids = [order.pk for order in orders if is_amazon_order(order)]
    if not ids:
        return {}
    rows = AmazonOrder.objects.filter(commerce_order_id__in=ids).values_list(
        "commerce_order_id", "buyer_company", "purchase_order_number", "raw__tax"
    )
    lines: dict[int, list[DocumentLine]] = {}
    for order_id, company, po_number, tax in rows:
        details = order_details({"tax": tax})
        found = []
        if company:
            found.append(DocumentLine(_("Buyer company"), company, buyer_data=True))
        if po_number:
            found.append(DocumentLine(_("Purchase order number"), po_number))
        found += _tax_lines(details)
        if details.invoice_preference:
            found.append(DocumentLine(_("Invoice requirement"), _invoice_requirement(details.invoice_preference)))
        if found:
            lines[order_id] = found
    return lines
