"""Connection settings for one Amazon store (seller + marketplace)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

PRODUCT_NAME = "AmazonChannelForCommerce"


class InsecureEndpointError(ValueError):
    """An endpoint would carry the client secret or refresh token over plain http across a network."""


def is_safe_endpoint(url: str) -> bool:
    """https anywhere; plain http only to this machine (the local sandbox)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SpApiConfig:
    endpoint: str  # e.g. https://sellingpartnerapi-na.amazon.com (or the sandbox)
    lwa_endpoint: str  # e.g. https://api.amazon.com/auth/o2/token
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    marketplace_id: str
    seller_id: str
    app_name: str = PRODUCT_NAME
    connect_timeout: float = 5
    read_timeout: float = 30
    max_retries: int = 5
    # Bounds of the retry pauses (seconds): exponential backoff with full jitter, capped, and a total budget.
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    max_retry_wait: float = 120.0
    # Tokens of every bucket kept back for what neither clock sees (a twentieth of a request: once per catch-up,
    # a twentieth of a refill interval).
    rate_limit_reserve: float = 0.05

    def __post_init__(self) -> None:
        # Worker and web processes don't run the system checks (config/checks.py): refuse here too.
        for url in (self.endpoint, self.lwa_endpoint):
            if not is_safe_endpoint(url):
                raise InsecureEndpointError(
                    f"Refusing to send Amazon credentials to {url!r}: use https (plain http only to a local sandbox)."
                )

    @classmethod
    def for_store(cls, amazon_store: Any, **overrides: Any) -> SpApiConfig:
        """The configuration of an `AmazonStore` (credentials are decrypted by the model's fields)."""
        from django.conf import settings

        values: dict[str, Any] = {
            "endpoint": settings.SPAPI_ENDPOINTS[amazon_store.region],
            "lwa_endpoint": settings.LWA_ENDPOINT,
            "client_id": amazon_store.client_id,
            "client_secret": amazon_store.client_secret,
            "refresh_token": amazon_store.refresh_token,
            "marketplace_id": amazon_store.marketplace_id,
            "seller_id": amazon_store.seller_id,
        }
        values.update(overrides)
        return cls(**values)
