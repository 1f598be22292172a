"""insert_rows / upsert_rows: Django's bulk_create, through PostgreSQL's COPY and a psycopg pipeline where it can;
build_row: a model's constructor through Django's positional fast path.

Placing a page of 100 imported orders inserts ~1,500 rows (orders, addresses, items, invoices, invoice items,
comments). bulk_create spends most of its time in Python: every value of every row goes through the SQL compiler's
prepare_value/get_db_prep_save chain and then through psycopg's quoting, about 0.1 ms a row for a 60-column order.
COPY ... FROM STDIN sends the same rows with psycopg's C row writer; the ids are taken from the table's identity
sequence first (one query), so the objects get their primary keys exactly as bulk_create gives them.

Only plain columns go through COPY (text, numbers, booleans, dates, foreign keys, JSON; a database default only
if it is a plain value); a model with any other field, or another database, gets bulk_create unchanged.
dbtools/tests/test_bulk.py checks both paths write the same rows, and that Django's query log and execute wrappers
see the COPY and the pipeline like any query.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Sequence

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone

from .execute import run_statement

# Field classes whose Python value psycopg writes exactly as Django would: exact classes, so a subclass that
# converts its value (an encrypted text field, say) never skips its conversion.
_PLAIN = {
    models.CharField,
    models.EmailField,
    models.SlugField,
    models.TextField,
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.BooleanField,
    models.DecimalField,
    models.DateTimeField,
    models.DateField,
    models.UUIDField,
}


def _constant_db_default(field: models.Field) -> bool:
    """A database default that is a plain value (the `db_default=""` given to columns added to full tables): COPY
    writes that value where the object holds DatabaseDefault(), which is what the database itself would store."""
    return field.db_default is models.NOT_PROVIDED or not hasattr(field.db_default, "resolve_expression")


@functools.cache
def _copyable(model: type[models.Model]) -> bool:
    for field in model._meta.concrete_fields:
        if not _constant_db_default(field):
            return False
        if field.primary_key:
            plain = type(field) in {models.AutoField, models.BigAutoField}
        elif field.is_relation:
            plain = field.target_field.primary_key and type(field) in {models.ForeignKey, models.OneToOneField}
        elif isinstance(field, models.JSONField):
            plain = type(field).get_db_prep_value is models.JSONField.get_db_prep_value
        else:
            plain = type(field) in _PLAIN
        if not plain:
            return False
    return True


def _fast_path(model: type[models.Model]) -> bool:
    return connection.vendor == "postgresql" and _copyable(model)


def insert_rows(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert new objects (no pk yet), setting their primary keys: bulk_create semantics, no signals."""
    if not objs:
        return
    if not _fast_path(model) or len(objs) < 2:
        model._base_manager.bulk_create(objs)
        return
    _copy(model, objs)


