"""Emails to the customer, rendered from templates and sent through Django's email backend."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .. import rules
from ..models import Order

logger = logging.getLogger(__name__)

SUBJECTS = {
    "order": lambda o: _("Your order #%(number)s") % {"number": o.increment_id},
    "update": lambda o: _("Update to your order #%(number)s") % {"number": o.increment_id},
    "invoice": lambda o: _("Invoice for your order #%(number)s") % {"number": o.increment_id},
    "shipment": lambda o: _("Your order #%(number)s has shipped") % {"number": o.increment_id},
    "credit_memo": lambda o: _("Refund for your order #%(number)s") % {"number": o.increment_id},
}


def build_email(order: Order, kind: str, document=None, comment: str = "") -> EmailMultiAlternatives:
    context = {
        "order": order,
        "items": list(order.items.all()),
        "kind": kind,
        "document": document,
        "comment": comment,
        "billing": order.addresses.filter(address_type="billing").first(),
        "shipping": order.addresses.filter(address_type="shipping").first(),
        "tracks": list(document.tracks.all()) if kind == "shipment" and document is not None else [],
    }
    text = render_to_string("orders/email/order_email.txt", context)
    html = render_to_string("orders/email/order_email.html", context)
    message = EmailMultiAlternatives(
        subject=str(SUBJECTS[kind](order)),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.customer_email],
    )
    message.attach_alternative(html, "text/html")
    if kind == "invoice" and document is not None and order.store.attach_invoice_pdf:
        # The store's setting: the invoice itself goes with its email, as printed.
        from ..documents import INVOICE, document_pdf

        message.attach(f"invoice-{document.increment_id}.pdf", document_pdf(INVOICE, document.pk), "application/pdf")
    return message


def send_now(order: Order, kind: str, document=None, comment: str = "") -> None:
    """Send at once; raises if the mail server refuses."""
    build_email(order, kind, document, comment).send(fail_silently=False)


def notify_customer_after_commit(order: Order, kind: str, document=None, comment: str = "") -> None:
    """Send once the change is committed; a mail failure never undoes the invoice or shipment it reports."""
    if rules.email_is_withheld(order.customer_email):
        return  # nobody to write to (a channel withheld the address)
    language = translation.get_language()

    def send() -> None:
        with translation.override(language):
            try:
                send_now(order, kind, document, comment)
            except Exception:  # the order action stands; the log says the email didn't go
                logger.exception("Could not send the %s email for order %s", kind, order.increment_id)

    transaction.on_commit(send)
