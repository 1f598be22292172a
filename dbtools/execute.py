"""run_statement: run psycopg work that Django's cursor can't express (COPY, a pipeline) as if Django executed it.

Django runs every query through its execute wrappers (`connection.execute_wrapper`: query counters, tracing), logs
it in `connection.queries_log` when queries are logged (DEBUG, assertNumQueries, CaptureQueriesContext) and turns
driver errors into Django's (IntegrityError). This does the same, with public API only, around a callable.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

T = TypeVar("T")

logger = logging.getLogger("django.db.backends")


def run_statement(sql: str, work: Callable[[], T], *, params: object = None) -> T:
    """Run `work()` as the one statement `sql`: seen by every execute wrapper (which may inspect `sql` and
    `params` but not change what `work` sends), logged as one query, its database errors raised as Django's."""

    connection = connections[DEFAULT_DB_ALIAS]  # this thread's connection itself, as Django gives the wrappers

    def execute(sql: str, params: object, many: bool, context: dict) -> T:
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors:
            return work()

    with connection.cursor() as cursor:
        # As Django's CursorWrapper does: the first registered wrapper is the outermost.
        context = {"connection": connection, "cursor": cursor}
        executor = execute
        for wrapper in reversed(connection.execute_wrappers):
            executor = functools.partial(wrapper, executor)
        if not connection.queries_logged:
            return executor(sql, params, False, context)
        start = time.monotonic()
        try:
            return executor(sql, params, False, context)
        finally:
            duration = time.monotonic() - start
            connection.queries_log.append({"sql": sql, "time": f"{duration:.3f}"})
            logger.debug(
                "(%.3f) %s; args=%s; alias=%s",
                duration,
                sql,
                params,
                connection.alias,
                extra={"duration": duration, "sql": sql, "params": params, "alias": connection.alias},
            )