class _RowPlan:
    """How to read a model's row from an object: one C-level attrgetter for every column, then fix-ups for the few
    columns Django computes (auto_now, a foreign key given as an object, JSON, a naive datetime)."""

    def __init__(self, model: type[models.Model]) -> None:
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if not f.primary_key]
        self.read = operator.attrgetter(*(f.attname for f in self.fields))
        self.auto = [
            (i, f)
            for i, f in enumerate(self.fields)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        self.relations = [(i, f) for i, f in enumerate(self.fields) if f.is_relation]
        self.json = [(i, f) for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        self.datetimes = [(i, f) for i, f in enumerate(self.fields) if type(f) is models.DateTimeField]
        self.db_defaults = [(i, f) for i, f in enumerate(self.fields) if f.db_default is not models.NOT_PROVIDED]

    def row(self, obj: models.Model) -> list:
        for _i, field in self.auto:
            field.pre_save(obj, add=True)  # sets the attribute, as bulk_create does
        values = self.read(obj)
        row = list(values) if isinstance(values, tuple) else [values]
        for i, field in self.relations:
            if row[i] is None:
                related = field.get_cached_value(obj, None)  # `item.order = order` set before the order had a pk
                if related is not None:
                    row[i] = related.pk
                    setattr(obj, field.attname, related.pk)
        for i, field in self.db_defaults:
            if isinstance(row[i], DatabaseDefault):
                row[i] = field.db_default
        for i, field in self.json:
            value = row[i]
            if type(value) is EncodedJson and field.encoder is None:
                row[i] = value.text
            elif value is not None:
                row[i] = json.dumps(value, cls=field.encoder)
        for i, field in self.datetimes:
            value = row[i]
            if value is not None and getattr(value, "tzinfo", 0) is None:
                row[i] = field.get_db_prep_save(value, connection)  # naive: Django's warning and time zone rules
        return row


@functools.cache
def _plan(model: type[models.Model]) -> _RowPlan:
    return _RowPlan(model)


def _mark_saved(objs: Sequence[models.Model], ids: list[int]) -> None:
    """What bulk_create does to the objects it inserted: their ids, and no longer 'adding'."""
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = connection.alias


def _copy(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    meta = model._meta
    pk = meta.pk
    plan = _plan(model)
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    rows = [plan.row(obj) for obj in objs]
    with connection.cursor() as cursor:
        # Ids first, in order: nextval over generate_series is one round trip, and COPY needs them in the rows.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    columns = ", ".join(quote(c) for c in [pk.column, *(f.column for f in plan.fields)])
    sql = f"COPY {table} ({columns}) FROM STDIN"

    def copy_rows() -> None:
        with connection.connection.cursor() as raw, raw.copy(sql) as copy:
            for pk_value, row in zip(ids, rows, strict=True):
                copy.write_row([pk_value, *row])

    run_statement(sql, copy_rows)
    _mark_saved(objs, ids)


class EncodedJson(dict):
    """A JSON object that carries its encoding, for a value that had to be encoded before the insert anyway (the
    import checks every Amazon payload for characters no column can hold): insert_rows / upsert_rows write `text`
    instead of encoding the object a second time (a kilobyte-sized payload an order). Everywhere else it is the
    dict it was made from; it must not be changed before it is written."""

    __slots__ = ("text",)

    def __init__(self, value: dict, text: str | None = None) -> None:
        super().__init__(value)
        self.text = json.dumps(value) if text is None else text


def insert_values(model: type[models.Model], rows: Sequence[dict]) -> None:
    """Insert rows nobody reads back (a page's addresses, comments, invoice items), given as `build_row` keywords:
    no model object is built and no id is returned. On PostgreSQL one COPY the table's identity numbers, without
    the query for ids; elsewhere bulk_create of the built objects (the same rows, no signals).

    Building the objects (Model.__init__, then reading each attribute back for COPY) cost ~3 µs a field: a fifth
    of the importer's Python for the half of an imported order's ~17 rows that are never read again."""
    if not rows:
        return
    if not _fast_path(model) or not _values_plan(model).supported:
        model._base_manager.bulk_create([build_row(model, **values) for values in rows])
        return
    plan = _values_plan(model)
    lines = [plan.row(values) for values in rows]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in plan.fields)}) FROM STDIN"

    def copy_rows() -> None:
        with connection.connection.cursor() as raw, raw.copy(sql) as copy:
            for line in lines:
                copy.write_row(line)

    run_statement(sql, copy_rows)


