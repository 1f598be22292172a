"""Refusals a sales channel adds to the order rules, without orders knowing the channel.

A channel knows what its marketplace will refuse (Amazon: no cancel once a shipment has been sent to it). It
registers a check per action; the order page hides the button and the service refuses, under the order's lock, with
the channel's explanation:

    from orders import action_guards
    action_guards.register("cancel", refuse_cancel)   # (order, origin) -> the reason it is refused, or None

`origin` is the service's: a channel lets through what its own marketplace told it to do.
"""

from __future__ import annotations

from collections.abc import Callable

from .models import Order

ACTIONS = ("cancel", "creditmemo")

Check = Callable[[Order, str], "str | None"]
_checks: dict[str, list[Check]] = {action: [] for action in ACTIONS}


def register(action: str, check: Check) -> None:
    """Add a check to an action; registering the same check twice keeps one."""
    if action not in _checks:
        raise ValueError(f"unknown order action {action!r}; one of {ACTIONS}")
    if check not in _checks[action]:
        _checks[action].append(check)


def unregister(action: str, check: Check) -> None:
    if check in _checks.get(action, []):
        _checks[action].remove(check)


def refusal(action: str, order: Order, origin: str = "admin") -> str | None:
    """The first registered reason to refuse `action` on `order`, or None when every channel allows it."""
    for check in _checks.get(action, []):
        reason = check(order, origin)
        if reason:
            return reason
    return None
