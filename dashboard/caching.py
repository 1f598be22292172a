"""The dashboards' optional cache: a figure costlier than the rest of its page may be kept DASHBOARD_CACHE_SECONDS
(0, the default, = always fresh), shared through Redis when configured. The cache being down never fails a page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

T = TypeVar("T")


def cached(key: str, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave within the last DASHBOARD_CACHE_SECONDS under `key`."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    try:
        value = cache.get(key)
    except Exception as exc:  # the cache (Redis) is down or restarting: slower figures beat an error page
        logger.warning("dashboard cache unavailable (%s); computing the figures", exc)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, seconds)
        except Exception as exc:  # went down between the two calls: the next view computes them again
            logger.warning("dashboard cache unavailable (%s); figures not cached", exc)
    return value