class _ValuesPlan:
    """A model's COPY row from `build_row` keywords: the defaults worked out once, then what the object's
    constructor and pre_save would have done to the given values (a foreign key given as an object, auto_now, JSON,
    a naive datetime, a constant database default)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.index: dict[str, int] = {}
        self.objects: set[str] = set()  # relation names given as the related object (`order=order`)
        self.template: list = []
        self.callables: list[tuple[int, object]] = []
        for i, field in enumerate(self.fields):
            self.index[field.attname] = i
            if field.is_relation:
                self.index[field.name] = i
                self.objects.add(field.name)
            if field.has_default() and callable(field.default):
                self.template.append(None)
                self.callables.append((i, field.default))
            elif field.has_default():
                self.template.append(field.get_default())
            elif field.db_default is not models.NOT_PROVIDED:
                self.template.append(field.db_default)  # constant (see _copyable): what the database would write
            else:
                self.template.append(field.get_default())
        auto = [
            (i, f)
            for i, f in enumerate(self.fields)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        self.auto = [i for i, _f in auto]
        # auto_now on a DateField would want today's date: such a model takes bulk_create instead.
        self.supported = all(type(f) is models.DateTimeField for _i, f in auto)
        self.json = [(i, f) for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        self.datetimes = [(i, f) for i, f in enumerate(self.fields) if type(f) is models.DateTimeField]

    def row(self, values: dict) -> list:
        row = self.template.copy()
        for i, default in self.callables:
            row[i] = default()
        for name, value in values.items():
            i = self.index[name]  # KeyError: not a field of the model, as Model(**kwargs) would refuse
            if name in self.objects and value is not None:
                value = value.pk
            row[i] = value
        if self.auto:
            now = timezone.now()
            for i in self.auto:
                row[i] = now  # DateTimeField.pre_save(add=True) for auto_now and auto_now_add alike
        for i, field in self.json:
            if row[i] is not None:
                row[i] = json.dumps(row[i], cls=field.encoder)
        for i, field in self.datetimes:
            value = row[i]
            if value is not None and getattr(value, "tzinfo", 0) is None:
                row[i] = field.get_db_prep_save(value, connection)
        return row


@functools.cache
def _values_plan(model: type[models.Model]) -> _ValuesPlan:
    return _ValuesPlan(model)


def upsert_rows(
    model: type[models.Model], objs: Sequence[models.Model], *, unique_fields: list[str], update_fields: list[str]
) -> None:
    """bulk_create(update_conflicts=True) that sets every object's primary key, inserted or updated.

    On PostgreSQL one single-row INSERT ... ON CONFLICT DO UPDATE ... RETURNING id, executed for every row in
    psycopg's pipeline with server-side parameters: the values travel as parameters instead of being quoted into the
    SQL in Python (kilobytes of JSON an Amazon order), and the short statement is prepared once per connection."""
    if not objs:
        return
    if not _fast_path(model):
        model._base_manager.bulk_create(
            objs, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
        )
        return
    import psycopg

    plan = _plan(model)
    meta = model._meta
    quote = connection.ops.quote_name
    conflict = ", ".join(quote(meta.get_field(name).column) for name in unique_fields)
    updates = ", ".join(
        f"{quote(meta.get_field(name).column)} = EXCLUDED.{quote(meta.get_field(name).column)}"
        for name in update_fields
    )
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in plan.fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(plan.fields))}) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates} RETURNING {quote(meta.pk.column)}"
    )
    rows = [plan.row(obj) for obj in objs]

    def upsert() -> list[int]:
        # One prepared single-row statement, executed per row in psycopg's pipeline: no long SQL to parse, quote
        # or plan for each page, one round trip.
        ids = []
        with psycopg.Cursor(connection.connection) as bound:
            bound.executemany(sql, rows, returning=True)
            while True:
                ids.append(bound.fetchone()[0])
                if not bound.nextset():
                    break
        return ids

    _mark_saved(objs, run_statement(sql, upsert))


class _Builder:
    """A model's constructor arguments in field order, defaults worked out once: Model(*args) is Django's fast
    path (what it uses to build rows read from the database), about a fifth of Model(**kwargs)'s cost for a
    60-column order. For the ~30,000 objects of an import of 2,000 orders that is a tenth of the importer's time."""

    def __init__(self, model: type[models.Model]) -> None:
        fields = model._meta.concrete_fields
        self.model = model
        self.index: dict[str, int] = {}
        self.relations: dict[str, models.Field] = {}
        self.template: list = []
        self.callables: list[tuple[int, object]] = []
        for i, field in enumerate(fields):
            self.index[field.attname] = i
            if field.is_relation:
                self.index[field.name] = i
                self.relations[field.name] = field
            if field.primary_key:
                self.template.append(None)
            elif field.has_default() and callable(field.default):
                self.template.append(None)
                self.callables.append((i, field.default))
            else:
                self.template.append(field.get_default())

    def build(self, values: dict) -> models.Model:
        args = self.template.copy()
        for i, default in self.callables:
            args[i] = default()
        related = []
        for name, value in values.items():
            args[self.index[name]] = value  # KeyError: not a field of the model, as Model(**kwargs) would refuse
            field = self.relations.get(name)
            if field is not None:
                related.append((field, value))
                args[self.index[name]] = None if value is None else value.pk
        obj = self.model(*args)
        for field, value in related:
            field.set_cached_value(obj, value)  # what `obj.order = order` does: obj.order needs no query
        return obj


@functools.cache
def _builder(model: type[models.Model]) -> _Builder:
    return _Builder(model)


def build_row(model: type[models.Model], **values) -> models.Model:
    """model(**values) for a row about to be inserted in bulk, through Django's positional fast path."""
    return _builder(model).build(values)
