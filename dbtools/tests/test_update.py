"""update_from_values: per-row values in one UPDATE ... FROM (VALUES ...) a batch, set or added, on SQLite and
PostgreSQL alike; bad input refused before anything is written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import DataError, transaction

from dbtools import update
from dbtools import update_from_values as update_rows
from orders.models import CreditMemo, Customer, Order, Product
from orders.tests.factories import ProductFactory, StoreFactory

pytestmark = pytest.mark.django_db

PLACED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def make_orders(count: int) -> list[Order]:
    store = StoreFactory()
    return [
        Order.objects.create(increment_id=f"1000{n}", store=store, created_at=PLACED, billing_name=f"Buyer {n}")
        for n in range(count)
    ]


def test_the_import_outcome_shape_sets_a_foreign_key_texts_and_a_count_by_id(django_assert_num_queries):
    """What the Amazon import writes after its upsert (Commerce order, notes, error, attempts by id), here on an
    order's customer, names and version: some set, some cleared, one row left alone."""
    first, second, untouched = make_orders(3)
    customer = Customer.objects.create(email="roni_cost@example.com")
    rows = [
        (first.pk, customer.pk, 'Imported: O\'Brien "quoted"', "", 3),
        (second.pk, None, "", "Line\nbreak; DROP TABLE orders_order; --", 1),
    ]
    with django_assert_num_queries(1):
        updated = update_rows(
            Order, key="id", columns=["customer", "billing_name", "shipping_name", "version"], rows=rows
        )
    assert updated == 2
    got = {
        o.pk: (o.customer_id, o.billing_name, o.shipping_name, o.version)
        for o in Order.objects.filter(pk__in=[first.pk, second.pk, untouched.pk])
    }
    assert got == {
        first.pk: (customer.pk, 'Imported: O\'Brien "quoted"', "", 3),
        second.pk: (None, "", "Line\nbreak; DROP TABLE orders_order; --", 1),
        untouched.pk: (None, "Buyer 2", "", 1),
    }
    # A foreign key by its attname works the same.
    assert update_rows(Order, key="id", columns=["customer_id"], rows=[(second.pk, customer.pk)]) == 1
    assert Order.objects.get(pk=second.pk).customer == customer


def test_increment_adds_to_the_column_and_unknown_keys_are_ignored():
    ProductFactory(sku="SKU-A", qty_in_stock=10)
    ProductFactory(sku="SKU-B", qty_in_stock=10)
    ProductFactory(sku="SKU-C", qty_in_stock=10)
    updated = update_rows(
        Product,
        key="sku",
        columns=["qty_in_stock", "name"],
        rows=[("SKU-A", -3, "Watch"), ("SKU-B", 5, "Bag"), ("NOT-SOLD-HERE", 7, "Ghost")],
        increment={"qty_in_stock"},
    )
    assert updated == 2
    stock = dict(Product.objects.values_list("sku", "qty_in_stock"))
    assert stock == {"SKU-A": 7, "SKU-B": 15, "SKU-C": 10}
    assert Product.objects.get(sku="SKU-A").name == "Watch"  # set, not added
    assert update_rows(Product, key="sku", columns=["qty_in_stock"], rows=[]) == 0


def test_decimals_datetimes_booleans_and_json_round_trip():
    (order,) = make_orders(1)
    memo = CreditMemo.objects.create(order=order, increment_id="CM1")
    later = datetime(2027, 1, 31, 23, 59, 58, 123456, tzinfo=UTC)
    update_rows(
        Order,
        key="id",
        columns=["grand_total", "created_at", "needs_invoice"],
        rows=[(order.pk, Decimal("1234.56"), later, True)],
    )
    update_rows(CreditMemo, key="id", columns=["channel_data"], rows=[(memo.pk, {"reason": "x'y", "n": [1, None]})])
    order.refresh_from_db()
    memo.refresh_from_db()
    assert (order.grand_total, order.created_at, order.needs_invoice) == (Decimal("1234.56"), later, True)
    assert memo.channel_data == {"reason": "x'y", "n": [1, None]}
    update_rows(Order, key="id", columns=["grand_total"], rows=[(order.pk, Decimal("0.44"))], increment=["grand_total"])
    order.refresh_from_db()
    assert order.grand_total == Decimal("1235.00")


def test_rows_go_in_batches(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(update, "BATCH_ROWS", 2)
    orders = make_orders(5)
    with django_assert_num_queries(3):
        updated = update_rows(Order, key="id", columns=["version"], rows=[(o.pk, 7) for o in orders])
    assert updated == 5 and set(Order.objects.values_list("version", flat=True)) == {7}


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"columns": ["version"], "rows": [(1, 2), (1, 3)]}, ValueError),  # a key twice: one row would be lost
        ({"columns": ["version"], "rows": [(1, 2, 3)]}, ValueError),  # too many values
        ({"columns": ["version"], "rows": [(1, 2)], "increment": ["grand_total"]}, ValueError),
        ({"columns": [], "rows": [(1,)]}, ValueError),
        ({"columns": ["id"], "rows": [(1, 2)]}, ValueError),  # the key itself
        ({"columns": ["not_a_field"], "rows": [(1, 2)]}, FieldDoesNotExist),
        ({"columns": ["version"], "rows": [(1, "many")]}, ValueError),  # not a number: the field's own check
    ],
)
def test_bad_input_is_refused_and_changes_nothing(arguments, error):
    (order,) = make_orders(1)
    arguments["rows"] = [(order.pk, *row[1:]) for row in arguments["rows"]]
    with pytest.raises(error):
        update_rows(Order, key="id", **arguments)
    order.refresh_from_db()
    assert order.version == 1


@pytest.mark.postgres
def test_an_over_long_text_is_refused_not_cut_short(postgres_only):
    (order,) = make_orders(1)
    with pytest.raises(DataError), transaction.atomic():
        update_rows(Order, key="id", columns=["increment_id"], rows=[(order.pk, "9" * 65)])
    order.refresh_from_db()
    assert order.increment_id == "10000"
