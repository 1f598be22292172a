"""Login with Amazon: access tokens from the refresh token, cached until shortly before they expire.

The cache is shared in process (keyed by LWA endpoint + client id + a hash of the refresh token) and thread-safe: one
thread fetches while the others for the same key wait for its result instead of each asking LWA.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Refresh this long before Amazon's `expires_in` runs out, so a token never expires in flight.
EXPIRY_MARGIN = 60.0


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: float  # in the cache's clock


def cache_key(lwa_endpoint: str, client_id: str, refresh_token: str) -> str:
    digest = hashlib.sha256(refresh_token.encode()).hexdigest()[:32]
    return f"{lwa_endpoint}|{client_id}|{digest}"


class TokenCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, AccessToken] = {}
        self._fetch_locks: dict[str, threading.Lock] = {}

    def get(self, key: str, *, now: float) -> str | None:
        with self._lock:
            token = self._tokens.get(key)
        if token and now < token.expires_at:
            return token.value
        return None

    def get_or_fetch(
        self, key: str, fetch: Callable[[], tuple[str, float]], *, clock: Callable[[], float] = time.time
    ) -> str:
        """The cached token, or one from `fetch() -> (token, expires_in)` (one fetch per key at a time)."""
        token = self.get(key, now=clock())
        if token:
            return token
        with self._lock:
            fetch_lock = self._fetch_locks.setdefault(key, threading.Lock())
        with fetch_lock:
            token = self.get(key, now=clock())  # another thread may have fetched it meanwhile
            if token:
                return token
            value, expires_in = fetch()
            expires_at = clock() + max(0.0, float(expires_in) - EXPIRY_MARGIN)
            with self._lock:
                self._tokens[key] = AccessToken(value, expires_at)
            return value

    def invalidate(self, key: str, value: str | None = None) -> None:
        """Forget the token (only if it is still `value`, so a fresh one another thread got survives)."""
        with self._lock:
            token = self._tokens.get(key)
            if token and (value is None or token.value == value):
                del self._tokens[key]

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


TOKENS = TokenCache()
