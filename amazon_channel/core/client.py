"""A store's SP-API client: its credentials, the rate limiter shared by every worker, and its communication log."""

from __future__ import annotations

from typing import Any

from ..models import AmazonStore
from ..spapi import SpApiClient, SpApiConfig
from ..spapi.ratelimit import build_rate_limiter
from .communication import record_communication_error


def client_for_store(store: AmazonStore, *, log_errors: bool = True, **client_options: Any) -> SpApiClient:
    """Every failed exchange goes to the store's communication log (unless `log_errors` is off, or the store is not
    saved yet, as in *Test connection* before saving). `client_options` reach SpApiClient (tests pass a limiter that
    never waits, a token cache, a sleep)."""
    on_error = None
    if log_errors and store.pk:
        store_id = store.pk

        def on_error(operation: str, exc: BaseException) -> None:
            record_communication_error(store=store_id, operation=operation, exc=exc)

    client_options.setdefault("rate_limiter", build_rate_limiter())
    client_options.setdefault("on_error", on_error)
    return SpApiClient(SpApiConfig.for_store(store), **client_options)
