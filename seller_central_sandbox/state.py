"""Everything the sandbox remembers: its clock, orders (indexed for search), access tokens, feeds, rate-limit buckets,
faults to inject and the ledger of requests. One lock guards it all; the server is threaded."""

from __future__ import annotations

import bisect
import gzip
import heapq
import itertools
import random
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from . import orders as o

CLIENT_ID = "amzn1.application-oa2-client.sandbox"
CLIENT_SECRET = "sandbox-client-secret"
REFRESH_TOKEN = "Atzr|sandbox-refresh-token"
SELLER_ID = "A2SANDBOXSELLER"
# More sellers for many-store tests and benchmarks: the refresh token `Atzr|sandbox-refresh-token.SELLER` signs in as
# seller SELLER (upper-case letters and digits), with quotas and orders of its own, as Amazon's belong to each seller.
SELLER_TOKEN_PREFIX = REFRESH_TOKEN + "."
DEFAULT_MARKETPLACE = "ATVPDKIKX0DER"
TOKEN_LIFETIME = 3600


def seller_for_refresh_token(token: str) -> str | None:
    """The seller a refresh token signs in as, or None for a token the sandbox never issued."""
    if token == REFRESH_TOKEN:
        return SELLER_ID
    seller = token[len(SELLER_TOKEN_PREFIX) :] if token.startswith(SELLER_TOKEN_PREFIX) else ""
    if seller and len(seller) <= 20 and seller.isascii() and seller.isalnum() and seller.upper() == seller:
        return seller
    return None


def refresh_token_for(seller_id: str) -> str:
    return REFRESH_TOKEN if seller_id == SELLER_ID else SELLER_TOKEN_PREFIX + seller_id


PAGINATION_TOKEN_LIFETIME = 24 * 3600
LEDGER_SIZE = 5_000  # the newest requests; older ones drop off

# Amazon's default usage plans: operation -> (requests per second, burst).
USAGE_PLANS: dict[str, tuple[float, int]] = {
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "updateShipmentStatus": (5.0, 15),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
    "cancelFeed": (2.0, 15),
}
FAULT_KINDS = ("429", "500", "503", "slow", "drop", "truncate", "expired_token", "malformed")
# How long a feed waits and works, in sandbox seconds (divided by the time scale).
FEED_QUEUE_SECONDS = 2.0
FEED_WORK_SECONDS = 3.0


