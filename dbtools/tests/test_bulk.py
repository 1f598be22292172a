"""insert_rows writes exactly what bulk_create writes (PostgreSQL's COPY path), sets the primary keys, raises
Django's IntegrityError on a duplicate and shows up in the query log like any other query."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Value
from django.db.models.expressions import DatabaseDefault
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from dbtools import build_row, insert_rows, insert_values, upsert_rows
from orders.models import CreditMemo, Order, OrderComment, OrderItem, OrderState
from orders.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def orders(store, prefix: str) -> list[Order]:
    placed = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    return [
        Order(
            increment_id=f"{prefix}{n}",
            store=store,
            channel="amazon",
            external_order_number=f"{prefix}-AMZ-{n}",
            state=OrderState.PROCESSING,  # a TextChoices member: written by value, not by name
            status="processing",
            customer_email="o'brien@example.com",
            customer_first_name='Zoë \\ "Quoted"\ttab',
            billing_name="Line\nbreak",
            subtotal=Decimal("10.10"),
            grand_total=Decimal("12.34"),
            base_grand_total=Decimal("12.34"),
            created_at=placed,
        )
        for n in range(3)
    ]


def columns(obj) -> dict:
    values = model_to_dict(obj)
    values.pop("id")
    return values


def both_ways(model, make) -> tuple[list, list]:
    """The same objects inserted by bulk_create and by insert_rows, read back from the database."""
    by_django, by_copy = make("D"), make("C")
    model.objects.bulk_create(by_django)
    insert_rows(model, by_copy)
    assert all(obj.pk for obj in by_copy)
    return (
        [columns(model.objects.get(pk=obj.pk)) for obj in by_django],
        [columns(model.objects.get(pk=obj.pk)) for obj in by_copy],
    )


def without(rows: list[dict], *names: str) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in names} for row in rows]


def test_orders_items_and_comments_are_written_as_bulk_create_writes_them():
    store = StoreFactory()
    django_rows, copy_rows = both_ways(Order, lambda prefix: orders(store, prefix))
    assert without(django_rows, "increment_id", "external_order_number") == without(
        copy_rows, "increment_id", "external_order_number"
    )
    assert [r["state"] for r in copy_rows] == ["processing"] * 3

    order = Order.objects.filter(increment_id__startswith="C").first()

    def items(prefix):
        # The order is given as an object: its id is taken from it, as bulk_create does.
        return [
            OrderItem(order=order, sku=f"{prefix}-SKU-{n}", name="Thing", qty_ordered=2, price=Decimal("9.99"))
            for n in range(4)
        ]

    django_rows, copy_rows = both_ways(OrderItem, items)
    assert without(django_rows, "sku") == without(copy_rows, "sku")
    assert {r["order"] for r in copy_rows} == {order.pk}

    def comments(prefix):
        return [OrderComment(order=order, comment=f"{prefix} note {n}", status="processing") for n in range(3)]

    django_rows, copy_rows = both_ways(OrderComment, comments)
    assert without(django_rows, "comment") == without(copy_rows, "comment")
    written = OrderComment.objects.filter(comment__startswith="C").order_by("pk")
    assert all(c.created_at is not None for c in written)  # auto_now_add filled in


@pytest.mark.postgres
def test_a_duplicate_is_djangos_integrity_error_and_the_copy_is_in_the_query_log(postgres_only):
    store = StoreFactory()
    insert_rows(Order, orders(store, "A"))
    again = orders(store, "B")
    again[2].external_order_number = "A-AMZ-0"  # the same Amazon order twice: the database's unique constraint
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Order, again)
    assert not Order.objects.filter(increment_id__startswith="B").exists()

    with CaptureQueriesContext(connection) as queries:
        insert_rows(Order, orders(store, "C"))
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT", "COPY"]


@pytest.mark.postgres
def test_columns_with_a_database_default_go_through_copy_too(postgres_only):
    """Order and Amazon items carry `db_default=""` columns (added to full tables): still COPY, the same rows, and
    an explicit DatabaseDefault() is the database's default, as bulk_create would leave it to the database."""
    store = StoreFactory()
    (order,) = orders(store, "G")[:1]
    order.save()

    def items(prefix):
        plain = OrderItem(order=order, sku=f"{prefix}-1", name="Thing", qty_ordered=1, gift_message="For you")
        defaulted = OrderItem(order=order, sku=f"{prefix}-2", name="Thing", qty_ordered=1)
        field = OrderItem._meta.get_field("gift_message")
        defaulted.gift_message = DatabaseDefault(Value(field.db_default), output_field=field)
        return [plain, defaulted]

    django_rows, copy_rows = both_ways(OrderItem, items)
    assert without(django_rows, "sku") == without(copy_rows, "sku")
    assert [r["gift_message"] for r in copy_rows] == ["For you", ""]
    with CaptureQueriesContext(connection) as queries:
        insert_rows(OrderItem, items("H"))
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT", "COPY"]


