"""Token buckets per (seller, operation) so a call waits for its turn instead of earning a 429.

Amazon's quota belongs to the seller + application, so with several workers the bucket must be shared: with
settings.REDIS_URL the state lives in Redis and one Lua script updates it atomically; otherwise it is in-process.

The buckets are reservations: `acquire` always takes a token, possibly going into debt, and returns how long the
caller must wait before using it. Concurrent callers therefore queue up in order instead of racing to re-check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

logger = logging.getLogger(__name__)

# Default usage plans (requests per second, burst), DESIGN.md section 4.
USAGE_PLANS: dict[str, tuple[float, int]] = {
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
}
# For an operation without a known plan: conservative.
FALLBACK_PLAN: tuple[float, int] = (0.5, 1)


class RateLimiter(Protocol):
    def acquire(self, key: str, rate: float, burst: int) -> float:
        """Take one token from bucket `key`; return the seconds to wait before using it (0 = go now)."""

    def drain(self, key: str, rate: float, burst: int) -> None:
        """Amazon said 429: its bucket is empty, so ours is too."""


class InProcessRateLimiter:
    """Buckets in this process's memory (one worker, tests, the demo). Thread-safe."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def _refill(self, key: str, rate: float, burst: int, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(burst), now))
        return min(float(burst), tokens + max(0.0, now - at) * rate)

    def acquire(self, key: str, rate: float, burst: int) -> float:
        with self._lock:
            now = self._clock()
            tokens = self._refill(key, rate, burst, now) - 1.0
            self._buckets[key] = (tokens, now)
        return 0.0 if tokens >= 0 else -tokens / rate

    def drain(self, key: str, rate: float, burst: int) -> None:
        with self._lock:
            now = self._clock()
            tokens = self._refill(key, rate, burst, now)
            self._buckets[key] = (min(tokens, 0.0), now)


# KEYS[1] bucket; ARGV: rate, burst, mode ("acquire" | "drain"), now ("" = Redis server time, so workers on several
# machines share one clock). Returns the wait as a string (Redis would truncate a Lua float to an integer).
_LUA_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
local elapsed = now - at
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * rate)
local wait = 0
if ARGV[3] == 'drain' then
  if tokens > 0 then tokens = 0 end
else
  tokens = tokens - 1
  if tokens < 0 then wait = -tokens / rate end
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', string.format('%.6f', now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate + wait) + 60)
return string.format('%.6f', wait)
"""


class RedisRateLimiter:
    """Buckets in Redis, shared by every worker; one atomic Lua script per call."""

    prefix = "spapi:ratelimit:"

    def __init__(self, client, *, clock: Callable[[], float] | None = None) -> None:
        self._redis = client
        self._clock = clock  # None = Redis server time (production); tests pass a fake clock
        self._script = client.register_script(_LUA_BUCKET)
        self._fallback = InProcessRateLimiter()

    def _run(self, key: str, rate: float, burst: int, mode: str) -> float:
        now = "" if self._clock is None else repr(float(self._clock()))
        result = self._script(keys=[self.prefix + key], args=[repr(float(rate)), int(burst), mode, now])
        return float(result.decode() if isinstance(result, bytes) else result)

    def acquire(self, key: str, rate: float, burst: int) -> float:
        try:
            return self._run(key, rate, burst, "acquire")
        except Exception as exc:  # Redis down: pace this process alone rather than stop talking to Amazon
            logger.warning("Redis rate limiter unavailable (%s); using the in-process one", exc)
            return self._fallback.acquire(key, rate, burst)

    def drain(self, key: str, rate: float, burst: int) -> None:
        try:
            self._run(key, rate, burst, "drain")
        except Exception as exc:
            logger.warning("Redis rate limiter unavailable (%s); using the in-process one", exc)
            self._fallback.drain(key, rate, burst)


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
