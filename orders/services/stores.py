"""Store Information: what the printed documents say about a store."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Store
from ._common import OrderActionRefused

KEEP = object()  # the logo as it is


def update_store_information(
    *,
    store: Store | int,
    name: str,
    address: str,
    vat_number: str,
    attach_invoice_pdf: bool,
    logo: bytes | object | None = KEEP,
    actor: AbstractBaseUser | None,
) -> Store:
    """Set the store's name, address, VAT number and invoice-email setting; `logo` bytes replace the logo, None
    removes it. A blank name is refused."""
    name = name.strip()
    if not name:
        message = _("A store needs a name.")
        raise OrderActionRefused(message, {"name": [message]})
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk if isinstance(store, Store) else store)
        store.name = name
        store.address = address.strip()
        store.vat_number = vat_number.strip()
        store.attach_invoice_pdf = attach_invoice_pdf
        fields = ["name", "address", "vat_number", "attach_invoice_pdf"]
        if logo is not KEEP:
            store.logo = logo or b""
            fields.append("logo")
        store.save(update_fields=fields)
    return store
