"""What every part of the outbox shares: states, Amazon's codes, settings, the client, error handling."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from orders.services import add_comment

from ...models import AmazonStore, CommunicationLog, OutboundUpdate
from ...spapi import SpApiClient, SpApiConfig, errors, feeds
from ...spapi.ratelimit import build_rate_limiter

logger = logging.getLogger(__name__)

Kind = OutboundUpdate.Kind
State = OutboundUpdate.State

# The feed types and Amazon's reason lists are the feed builder's (spapi.feeds); the outbox only names them.
CANCEL_FEED = feeds.ORDER_ACKNOWLEDGEMENT_FEED
REFUND_FEED = feeds.PAYMENT_ADJUSTMENT_FEED
FEED_TYPES = {Kind.CANCEL: CANCEL_FEED, Kind.REFUND: REFUND_FEED}
FEED_CONTENT_TYPE = "text/xml; charset=UTF-8"
CANCEL_REASONS = feeds.CANCEL_REASONS
DEFAULT_CANCEL_REASON = "NoInventory"  # a Commerce cancel of an Amazon order: the merchant can't ship it
ADJUSTMENT_REASONS = feeds.ADJUSTMENT_REASONS
DEFAULT_ADJUSTMENT_REASON = "CustomerReturn"
# Where the credit memo page / Amazon Order Details put the merchant's choice (credit memo and cancel channel_data).
ADJUSTMENT_REASON_KEY = "amazon_adjustment_reason"
CANCEL_REASON_KEY = "amazon_cancel_reason"

# Commerce carrier code -> Amazon carrierCode. Anything else is sent as "Other" with the track's title as carrierName.
CARRIER_CODES = {"dhl": "DHL", "fedex": "FedEx", "ups": "UPS", "usps": "USPS"}
OTHER_CARRIER = "Other"
# Amazon's packageReferenceId must be a positive number, unique within the order: shipment pk * 1000 + track number.
PACKAGES_PER_SHIPMENT = 999


def lease_seconds() -> int:
    return int(getattr(settings, "AMAZON_OUTBOX_LEASE_SECONDS", 300))


def feed_window_seconds() -> int:
    """About one createFeed per two minutes per store and feed type (Amazon's createFeed usage plan)."""
    return int(getattr(settings, "AMAZON_FEED_WINDOW_SECONDS", 120))


def feed_poll_seconds() -> int:
    return int(getattr(settings, "AMAZON_FEED_POLL_SECONDS", 30))


def max_feed_messages() -> int:
    return int(getattr(settings, "AMAZON_FEED_MAX_MESSAGES", 5000))


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about 1, 2, 4, ... minutes, at most an hour."""
    base = min(60 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


class WorkerStopped(BaseException):
    """Raised only by tests to stand for a worker killed mid-delivery (nothing after it runs)."""


# Recording: called in the orders service's transaction (in-transaction event handlers).


def client_for_store(store: AmazonStore, **client_options: Any) -> SpApiClient:
    """The SP-API client for a store, with the shared rate limiter; failed exchanges go to its communication log.
    `client_options` (rate_limiter, sleep, ...) are for tests."""

    def on_error(operation: str, exc: Exception) -> None:
        log_error(store=store, operation=operation, exc=exc)

    options = {"rate_limiter": build_rate_limiter(), "on_error": on_error, **client_options}
    return SpApiClient(SpApiConfig.for_store(store), **options)


def log_error(*, store: AmazonStore, operation: str, exc: Exception, amazon_order_id: str = "") -> None:
    CommunicationLog.objects.create(
        store=store,
        operation=operation or getattr(exc, "operation", "") or "",
        http_status=getattr(exc, "status", None),
        code=(getattr(exc, "code", "") or "")[:128],
        message=getattr(exc, "message", "") or str(exc),
        request_id=(getattr(exc, "request_id", "") or "")[:128],
        amazon_order_id=amazon_order_id,
    )


def is_rejection(exc: Exception) -> bool:
    """Amazon said no to this request (fix it, then retry by hand); anything else is worth trying again later."""

    return isinstance(exc, errors.InvalidRequestError | errors.NotFoundError)


def describe_error(exc: Exception) -> str:
    message = getattr(exc, "message", "") or str(exc)
    code = getattr(exc, "code", "")
    return f"{code}: {message}" if code and code not in message else message


# Claims


@dataclass
class DeliveryResult:
    update_id: int
    state: str
    message: str = ""


def comment_on_order(*, update: OutboundUpdate, text: str) -> None:
    """Record an accepted update in the Commerce order's comments history."""
    order_id = update.amazon_order.commerce_order_id
    if not order_id:
        return
    add_comment(order=order_id, actor=update.created_by, comment=text)


def is_spapi_error(exc: BaseException) -> bool:

    return isinstance(exc, errors.SpApiError)


# Feeds: cancellations and refunds, batched per store and feed type


def read_only_message(store: AmazonStore) -> str:
    return _("Read-Only Mode is on for %(store)s: this update waits until it is turned off.") % {"store": store.name}
