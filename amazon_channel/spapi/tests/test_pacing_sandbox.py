"""Pacing over real HTTP against the Seller Central sandbox with Amazon's usage plans on (time-scaled): a catch-up
over many searchOrders pages earns no 429 and goes at the quota's rate, with the in-process and the Redis bucket."""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest

from amazon_channel.spapi import SpApiClient, SpApiConfig
from amazon_channel.spapi.auth import TokenCache
from amazon_channel.spapi.ratelimit import InProcessRateLimiter, RateLimiter, RateTable, RedisRateLimiter, Turn

pytestmark = pytest.mark.slow

SCALE = 500
RATE, BURST = 0.0056 * SCALE, 20  # searchOrders' plan, refilled 500 times faster: one page every 0.36 s
PAGES, PER_PAGE = BURST + 30, 10


class Recorded:
    """The limiter under test, noting each searchOrders turn and when (time.time(), the sandbox's clock) the first
    answer settled its token."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.turns: list[Turn] = []
        self.due: list[float] = []  # when each turn let its request go (time.time())
        self.first_settled: float | None = None

    def acquire(self, key: str, rate: float, burst: int, *, reserve: float = 0.0) -> Turn:
        turn = self.limiter.acquire(key, rate, burst, reserve=reserve)
        self.turns.append(turn)
        self.due.append(time.time() + turn.wait)
        return turn

    def settle(self, key: str, rate: float, burst: int, number: int) -> None:
        self.limiter.settle(key, rate, burst, number)
        if self.first_settled is None:
            self.first_settled = time.time()

    def drain(self, key: str, rate: float, burst: int, *, retry_after: float | None = None) -> None:
        self.limiter.drain(key, rate, burst, retry_after=retry_after)


@pytest.fixture
def redis_limiter(redis_url):
    import redis

    parts = urlsplit(redis_url)
    client = redis.Redis.from_url(urlunsplit((parts.scheme, parts.netloc, "/5", "", "")))  # the suite's database
    limiter = RedisRateLimiter(client)  # Redis server time, as in production
    limiter.prefix = f"{RedisRateLimiter.prefix}test-{uuid.uuid4().hex}:"  # this test's buckets only
    yield limiter
    for key in client.scan_iter(limiter.prefix + "*"):
        client.delete(key)
    client.close()


def catch_up(sandbox, limiter: RateLimiter) -> tuple[int, Recorded, list[dict]]:
    """Every page of a backlog, as the import reads it, starting cold: the first page waits for a slow token exchange
    after taking its turn, so it reaches Amazon 0.25 s (0.7 tokens) later than the pages after it would. Returns the
    orders read, the limiter's record and the sandbox's searchOrders ledger."""
    credentials = sandbox.credentials
    sandbox.control.add_orders(
        PAGES * PER_PAGE,
        marketplace_id=credentials.marketplace_id,
        status="UNSHIPPED",
        lifecycle=False,
        created_seconds_ago=3600,
    )
    sandbox.control.inject("slow", operation="token", count=1, seconds=0.25)
    config = SpApiConfig(
        endpoint=sandbox.url,
        lwa_endpoint=sandbox.lwa_endpoint,
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        refresh_token=credentials.refresh_token,
        marketplace_id=credentials.marketplace_id,
        seller_id=credentials.seller_id,
    )
    recorded = Recorded(limiter)
    with SpApiClient(config, rate_limiter=recorded, token_cache=TokenCache(), rates=RateTable()) as client:
        pages = client.iter_search_orders(
            created_after=datetime.now(UTC) - timedelta(days=1), max_results_per_page=PER_PAGE
        )
        read = sum(len(page.orders) for page in pages)
    return read, recorded, sandbox.control.ledger("searchOrders")


def assert_paced_at_the_quota(read: int, recorded: Recorded, ledger: list[dict]) -> None:
    assert read == PAGES * PER_PAGE
    assert [entry["status"] for entry in ledger] == [200] * PAGES  # not one 429
    arrived = [entry["at_epoch"] for entry in ledger]
    # The pages that waited for their turn (the burst and what refilled while it went are spent): one a refill, so
    # the slope of the times their turns came is the rate the pacing gave. (Their arrivals follow those turns by
    # however long this process took to send them: on a loaded machine, tens of milliseconds of CPU, not pacing.)
    paced = [due for due, turn in zip(recorded.due, recorded.turns, strict=True) if turn.wait > 0]
    assert len(paced) >= 20
    achieved = 1 / statistics.linear_regression(range(len(paced)), paced).slope
    assert RATE * 0.99 <= achieved <= RATE * 1.01, f"{achieved:.4f}/s for a quota of {RATE:.4f}/s"
    assert all(at >= due - 0.005 for at, due in zip(arrived, recorded.due, strict=True))  # none went early
    # The whole catch-up as Amazon saw it: the minimum the quota allows, plus, once, the reserve and what settling the
    # first page costs (from its arrival at Amazon to its answer: until then the client can't know Amazon took the
    # token), plus how late the last request got out after its turn came.
    minimum = (PAGES - BURST) / RATE
    settling = recorded.first_settled - arrived[0]
    late = max(arrived[-1] - recorded.due[-1], 0.0)
    allowed = minimum * 1.01 + settling + SpApiConfig.rate_limit_reserve / RATE + late
    assert arrived[-1] - arrived[0] <= allowed, f"{arrived[-1] - arrived[0]:.3f} s, minimum {minimum:.3f} s"


@pytest.mark.sandbox(rate_limits=True, time_scale=SCALE)
def test_a_catch_up_goes_at_the_quota_without_a_429(sandbox):
    assert_paced_at_the_quota(*catch_up(sandbox, InProcessRateLimiter()))


@pytest.mark.redis
@pytest.mark.sandbox(rate_limits=True, time_scale=SCALE)
def test_a_catch_up_goes_at_the_quota_without_a_429_with_the_redis_bucket(sandbox, redis_limiter):
    assert_paced_at_the_quota(*catch_up(sandbox, redis_limiter))
