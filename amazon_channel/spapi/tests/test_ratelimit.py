"""Pacing: calls wait for a token of their (seller, operation) bucket instead of earning a 429."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import pytest

from amazon_channel.spapi import ratelimit
from amazon_channel.spapi.ratelimit import InProcessRateLimiter, RedisRateLimiter

from .factories import make_order, search_page
from .scripted_server import Reply, errors_reply


def assert_within_quota(times: list[float], rate: float, burst: int) -> None:
    """No window of the call times holds more calls than the bucket allows: burst + rate * window length."""
    times = sorted(times)
    for i in range(len(times)):
        for j in range(i, len(times)):
            allowed = burst + rate * (times[j] - times[i]) + 1e-6
            assert j - i + 1 <= allowed, f"{j - i + 1} calls in {times[j] - times[i]:.3f}s exceed the quota"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_in_process_bucket_gives_the_burst_then_one_token_per_interval():
    clock = Clock()
    limiter = InProcessRateLimiter(clock=clock)

    waits = [limiter.acquire("S:op", 0.5, 3) for _ in range(6)]

    assert waits == [0, 0, 0, 2.0, 4.0, 6.0]  # reservations queue up in order
    clock.now += 100  # idle long enough: the debt is paid and the bucket refills, but only up to its burst
    assert [limiter.acquire("S:op", 0.5, 3) for _ in range(4)] == [0, 0, 0, 2.0]
    assert limiter.acquire("S:other", 0.5, 3) == 0  # buckets are per key


def test_drain_empties_the_bucket():
    clock = Clock()
    limiter = InProcessRateLimiter(clock=clock)
    limiter.acquire("S:op", 2.0, 10)

    limiter.drain("S:op", 2.0, 10)

    assert limiter.acquire("S:op", 2.0, 10) == pytest.approx(0.5)


def test_once_warm_no_call_goes_beyond_the_quota(server, make_client, fake_time):
    server.script("GET", r"/orders/2026-01-01/orders/[^/]+", Reply(200, {"order": make_order()}))
    client = make_client()

    for n in range(70):
        client.get_order(f"111-{n}")

    times = [c.at for c in server.api_calls()]
    assert_within_quota(times, rate=0.5, burst=30)  # getOrder's usage plan
    assert times[29] == times[0]  # the burst goes at once
    assert times[-1] - times[0] == pytest.approx((70 - 30) / 0.5)  # then exactly one call per 2 s, no slower
    assert all(pause == pytest.approx(2.0) for pause in fake_time.sleeps)


def test_search_orders_pages_beyond_the_burst_wait_for_the_slow_search_quota(server, make_client):
    pages = 23

    def respond(request):
        number = int(request.query.get("paginationToken", ["p-0"])[0].split("-")[1])
        return Reply(200, search_page([make_order(f"111-{number}")], f"p-{number + 1}" if number + 1 < pages else None))

    server.script("GET", "/orders/2026-01-01/orders", respond)

    got = list(make_client().iter_search_orders(created_after=datetime(2026, 11, 1, tzinfo=UTC)))

    assert len(got) == pages
    times = [c.at for c in server.api_calls()]
    assert_within_quota(times, rate=0.0056, burst=20)
    assert times[-1] - times[0] == pytest.approx(3 / 0.0056)


def test_amazons_rate_limit_header_overrides_the_usage_plan(server, make_client, fake_time):
    server.script(
        "GET",
        r"/orders/2026-01-01/orders/[^/]+",
        Reply(200, {"order": make_order()}, headers={"x-amzn-RateLimit-Limit": "5.0"}),
    )
    client = make_client()

    for n in range(32):
        client.get_order(f"111-{n}")

    assert fake_time.sleeps == [pytest.approx(0.2), pytest.approx(0.2)]  # 1/5 s, not getOrder's default 2 s


def test_a_429_drains_the_bucket_so_the_next_call_waits_a_full_interval(server, make_client):
    throttled = errors_reply(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
    server.script("GET", "/orders/2026-01-01/orders/111-1", Reply(200, {"order": make_order()}))
    server.script("GET", "/orders/2026-01-01/orders/111-2", throttled, Reply(200, {"order": make_order()}))
    client = make_client()

    client.get_order("111-1")
    client.get_order("111-2")  # Amazon's bucket is empty although ours still had 29 tokens

    first, throttled_call, retried = (c.at for c in server.api_calls())
    assert throttled_call == first
    assert retried - throttled_call == pytest.approx(2.0)


def test_clients_of_one_seller_share_its_bucket_and_other_sellers_have_their_own(server, make_client, fake_time):
    server.script("GET", r"/orders/2026-01-01/orders/[^/]+", Reply(200, {"order": make_order()}))
    limiter = InProcessRateLimiter(clock=fake_time.time)
    first = make_client(limiter=limiter)
    second = make_client(limiter=limiter)
    other_seller = make_client(limiter=limiter, seller_id="A9OTHERSELLER")

    for n in range(20):
        first.get_order(f"111-{n}")
        second.get_order(f"111-{n}")
    assert fake_time.sleeps == [pytest.approx(2.0)] * 10  # 40 calls, one bucket of 30

    before = len(fake_time.sleeps)
    other_seller.get_order("111-x")
    assert len(fake_time.sleeps) == before


def test_build_rate_limiter_is_in_process_without_redis_and_shared(settings):
    settings.REDIS_URL = ""
    limiter = ratelimit.build_rate_limiter()

    assert isinstance(limiter, InProcessRateLimiter)
    assert ratelimit.build_rate_limiter() is limiter


# --- Redis --------------------------------------------------------------------------------------------------------


@pytest.fixture
def redis_db5(redis_url):
    import redis

    parts = urlsplit(redis_url)
    url = urlunsplit((parts.scheme, parts.netloc, "/5", "", ""))  # this suite's Redis database
    client = redis.Redis.from_url(url)
    prefix = f"test-{uuid.uuid4().hex}:"
    yield url, client, prefix
    for key in client.scan_iter(RedisRateLimiter.prefix + prefix + "*"):
        client.delete(key)
    client.close()


@pytest.mark.redis
def test_redis_bucket_behaves_like_the_in_process_one(redis_db5):
    _url, client, prefix = redis_db5
    clock = Clock()
    limiter = RedisRateLimiter(client, clock=clock)

    assert [limiter.acquire(prefix + "op", 0.5, 3) for _ in range(5)] == [0, 0, 0, 2.0, 4.0]
    clock.now += 100
    assert [limiter.acquire(prefix + "op", 0.5, 3) for _ in range(4)] == [0, 0, 0, 2.0]
    limiter.drain(prefix + "op2", 2.0, 10)
    assert limiter.acquire(prefix + "op2", 2.0, 10) == pytest.approx(0.5)
    ttl = client.ttl(RedisRateLimiter.prefix + prefix + "op")
    assert 0 < ttl <= 3 / 0.5 + 2 + 61  # idle buckets expire once they would be full again anyway


@pytest.mark.redis
def test_redis_bucket_is_atomic_across_workers(redis_db5):
    import redis

    url, _client, prefix = redis_db5
    clock = Clock()
    waits: list[float] = []
    lock = threading.Lock()

    def worker():
        limiter = RedisRateLimiter(redis.Redis.from_url(url), clock=clock)  # its own connection, like a worker
        got = [limiter.acquire(prefix + "shared", 1.0, 10) for _ in range(5)]
        with lock:
            waits.extend(got)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # 40 reservations against one bucket of 10 at 1/s: every slot handed out exactly once.
    assert sorted(waits) == [0.0] * 10 + [float(n) for n in range(1, 31)]


@pytest.mark.redis
def test_redis_bucket_uses_the_servers_clock_by_default(redis_db5):
    _url, client, prefix = redis_db5
    limiter = RedisRateLimiter(client)

    waits = [limiter.acquire(prefix + "op", 1.0, 2) for _ in range(3)]

    assert waits[:2] == [0, 0]
    assert 0.9 < waits[2] <= 1.0


@pytest.mark.redis
def test_build_rate_limiter_uses_redis_when_configured(settings, redis_db5):
    url, _client, prefix = redis_db5
    settings.REDIS_URL = url

    limiter = ratelimit.build_rate_limiter()

    assert isinstance(limiter, RedisRateLimiter)
    assert limiter.acquire(prefix + "op", 1.0, 1) == 0
    assert limiter.acquire(prefix + "op", 1.0, 1) > 0.9
