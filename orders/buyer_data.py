"""Buyers' personal data (name, email, phone, address) is shown and exported only to people with the *view buyer
data* permission; everyone else sees it masked, on pages and in CSV exports alike (Amazon's Data Protection Policy)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

VIEW_BUYER_DATA = "orders.view_buyer_data"
MASK = "•••"


def may_view_buyer_data(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user is not None and user.has_perm(VIEW_BUYER_DATA))


def masked(value: Any, *, visible: bool) -> Any:
    """The value, or the mask when it is not to be seen (an empty value stays empty: nothing to hide)."""
    if visible or value in (None, ""):
        return value
    return MASK


def buyer_column(accessor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Mark a CSV column's accessor as buyer data."""
    accessor.buyer_data = True  # type: ignore[attr-defined]
    return accessor


def csv_columns_for(
    user: AbstractBaseUser | AnonymousUser | None, columns: Sequence[tuple[str, Callable[[Any], Any]]]
) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """The grid's CSV columns as this user may export them: buyer columns masked without the permission."""
    if may_view_buyer_data(user):
        return tuple(columns)
    return tuple(
        (header, (lambda row, get=accessor: masked(get(row), visible=False)))
        if getattr(accessor, "buyer_data", False)
        else (header, accessor)
        for header, accessor in columns
    )
