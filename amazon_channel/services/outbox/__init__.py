"""Push to Seller Central through an outbox.

Parts: `recording` (rows written with the change), `shipments` (confirmShipment), `feeds` (cancels and refunds),
`scheduling` (sweep, delivery, retry), `common`.

A shipment, refund (credit memo) or cancel of an Amazon order writes an `OutboundUpdate` in the same transaction as
the change itself (see `amazon_channel.listeners`). Workers deliver them; nothing reaches Amazon from a web request.

Delivery guarantees:
- A claim is a compare-and-set UPDATE on the row's own columns (state, next_attempt_at), so two workers never send
  the same update; while an update is "sending", `next_attempt_at` is the claimer's lease. A worker that dies keeps
  the update "sending" until the lease runs out, then the sweep claims it again and re-sends it.
- Re-sending is safe: a shipment's packages carry a stable packageReferenceId (Amazon's confirmShipment is idempotent
  on it); a feed message is only sent again if its feed was never created (each step of a feed is recorded before
  and after it runs, so a crash resumes at the step it stopped at).
- 429 / 5xx / timeouts are retried by the client; after that the update is rescheduled with backoff. Amazon's
  rejection (400, or an error in the feed's processing report) marks it failed with Amazon's message until a person
  retries it.
- *Read-Only Mode* keeps a store's updates pending.
"""

from .common import (
    ADJUSTMENT_REASON_KEY,
    ADJUSTMENT_REASONS,
    CANCEL_FEED,
    CANCEL_REASON_KEY,
    CANCEL_REASONS,
    CARRIER_CODES,
    DEFAULT_ADJUSTMENT_REASON,
    DEFAULT_CANCEL_REASON,
    FEED_CONTENT_TYPE,
    FEED_TYPES,
    OTHER_CARRIER,
    PACKAGES_PER_SHIPMENT,
    REFUND_FEED,
    DeliveryResult,
    Kind,
    State,
    WorkerStopped,
    backoff,
    client_for_store,
    comment_on_order,
    describe_error,
    feed_poll_seconds,
    feed_window_seconds,
    is_rejection,
    is_spapi_error,
    lease_seconds,
    log_error,
    max_feed_messages,
    read_only_message,
)
from .feeds import advance_feed, assemble_feed, build_feed_document
from .recording import (
    build_shipment_payload,
    record_cancel_update,
    record_refund_update,
    record_shipment_update,
    request_cancel_update,
    split_items_over_packages,
)
from .scheduling import (
    deliver_update,
    due_shipment_updates,
    enqueue_delivery,
    process_store_feeds,
    retry_update,
    retry_updates,
    stores_with_feed_work,
    sweep_outbox,
)
from .shipments import claim_update, deliver_shipment

__all__ = [
    "ADJUSTMENT_REASONS",
    "ADJUSTMENT_REASON_KEY",
    "CANCEL_FEED",
    "CANCEL_REASONS",
    "CANCEL_REASON_KEY",
    "CARRIER_CODES",
    "DEFAULT_ADJUSTMENT_REASON",
    "DEFAULT_CANCEL_REASON",
    "FEED_CONTENT_TYPE",
    "FEED_TYPES",
    "OTHER_CARRIER",
    "PACKAGES_PER_SHIPMENT",
    "REFUND_FEED",
    "DeliveryResult",
    "Kind",
    "State",
    "WorkerStopped",
    "advance_feed",
    "assemble_feed",
    "backoff",
    "build_feed_document",
    "build_shipment_payload",
    "claim_update",
    "client_for_store",
    "comment_on_order",
    "deliver_shipment",
    "deliver_update",
    "describe_error",
    "due_shipment_updates",
    "enqueue_delivery",
    "feed_poll_seconds",
    "feed_window_seconds",
    "is_rejection",
    "is_spapi_error",
    "lease_seconds",
    "log_error",
    "max_feed_messages",
    "process_store_feeds",
    "read_only_message",
    "record_cancel_update",
    "record_refund_update",
    "record_shipment_update",
    "request_cancel_update",
    "retry_update",
    "retry_updates",
    "split_items_over_packages",
    "stores_with_feed_work",
    "sweep_outbox",
]
