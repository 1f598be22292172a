"""Token buckets per (seller, operation) so a call waits for its turn instead of earning a 429.

Amazon's quota belongs to the seller + application, so with several workers the bucket must be shared: with
settings.REDIS_URL the state lives in Redis and one Lua script updates it atomically; otherwise it is in-process.
Both implement the same arithmetic, operation for operation, so they give the same answers to the same calls.

The buckets are reservations: `acquire` always takes a token, possibly going into debt, and returns how long the
caller must wait before using it. Concurrent callers therefore queue up in order instead of racing to re-check.

Amazon takes its token when the request reaches it, we take ours before sending, and a full bucket's refill is lost.
So Amazon's bucket starts refilling later than ours by the first request's delay (a token exchange before sending, a
new connection): once the burst is spent, a later and quicker request reaches Amazon just before its refill and earns
a 429. `settle` closes the gap: when a call has its answer, Amazon took its token then at the latest, so a bucket
that was full counts as full until then (which costs the first call's round trip, once). `reserve` keeps a sliver of
a token back for what neither side's clock shows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import NamedTuple, Protocol

logger = logging.getLogger(__name__)

# Default usage plans (requests per second, burst), DESIGN.md section 4.
USAGE_PLANS: dict[str, tuple[float, int]] = {
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "updateShipmentStatus": (5.0, 15),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
}
# For an operation without a known plan: conservative.
FALLBACK_PLAN: tuple[float, int] = (0.5, 1)


class Turn(NamedTuple):
    wait: float  # seconds to wait before sending (0 = go now)
    number: int  # the token's number in its bucket, to `settle` it when the answer comes (0 = nothing to settle)


class RateLimiter(Protocol):
    def acquire(self, key: str, rate: float, burst: int, *, reserve: float = 0.0) -> Turn:
        """Take one token from bucket `key`; the wait leaves at least `reserve` tokens in it."""

    def settle(self, key: str, rate: float, burst: int, number: int) -> None:
        """The call that took token `number` has its answer: Amazon took that token now at the latest."""

    def drain(self, key: str, rate: float, burst: int, *, retry_after: float | None = None) -> None:
        """Amazon said 429: its bucket is empty (until `retry_after` seconds from now, when it said so)."""

    def peek(self, key: str, rate: float, burst: int, *, reserve: float = 0.0) -> float:
        """How long a token taken now would wait (what `acquire` would return), without taking it."""


def _wait(tokens: float, reserve: float, rate: float) -> float:
    return (reserve - tokens) / rate if tokens < reserve else 0.0


def _settled(tokens: float, burst: int, granted: int, number: int) -> float:
    # Amazon took token `number` now at the latest, so its bucket holds at most the burst minus that token and every
    # one granted after it (taken or still on its way). Capped at the burst: a number from another count (a bucket
    # Redis lost and made anew) can't drive ours deep into debt.
    since = min(granted - number + 1, burst)
    if number < 1 or since < 1:
        return tokens
    return min(tokens, float(burst - since))


def _drained(tokens: float, rate: float, retry_after: float | None) -> float:
    floor = 0.0 if retry_after is None else 1.0 - rate * retry_after  # the next token comes at now + retry_after
    return min(tokens, floor)


class InProcessRateLimiter:
    """Buckets in this process's memory (one worker, tests, the demo). Thread-safe."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float, int]] = {}  # key -> (tokens, at, tokens granted so far)

    def _refilled(self, key: str, rate: float, burst: int, now: float) -> tuple[float, int]:
        tokens, at, granted = self._buckets.get(key, (float(burst), now, 0))
        elapsed = now - at
        if elapsed < 0:
            elapsed = 0.0
        return min(float(burst), tokens + elapsed * rate), granted

    def acquire(self, key: str, rate: float, burst: int, *, reserve: float = 0.0) -> Turn:
        with self._lock:
            now = self._clock()
            tokens, granted = self._refilled(key, rate, burst, now)
            tokens = tokens - 1.0
            granted = granted + 1
            self._buckets[key] = (tokens, now, granted)
        return Turn(_wait(tokens, reserve, rate), granted)

    def settle(self, key: str, rate: float, burst: int, number: int) -> None:
        with self._lock:
            if key not in self._buckets:
                return
            now = self._clock()
            tokens, granted = self._refilled(key, rate, burst, now)
            self._buckets[key] = (_settled(tokens, burst, granted, number), now, granted)

    def drain(self, key: str, rate: float, burst: int, *, retry_after: float | None = None) -> None:
        with self._lock:
            now = self._clock()
            tokens, granted = self._refilled(key, rate, burst, now)
            self._buckets[key] = (_drained(tokens, rate, retry_after), now, granted)

    def peek(self, key: str, rate: float, burst: int, *, reserve: float = 0.0) -> float:
        with self._lock:
            tokens, _ = self._refilled(key, rate, burst, self._clock())
        return _wait(tokens - 1.0, reserve, rate)


