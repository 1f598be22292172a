"""Removing the buyer's personal data from Amazon orders (and, through the orders service, their Commerce orders)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from orders.services import erase_buyer_data

from ..models import AmazonOrder
from .selectors import due_amazon_orders, retention_cutoff

BATCH = 500  # orders per transaction: short row locks, bounded memory
# The Amazon order's copy of the buyer: name, email, company, shipping address and Amazon's raw payload (which holds
# all of them again). Totals, items, SKUs, packages, statuses and notes stay.
CLEARED = {"buyer_name": "", "buyer_email": "", "buyer_company": "", "shipping_address": {}, "raw": {}}


@dataclass
class RemovalResult:
    amazon_orders: int = 0
    commerce_orders: int = 0
    addresses: int = 0
    guest_emails: int = 0
    email_copies: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        done = "would be removed (dry run, nothing changed)" if self.dry_run else "removed"
        return (
            f"Buyer data {done}: {self.amazon_orders} Amazon order(s), {self.commerce_orders} Commerce order(s), "
            f"{self.addresses} address(es), {self.guest_emails} guest email(s), {self.email_copies} sent-email "
            "copy(ies)."
        )


def remove_buyer_data(*, days: int | None = None, dry_run: bool = False, batch: int = BATCH) -> RemovalResult:
    """Remove the buyer data of every Amazon order due (see selectors), `batch` orders a transaction."""
    if days is not None and days < 0:
        raise ValueError("days must be 0 or more")
    cutoff = retention_cutoff(days=days)
    result = RemovalResult(dry_run=dry_run)
    last_pk = 0
    while True:
        page = due_amazon_orders(cutoff=cutoff).filter(pk__gt=last_pk).values_list("pk", flat=True)[:batch]
        ids = list(page)
        if not ids:
            return result
        last_pk = ids[-1]
        with transaction.atomic():
            # Locked and re-checked: an order a sync changed meanwhile is no longer due and waits for a later run.
            rows = list(
                due_amazon_orders(cutoff=cutoff)
                .filter(pk__in=ids)
                .select_for_update()
                .values_list("pk", "commerce_order_id")
            )
            erased = erase_buyer_data(order_ids=[order_id for _, order_id in rows if order_id], dry_run=dry_run)
            if not dry_run:
                AmazonOrder.objects.filter(pk__in=[pk for pk, _ in rows]).update(
                    buyer_data_removed_at=timezone.now(), **CLEARED
                )
        result.amazon_orders += len(rows)
        result.commerce_orders += erased.orders
        result.addresses += erased.addresses
        result.guest_emails += erased.guest_emails
        result.email_copies += erased.email_copies
