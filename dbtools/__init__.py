"""Database tooling shared by the apps, knowing none of them: bulk writes faster than Django's own, with the same
semantics, through Django's connection, execute wrappers and query log.

- `insert_rows(model, objs)`, `upsert_rows(model, objs, unique_fields=..., update_fields=...)`: bulk_create,
  through PostgreSQL's COPY and a psycopg pipeline where it can (`bulk.py`).
- `insert_values(model, rows)`: insert_rows for rows nobody reads back, given as dicts: no objects, no ids.
- `EncodedJson(value)`: a dict carrying its JSON text, written as is by the two above (`bulk.py`).
- `build_row(model, **values)`: `model(**values)` through Django's positional constructor (`bulk.py`).
- `update_from_values(model, key=..., columns=..., rows=..., increment=...)`: one UPDATE ... FROM (VALUES ...) per
  batch instead of bulk_update's CASE WHEN (`update.py`).
- `add_to_rows(model, keys=..., adds=..., rows=...)`: statistics rows that add up (`INSERT ... ON CONFLICT DO UPDATE
  SET x = x + excluded.x`); `insert_select(model, names, queryset)` rebuilds such a table (`accumulate.py`).
- `run_statement(sql, work)`: run psycopg work as a statement Django's instrumentation sees (`execute.py`).
- `plan_without_sorting(sql, params)`: PostgreSQL's plan with sorting made prohibitively dear, for the tests that
  check an index gives a grid's order (`plans.py`).
"""

from .accumulate import add_to_rows, insert_select
from .bulk import EncodedJson, build_row, insert_rows, insert_values, upsert_rows
from .execute import run_statement
from .plans import plan_without_sorting
from .update import update_from_values

__all__ = [
    "EncodedJson",
    "add_to_rows",
    "build_row",
    "insert_rows",
    "insert_select",
    "insert_values",
    "plan_without_sorting",
    "run_statement",
    "update_from_values",
    "upsert_rows",
]
