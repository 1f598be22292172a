"""Pacing: calls wait for a token of their (seller, operation) bucket instead of earning a 429."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import pytest

from amazon_channel.spapi import errors, ratelimit
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

    waits = [limiter.acquire("S:op", 0.5, 3).wait for _ in range(6)]

    assert waits == [0, 0, 0, 2.0, 4.0, 6.0]  # reservations queue up in order
    clock.now += 100  # idle long enough: the debt is paid and the bucket refills, but only up to its burst
    assert [limiter.acquire("S:op", 0.5, 3).wait for _ in range(4)] == [0, 0, 0, 2.0]
    assert limiter.acquire("S:other", 0.5, 3).wait == 0  # buckets are per key


def test_drain_empties_the_bucket():
    clock = Clock()
    limiter = InProcessRateLimiter(clock=clock)
    limiter.acquire("S:op", 2.0, 10)

    limiter.drain("S:op", 2.0, 10)

    assert limiter.acquire("S:op", 2.0, 10).wait == pytest.approx(0.5)


def test_once_warm_no_call_goes_beyond_the_quota(server, make_client, fake_time):
    server.script("GET", r"/orders/2026-01-01/orders/[^/]+", Reply(200, {"order": make_order()}))
    client = make_client()

    for n in range(70):
        client.get_order(f"111-{n}")

    times = [c.at for c in server.api_calls()]
    kept_back = client.config.rate_limit_reserve / 0.5  # the last token of the burst waits for the reserve, once
    assert_within_quota(times, rate=0.5, burst=30)  # getOrder's usage plan
    assert times[28] == times[0]  # the burst goes at once
    assert times[29] - times[0] == pytest.approx(kept_back)
    assert times[-1] - times[0] == pytest.approx((70 - 30) / 0.5 + kept_back)  # then one call per 2 s, no slower
    assert fake_time.sleeps[0] == pytest.approx(kept_back)
    assert all(pause == pytest.approx(2.0) for pause in fake_time.sleeps[1:])


def test_search_orders_pages_beyond_the_burst_wait_for_the_slow_search_quota(server, make_client):
    pages = 23

    def respond(request):
        number = int(request.query.get("paginationToken", ["p-0"])[0].split("-")[1])
        return Reply(200, search_page([make_order(f"111-{number}")], f"p-{number + 1}" if number + 1 < pages else None))

    server.script("GET", "/orders/2026-01-01/orders", respond)

    client = make_client()
    got = list(client.iter_search_orders(created_after=datetime(2026, 11, 1, tzinfo=UTC)))

    assert len(got) == pages
    times = [c.at for c in server.api_calls()]
    assert_within_quota(times, rate=0.0056, burst=20)
    assert times[-1] - times[0] == pytest.approx((3 + client.config.rate_limit_reserve) / 0.0056)


def test_amazons_rate_limit_header_overrides_the_usage_plan(server, make_client, fake_time):
    server.script(
        "GET",
        r"/orders/2026-01-01/orders/[^/]+",
        Reply(200, {"order": make_order()}, headers={"x-amzn-RateLimit-Limit": "5.0"}),
    )
    client = make_client()

    for n in range(32):
        client.get_order(f"111-{n}")

    reserve = client.config.rate_limit_reserve
    # 1/5 s, not getOrder's default 2 s (and the reserve, once, also at Amazon's rate)
    assert fake_time.sleeps == [pytest.approx(reserve / 5), pytest.approx(0.2), pytest.approx(0.2)]


def test_a_429_drains_the_bucket_so_the_next_call_waits_a_full_interval(server, make_client):
    throttled = errors_reply(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
    server.script("GET", "/orders/2026-01-01/orders/111-1", Reply(200, {"order": make_order()}))
    server.script("GET", "/orders/2026-01-01/orders/111-2", throttled, Reply(200, {"order": make_order()}))
    client = make_client()

    client.get_order("111-1")
    client.get_order("111-2")  # Amazon's bucket is empty although ours still had 29 tokens

    first, throttled_call, retried = (c.at for c in server.api_calls())
    assert throttled_call == first
    assert retried - throttled_call == pytest.approx((1 + client.config.rate_limit_reserve) / 0.5)


def test_clients_of_one_seller_share_its_bucket_and_other_sellers_have_their_own(server, make_client, fake_time):
    server.script("GET", r"/orders/2026-01-01/orders/[^/]+", Reply(200, {"order": make_order()}))
    limiter = InProcessRateLimiter(clock=fake_time.time)
    first = make_client(limiter=limiter)
    second = make_client(limiter=limiter)
    other_seller = make_client(limiter=limiter, seller_id="A9OTHERSELLER")

    for n in range(20):
        first.get_order(f"111-{n}")
        second.get_order(f"111-{n}")
    kept_back = first.config.rate_limit_reserve / 0.5
    assert fake_time.sleeps == [pytest.approx(kept_back)] + [pytest.approx(2.0)] * 10  # 40 calls, one bucket of 30

    before = len(fake_time.sleeps)
    other_seller.get_order("111-x")
    assert len(fake_time.sleeps) == before


def test_the_wait_keeps_the_reserve_in_the_bucket():
    limiter = InProcessRateLimiter(clock=Clock())

    waits = [limiter.acquire("S:op", 0.5, 3, reserve=0.25).wait for _ in range(4)]

    assert waits == [0, 0, 0.5, 2.5]  # the third token leaves 0 < 0.25: a quarter token's refill, then 1.25 tokens'


def test_settling_an_answer_from_a_full_bucket_starts_its_refill_at_the_answer():
    clock = Clock()
    limiter = InProcessRateLimiter(clock=clock)
    first = limiter.acquire("S:op", 0.5, 3)
    clock.now += 1.5  # the answer comes 1.5 s later: Amazon's full bucket took the token somewhere in between

    limiter.settle("S:op", 0.5, 3, first.number)

    # Amazon's bucket may have been full until now, so ours has not refilled since either: 2 tokens, not 2.75.
    assert [limiter.acquire("S:op", 0.5, 3).wait for _ in range(3)] == [0, 0, 2.0]


def test_settling_counts_every_token_granted_after_the_settled_one():
    clock = Clock()
    limiter = InProcessRateLimiter(clock=clock)
    first, _second, _third = (limiter.acquire("S:op", 0.5, 3) for _ in range(3))
    clock.now += 10  # long enough to refill, but the first answer only comes now; the others are still on their way

    limiter.settle("S:op", 0.5, 3, first.number)

    assert limiter.acquire("S:op", 0.5, 3).wait == 2.0


def test_settling_leaves_a_bucket_that_was_not_full_as_it_was():
    clock = Clock()
    limiter = InProcessRateLimiter(clock=clock)
    *_, fourth = (limiter.acquire("S:op", 0.5, 3) for _ in range(4))
    assert fourth.wait == 2.0
    clock.now += 2.1  # sent after its wait, answered 0.1 s later

    limiter.settle("S:op", 0.5, 3, fourth.number)
    limiter.settle("S:op", 0.5, 3, 0)  # a token from no bucket's count (Redis was down): nothing to settle
    limiter.settle("S:other", 0.5, 3, fourth.number)  # no such bucket

    assert limiter.acquire("S:op", 0.5, 3).wait == pytest.approx(1.9)
    assert limiter.acquire("S:other", 0.5, 3).wait == 0


def test_drain_with_retry_after_holds_the_bucket_that_long():
    limiter = InProcessRateLimiter(clock=Clock())
    limiter.acquire("S:op", 0.5, 3)

    limiter.drain("S:op", 0.5, 3, retry_after=7)

    assert limiter.acquire("S:op", 0.5, 3).wait == pytest.approx(7.0)


class AmazonBucket:
    """Amazon's side, as the sandbox models it: the token is taken when the request arrives, else the answer is 429."""

    def __init__(self, rate: float, burst: int, clock) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens: float | None = None
        self.at = 0.0
        self.taken: list[float] = []
        self.refused = 0

    def take(self) -> bool:
        now = self.clock()
        if self.tokens is None:
            self.tokens, self.at = float(self.burst), now
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1.0:
            self.refused += 1
            return False
        self.tokens -= 1.0
        self.taken.append(now)
        return True


