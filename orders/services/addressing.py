"""change_shipping_address: send the order somewhere else, before anything has shipped."""

from __future__ import annotations

from dataclasses import fields, replace

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from .. import events, rules
from ..models import Order, OrderAddress, OrderComment, OrderState
from ._common import OrderActionRefused, actor_id, actor_or_none, finish, lock_order
from .placing import NewAddress


def change_shipping_address(
    *,
    order: Order | int,
    address: NewAddress,
    actor: AbstractBaseUser | None,
    expected_version: int | None = None,
    comment: str = "",
    origin: str = "admin",
) -> Order:
    """Replace the order's shipping address, every field of it, and the ship-to name the grid shows; the comments
    history records the new address (and `comment`, if given)."""
    address = clean_address(address)
    with transaction.atomic():
        order, items = lock_order(order, expected_version=expected_version)
        if not rules.can_change_shipping_address(order, items):
            raise OrderActionRefused(_address_refusal(order))
        values = {f.name: getattr(address, f.name) for f in fields(NewAddress)}
        shipping = OrderAddress.objects.filter(order=order, address_type=OrderAddress.Type.SHIPPING)
        if not shipping.update(**values):
            OrderAddress.objects.create(order=order, address_type=OrderAddress.Type.SHIPPING, **values)
        order.shipping_name = address.name
        finish(order, items, extra_fields=["shipping_name"])
        note = _("Shipping address changed to: %(address)s.") % {"address": _one_line(address)}
        OrderComment.objects.create(
            order=order,
            comment=f"{note}\n{comment.strip()}" if comment.strip() else note,
            status=order.status,
            created_by=actor_or_none(actor),
        )
        events.announce(events.OrderShippingAddressChanged(order_id=order.pk, actor_id=actor_id(actor), origin=origin))
        return order


def clean_address(address: NewAddress) -> NewAddress:
    """Trimmed, the country code in capitals; refused with an error per field when something is missing, too long
    for its column or malformed."""
    address = replace(address, **{f.name: (getattr(address, f.name) or "").strip() for f in fields(NewAddress)})
    address = replace(address, country_code=address.country_code.upper())
    errors: dict[str, list[str]] = {}
    if not address.name:
        errors["first_name"] = [_("Enter the name of the person receiving the parcel.")]
    # What a carrier needs to take a parcel there.
    required = {
        "street": _("Enter the street address."),
        "city": _("Enter the city."),
        "country_code": _("Choose the country."),
    }
    for name, message in required.items():
        if not getattr(address, name):
            errors[name] = [message]
    for f in fields(NewAddress):
        limit = OrderAddress._meta.get_field(f.name).max_length
        if limit and len(getattr(address, f.name)) > limit:
            errors.setdefault(f.name, []).append(_("Use at most %(limit)d characters.") % {"limit": limit})
    if address.country_code and not (len(address.country_code) == 2 and address.country_code.isalpha()):
        errors.setdefault("country_code", []).append(_("Use the two-letter country code, such as US or DE."))
    if address.email:
        try:
            validate_email(address.email)
        except ValidationError:
            errors.setdefault("email", []).append(_("Enter a valid email address."))
    if errors:
        raise OrderActionRefused(_("Check the shipping address."), errors)
    return address


def _one_line(address: NewAddress) -> str:
    street = ", ".join(line.strip() for line in address.street.splitlines() if line.strip())
    place = " ".join(part for part in (address.region, address.postcode) if part)
    return ", ".join(
        part for part in (address.name, address.company, street, address.city, place, address.country_code) if part
    )


def _address_refusal(order: Order) -> str:
    if order.state == OrderState.CANCELED:
        return _("This order is canceled: its shipping address can't be changed.")
    if order.state == OrderState.CLOSED:
        return _("This order is closed: its shipping address can't be changed.")
    return _("Shipping address can't be edited once the order has shipped.")
