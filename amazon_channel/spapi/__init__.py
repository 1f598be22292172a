"""Amazon Selling Partner API client (Orders v2026-01-01, Orders v0 confirmShipment, Feeds 2021-06-30).

from amazon_channel.spapi import SpApiClient, SpApiConfig, errors, types, feeds
"""

from . import errors, feeds, types
from .client import SpApiClient
from .config import SpApiConfig

__all__ = ["SpApiClient", "SpApiConfig", "errors", "feeds", "types"]
