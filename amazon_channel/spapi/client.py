"""The SP-API client: Login with Amazon, pacing, retries and typed results over one `requests.Session`.

Every call: waits for a token of its (seller, operation) bucket, sends `x-amz-access-token` + `x-amz-date` + our user
agent, settles the token when the answer comes (see ratelimit), and retries what may succeed next time (429, 5xx,
connection errors, timeouts, a cut-off body), bounded by `max_retries` and `max_retry_wait`: a 429 after one refill
interval of its bucket (or Amazon's `Retry-After`), the others with exponential backoff and full jitter. Other 4xx are
raised at once as typed errors.
"""

from __future__ import annotations

import gzip
import logging
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urljoin

import requests

from . import auth, parsing, types
from .config import SpApiConfig
from .errors import (
    LWA_OPERATION,
    AuthError,
    MalformedResponseError,
    ServerError,
    SpApiError,
    ThrottledError,
    TransportError,
    error_from_response,
    retry_after,
    token_rejected,
)
from .ratelimit import RATES, RateLimiter, RateTable, Turn, build_rate_limiter

logger = logging.getLogger(__name__)

VERSION = "1.0"
ORDERS_PATH = "/orders/2026-01-01/orders"
FEEDS_PATH = "/feeds/2021-06-30"
_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

OnError = Callable[[str, SpApiError], None]


