"""Why an Amazon order has no Commerce order (the *Order Notes* of All Orders, Amazon Order Details, the Amazon store
dashboard), and *Import now* for the ones that can be imported: one rule, read from the row as stored."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import AmazonOrder, AmazonOrderStatus, AmazonStore
from .pages import apply_to_commerce
from .result import ImportRefused, ImportResult
from .rules import is_importable

# Every Amazon order without a Commerce order is "not imported", whatever the reason (the grid's filter, the
# dashboard's count).
NOT_IMPORTED = Q(commerce_order__isnull=True)

_PENDING = (AmazonOrderStatus.PENDING, AmazonOrderStatus.PENDING_AVAILABILITY)
_CANCELED = (AmazonOrderStatus.CANCELLED, AmazonOrderStatus.UNFULFILLABLE)
_IMPORTABLE = Q(
    fulfilled_by=AmazonOrder.FulfilledBy.MERCHANT,
    status__in=(AmazonOrderStatus.UNSHIPPED, AmazonOrderStatus.PARTIALLY_SHIPPED, AmazonOrderStatus.SHIPPED),
) | Q(fulfilled_by=AmazonOrder.FulfilledBy.AMAZON, status=AmazonOrderStatus.SHIPPED)
_NO_ERROR = NOT_IMPORTED & Q(import_error="")
# The same reasons as `explain`, as conditions (the dashboard counts each in SQL); together they cover every order
# without a Commerce order, each in exactly one.
FATE_CONDITIONS: dict[str, Q] = {
    "failed": NOT_IMPORTED & ~Q(import_error=""),
    "pending": _NO_ERROR & Q(status__in=_PENDING),
    "canceled": _NO_ERROR & Q(status__in=_CANCELED),
    "amazon_fulfilled": _NO_ERROR
    & Q(fulfilled_by=AmazonOrder.FulfilledBy.AMAZON)
    & ~Q(status__in=(*_PENDING, *_CANCELED, AmazonOrderStatus.SHIPPED)),
    "disabled": _NO_ERROR & _IMPORTABLE & (Q(import_skipped=True) | Q(store__import_orders=False)),
    "waiting": _NO_ERROR & _IMPORTABLE & Q(import_skipped=False, store__import_orders=True),
}

FATE_LABELS = {
    "failed": gettext_lazy("Could not be imported"),
    "pending": gettext_lazy("Pending at Amazon (no prices yet)"),
    "canceled": gettext_lazy("Canceled at Amazon before import"),
    "amazon_fulfilled": gettext_lazy("Fulfilled by Amazon, awaiting shipment"),
    "disabled": gettext_lazy("Received while Import Amazon Orders was Disabled"),
    "waiting": gettext_lazy("Waiting for the next import"),
}


@dataclass(frozen=True)
class Fate:
    text: str
    kind: str  # failed | pending | amazon_fulfilled | disabled | canceled | waiting
    can_import: bool


def explain(row: AmazonOrder, *, import_enabled: bool | None = None) -> Fate | None:
    """Why `row` has no Commerce order (None when it has one)."""
    if row.commerce_order_id:
        return None
    importable = is_importable(status=row.status, fulfilled_by=row.fulfilled_by)
    enabled = row.store.import_orders if import_enabled is None else import_enabled
    if row.import_error:
        return Fate(_("Not imported: %(reason)s") % {"reason": row.import_error}, "failed", importable)
    if row.status in _PENDING:
        return Fate(_("Pending at Amazon: no prices yet. Imported once Amazon has the payment."), "pending", False)
    if row.status in _CANCELED:
        return Fate(_("Canceled at Amazon before it could be imported: nothing to import."), "canceled", False)
    if row.fulfilled_by == AmazonOrder.FulfilledBy.AMAZON and not importable:
        return Fate(_("Fulfilled by Amazon: imported once Amazon has shipped it."), "amazon_fulfilled", False)
    if row.import_skipped or not enabled:
        return Fate(_("Received while Import Amazon Orders was Disabled: not imported."), "disabled", importable)
    return Fate(_("Waiting for the next import."), "waiting", importable)


def import_now(*, amazon_order: AmazonOrder, actor: AbstractBaseUser | None) -> AmazonOrder:
    """*Import now*: create the Commerce order of one stored Amazon order that has none, from what Amazon sent.

    Works while the store's import is Disabled too (the person asked for this order). Refused (ImportRefused) when
    the order can't be imported; a failure is recorded on the order like the import's."""
    with transaction.atomic():
        row = AmazonOrder.objects.select_for_update(of=("self",)).select_related("store").get(pk=amazon_order.pk)
        fate = explain(row)
        if fate is None:
            raise ImportRefused(_("This Amazon order is already imported."))
        if not fate.can_import:
            raise ImportRefused(fate.text)
        row.import_skipped = False
        apply_to_commerce(
            store=row.store,
            rows=[row],
            items_of={row.amazon_order_id: list(row.items.all())},
            actor=actor,
            result=ImportResult(store_id=row.store_id),
            asked=True,
        )
    row.refresh_from_db()
    return row


def import_skipped_orders(*, store: AmazonStore, actor: AbstractBaseUser | None) -> int:
    """Import every order received while the store's import was Disabled (asked for when enabling it again).
    Returns how many Commerce orders were created."""
    created = 0
    for row in AmazonOrder.objects.filter(store=store, import_skipped=True, commerce_order__isnull=True).order_by("pk"):
        try:
            imported = import_now(amazon_order=row, actor=actor)
        except ImportRefused:
            continue
        created += imported.commerce_order_id is not None
    return created


def skipped_count(*, store: AmazonStore) -> int:
    return AmazonOrder.objects.filter(store=store, import_skipped=True, commerce_order__isnull=True).count()
