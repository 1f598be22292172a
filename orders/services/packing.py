"""Packages on New Shipment: which items, and how many of each, went in each package (one per tracking number).

Magento's *Create Shipping Label* packages: the person puts the shipment's items into packages. When any package
says what it holds, the shipment is exactly the packages' contents: every package must hold something, and the
packages together can't hold more of an item than is left to ship."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.utils.translation import gettext as _

from ..models import OrderItem
from ._common import OrderActionRefused, item_field


def package_field(track_index: int, item_id: int) -> str:
    """The field_errors key for one item's quantity in one package."""
    return f"track_{track_index}_item_{item_id}"


def is_packed(packages: Sequence[Mapping[int, object]]) -> bool:
    """Did the person say what any package holds? (If not, the shipment is only quantities and tracking numbers.)"""
    return any(packages)


def check_packages(
    items: list[OrderItem],
    packages: Sequence[Mapping[int, object]],
    quantities: Mapping[int, object] | None,
    available: Callable[[OrderItem], int],
) -> tuple[dict[int, int], list[dict[int, int]]]:
    """The shipment's quantities and each package's contents, or a refusal naming every field at fault.

    `quantities` (Qty to Ship), when given, must agree with what the packages hold, so the page never ships
    something other than what it showed."""
    left = {item.pk: available(item) for item in items}
    errors: dict[str, list[str]] = {}
    contents: list[dict[int, int]] = []
    totals: dict[int, int] = {}
    for n, package in enumerate(packages):
        held: dict[int, int] = {}
        for pk, raw in package.items():
            if pk not in left:
                errors["__all__"] = [_("An item does not belong to this order.")]
                continue
            try:
                qty = int(raw)  # type: ignore[call-overload]
            except (TypeError, ValueError):
                errors[package_field(n, pk)] = [_("Enter a whole number.")]
                continue
            if qty < 0:
                errors[package_field(n, pk)] = [_("The quantity can't be negative.")]
            elif qty:
                held[pk] = qty
                totals[pk] = totals.get(pk, 0) + qty
        if not held and not any(k.startswith(f"track_{n}_item_") for k in errors):
            errors[f"track_{n}_items"] = [_("This package is empty: put at least one item in it, or remove it.")]
        contents.append(held)
    for pk, total in totals.items():
        if total > left.get(pk, 0):
            errors[item_field(pk)] = [
                _("The packages hold %(packed)s of this item, but only %(left)s are left to ship.")
                % {"packed": total, "left": left[pk]}
            ]
    if quantities is not None:
        for pk in left:
            try:
                asked = int(quantities.get(pk) or 0)  # type: ignore[call-overload]
            except (TypeError, ValueError):
                asked = -1
            if asked != totals.get(pk, 0) and item_field(pk) not in errors:
                errors[item_field(pk)] = [
                    _("The packages hold %(packed)s of this item, not %(qty)s: change the packages or Qty to Ship.")
                    % {"packed": totals.get(pk, 0), "qty": quantities.get(pk) or 0}
                ]
    if errors:
        raise OrderActionRefused(_("Check the packages: nothing was shipped."), errors)
    return totals, contents
