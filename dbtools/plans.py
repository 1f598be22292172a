"""Reading PostgreSQL's plan for a query, to check that an index gives its rows in order (the grids' sort tests)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection


def plan_without_sorting(sql: str, params: Sequence = ()) -> list[str]:
    """PostgreSQL's plan for `sql`, sorting and sequential scans made prohibitively dear for it: a Sort left in the
    plan means no index yields the rows in the order asked. Needs a transaction (SET LOCAL), as a test has."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
        cursor.execute("RESET enable_sort")
        cursor.execute("RESET enable_seqscan")
    return plan