class Clock:
    """Sandbox time = real time + an offset that `advance()` grows."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset


@dataclass
class Fault:
    kind: str
    operation: str | None = None
    remaining: int | None = None  # None: until cleared
    rate: float | None = None  # probability per matching request; None: every one
    seconds: float = 2.0  # for "slow"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "operation": self.operation,
            "remaining": self.remaining,
            "rate": self.rate,
            "seconds": self.seconds,
        }


@dataclass
class Bucket:
    tokens: float
    updated: float


@dataclass
class Document:
    document_id: str
    content_type: str
    content: bytes | None = None
    compressed: bool = False  # stored gzipped; getFeedDocument says compressionAlgorithm GZIP


@dataclass
class Feed:
    feed_id: str
    feed_type: str
    marketplace_ids: list[str]
    input_document_id: str
    created: float
    status: str = "IN_QUEUE"
    started: float | None = None
    ended: float | None = None
    result_document_id: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    seller_id: str = SELLER_ID
    options: dict[str, str] = field(default_factory=dict)  # feedOptions (UPLOAD_VAT_INVOICE's metadata)

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "feedId": self.feed_id,
            "feedType": self.feed_type,
            "marketplaceIds": self.marketplace_ids,
            "createdTime": o.iso(self.created),
            "processingStatus": self.status,
        }
        if self.started is not None:
            data["processingStartTime"] = o.iso(self.started)
        if self.ended is not None:
            data["processingEndTime"] = o.iso(self.ended)
        if self.result_document_id:
            data["resultFeedDocumentId"] = self.result_document_id
        return data


class Sandbox:
    def __init__(self, **reset_kwargs: Any) -> None:
        self.lock = threading.RLock()
        self.clock = Clock()
        self.strict = False
        self.tokens: dict[str, tuple[str, float, str]] = {}  # access token -> (client id, expires at, seller)
        self.reset(**reset_kwargs)

    # --- set-up ---------------------------------------------------------------------------------------------------
    def reset(
        self,
        *,
        seed: int = 42,
        orders: int = 0,
        rate_limits: bool = True,
        time_scale: float = 1.0,
        strict: bool | None = None,
        gzip_reports: bool = False,
        pace: float = 1.0,
    ) -> None:
        """Forget everything but issued access tokens and start again from the seed."""
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        with self.lock:
            self.seed = seed
            self.rate_limits = rate_limits
            self.time_scale = float(time_scale)
            if strict is not None:
                self.strict = strict
            self.gzip_reports = gzip_reports
            self.pace = pace  # < 1 makes orders move through their lifecycle faster (demo mode)
            self.clock.offset = 0.0
            self.factory = o.OrderFactory(seed)
            self.fault_rng = random.Random(seed + 1)
            self.orders: dict[str, o.Order] = {}
            self._by_updated: list[tuple[int, str]] = []
            self._by_created: list[tuple[int, str]] = []
            self._events: list[tuple[int, int, str, str, int, dict]] = []
            self._seq = itertools.count()
            self.page_tokens: dict[str, dict[str, Any]] = {}
            self.documents: dict[str, Document] = {}
            self.feeds: dict[str, Feed] = {}
            self.vat_documents: list[dict] = []  # UPLOAD_VAT_INVOICE documents accepted
            self._feed_seq = itertools.count(50_001_019_000 + seed % 1000)
            self.buckets: dict[tuple[str, str], Bucket] = {}
            self.faults: list[Fault] = []
            self.ledger: deque[dict[str, Any]] = deque(maxlen=LEDGER_SIZE)
            self._ledger_seq = itertools.count(1)
            self.schema_errors: list[dict[str, Any]] = []
            if orders:
                self.seed_orders(orders)

    def seed_orders(self, count: int) -> None:
        """`count` orders placed over the last ten days (more of them recently), with their history played out."""
        with self.lock:
            now = int(self.clock.now())
            window = 10 * 86400
            rng = self.factory.rng
            created_times = sorted(now - int(window * rng.random() ** 2) for _ in range(count))
            for created in created_times:
                kind = o.Kind(late_indexed=rng.random() < 0.02)
                order = self.factory.make(created, kind)
                self._plan(order, kind, history=True, now=now)
                self.orders[order.order_id] = order
            self._run_events(now, bulk=True)
            self._rebuild_indexes()

    def add_orders(self, count: int, kind: o.Kind, *, created: int | None = None) -> list[str]:
        with self.lock:
            now = int(self.clock.now())
            ids = []
            for _ in range(count):
                order = self.factory.make(created if created is not None else now, kind)
                order.seller_id = kind.seller_id or SELLER_ID
                self.orders[order.order_id] = order
                self._index(order)
                self._plan(order, kind, history=False, now=now)
                ids.append(order.order_id)
            self._run_events(now)
            return ids

    def _plan(self, order: o.Order, kind: o.Kind, *, history: bool, now: int) -> None:
        """Schedule the order's life; all randomness is drawn now so the seed alone decides the outcome."""
        rng = self.factory.rng
        pace = self.pace
        t = order.created
        target = kind.status
        if target and target != o.PENDING:
            # Asked for a given status: put the order there at once.
            self._schedule(t, order, "release")
            if target in {o.SHIPPED, o.PARTIALLY_SHIPPED}:
                self._schedule(t, order, "ship", partial=target == o.PARTIALLY_SHIPPED, **self._tracking(order))
            elif target == o.CANCELLED:
                self._schedule(t, order, "buyer_cancel")
            if not kind.lifecycle or target != o.UNSHIPPED:
                return
            release = t
        else:
            release = t + int(rng.randrange(600, 2400) * pace)
            if kind.lifecycle:
                self._schedule(release, order, "release")
        if kind.buyer_cancels_after is not None:
            self._schedule(t + kind.buyer_cancels_after, order, "buyer_cancel")
        elif history and rng.random() < 0.05:
            self._schedule(t + int(rng.randrange(300, 3600) * pace), order, "buyer_cancel")
        if not kind.lifecycle:
            return
        if order.fulfilled_by == o.AMAZON:
            self._schedule(release + int(rng.randrange(2 * 3600, 12 * 3600) * pace), order, "ship", partial=False)
        elif history and rng.random() < 0.9:
            # The merchant's own past shipments, so older merchant orders are shipped; never in the future, which
            # belongs to the product under test. Draw the numbers either way so the seed decides alike.
            partial = len(order.items) > 1 and rng.random() < 0.1
            when = release + rng.randrange(86400, 2 * 86400)
            tracking = self._tracking(order)
            if when <= now:
                self._schedule(when, order, "ship", partial=partial, **tracking)

    def _tracking(self, order: o.Order) -> dict[str, Any]:
        return self.factory.tracking(order)

    def _schedule(self, when: int, order: o.Order, action: str, **args: Any) -> None:
        heapq.heappush(self._events, (when, next(self._seq), order.order_id, action, order.version, args))

    def _run_events(self, now: float, *, bulk: bool = False) -> None:
        while self._events and self._events[0][0] <= now:
            when, _, order_id, action, version, args = heapq.heappop(self._events)
            order = self.orders.get(order_id)
            if order is None or order.version != version:
                continue
            self._apply(order, action, when, args, bulk=bulk)

    def _apply(self, order: o.Order, action: str, when: int, args: dict, *, bulk: bool) -> None:
        if action == "release" and order.status == o.PENDING:
            order.status = o.UNSHIPPED
        elif action == "ship" and order.status in {o.UNSHIPPED, o.PARTIALLY_SHIPPED}:
            items = order.items[:1] if args.get("partial") else order.items
            shipped = [(i, i.quantity_open) for i in items if i.quantity_open]
            for item, qty in shipped:
                item.quantity_shipped += qty
            if order.fulfilled_by == o.MERCHANT:
                order.packages.append(
                    {
                        "packageReferenceId": str(len(order.packages) + 1),
                        "createdTime": o.iso(when),
                        "packageStatus": {"status": "SHIPPED"},
                        "carrier": args.get("carrier", "UPS"),
                        "shipTime": o.iso(when),
                        "shippingService": args.get("shippingService", "Ground"),
                        "trackingNumber": args.get("trackingNumber", "1Z0000000000000000"),
                        "packageItems": [{"orderItemId": i.order_item_id, "quantity": q} for i, q in shipped],
                    }
                )
            order.status = order.derive_status()
        elif action == "buyer_cancel" and order.status in {o.PENDING, o.UNSHIPPED}:
            self.cancel(order, when, requester="BUYER", reason="BuyerCanceled", by="AMAZON", bulk=bulk)
            return
        else:
            return
        self.touch(order, when, bulk=bulk)

    # --- changing orders ------------------------------------------------------------------------------------------
    def cancel(
        self, order: o.Order, when: float, *, requester: str | None, reason: str, by: str, bulk: bool = False
    ) -> None:
        for item in order.items:
            item.quantity_cancelled += item.quantity_open
        order.cancellation = {"requester": requester or "", "cancelReason": reason, "cancelledBy": by}
        order.cancel_request = None  # decided: the execution says what happened
        order.status = o.CANCELLED if not any(i.quantity_shipped for i in order.items) else order.derive_status()
        self.touch(order, when, bulk=bulk)

    def touch(self, order: o.Order, when: float, *, bulk: bool = False) -> None:
        """Record a change: the order moves in the lastUpdatedTime index."""
        when = max(int(when), order.last_updated)
        if not bulk:
            self._unindex_updated(order)
        order.last_updated = when
        if not bulk:
            bisect.insort(self._by_updated, (order.last_updated, order.order_id))

    def request_cancel(self, order: o.Order, reason: str) -> None:
        """A buyer asks to cancel (Amazon shows it to the seller, who accepts by cancelling; there is no decline)."""
        with self.lock:
            if order.status not in {o.PENDING, o.UNSHIPPED}:
                raise ValueError(f"order {order.order_id} is {order.status}: a buyer can't ask to cancel it")
            order.cancel_request = {"requester": "BUYER", "cancelReason": reason}
            self.touch(order, self.clock.now())

    def set_status(self, order: o.Order, status: str) -> None:
        """A test or demo forces a status: Amazon-side events such as a buyer's cancellation."""
        with self.lock:
            now = self.clock.now()
            order.version += 1  # drop whatever lifecycle was planned
            if status == o.CANCELLED:
                self.cancel(order, now, requester="BUYER", reason="BuyerCanceled", by="AMAZON")
                return
            if status == o.PENDING:
                order.status = o.PENDING
            elif status == o.UNSHIPPED:
                order.status = o.UNSHIPPED
            elif status in {o.SHIPPED, o.PARTIALLY_SHIPPED}:
                order.status = o.UNSHIPPED
                self._apply(order, "ship", int(now), {"partial": status == o.PARTIALLY_SHIPPED}, bulk=False)
                return
            else:
                order.status = status
            self.touch(order, now)

    def _unindex_updated(self, order: o.Order) -> None:
        key = (order.last_updated, order.order_id)
        pos = bisect.bisect_left(self._by_updated, key)
        if pos < len(self._by_updated) and self._by_updated[pos] == key:
            del self._by_updated[pos]

    def _index(self, order: o.Order) -> None:
        bisect.insort(self._by_updated, (order.last_updated, order.order_id))
        bisect.insort(self._by_created, (order.created, order.order_id))

    def _rebuild_indexes(self) -> None:
        self._by_updated = sorted((x.last_updated, x.order_id) for x in self.orders.values())
        self._by_created = sorted((x.created, x.order_id) for x in self.orders.values())

    # --- time -----------------------------------------------------------------------------------------------------
    def tick(self) -> float:
        """Bring lifecycle and feeds up to the sandbox's now; called before every request."""
        from . import feeds  # the feed processor needs the state; import here to keep the modules acyclic

        with self.lock:
            now = self.clock.now()
            self._run_events(now)
            for feed in self.feeds.values():
                if feed.status == "IN_QUEUE" and now >= feed.created + FEED_QUEUE_SECONDS / self.time_scale:
                    feed.status = "IN_PROGRESS"
                    feed.started = feed.created + FEED_QUEUE_SECONDS / self.time_scale
                if feed.status == "IN_PROGRESS" and now >= (feed.started or now) + FEED_WORK_SECONDS / self.time_scale:
                    feeds.process(self, feed, (feed.started or now) + FEED_WORK_SECONDS / self.time_scale)
            return now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self.lock:
            self.clock.offset += seconds
            return self.tick()

    def process_feeds(self) -> list[str]:
        from . import feeds

        with self.lock:
            now = self.clock.now()
            done = []
            for feed in self.feeds.values():
                if feed.status in {"IN_QUEUE", "IN_PROGRESS"}:
                    feed.started = feed.started or now
                    feeds.process(self, feed, now)
                    done.append(feed.feed_id)
            return done

    # --- search ---------------------------------------------------------------------------------------------------
    def search(
        self,
        *,
        by_created: bool,
        after: float,
        before: float,
        statuses: list[str] | None,
        marketplace_ids: list[str] | None,
        fulfilled_by: list[str] | None,
        start_after: tuple[int, str] | None,
        limit: int,
        seller_id: str = SELLER_ID,
    ) -> tuple[list[o.Order], tuple[int, str] | None]:
        """Orders in (after <= t <= before) by the chosen time, in order; returns the page and the last key if more."""
        index = self._by_created if by_created else self._by_updated
        now = self.clock.now()
        pos = bisect.bisect_right(index, start_after) if start_after else bisect.bisect_left(index, (after,))
        found: list[o.Order] = []
        statuses_set = set(statuses) if statuses else None
        mps = set(marketplace_ids) if marketplace_ids else None
        fb = set(fulfilled_by) if fulfilled_by else None
        last_key = None
        while pos < len(index):
            key = index[pos]
            pos += 1
            if key[0] > before:
                return found, None
            order = self.orders[key[1]]
            if order.indexed_at > now or order.seller_id != seller_id:
                continue
            if statuses_set and order.status not in statuses_set:
                continue
            if mps and order.marketplace_id not in mps:
                continue
            if fb and order.fulfilled_by not in fb:
                continue
            if len(found) == limit:
                return found, last_key
            found.append(order)
            last_key = key
        return found, None

    def new_page_token(self, state: dict[str, Any]) -> str:
        token = secrets.token_urlsafe(24)
        self.page_tokens[token] = {**state, "expires": self.clock.now() + PAGINATION_TOKEN_LIFETIME}
        return token

    # --- credentials ----------------------------------------------------------------------------------------------
    def issue_token(self, client_id: str, seller_id: str = SELLER_ID) -> str:
        token = "Atza|" + secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = (client_id, self.clock.now() + TOKEN_LIFETIME, seller_id)
        return token

    # --- rate limits ----------------------------------------------------------------------------------------------
    def effective_rate(self, operation: str) -> float | None:
        """The scaled rate, rounded to the 6 digits `x-amzn-RateLimit-Limit` shows: what is announced is enforced."""
        plan = USAGE_PLANS.get(operation)
        return float(f"{plan[0] * self.time_scale:.6g}") if plan else None

    def take_token(self, client_id: str, operation: str) -> bool:
        rate = self.effective_rate(operation)
        if rate is None or not self.rate_limits:
            return True
        burst = USAGE_PLANS[operation][1]
        with self.lock:
            now = self.clock.now()  # inside the lock: two requests at once must not refill the bucket backwards
            bucket = self.buckets.get((client_id, operation))
            if bucket is None:
                bucket = self.buckets[(client_id, operation)] = Bucket(tokens=float(burst), updated=now)
            bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens < 1.0:
                return False
            bucket.tokens -= 1.0
            return True

    # --- faults ---------------------------------------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {fault.kind!r}; one of {', '.join(FAULT_KINDS)}")
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, operation: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.operation not in (None, operation):
                    continue
                if fault.rate is not None and self.fault_rng.random() >= fault.rate:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    # --- documents ------------------------------------------------------------------------------------------------
    def new_document(self, content_type: str) -> Document:
        doc = Document(
            document_id=f"amzn1.tortuga.4.na.{uuid.uuid4()}.T{secrets.token_hex(6).upper()}", content_type=content_type
        )
        with self.lock:
            self.documents[doc.document_id] = doc
        return doc

    def store_report(self, content: bytes) -> Document:
        doc = self.new_document("text/xml; charset=UTF-8")
        if self.gzip_reports:
            doc.content, doc.compressed = gzip.compress(content, mtime=0), True
        else:
            doc.content = content
        return doc

    def next_feed_id(self) -> str:
        return str(next(self._feed_seq))

    # --- the ledger -----------------------------------------------------------------------------------------------
    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            entry["seq"] = next(self._ledger_seq)
            self.ledger.append(entry)

    def ledger_entries(self, operation: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.ledger if operation is None or e["operation"] == operation]
