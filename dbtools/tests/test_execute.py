"""run_statement: work done on the driver's connection is seen by Django like any query it ran itself."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from dbtools import run_statement
from orders.models import Store

pytestmark = pytest.mark.django_db

INSERT = "INSERT INTO orders_store (name, code, base_currency) VALUES ('Second', 'second', 'EUR')"


def insert_a_store() -> str:
    raw = connection.connection.cursor()  # the driver's own cursor (sqlite3's isn't a context manager)
    try:
        raw.execute(INSERT)
    finally:
        raw.close()
    return "done"


def test_the_wrappers_and_the_query_log_see_the_statement_and_its_result_comes_back():
    calls = []

    def outer(execute, sql, params, many, context):
        calls.append(("outer", sql, params, many, context["connection"] is connections["default"]))
        return execute(sql, params, many, context)

    def inner(execute, sql, params, many, context):
        calls.append(("inner", sql, params, many, context["cursor"] is not None))
        return execute(sql, params, many, context)

    with (
        CaptureQueriesContext(connection) as queries,
        connection.execute_wrapper(outer),
        connection.execute_wrapper(inner),
    ):
        assert run_statement(INSERT, insert_a_store, params=["shown to wrappers"]) == "done"
    assert calls == [
        ("outer", INSERT, ["shown to wrappers"], False, True),
        ("inner", INSERT, ["shown to wrappers"], False, True),
    ]
    assert [q["sql"] for q in queries.captured_queries] == [INSERT]
    assert Store.objects.filter(code="second").exists()


def test_without_query_logging_nothing_is_logged_and_the_wrappers_still_run(settings):
    settings.DEBUG = False
    seen = []

    def counter(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    before = len(connection.queries_log)
    with connection.execute_wrapper(counter):
        run_statement(INSERT, insert_a_store)
    assert seen == [INSERT] and len(connection.queries_log) == before


def test_a_driver_error_is_djangos_integrity_error():
    run_statement(INSERT, insert_a_store)
    with pytest.raises(IntegrityError), transaction.atomic():
        run_statement(INSERT, insert_a_store)  # the store code is unique
    assert Store.objects.filter(code="second").count() == 1


def test_in_a_broken_transaction_the_work_is_not_run():
    ran = []
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic(savepoint=False):
            run_statement(INSERT, insert_a_store)
            run_statement(INSERT, insert_a_store)
        with pytest.raises(transaction.TransactionManagementError):
            run_statement("SELECT 1", lambda: ran.append(True))
        transaction.set_rollback(True)
    assert ran == [] and not Store.objects.filter(code="second").exists()