def test_a_first_call_slowed_by_the_token_exchange_earns_no_429_later(server, make_client, fake_time):
    # The first call takes its turn, then exchanges the refresh token (0.4 s) before it is sent: Amazon's bucket
    # starts 0.45 s after ours. Later calls are quicker, so without settling the first one on its answer the first
    # call beyond the burst would reach Amazon 0.2 tokens before its refill.
    amazon = AmazonBucket(0.5, 30, fake_time.time)
    issue = server.issue_token()

    def slow_token_exchange(request):
        fake_time.advance(0.4)
        return issue(request)

    def get_order(request):
        fake_time.advance(0.05)  # on its way to Amazon
        if amazon.take():
            reply = Reply(200, {"order": make_order()}, headers={"x-amzn-RateLimit-Limit": "0.5"})
        else:
            reply = errors_reply(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
        fake_time.advance(0.05)  # the answer on its way back
        return reply

    server.script("POST", "/auth/o2/token", slow_token_exchange)
    server.script("GET", r"/orders/2026-01-01/orders/[^/]+", get_order)
    client = make_client()

    for n in range(80):
        client.get_order(f"111-{n}")

    assert amazon.refused == 0
    # No slower than the quota: 50 tokens beyond the burst at 0.5/s, plus the reserve and one round trip (0.1 s:
    # Amazon took the first token somewhere on it, and only the answer tells us it did).
    elapsed = amazon.taken[-1] - amazon.taken[0]
    assert elapsed == pytest.approx(50 / 0.5 + client.config.rate_limit_reserve / 0.5 + 0.1)


def test_a_429_waits_one_refill_interval_once(server, make_client, fake_time):
    throttled = errors_reply(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
    server.script("GET", "/orders/2026-01-01/orders/111-1", throttled, Reply(200, {"order": make_order()}))
    client = make_client()

    client.get_order("111-1")

    # No jittered backoff on top of the bucket's wait: one pause, a refill interval (getOrder: 2 s) and the reserve.
    assert fake_time.sleeps == [pytest.approx((1 + client.config.rate_limit_reserve) / 0.5)]


def test_a_429s_retry_after_holds_every_call_for_the_seller(server, make_client, fake_time):
    throttled = errors_reply(
        429, "QuotaExceeded", "You exceeded your quota for the requested resource.", **{"Retry-After": "7"}
    )
    server.script("GET", "/orders/2026-01-01/orders/111-1", throttled, Reply(200, {"order": make_order()}))
    server.script("GET", "/orders/2026-01-01/orders/111-2", Reply(200, {"order": make_order()}))
    limiter = InProcessRateLimiter(clock=fake_time.time)
    first, second = make_client(limiter=limiter), make_client(limiter=limiter)

    first.get_order("111-1")
    second.get_order("111-2")

    throttled_at, retried_at, other_at = (c.at for c in server.api_calls())
    kept_back = first.config.rate_limit_reserve / 0.5
    assert retried_at - throttled_at == pytest.approx(7 + kept_back)
    assert other_at - retried_at == pytest.approx(2.0)  # the other client waits its turn behind the retry
    assert fake_time.sleeps == [pytest.approx(7 + kept_back), pytest.approx(2.0)]


def test_a_429s_retry_after_beyond_the_budget_is_raised_at_once(server, make_client, fake_time):
    server.script(
        "GET",
        "/orders/2026-01-01/orders/111-1",
        errors_reply(429, "QuotaExceeded", "You exceeded your quota.", **{"Retry-After": "500"}),
    )
    client = make_client(max_retry_wait=120)

    with pytest.raises(errors.ThrottledError):
        client.get_order("111-1")

    assert len(server.api_calls()) == 1
    assert fake_time.sleeps == []


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

    assert [limiter.acquire(prefix + "op", 0.5, 3).wait for _ in range(5)] == [0, 0, 0, 2.0, 4.0]
    clock.now += 100
    assert [limiter.acquire(prefix + "op", 0.5, 3).wait for _ in range(4)] == [0, 0, 0, 2.0]
    limiter.drain(prefix + "op2", 2.0, 10)
    assert limiter.acquire(prefix + "op2", 2.0, 10).wait == pytest.approx(0.5)
    ttl = client.ttl(RedisRateLimiter.prefix + prefix + "op")
    assert 0 < ttl <= 3 / 0.5 + 2 + 61  # idle buckets expire once they would be full again anyway


def bucket_story(limiter, clock: Clock, key: str) -> list:
    """Every answer a limiter gives along one bucket's life: burst, reserve, settling, 429s, odd rates and times."""
    answers: list = []
    for _ in range(4):
        answers.append(limiter.acquire(key, 0.224, 20, reserve=0.05))
    clock.now += 0.0137
    limiter.settle(key, 0.224, 20, answers[0].number)
    for _ in range(18):
        answers.append(limiter.acquire(key, 0.224, 20, reserve=0.05))
        clock.now += 1 / 3
    limiter.settle(key, 0.224, 20, answers[-1].number)
    limiter.drain(key, 0.224, 20)
    answers.append(limiter.acquire(key, 0.224, 20, reserve=0.05))
    clock.now += 4.7
    limiter.drain(key, 0.224, 20, retry_after=2.5)
    answers.append(limiter.acquire(key, 0.224, 20, reserve=0.05))
    clock.now += 1000
    answers += [limiter.acquire(key, 0.1 + 0.2, 7) for _ in range(9)]
    limiter.settle(key, 0.3, 7, answers[-9].number)
    answers.append(limiter.acquire(key, 0.3, 7))
    return answers


@pytest.mark.redis
def test_redis_bucket_gives_exactly_the_in_process_buckets_answers(redis_db5):
    _url, client, prefix = redis_db5
    in_process_clock, redis_clock = Clock(), Clock()

    expected = bucket_story(InProcessRateLimiter(clock=in_process_clock), in_process_clock, "S:op")
    got = bucket_story(RedisRateLimiter(client, clock=redis_clock), redis_clock, prefix + "op")

    assert got == expected  # to the last bit: the same arithmetic in the same order, floats stored with 17 digits
    assert any(turn.wait > 0 for turn in expected)


@pytest.mark.redis
def test_redis_bucket_is_atomic_across_workers(redis_db5):
    import redis

    url, _client, prefix = redis_db5
    clock = Clock()
    waits: list[float] = []
    lock = threading.Lock()

    def worker():
        limiter = RedisRateLimiter(redis.Redis.from_url(url), clock=clock)  # its own connection, like a worker
        got = [limiter.acquire(prefix + "shared", 1.0, 10).wait for _ in range(5)]
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

    waits = [limiter.acquire(prefix + "op", 1.0, 2).wait for _ in range(3)]

    assert waits[:2] == [0, 0]
    assert 0.9 < waits[2] <= 1.0


@pytest.mark.redis
def test_build_rate_limiter_uses_redis_when_configured(settings, redis_db5):
    url, _client, prefix = redis_db5
    settings.REDIS_URL = url

    limiter = ratelimit.build_rate_limiter()

    assert isinstance(limiter, RedisRateLimiter)
    assert limiter.acquire(prefix + "op", 1.0, 1).wait == 0
    assert limiter.acquire(prefix + "op", 1.0, 1).wait > 0.9


def peek_story(limiter, clock: Clock, key: str) -> list:
    """What `peek` says along a bucket's life, and that it never takes a token."""
    answers: list = [limiter.peek(key, 0.5, 3, reserve=0.05)]  # an unknown bucket is full
    for _ in range(3):
        answers.append(limiter.acquire(key, 0.5, 3, reserve=0.05).wait)
    answers += [limiter.peek(key, 0.5, 3, reserve=0.05) for _ in range(3)]  # asking again changes nothing
    clock.now += 1.5
    answers.append(limiter.peek(key, 0.5, 3, reserve=0.05))
    answers.append(limiter.acquire(key, 0.5, 3, reserve=0.05).wait)  # the wait peek announced
    return answers


def test_peek_tells_the_wait_a_token_would_have_without_taking_it():
    clock = Clock()
    answers = peek_story(InProcessRateLimiter(clock=clock), clock, "S:op")

    assert answers[:4] == [0.0, 0.0, 0.0, pytest.approx(0.1)]  # the third token leaves less than the reserve
    assert answers[4] == answers[5] == answers[6] == pytest.approx(2.1)  # 1.05 tokens short at 0.5 a second
    assert answers[7] == answers[8] == pytest.approx(0.6)


@pytest.mark.redis
def test_redis_peek_gives_exactly_the_in_process_answers(redis_db5):
    _url, client, prefix = redis_db5
    in_process_clock, redis_clock = Clock(), Clock()

    expected = peek_story(InProcessRateLimiter(clock=in_process_clock), in_process_clock, "S:op")
    got = peek_story(RedisRateLimiter(client, clock=redis_clock), redis_clock, prefix + "op")

    assert got == expected
    assert not client.exists(RedisRateLimiter.prefix + prefix + "never")
    assert RedisRateLimiter(client, clock=redis_clock).peek(prefix + "never", 0.5, 3) == 0.0
    assert not client.exists(RedisRateLimiter.prefix + prefix + "never")  # a peek writes nothing
