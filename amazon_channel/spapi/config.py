"""Connection settings for one Amazon store (seller + marketplace)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PRODUCT_NAME = "AmazonChannelForCommerce"


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
