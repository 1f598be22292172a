"""Orders the database can't hold as Amazon sent them, and orders the client could not read: set aside with the
reason, kept visible as not imported, fetched again by id on the next run. They never block the rest of a page."""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime
from decimal import Decimal

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from dbtools import EncodedJson

from ..core import statistics
from ..core.communication import record_communication
from ..models import AmazonOrder, AmazonOrderStatus, AmazonStore
from ..spapi.types import BadOrder
from .result import ImportResult


def unstorable_reason(*rows: models.Model) -> str | None:
    """Why these rows can't be written as they are, by their fields' own limits (None: they can). The checks the
    database would make (lengths, positive and 32-bit integers, digits of decimals) plus what PostgreSQL can't hold
    at all (NUL characters, lone surrogates), so a value that breaks them never reaches an INSERT."""
    for row in rows:
        for attname, kind, limit in _column_checks(type(row)):
            value = getattr(row, attname)
            if value is None:
                continue
            if kind == "text" and isinstance(value, str):
                if limit and len(value) > limit:
                    return f"{attname} is longer than {limit} characters"
                if not _storable_text(value):
                    return f"{attname} holds a character no database column can hold"
            elif kind == "int" and isinstance(value, int):
                low, high = limit
                if (low is not None and value < low) or (high is not None and value > high):
                    return f"{attname} is out of range: {value}"
            elif kind == "decimal" and isinstance(value, Decimal):
                if not value.is_finite() or abs(value) >= limit:
                    return f"{attname} is out of range: {value}"
            elif kind == "json" and not _storable_json(value):
                return f"{attname} holds a character no database column can hold"
    return None


@functools.cache
def _column_checks(model: type[models.Model]) -> tuple[tuple[str, str, object], ...]:
    """(attribute, kind, limit) per column, worked out once per model: the check runs for every imported order."""
    checks: list[tuple[str, str, object]] = []
    for column in model._meta.concrete_fields:
        if column.primary_key or isinstance(column, models.ForeignKey):
            continue
        internal = column.get_internal_type()
        if isinstance(column, models.JSONField):
            checks.append((column.attname, "json", None))
        elif isinstance(column, models.DecimalField):
            checks.append((column.attname, "decimal", Decimal(10) ** (column.max_digits - column.decimal_places)))
        elif internal in BaseDatabaseOperations.integer_field_ranges:
            # PostgreSQL's ranges (Django's defaults) on every database: the same order is refused everywhere.
            checks.append((column.attname, "int", BaseDatabaseOperations.integer_field_ranges[internal]))
        elif isinstance(column, models.CharField | models.TextField):
            checks.append((column.attname, "text", column.max_length))
    return tuple(checks)


# NUL as JSON writes it (\u0000), not preceded by an escaped backslash (which would make it the text "\u0000").
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _storable_text(text: str) -> bool:
    if "\x00" in text:  # PostgreSQL's text and jsonb refuse NUL
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape
        return False
    return True


def _storable_json(value: object) -> bool:
    # Already encoded, ASCII-escaped: NUL is "\\u0000" and any surrogate "\\udXXX" (a pair for an emoji too: then
    # the full check below); neither there at all, and nothing in it can be refused.
    if isinstance(value, EncodedJson) and "\\u0000" not in value.text and "\\ud" not in value.text:
        return True
    dumped = json.dumps(value, ensure_ascii=False, default=str)
    if "\\u0000" in dumped and _JSON_NUL.search(dumped):  # the regex only when the text is there at all
        return False
    return _storable_text(dumped)


def _safe_text(value: object, limit: int) -> str:
    return "".join(ch for ch in str(value) if _storable_text(ch))[:limit]


def set_aside_unreadable(*, store: AmazonStore, bad_orders: list[BadOrder], result: ImportResult) -> None:
    """An order the client could not parse: logged, kept visible as not imported, fetched again next run."""
    for bad in bad_orders or []:
        amazon_id = _safe_text(bad.order_id or "", 65).strip()
        error = _safe_text(bad.error, 4000)
        reason = _("Amazon sent this order in a form we could not read: %(error)s") % {"error": error}
        record_communication(
            store=store, operation="searchOrders", code="UnreadableOrder", message=error, amazon_order_id=amazon_id
        )
        if not amazon_id or len(amazon_id) > 64:  # no id we could look it up by: the log line is what remains
            continue
        result.failed[amazon_id] = reason
        raw = bad.raw if isinstance(bad.raw, dict) else {}
        if unstorable_reason(AmazonOrder(raw=raw)):
            raw = {}
        updated = AmazonOrder.objects.filter(store=store, amazon_order_id=amazon_id).update(
            needs_refetch=True, import_error=reason, order_notes=reason
        )
        if not updated:
            placeholder = AmazonOrder.objects.create(
                store=store,
                amazon_order_id=amazon_id[:64],
                status=_safe_text(
                    raw.get("fulfillmentStatus") or raw.get("orderStatus") or AmazonOrderStatus.PENDING, 32
                ),
                fulfilled_by=AmazonOrder.FulfilledBy.MERCHANT,
                purchase_date=_parse_time(raw.get("createdTime") or raw.get("purchaseDate")) or timezone.now(),
                amazon_updated_at=_parse_time(raw.get("lastUpdatedTime")) or timezone.now(),
                raw=raw,
                needs_refetch=True,
                import_error=reason,
                order_notes=reason,
                import_attempts=1,
            )
            # Counted like any order in its status (the dashboard's revenue counts it, with no grand total).
            statistics.record_changes([(None, placeholder)])


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)  # Amazon's times without an offset are UTC (as the client reads them)
    return parsed
