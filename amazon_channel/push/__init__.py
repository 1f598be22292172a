"""Updates out: every shipment, refund (credit memo) and cancel of an Amazon order reaches Seller Central through an
outbox.

A shipment, credit memo or cancel of an Amazon order writes an `OutboundUpdate` in the same transaction as the change
itself (`listeners`, `recording`). Workers deliver them (`tasks`, `scheduling`); nothing reaches Amazon from a web
request. Modules: `transitions` (the states and the one function that moves them), `shipments` (confirmShipment),
`pickup` (in-store pickup statuses, updateShipmentStatus),
`feeds` (cancels and refunds batched into feeds), `scheduling` (sweep, delivery, retry), `outcome` (what Amazon's
answers mean), `timing`, and the pages: `selectors`, `views`, `blocks`, `urls`.

Delivery guarantees:
- A claim is a compare-and-set UPDATE on the row's own columns (core.leases), so two workers never send the same
  update; a worker that dies keeps the update "sending" until its lease runs out, then the sweep claims it again and
  re-sends it.
- Re-sending is safe: a shipment's packages carry a stable packageReferenceId (Amazon's confirmShipment is idempotent
  on it); a feed message is only sent again if its feed was never created (each step of a feed is recorded before
  and after it runs, so a crash resumes at the step it stopped at).
- 429 / 5xx / timeouts are retried by the client; after that the update is rescheduled with backoff. Amazon's
  rejection (400, or an error in the feed's processing report) marks it failed with Amazon's message until a person
  retries it.
- *Read-Only Mode* keeps a store's updates pending.
"""

from .amazon_state import (
    cancel_refused_message,
    credit_memo_refused_message,
    latest_confirmation,
    nothing_charged,
    shipment_blocks_cancel,
)
from .pickup import PickupRefused, allowed_pickup_statuses, request_pickup_status, waiting_pickup_update
from .recording import request_cancel_update
from .scheduling import deliver_after_commit, retry_update, retry_updates

__all__ = [
    "PickupRefused",
    "allowed_pickup_statuses",
    "cancel_refused_message",
    "credit_memo_refused_message",
    "deliver_after_commit",
    "latest_confirmation",
    "nothing_charged",
    "request_cancel_update",
    "request_pickup_status",
    "retry_update",
    "retry_updates",
    "shipment_blocks_cancel",
    "waiting_pickup_update",
]