# KEYS[1] bucket; ARGV: mode ("acquire" | "settle" | "drain" | "peek": the wait acquire would give, nothing written),
# rate, burst, now ("" = Redis server time, so workers
# on several machines share one clock), then acquire: reserve; settle: the token's number; drain: Retry-After ("" =
# none). The same arithmetic as InProcessRateLimiter, in the same order. Returns {wait, granted}; the wait is a
# string (Redis would truncate a Lua float to an integer) and every float is stored with all 17 digits.
_LUA_BUCKET = """
local mode = ARGV[1]
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local extra = tonumber(ARGV[5])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'granted')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
local granted = tonumber(state[3]) or 0
if tokens == nil or at == nil then
  if mode == 'settle' or mode == 'peek' then
    return {'0', 0}
  end
  tokens = burst
  at = now
  granted = 0
end
local elapsed = now - at
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * rate)
local wait = 0
if mode == 'peek' then
  tokens = tokens - 1
  if tokens < extra then wait = (extra - tokens) / rate end
  return {string.format('%.17g', wait), granted}
end
if mode == 'acquire' then
  tokens = tokens - 1
  granted = granted + 1
  if tokens < extra then wait = (extra - tokens) / rate end
elseif mode == 'settle' then
  local since = math.min(granted - extra + 1, burst)
  if extra >= 1 and since >= 1 then tokens = math.min(tokens, burst - since) end
else
  local floor = 0
  if extra ~= nil then floor = 1 - rate * extra end
  tokens = math.min(tokens, floor)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', now),
  'granted', granted)
redis.call('EXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 60)
return {string.format('%.17g', wait), granted}
"""


class RedisRateLimiter:
    """Buckets in Redis, shared by every worker; one atomic Lua script per call."""

    prefix = "spapi:ratelimit:"

    def __init__(self, client, *, clock: Callable[[], float] | None = None) -> None:
        self._redis = client
        self._clock = clock  # None = Redis server time (production); tests pass a fake clock
        self._script = client.register_script(_LUA_BUCKET)
        self._fallback = InProcessRateLimiter()

    def _run(self, key: str, mode: str, rate: float, burst: int, extra: float | None) -> Turn:
        now = "" if self._clock is None else repr(float(self._clock()))
        args = [mode, repr(float(rate)), int(burst), now, "" if extra is None else repr(float(extra))]
        wait, granted = self._script(keys=[self.prefix + key], args=args)
        return Turn(float(wait.decode() if isinstance(wait, bytes) else wait), int(granted))

    def acquire(self, key: str, rate: float, burst: int, *, reserve: float = 0.0) -> Turn:
        try:
            return self._run(key, "acquire", rate, burst, reserve)
        except Exception as exc:  # Redis down: pace this process alone rather than stop talking to Amazon
            logger.warning("Redis rate limiter unavailable (%s); using the in-process one", exc)
            # Its numbers count another bucket: nothing to settle against Redis when it is back.
            return Turn(self._fallback.acquire(key, rate, burst, reserve=reserve).wait, 0)

    def settle(self, key: str, rate: float, burst: int, number: int) -> None:
        if number < 1:
            return
        try:
            self._run(key, "settle", rate, burst, number)
        except Exception as exc:
            logger.warning("Redis rate limiter unavailable (%s); an answer goes unsettled", exc)

    def drain(self, key: str, rate: float, burst: int, *, retry_after: float | None = None) -> None:
        try:
            self._run(key, "drain", rate, burst, retry_after)
        except Exception as exc:
            logger.warning("Redis rate limiter unavailable (%s); using the in-process one", exc)
            self._fallback.drain(key, rate, burst, retry_after=retry_after)

    def peek(self, key: str, rate: float, burst: int, *, reserve: float = 0.0) -> float:
        try:
            return self._run(key, "peek", rate, burst, reserve).wait
        except Exception as exc:
            logger.warning("Redis rate limiter unavailable (%s); using the in-process one", exc)
            return self._fallback.peek(key, rate, burst, reserve=reserve)


class NoPacing:
    """Never waits: for a sandbox with its quotas off (tests of other things, throughput benchmarks)."""

    def acquire(self, key: str, rate: float, burst: int, *, reserve: float = 0.0) -> Turn:
        return Turn(0.0, 0)

    def settle(self, key: str, rate: float, burst: int, number: int) -> None:
        pass

    def drain(self, key: str, rate: float, burst: int, *, retry_after: float | None = None) -> None:
        pass

    def peek(self, key: str, rate: float, burst: int, *, reserve: float = 0.0) -> float:
        return 0.0


_shared_lock = threading.Lock()
_shared: dict[str, RateLimiter] = {}


def build_rate_limiter() -> RateLimiter:
    """The process-wide limiter: Redis-backed when settings.REDIS_URL is set, else in-process."""
    from django.conf import settings

    url = getattr(settings, "REDIS_URL", "") or ""
    with _shared_lock:
        limiter = _shared.get(url)
        if limiter is None:
            if url:
                import redis

                limiter = RedisRateLimiter(redis.Redis.from_url(url))
            else:
                limiter = InProcessRateLimiter()
            _shared[url] = limiter
        return limiter


class RateTable:
    """Rates per (seller, operation): the usage plan, or what Amazon's `x-amzn-RateLimit-Limit` last said."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._observed: dict[tuple[str, str], float] = {}

    def plan(self, seller_id: str, operation: str) -> tuple[float, int]:
        rate, burst = USAGE_PLANS.get(operation, FALLBACK_PLAN)
        with self._lock:
            return self._observed.get((seller_id, operation), rate), burst

    def observe(self, seller_id: str, operation: str, header: str | None) -> None:
        if not header:
            return
        try:
            rate = float(header.strip())
        except ValueError:
            return
        if rate > 0 and rate == rate and rate != float("inf"):
            with self._lock:
                self._observed[(seller_id, operation)] = rate


# Shared in process: every client for a seller learns from every response.
RATES = RateTable()
