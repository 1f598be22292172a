"""Removing a buyer's personal data from orders (data retention, e.g. Amazon's Data Protection Policy).

What goes: the order's addresses (names, company, street, city, region, postcode, phone, email; the country stays, it
is what tax reports need), the bill-to / ship-to names, and on guest orders the customer's email and name; copies of
the emails sent about the order under EMAIL_FILE_PATH (the file email backend). What stays: totals, items, SKUs,
invoices, shipments, credit memos and the comments history. A customer account is the merchant's own record and is
left alone.
"""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Order, OrderAddress

logger = logging.getLogger(__name__)

ADDRESS_FIELDS = ("first_name", "last_name", "company", "street", "city", "region", "postcode", "telephone", "email")
GUEST_FIELDS = ("customer_email", "customer_first_name", "customer_last_name")
ORDER_FIELDS = ("billing_name", "shipping_name")
EMAIL_SEPARATOR = "\n" + "-" * 79 + "\n"  # what Django's file backend writes after every message


@dataclass
class ErasureResult:
    orders: int = 0  # orders whose buyer data is (or would be) removed
    addresses: int = 0
    guest_emails: int = 0
    email_copies: int = 0  # sent-email copies removed from EMAIL_FILE_PATH
    dry_run: bool = False
    order_ids: list[int] = field(default_factory=list)


def erase_buyer_data(*, order_ids: Iterable[int], dry_run: bool = False) -> ErasureResult:
    """Remove the buyer's personal data from these orders, in one transaction; orders already done are skipped.

    With `dry_run` nothing is changed: the result says what would be removed. The sent-email copies are removed once
    the transaction commits (a file can't be rolled back)."""
    result = ErasureResult(dry_run=dry_run)
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update()
            .filter(pk__in=list(order_ids), buyer_data_removed_at__isnull=True)
            .only("pk", "increment_id", "customer_email", "customer_is_guest")
            .order_by("pk")
        )
        if not orders:
            return result
        ids = [o.pk for o in orders]
        guests = [o.pk for o in orders if o.customer_is_guest]
        result.orders, result.order_ids = len(ids), ids
        result.addresses = OrderAddress.objects.filter(order_id__in=ids).count()
        result.guest_emails = sum(1 for o in orders if o.customer_is_guest and o.customer_email)
        # Emails went to the address on the order; a customer account's address is kept, so are its emails' copies.
        targets = {(o.increment_id, o.customer_email.strip().lower()) for o in orders if o.customer_is_guest}
        copies = _email_copies(targets)
        result.email_copies = sum(len(found) for found in copies.values())
        if dry_run:
            return result
        now = timezone.now()
        OrderAddress.objects.filter(order_id__in=ids).update(**dict.fromkeys(ADDRESS_FIELDS, ""))
        Order.objects.filter(pk__in=guests).update(**dict.fromkeys(GUEST_FIELDS, ""))
        # update() leaves updated_at alone: removing the buyer's data is not a change to the order.
        Order.objects.filter(pk__in=ids).update(buyer_data_removed_at=now, **dict.fromkeys(ORDER_FIELDS, ""))
        # Matched again when removed, not by position: another removal may have rewritten a file in between.
        transaction.on_commit(lambda: _remove_email_copies(list(copies), targets))
    return result


def _email_copies(targets: set[tuple[str, str]]) -> dict[Path, list[int]]:
    """Per file under EMAIL_FILE_PATH, the positions of the messages sent about one of these orders to its buyer."""
    directory = getattr(settings, "EMAIL_FILE_PATH", None)
    if not targets or not directory or not Path(directory).is_dir():
        return {}
    found: dict[Path, list[int]] = {}
    for path in sorted(Path(directory).glob("*.log")):
        try:
            chunks = path.read_text(encoding="utf-8", errors="replace").split(EMAIL_SEPARATOR)
        except OSError:
            continue
        hits = [i for i, chunk in enumerate(chunks) if chunk.strip() and _is_about(chunk, targets)]
        if hits:
            found[path] = hits
    return found


def _is_about(chunk: str, targets: set[tuple[str, str]]) -> bool:
    message = email.message_from_string(chunk.lstrip("\n"), policy=email.policy.default)
    recipients = {a.addr_spec.lower() for a in getattr(message.get("To"), "addresses", ())}
    subject = str(message.get("Subject", ""))
    return any(address in recipients and f"#{number}" in subject for number, address in targets)


def _remove_email_copies(paths: list[Path], targets: set[tuple[str, str]]) -> None:
    for path in paths:
        try:
            chunks = path.read_text(encoding="utf-8", errors="replace").split(EMAIL_SEPARATOR)
            kept = [chunk for chunk in chunks if not (chunk.strip() and _is_about(chunk, targets))]
            if any(chunk.strip() for chunk in kept):
                path.write_text(EMAIL_SEPARATOR.join(kept), encoding="utf-8")
            else:
                path.unlink()
        except FileNotFoundError:  # another removal took the file's last message already
            continue
        except OSError:  # the database part stands; the log says which copy is left
            logger.exception("Could not remove the sent-email copies in %s", path)
