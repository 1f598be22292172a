"""find_or_create_customers: customer accounts for a channel's buyers, in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Customer
from ._common import OrderActionRefused


@dataclass(frozen=True)
class BuyerInput:
    email: str
    first_name: str = ""
    last_name: str = ""


def find_or_create_customers(
    *, buyers: Sequence[BuyerInput], actor: AbstractBaseUser | None = None
) -> dict[str, Customer]:
    """The customer account of every buyer, keyed by lower-cased email: an existing one (its names left as they
    are), or a new one with the buyer's names and the email lower-cased. The first buyer of an email names it.

    At most three queries however many buyers: a look-up, one insert, a look-up of what was inserted (and a
    savepoint around them inside a transaction; SQLite splits the insert every ~200 new accounts). Another worker
    creating the same email at the same moment is no error: the email is unique, so the insert waits for the other
    transaction and then takes its account. New accounts are inserted in email order, so two workers creating
    overlapping sets can't deadlock. `actor` is who asked; the accounts don't record it."""
    wanted: dict[str, BuyerInput] = {}
    spellings: set[str] = set()
    limit = {name: Customer._meta.get_field(name).max_length for name in ("email", "first_name", "last_name")}
    errors: dict[str, list[str]] = {}
    for n, buyer in enumerate(buyers):
        email = (buyer.email or "").strip()
        if "@" not in email or len(email) > limit["email"]:
            errors[f"buyer_{n}"] = [
                _("Enter an email address of at most %(limit)d characters.") % {"limit": limit["email"]}
            ]
            continue
        if len(buyer.first_name.strip()) > limit["first_name"] or len(buyer.last_name.strip()) > limit["last_name"]:
            errors[f"buyer_{n}"] = [_("Use at most %(limit)d characters for a name.") % {"limit": limit["first_name"]}]
            continue
        wanted.setdefault(email.lower(), buyer)
        spellings.add(email)
    if errors:
        raise OrderActionRefused(_("A buyer has no usable email address."), errors)
    if not wanted:
        return {}
    with transaction.atomic():
        # Accounts are keyed lower-cased; one entered elsewhere with capitals is found when spelled the same.
        found = _by_email({*wanted, *spellings})
        missing = [
            Customer(email=key, first_name=buyer.first_name.strip(), last_name=buyer.last_name.strip())
            for key, buyer in sorted(wanted.items())
            if key not in found
        ]
        if missing:
            Customer.objects.bulk_create(missing, ignore_conflicts=True)
            found.update(_by_email(c.email for c in missing))
    return found


def _by_email(emails: Iterable[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for customer in Customer.objects.filter(email__in=list(emails)).order_by("pk"):
        key = customer.email.lower()
        # Two accounts differing only in case: the lower-cased one is the channel's.
        if key not in found or customer.email == key:
            found[key] = customer
    return found
