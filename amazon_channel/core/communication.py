"""The communication log: one row per failed exchange with Amazon, what a person needs to ask Amazon about it."""

from __future__ import annotations

from ..models import AmazonStore, CommunicationLog

_LIMITS = {"operation": 64, "code": 128, "message": 4000, "request_id": 128, "amazon_order_id": 64}


def record_communication_error(
    *, store: AmazonStore | int, operation: str, exc: BaseException, amazon_order_id: str = ""
) -> CommunicationLog:
    """Log an SP-API error (or any failure talking to Amazon) with Amazon's code, message and request id."""
    return record_communication(
        store=store,
        operation=operation or getattr(exc, "operation", "") or "",
        http_status=getattr(exc, "status", None) or None,
        code=str(getattr(exc, "code", "") or type(exc).__name__),
        message=str(getattr(exc, "message", "") or exc),
        request_id=str(getattr(exc, "request_id", "") or ""),
        amazon_order_id=amazon_order_id,
    )


def record_communication(
    *,
    store: AmazonStore | int,
    operation: str,
    code: str,
    message: str,
    http_status: int | None = None,
    request_id: str = "",
    amazon_order_id: str = "",
) -> CommunicationLog:
    """Log something Amazon said no to, or that could not be read, in the store's communication log."""
    row = communication_row(
        store=store,
        operation=operation,
        code=code,
        message=message,
        http_status=http_status,
        request_id=request_id,
        amazon_order_id=amazon_order_id,
    )
    row.save()
    return row


def communication_row(
    *,
    store: AmazonStore | int,
    operation: str,
    code: str,
    message: str,
    http_status: int | None = None,
    request_id: str = "",
    amazon_order_id: str = "",
) -> CommunicationLog:
    """An unsaved log row, cut to the columns (for writing many at once)."""
    values = {
        "operation": operation,
        "code": code,
        "message": message,
        "request_id": request_id,
        "amazon_order_id": amazon_order_id,
    }
    values = {name: (value or "")[: _LIMITS[name]] for name, value in values.items()}
    store_id = store.pk if isinstance(store, AmazonStore) else store
    return CommunicationLog(store_id=store_id, http_status=http_status, **values)