def test_insert_values_writes_the_rows_bulk_create_writes():
    """Rows given as build_row keywords (no objects, no ids back) are the rows bulk_create writes for the objects:
    defaults, a foreign key given as an object, auto_now_add, a database default."""
    store = StoreFactory()
    (order,) = orders(store, "V")[:1]
    order.save()

    def comments(prefix):
        return [{"order": order, "comment": f"{prefix} note {n}", "status": "processing"} for n in range(3)]

    OrderComment.objects.bulk_create([build_row(OrderComment, **values) for values in comments("D")])
    with CaptureQueriesContext(connection) as queries:
        insert_values(OrderComment, comments("C"))
    if connection.vendor == "postgresql":
        assert [q["sql"].split()[0] for q in queries.captured_queries] == ["COPY"]  # no query for ids
    written = {
        prefix: [columns(c) for c in OrderComment.objects.filter(comment__startswith=prefix).order_by("pk")]
        for prefix in "DC"
    }
    assert without(written["D"], "comment", "created_at") == without(written["C"], "comment", "created_at")
    assert all(OrderComment.objects.filter(comment__startswith="C").values_list("created_at", flat=True))

    def items(prefix):
        return [{"order": order, "sku": f"{prefix}-{n}", "name": "Thing", "qty_ordered": 1} for n in range(2)]

    OrderItem.objects.bulk_create([build_row(OrderItem, **values) for values in items("D")])
    insert_values(OrderItem, items("C"))
    by_prefix = {
        prefix: [columns(i) for i in OrderItem.objects.filter(sku__startswith=prefix).order_by("pk")] for prefix in "DC"
    }
    assert without(by_prefix["D"], "sku") == without(by_prefix["C"], "sku")
    with pytest.raises(KeyError):
        insert_values(OrderComment, [{"order": order, "not_a_field": 1}, {"order": order}])


def test_build_row_gives_the_object_model_kwargs_gives():
    store = StoreFactory()
    placed = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    order = Order.objects.create(increment_id="X1", store=store, grand_total=Decimal("5.00"), created_at=placed)
    values = {"order": order, "comment": "Imported", "status": "processing", "created_by": None}

    built, plain = build_row(OrderComment, **values), OrderComment(**values)

    def fields(obj):
        return {k: v for k, v in vars(obj).items() if k != "_state"}

    assert fields(built) == fields(plain)
    assert built.order is order  # cached like `comment.order = order`: no query to read it
    assert built._state.adding and built.pk is None
    # Defaults from callables are fresh per object, not shared.
    memos = build_row(CreditMemo, order=order), build_row(CreditMemo, order=order)
    assert memos[0].channel_data == {} and memos[0].channel_data is not memos[1].channel_data
    first = build_row(Order, increment_id="A", store=store, created_at=placed)
    second = build_row(Order, increment_id="B", store=store, created_at=placed)
    assert fields(first) == fields(Order(increment_id="A", store=store, created_at=placed))
    assert first.store is store and second.increment_id == "B"
    with pytest.raises(KeyError):
        build_row(OrderComment, not_a_field=1)


@pytest.mark.postgres
def test_copy_and_the_pipelined_upsert_go_through_djangos_execute_wrappers_and_query_counts(
    postgres_only, django_assert_num_queries
):
    """A query counter built on connection.execute_wrapper, and assertNumQueries, see COPY and the pipeline."""
    store = StoreFactory()
    seen: list[tuple[str, object]] = []

    def counter(execute, sql, params, many, context):
        assert context["connection"] is connections["default"] and context["cursor"] is not None
        seen.append((sql.split()[0], params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        insert_rows(Order, orders(store, "A"))
    assert [verb for verb, _params in seen] == ["SELECT", "COPY"]

    again = orders(store, "B")
    with django_assert_num_queries(1) as captured, connection.execute_wrapper(counter):
        upsert_rows(Order, again, unique_fields=["increment_id"], update_fields=["grand_total"])
    assert captured.captured_queries[0]["sql"].startswith('INSERT INTO "orders_order"')
    assert "ON CONFLICT" in captured.captured_queries[0]["sql"]
    assert [verb for verb, _params in seen] == ["SELECT", "COPY", "INSERT"]
    assert all(obj.pk for obj in again) and Order.objects.filter(increment_id__startswith="B").count() == 3

    # The wrapper sees errors as Django's: a duplicate in COPY is an IntegrityError inside it.
    errors: list[type] = []

    def record_errors(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except Exception as exc:
            errors.append(type(exc))
            raise

    duplicate = orders(store, "C")
    duplicate[1].increment_id = "A0"
    with pytest.raises(IntegrityError), transaction.atomic(), connection.execute_wrapper(record_errors):
        insert_rows(Order, duplicate)
    assert errors == [IntegrityError]
