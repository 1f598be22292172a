"""The communication log writer: Amazon's code, message and request id, cut to what the columns hold."""

from __future__ import annotations

import pytest

from amazon_channel.core.communication import record_communication, record_communication_error
from amazon_channel.models import CommunicationLog
from amazon_channel.spapi import errors

pytestmark = pytest.mark.django_db


def test_an_spapi_error_is_logged_with_amazons_details(amazon_store):
    exc = errors.InvalidRequestError("confirmShipment", 400, "InvalidInput", "Bad tracking number", "req-7", None)
    record_communication_error(store=amazon_store, operation="confirmShipment", exc=exc, amazon_order_id="111-1")
    row = CommunicationLog.objects.get()
    assert (row.operation, row.http_status, row.code, row.message, row.request_id, row.amazon_order_id) == (
        "confirmShipment",
        400,
        "InvalidInput",
        "Bad tracking number",
        "req-7",
        "111-1",
    )


def test_any_other_failure_is_logged_by_its_kind(amazon_store):
    record_communication_error(store=amazon_store.pk, operation="", exc=ConnectionError("refused"))
    row = CommunicationLog.objects.get()
    assert row.code == "ConnectionError" and row.message == "refused" and row.http_status is None


def test_over_long_values_are_cut_to_the_columns(amazon_store):
    record_communication(
        store=amazon_store, operation="o" * 100, code="c" * 300, message="m" * 10_000, amazon_order_id="9" * 80
    )
    row = CommunicationLog.objects.get()
    assert (len(row.operation), len(row.code), len(row.message), len(row.amazon_order_id)) == (64, 128, 4000, 64)
