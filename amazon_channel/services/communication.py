"""The SP-API client of a store, and the store's communication log of every SP-API error it met."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import AmazonStore, CommunicationLog

if TYPE_CHECKING:
    from ..spapi import SpApiClient


def record_communication_error(*, store_id: int, operation: str, exc: BaseException, amazon_order_id: str = "") -> None:
    """One row per failed exchange with Amazon: what a person needs to ask Amazon about it."""
    CommunicationLog.objects.create(
        store_id=store_id,
        operation=(operation or "")[:64],
        http_status=getattr(exc, "status", None) or None,
        code=str(getattr(exc, "code", "") or type(exc).__name__)[:128],
        message=str(getattr(exc, "message", "") or exc)[:4000],
        request_id=str(getattr(exc, "request_id", "") or "")[:128],
        amazon_order_id=amazon_order_id[:64],
    )


def client_for_store(store: AmazonStore, *, log_errors: bool = True, **client_options) -> SpApiClient:
    """A client with the store's credentials and the shared rate limiter; its failures go to the communication log.
    `client_options` reach SpApiClient (tests pass a limiter that never waits)."""
    from ..spapi import SpApiClient, SpApiConfig
    from ..spapi.ratelimit import build_rate_limiter

    on_error = None
    if log_errors and store.pk:
        store_id = store.pk

        def on_error(operation: str, exc: BaseException) -> None:
            record_communication_error(store_id=store_id, operation=operation, exc=exc)

    client_options.setdefault("rate_limiter", build_rate_limiter())
    return SpApiClient(SpApiConfig.for_store(store), on_error=on_error, **client_options)
