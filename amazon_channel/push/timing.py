"""When the outbox acts: its leases, Amazon's createFeed window, how often a feed is polled, backoff."""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings


def lease_duration() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "AMAZON_OUTBOX_LEASE_SECONDS", 300)))


def feed_window_seconds() -> float:
    """About one createFeed per two minutes per store and feed type (Amazon's createFeed usage plan). A fraction of a
    second is kept: a time-scaled run (bench/many_stores.py against the sandbox's scaled usage plans) divides it."""
    return float(getattr(settings, "AMAZON_FEED_WINDOW_SECONDS", 120))


def feed_poll_seconds() -> float:
    return float(getattr(settings, "AMAZON_FEED_POLL_SECONDS", 30))


def feed_gather_seconds() -> float:
    """A feed is assembled once no new cancel / refund of its store and type has come for this long: 500 credit
    memos written one after another go out in one feed, not the first alone and the rest a createFeed window later."""
    return float(getattr(settings, "AMAZON_FEED_GATHER_SECONDS", 5))


# getFeed after createFeed: Amazon queues and processes a feed in seconds to minutes, so the first polls come soon
# and then less often; never more often than every AMAZON_FEED_POLL_SECONDS once past these.
FEED_POLL_STEPS = (5.0, 5.0, 10.0, 20.0)


def feed_poll_steps() -> tuple[float, ...]:
    """The gaps between createFeed and the first getFeed polls (AMAZON_FEED_POLL_STEPS, FEED_POLL_STEPS unless set:
    a time-scaled run divides them as the sandbox divides its feed processing)."""
    return tuple(float(step) for step in getattr(settings, "AMAZON_FEED_POLL_STEPS", FEED_POLL_STEPS))


def next_feed_poll(*, submitted_age: float) -> float:
    """Seconds from now to the next getFeed of a feed created `submitted_age` seconds ago: at 5, 10, 20 and 40 s,
    then every AMAZON_FEED_POLL_SECONDS (each step at most that long). getFeed's quota (2/s) is far above this."""
    cap = feed_poll_seconds()
    mark = 0.0
    for step in feed_poll_steps():
        mark += min(step, cap)
        if mark > submitted_age:
            return mark - submitted_age
    return cap


def max_feed_messages() -> int:
    return int(getattr(settings, "AMAZON_FEED_MAX_MESSAGES", 5000))


def sweep_limit() -> int:
    return int(getattr(settings, "AMAZON_OUTBOX_SWEEP_LIMIT", 1000))


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about 1, 2, 4, ... minutes, at most an hour."""
    base = min(60 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))
