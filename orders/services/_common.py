"""What every order service shares: the refusal, the row lock, increment ids, money rounding and the finish step."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from admin_ui.formatting import currency_places
from dbtools import update_from_values

from .. import rules
from ..models import ZERO, Order, OrderItem, Product, Sequence, Store
from . import statistics

CENT = Decimal("0.01")


class OrderActionRefused(Exception):
    """A service said no. Nothing was changed. `field_errors` point at the form fields at fault."""

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


def item_field(item_id: int) -> str:
    """The field_errors key for one item's quantity."""
    return f"item_{item_id}"


def money(value: Decimal | int | str, places: int = 2) -> Decimal:
    return Decimal(value).quantize(CENT if places == 2 else Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def places_of(order: Order) -> int:
    """The order currency's minor units (JPY none): every part an order is split into is rounded to them."""
    return currency_places(order.order_currency)


def share(total: Decimal, done_qty: int, more_qty: int, of_qty: int, places: int = 2) -> Decimal:
    """The part of `total` for `more_qty` more units, rounded cumulatively (to the currency's own minor units) so the
    parts always add up to the total."""
    if of_qty <= 0 or more_qty <= 0:
        return ZERO
    before = money(total * done_qty / of_qty, places)
    after = money(total * (done_qty + more_qty) / of_qty, places)
    return after - before


def actor_id(actor: AbstractBaseUser | AnonymousUser | None) -> int | None:
    return getattr(actor, "pk", None) if actor is not None and actor.is_authenticated else None


def actor_or_none(actor: AbstractBaseUser | AnonymousUser | None) -> AbstractBaseUser | None:
    return actor if actor_id(actor) is not None else None


def lock_order(order: Order | int, *, expected_version: int | None = None) -> tuple[Order, list[OrderItem]]:
    """Lock the order row (then its items, always in that order, so two services can't deadlock) and load both."""
    pk = order.pk if isinstance(order, Order) else order
    try:
        locked = Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=pk)
    except Order.DoesNotExist:
        raise OrderActionRefused(_("This order no longer exists.")) from None
    if expected_version is not None and expected_version != locked.version:
        raise OrderActionRefused(
            _("Someone changed this order after you opened the page. Reload it and try again."),
            {"__all__": [_("The order has changed since this form was loaded.")]},
        )
    items = list(locked.items.select_for_update().order_by("pk"))
    return locked, items


def finish(order: Order, items: list[OrderItem], *, extra_fields: list[str]) -> None:
    """Derive state and status from the quantities, bump the version and save, under the lock already held."""
    previous_state, previous_status = order.state, order.status
    order.state = rules.derive_state(order, items)
    order.status = rules.status_after(previous_state, previous_status, order.state)
    was_invoice, was_shipment = order.needs_invoice, order.needs_shipment
    rules.set_awaiting(order, items)
    statistics.record_awaiting(order, was_invoice=was_invoice, was_shipment=was_shipment)
    order.version += 1
    order.save(
        update_fields=sorted(
            {*extra_fields, "state", "status", "needs_invoice", "needs_shipment", "version", "updated_at"}
        )
    )


def next_increment_ids(store: Store, kind: str, count: int = 1) -> list[str]:
    """Reserve `count` increment ids of one kind for a store, under the sequence row's lock (Magento's format)."""
    if count <= 0:
        return []
    table = connection.ops.quote_name(Sequence._meta.db_table)
    # One statement takes the numbers under the row's lock (UPDATE ... RETURNING), instead of a locking read, an
    # update and a savepoint: this runs for every page of imported orders and again for their invoices.
    sql = f"UPDATE {table} SET last_value = last_value + %s WHERE kind = %s AND store_id = %s RETURNING last_value"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, kind, store.pk])
        row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    Sequence.objects.create(kind=kind, store=store, last_value=0)
            except IntegrityError:
                pass  # another worker created it first
            cursor.execute(sql, [count, kind, store.pk])
            row = cursor.fetchone()
    first = row[0] - count + 1
    return [f"{store.pk}{n:08d}" for n in range(first, first + count)]


def move_stock(quantities: dict[str, int]) -> None:
    """Add (positive) or take (negative) salable quantity per SKU, unknown SKUs ignored: one UPDATE ... FROM a VALUES
    list (up to 500 SKUs a statement) rather than bulk_update's CASE WHEN, 35 ms in Python for the 250 SKUs of a page
    of imported orders (dbtools.update_from_values)."""
    rows = [(sku, qty) for sku, qty in sorted(quantities.items()) if qty]
    update_from_values(Product, key="sku", columns=["qty_in_stock"], rows=rows, increment={"qty_in_stock"})


def parse_quantities(
    items: list[OrderItem],
    quantities: dict[int, int] | None,
    available: Callable[[OrderItem], int],
    *,
    too_many: str,
    nothing: str | None,
) -> dict[int, int]:
    """Validate chosen quantities against what is left per item; None means everything that is left.

    `nothing` is the refusal when no quantity is chosen; None allows it (a credit memo may refund only an adjustment).
    """
    left = {item.pk: available(item) for item in items}
    if quantities is None:
        chosen = {pk: qty for pk, qty in left.items() if qty > 0}
    else:
        errors: dict[str, list[str]] = {}
        chosen = {}
        for pk, raw in quantities.items():
            if pk not in left:
                errors["__all__"] = [_("An item does not belong to this order.")]
                continue
            try:
                qty = int(raw)
            except (TypeError, ValueError):
                errors[item_field(pk)] = [_("Enter a whole number.")]
                continue
            if qty < 0:
                errors[item_field(pk)] = [_("The quantity can't be negative.")]
            elif qty > left[pk]:
                errors[item_field(pk)] = [too_many % {"left": left[pk]}]
            elif qty:
                chosen[pk] = qty
        if errors:
            raise OrderActionRefused(_("Check the quantities."), errors)
    if not chosen and nothing is not None:
        raise OrderActionRefused(nothing, {"__all__": [_("Choose a quantity above zero for at least one item.")]})
    return chosen
