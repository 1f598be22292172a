"""Statistics tables kept by their writers: rows that add up (`add_to_rows`) and rebuilding them from a query
(`insert_select`). Used by the orders' sales statistics and the Amazon channel's hourly revenue."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def add_to_rows(
    model: type[models.Model],
    *,
    keys: Sequence[str],
    adds: Sequence[str],
    rows: Sequence[tuple],
    greatest: Sequence[str] = (),
) -> None:
    """INSERT the rows (each: keys, adds, greatest in that order); where the key exists, add `adds` to it and keep
    the greater of `greatest`. `INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x` on PostgreSQL and SQLite
    alike; give the rows in sorted key order, so that two transactions lock shared rows in the same order."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in [*keys, *adds, *greatest]]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = [qn(f.column) for f in fields]
    updates = [f"{c} = {table}.{c} + excluded.{c}" for c in columns[len(keys) : len(keys) + len(adds)]]
    updates += [
        f"{c} = CASE WHEN excluded.{c} > {table}.{c} THEN excluded.{c} ELSE {table}.{c} END"
        for c in columns[len(keys) + len(adds) :]
    ]
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    conflict = ", ".join(columns[: len(keys)])
    size = connection.ops.bulk_batch_size(fields, rows) or len(rows)
    with connection.cursor() as cursor:
        for lo in range(0, len(rows), size):
            chunk = rows[lo : lo + size]
            params = [f.get_db_prep_save(v, connection) for row in chunk for f, v in zip(fields, row, strict=True)]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([placeholder] * len(chunk))} "  # noqa: S608 - model's quoted names
                f"ON CONFLICT ({conflict}) DO UPDATE SET {', '.join(updates)}",
                params,
            )


def insert_select(model: type[models.Model], names: Sequence[str], queryset: models.QuerySet) -> None:
    """INSERT INTO model (names) <the queryset's SELECT>: its columns come in values_list order."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(n).column) for n in names)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {qn(model._meta.db_table)} ({columns}) {sql}", params)
