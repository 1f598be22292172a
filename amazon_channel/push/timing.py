"""When the outbox acts: its leases, Amazon's createFeed window, how often a feed is polled, backoff."""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings


def lease_duration() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "AMAZON_OUTBOX_LEASE_SECONDS", 300)))


def feed_window_seconds() -> int:
    """About one createFeed per two minutes per store and feed type (Amazon's createFeed usage plan)."""
    return int(getattr(settings, "AMAZON_FEED_WINDOW_SECONDS", 120))


def feed_poll_seconds() -> int:
    return int(getattr(settings, "AMAZON_FEED_POLL_SECONDS", 30))


def max_feed_messages() -> int:
    return int(getattr(settings, "AMAZON_FEED_MAX_MESSAGES", 5000))


def sweep_limit() -> int:
    return int(getattr(settings, "AMAZON_OUTBOX_SWEEP_LIMIT", 1000))


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about 1, 2, 4, ... minutes, at most an hour."""
    base = min(60 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))