def format_datetime(value: datetime, *, what: str = "date") -> str:
    """ISO 8601 in UTC, as Amazon's examples write it."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv(values: Iterable[str] | None) -> str | None:
    # Swagger 2 arrays in a query string are comma-separated (the models declare no other collectionFormat).
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    joined = ",".join(str(v) for v in values)
    return joined or None


class SpApiClient:
    def __init__(
        self,
        config: SpApiConfig,
        *,
        rate_limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_error: OnError | None = None,
        clock: Callable[[], float] = time.time,
        token_cache: auth.TokenCache | None = None,
        rates: RateTable | None = None,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._limiter = rate_limiter if rate_limiter is not None else build_rate_limiter()
        self._sleep = sleep
        self._on_error = on_error
        self._deferred = threading.local()
        self._clock = clock
        self._tokens = token_cache if token_cache is not None else auth.TOKENS
        self._token_key = auth.cache_key(config.lwa_endpoint, config.client_id, config.refresh_token)
        self._rates = rates if rates is not None else RATES
        self._session = session or requests.Session()
        self._random = rng or random.Random()
        self.user_agent = (
            f"{config.app_name}/{VERSION} (Language=Python/{sys.version_info.major}.{sys.version_info.minor})"
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> SpApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing ---------------------------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return urljoin(self.config.endpoint.rstrip("/") + "/", path.lstrip("/"))

    @contextmanager
    def errors_deferred(self) -> Iterator[list[tuple[str, SpApiError]]]:
        """In this thread, failed exchanges are collected instead of reported to `on_error` (which writes the
        communication log to the database): a page fetched in a background thread hands them to the thread that
        owns the database connection, which reports them with `report_errors`."""
        notes: list[tuple[str, SpApiError]] = []
        self._deferred.notes = notes
        try:
            yield notes
        finally:
            self._deferred.notes = None

    def report_errors(self, notes: list[tuple[str, SpApiError]]) -> None:
        for operation, error in notes:
            self._notify(operation, error)

    def _notify(self, operation: str, error: SpApiError) -> None:
        deferred = getattr(self._deferred, "notes", None)
        if deferred is not None:
            deferred.append((operation, error))
            return
        logger.info("SP-API %s failed: %s", operation, error)
        if self._on_error is None:
            return
        try:
            self._on_error(operation, error)
        except Exception:  # the log must never break the call
            logger.exception("on_error callback failed for %s", operation)

    def _wait_for_turn(self, operation: str) -> Turn:
        rate, burst = self._rates.plan(self.config.seller_id, operation)
        reserve = self.config.rate_limit_reserve
        turn = self._limiter.acquire(f"{self.config.seller_id}:{operation}", rate, burst, reserve=reserve)
        if turn.wait > 0:
            self._sleep(turn.wait)
        return turn

    def quota_wait(self, operation: str) -> float:
        """Seconds until a call of `operation` would get its turn, without taking one: a scheduler that has other
        work ends a turn instead of sleeping on the quota. A limiter without `peek` (a test's own) says now."""
        peek = getattr(self._limiter, "peek", None)
        if peek is None:
            return 0.0
        rate, burst = self._rates.plan(self.config.seller_id, operation)
        key = f"{self.config.seller_id}:{operation}"
        return float(peek(key, rate, burst, reserve=self.config.rate_limit_reserve))

    def _account(self, operation: str, turn: Turn, response: requests.Response | None) -> None:
        """Tell the bucket how the exchange went, at the rate Amazon's answer gave (the plan's before the first)."""
        if response is not None:
            self._rates.observe(self.config.seller_id, operation, response.headers.get("x-amzn-RateLimit-Limit"))
        rate, burst = self._rates.plan(self.config.seller_id, operation)
        key = f"{self.config.seller_id}:{operation}"
        if response is not None and response.status_code == 429:
            # Amazon's bucket is empty: ours too, so this call and every other one for the seller waits its turn.
            self._limiter.drain(key, rate, burst, retry_after=retry_after(response))
        else:
            # Answered (or given up on): whenever Amazon took the token, it was before now.
            self._limiter.settle(key, rate, burst, turn.number)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        ceiling = min(self.config.backoff_cap, self.config.backoff_base * (2**attempt))
        return self._random.uniform(0, ceiling)

    def _access_token(self) -> str:
        return self._tokens.get_or_fetch(self._token_key, self._fetch_access_token, clock=self._clock)

    def _fetch_access_token(self) -> tuple[str, float]:
        _, body = self._send(
            LWA_OPERATION,
            "POST",
            self.config.lwa_endpoint,
            data={
                "grant_type": "refresh_token",
                "refresh_token": self.config.refresh_token,
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
            },
            signed=False,
        )
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
            raise MalformedResponseError(LWA_OPERATION, 200, "MalformedResponse", "LWA returned no access_token")
        try:
            expires_in = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            expires_in = 3600.0
        return body["access_token"], expires_in

    def _send(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        ok: Sequence[int] = (200,),
        signed: bool = True,
        expect_json: bool = True,
        idempotent: bool = True,
    ) -> tuple[requests.Response, Any]:
        """One logical call: pacing, token, retries. Returns (response, parsed JSON or raw bytes or None).

        A call that is not idempotent (createFeed) is retried only after an answer saying it was not done (429,
        5xx): after a timeout, a dropped connection or a cut answer Amazon may have done it, so the caller decides."""
        attempt = 0
        waited = 0.0
        refreshed_token = False
        params = {k: v for k, v in (params or {}).items() if v is not None}
        while True:
            request_headers = {"user-agent": self.user_agent}
            access_token = None
            turn = None
            if signed:
                turn = self._wait_for_turn(operation)
                access_token = self._access_token()
                request_headers.update(
                    {
                        "x-amz-access-token": access_token,
                        "x-amz-date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
                        "accept": "application/json",
                    }
                )
            request_headers.update(headers or {})
            error: SpApiError
            response: requests.Response | None = None
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params or None,
                    json=json_body,
                    data=data,
                    headers=request_headers,
                    timeout=(self.config.connect_timeout, self.config.read_timeout),
                )
            except requests.Timeout as exc:
                error = TransportError(operation, None, "Timeout", f"no answer in time ({exc.__class__.__name__})")
            except requests.RequestException as exc:
                error = TransportError(operation, None, "ConnectionError", f"{exc.__class__.__name__}: {exc}")
            if turn is not None:
                self._account(operation, turn, response)
            if response is not None:
                if response.status_code in ok:
                    if not expect_json:
                        return response, response.content
                    if response.status_code == 204 or not response.content:
                        return response, None
                    try:
                        return response, response.json()
                    except ValueError:
                        error = MalformedResponseError(
                            operation,
                            response.status_code,
                            "MalformedResponse",
                            "the response body is not complete JSON",
                            response.headers.get("x-amzn-RequestId"),
                            truncated=True,
                        )
                else:
                    error = error_from_response(operation, response)
                    if signed and not refreshed_token and isinstance(error, AuthError) and token_rejected(error):
                        # The cached token expired early or was revoked: one fresh token, one more try.
                        refreshed_token = True
                        self._notify(operation, error)
                        self._tokens.invalidate(self._token_key, access_token)
                        continue
            self._notify(operation, error)
            if not error.retryable or attempt >= self.config.max_retries:
                raise error
            if not idempotent and not isinstance(error, ThrottledError | ServerError):
                raise error
            # A throttled call's pause is its bucket's, taken once: `_account` drained it (to Retry-After when Amazon
            # gave one), so the next turn comes a refill interval on, in line with every other call for the seller.
            throttled = signed and isinstance(error, ThrottledError)
            delay = 0.0 if throttled else self._backoff(attempt, error.retry_after)
            pause = (error.retry_after or 0.0) if throttled else delay
            if waited + pause > self.config.max_retry_wait:
                raise error
            if delay > 0:
                self._sleep(delay)
            waited += pause
            attempt += 1

    def _malformed(self, operation: str, response: requests.Response, exc: Exception) -> MalformedResponseError:
        error = MalformedResponseError(
            operation,
            response.status_code,
            "MalformedResponse",
            f"the response is not the model's shape: {exc}",
            response.headers.get("x-amzn-RequestId"),
        )
        self._notify(operation, error)
        return error

    # --- Orders v2026-01-01 -------------------------------------------------------------------------------------------

    def _search_params(
        self,
        *,
        created_after: datetime | None,
        last_updated_after: datetime | None,
        created_before: datetime | None,
        last_updated_before: datetime | None,
        fulfillment_statuses: Iterable[str] | None,
        fulfilled_by: Iterable[str] | str | None,
        marketplace_ids: Iterable[str] | None,
        included_data: Iterable[str] | None,
        max_results_per_page: int,
        pagination_token: str | None,
    ) -> dict[str, Any]:
        if (created_after is None) == (last_updated_after is None):
            raise ValueError("give exactly one of created_after and last_updated_after")
        if created_after is not None and last_updated_before is not None:
            raise ValueError("last_updated_before goes with last_updated_after, not created_after")
        if last_updated_after is not None and created_before is not None:
            raise ValueError("created_before goes with created_after, not last_updated_after")
        if not 1 <= int(max_results_per_page) <= 100:
            raise ValueError("max_results_per_page must be between 1 and 100")
        dates = {
            "createdAfter": created_after,
            "createdBefore": created_before,
            "lastUpdatedAfter": last_updated_after,
            "lastUpdatedBefore": last_updated_before,
        }
        params: dict[str, Any] = {k: format_datetime(v, what=k) for k, v in dates.items() if v is not None}
        marketplaces = marketplace_ids if marketplace_ids is not None else [self.config.marketplace_id]
        params.update(
            {
                "fulfillmentStatuses": _csv(fulfillment_statuses),
                "fulfilledBy": _csv(fulfilled_by),
                "marketplaceIds": _csv(marketplaces),
                "includedData": _csv(included_data),
                "maxResultsPerPage": int(max_results_per_page),
                "paginationToken": pagination_token or None,
            }
        )
        return params

    def search_orders(
        self,
        *,
        created_after: datetime | None = None,
        last_updated_after: datetime | None = None,
        created_before: datetime | None = None,
        last_updated_before: datetime | None = None,
        fulfillment_statuses: Iterable[str] | None = None,
        fulfilled_by: Iterable[str] | str | None = None,
        marketplace_ids: Iterable[str] | None = None,
        included_data: Iterable[str] | None = types.DEFAULT_INCLUDED,
        max_results_per_page: int = 100,
        pagination_token: str | None = None,
    ) -> types.OrdersPage:
        """One page of searchOrders. Orders that fail to parse are in `bad_orders`, not raised."""
        params = self._search_params(
            created_after=created_after,
            last_updated_after=last_updated_after,
            created_before=created_before,
            last_updated_before=last_updated_before,
            fulfillment_statuses=fulfillment_statuses,
            fulfilled_by=fulfilled_by,
            marketplace_ids=marketplace_ids,
            included_data=included_data,
            max_results_per_page=max_results_per_page,
            pagination_token=pagination_token,
        )
        response, body = self._send("searchOrders", "GET", self._url(ORDERS_PATH), params=params)
        try:
            return parsing.parse_search_orders_response(body)
        except parsing.ParseError as exc:
            raise self._malformed("searchOrders", response, exc)

    def iter_search_orders(self, **filters: Any) -> Iterator[types.OrdersPage]:
        """Every page of a search, following `pagination.nextToken` (same filters each time, as Amazon requires)."""
        token = filters.pop("pagination_token", None)
        while True:
            page = self.search_orders(pagination_token=token, **filters)
            yield page
            if not page.next_token:
                return
            token = page.next_token

    def iter_orders(self, **filters: Any) -> Iterator[types.Order]:
        """Every parsed order of a search, across pages (unparseable ones are skipped: use pages to see them)."""
        for page in self.iter_search_orders(**filters):
            yield from page.orders

    def get_order(self, order_id: str, *, included_data: Iterable[str] | None = types.DEFAULT_INCLUDED) -> types.Order:
        response, body = self._send(
            "getOrder",
            "GET",
            self._url(f"{ORDERS_PATH}/{quote(order_id, safe='')}"),
            params={"includedData": _csv(included_data)},
        )
        try:
            return parsing.parse_get_order_response(body)
        except (parsing.ParseError, TypeError, ValueError, ArithmeticError) as exc:
            raise self._malformed("getOrder", response, exc)

    # --- Orders v0: shipments ---------------------------------------------------------------------------------------

    def confirm_shipment(self, order_id: str, *, marketplace_id: str, package: types.PackageDetail) -> None:
        """Tell Amazon one package left (204). Send every package of the order, each with its own reference id."""
        detail: dict[str, Any] = {
            "packageReferenceId": str(package.package_reference_id),
            "carrierCode": package.carrier_code,
            "trackingNumber": package.tracking_number,
            "shipDate": format_datetime(package.ship_date, what="ship_date"),
            "orderItems": [{"orderItemId": str(item_id), "quantity": int(qty)} for item_id, qty in package.items],
        }
        if package.carrier_name:
            detail["carrierName"] = package.carrier_name
        if package.shipping_method:
            detail["shippingMethod"] = package.shipping_method
        self._send(
            "confirmShipment",
            "POST",
            self._url(f"/orders/v0/orders/{quote(order_id, safe='')}/shipmentConfirmation"),
            json_body={"marketplaceId": marketplace_id, "packageDetail": detail},
            ok=(200, 204),
        )

    def update_shipment_status(
        self,
        order_id: str,
        *,
        marketplace_id: str,
        shipment_status: str,
        items: Iterable[tuple[str, int]] | None = None,
    ) -> None:
        """Tell Amazon where an in-store pickup order stands (204): ReadyForPickup, PickedUp or RefusedPickup.
        Without `items` the status applies to the whole order."""
        body: dict[str, Any] = {"marketplaceId": marketplace_id, "shipmentStatus": shipment_status}
        if items is not None:
            body["orderItems"] = [{"orderItemId": str(item_id), "quantity": int(qty)} for item_id, qty in items]
        self._send(
            "updateShipmentStatus",
            "POST",
            self._url(f"/orders/v0/orders/{quote(order_id, safe='')}/shipment"),
            json_body=body,
            ok=(200, 204),
        )

    # --- Feeds 2021-06-30 -------------------------------------------------------------------------------------------

    def create_feed_document(self, content_type: str) -> types.FeedDocumentUpload:
        response, body = self._send(
            "createFeedDocument",
            "POST",
            self._url(f"{FEEDS_PATH}/documents"),
            json_body={"contentType": content_type},
            ok=(200, 201),
        )
        try:
            return parsing.parse_feed_document_upload(body)
        except parsing.ParseError as exc:
            raise self._malformed("createFeedDocument", response, exc)

    def upload_feed_document(self, upload: types.FeedDocumentUpload, content: bytes, content_type: str) -> None:
        """PUT the document to the pre-signed URL (no SP-API token, no SP-API quota)."""
        self._send(
            "uploadFeedDocument",
            "PUT",
            upload.url,
            data=content,
            headers={"Content-Type": content_type},
            ok=(200, 201, 204),
            signed=False,
            expect_json=False,
        )

    def create_feed(
        self,
        *,
        feed_type: str,
        input_feed_document_id: str,
        marketplace_ids: Iterable[str] | None = None,
        feed_options: dict[str, str] | None = None,
    ) -> str:
        ids = list(marketplace_ids) if marketplace_ids is not None else [self.config.marketplace_id]
        specification = {"feedType": feed_type, "marketplaceIds": ids, "inputFeedDocumentId": input_feed_document_id}
        if feed_options:
            specification["feedOptions"] = dict(feed_options)
        response, body = self._send(
            "createFeed",
            "POST",
            self._url(f"{FEEDS_PATH}/feeds"),
            json_body=specification,
            ok=(200, 202),
            idempotent=False,  # a second createFeed is a second feed: refunds applied twice
        )
        try:
            return parsing.parse_create_feed(body)
        except parsing.ParseError as exc:
            raise self._malformed("createFeed", response, exc)

    def get_feed(self, feed_id: str) -> types.Feed:
        response, body = self._send("getFeed", "GET", self._url(f"{FEEDS_PATH}/feeds/{quote(feed_id, safe='')}"))
        try:
            return parsing.parse_feed(body)
        except parsing.ParseError as exc:
            raise self._malformed("getFeed", response, exc)

    def get_feed_document(self, doc_id: str) -> types.FeedDocument:
        response, body = self._send(
            "getFeedDocument", "GET", self._url(f"{FEEDS_PATH}/documents/{quote(doc_id, safe='')}")
        )
        try:
            return parsing.parse_feed_document(body)
        except parsing.ParseError as exc:
            raise self._malformed("getFeedDocument", response, exc)

    def download_feed_document(self, doc: types.FeedDocument) -> bytes:
        """The document's bytes, gunzipped when Amazon says it is GZIP."""
        response, content = self._send(
            "downloadFeedDocument", "GET", doc.url, signed=False, expect_json=False, ok=(200,)
        )
        if (doc.compression_algorithm or "").upper() == "GZIP" and content[:2] == b"\x1f\x8b":
            try:
                return gzip.decompress(content)
            except (OSError, EOFError) as exc:
                raise self._malformed("downloadFeedDocument", response, exc)
        return content

    def submit_feed(
        self,
        *,
        feed_type: str,
        content: bytes,
        content_type: str = "text/xml; charset=UTF-8",
        marketplace_ids: Iterable[str] | None = None,
    ) -> str:
        """createFeedDocument + upload + createFeed; returns the feed id to poll with `get_feed`."""
        upload = self.create_feed_document(content_type)
        self.upload_feed_document(upload, content, content_type)
        return self.create_feed(
            feed_type=feed_type, input_feed_document_id=upload.feed_document_id, marketplace_ids=marketplace_ids
        )
