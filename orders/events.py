"""What happened to an order, announced for whoever listens (a sales channel, for instance).

`orders` never imports a channel. A channel subscribes to these events in its AppConfig.ready():

- `in_transaction=True` handlers run inside the service's transaction, right when the event is announced; an
  exception there rolls the whole action back. Use them to write an outbox row atomically with the change.
- the others run after commit (robustly: one failing handler doesn't stop the rest) and never on rollback.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrderEvent:
    order_id: int
    actor_id: int | None
    # Who caused it: "admin" for a person in the admin, a channel's own name when the channel told us.
    origin: str


@dataclass(frozen=True)
class OrderPlaced(OrderEvent):
    pass


@dataclass(frozen=True)
class OrderInvoiced(OrderEvent):
    invoice_id: int = 0


@dataclass(frozen=True)
class OrderShipped(OrderEvent):
    shipment_id: int = 0


@dataclass(frozen=True)
class OrderRefunded(OrderEvent):
    credit_memo_id: int = 0
    channel_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderCanceled(OrderEvent):
    channel_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderShippingAddressChanged(OrderEvent):
    pass


@dataclass(frozen=True)
class OrderHeld(OrderEvent):
    pass


@dataclass(frozen=True)
class OrderUnheld(OrderEvent):
    pass


E = TypeVar("E", bound=OrderEvent)
Handler = Callable[[Any], None]

_handlers: dict[type[OrderEvent], list[tuple[Handler, bool]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None], *, in_transaction: bool = False) -> None:
    entry = (handler, in_transaction)
    if entry not in _handlers[event_type]:
        _handlers[event_type].append(entry)


def unsubscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    _handlers[event_type] = [(h, t) for h, t in _handlers[event_type] if h is not handler]


def announce(event: OrderEvent) -> None:
    """Called by services inside their transaction."""
    for handler, in_transaction in list(_handlers[type(event)]):
        if in_transaction:
            handler(event)
        else:
            transaction.on_commit(_deliver(handler, event), robust=True)


def _deliver(handler: Handler, event: OrderEvent) -> Callable[[], None]:
    def run() -> None:
        handler(event)

    return run
