"""Why an order may not get a carrier shipment, as another app says: a channel registers a guard, New Shipment and
`ship_order` ask it (orders never imports the channel). E.g. the Amazon channel's in-store pickup orders.

    from orders import ship_guards
    ship_guards.register(my_guard)   # (order, origin) -> the reason shown to the person, or None
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Order

# origin: who ships ("admin", or a channel's import mirroring a shipment made at the channel).
ShipGuard = Callable[["Order", str], "str | None"]
_guards: list[ShipGuard] = []


def register(guard: ShipGuard) -> None:
    """Add a guard; registering the same one twice keeps one."""
    if guard not in _guards:
        _guards.append(guard)


def unregister(guard: ShipGuard) -> None:
    if guard in _guards:
        _guards.remove(guard)


def ship_refusal(order: Order, *, origin: str = "admin") -> str | None:
    """The first registered reason this order can't be shipped by carrier, or None."""
    for guard in _guards:
        reason = guard(order, origin)
        if reason:
            return str(reason)
    return None
