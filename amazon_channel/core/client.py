"""A store's SP-API client: its credentials, the rate limiter shared by every worker, and its communication log."""

from __future__ import annotations

import threading
from collections import OrderedDict
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


_kept_lock = threading.Lock()
_kept: OrderedDict[int, tuple[SpApiConfig, SpApiClient]] = OrderedDict()
KEPT_CLIENTS = 512  # stores whose client a worker process keeps between turns


def kept_client_for_store(store: AmazonStore) -> SpApiClient:
    """The client of the fair scheduler's turns: kept by the worker process from one turn of the store to its next
    (its HTTP connection stays open, no new session a turn) while the store's configuration is unchanged; new
    credentials or endpoint give a new client."""
    config = SpApiConfig.for_store(store)
    with _kept_lock:
        held = _kept.get(store.pk)
        if held is not None and held[0] == config:
            _kept.move_to_end(store.pk)
            return held[1]
    client = client_for_store(store)
    with _kept_lock:
        if held is not None:
            _close(held[1])
        _kept[store.pk] = (config, client)
        while len(_kept) > KEPT_CLIENTS:
            _close(_kept.popitem(last=False)[1][1])
    return client


def forget_kept_clients() -> None:
    with _kept_lock:
        while _kept:
            _close(_kept.popitem()[1][1])


def _close(client: Any) -> None:
    close = getattr(client, "close", None)  # a test's fake has nothing to close
    if close is not None:
        close()
