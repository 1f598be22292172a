"""The outbox's states and the moves between them, as data, and the one place that changes an update's state.

    pending ──claim / batch──▶ sending ──confirmed / report──▶ accepted
       ▲  │                     │  │
       │  └──refused──▶ failed ◀┘  └──feed created──▶ awaiting_result ──report──▶ accepted / failed
       └────────retry by a person / try again later / feed cancelled──────────────┘

A move that the table does not allow is a bug, never a merchant's mistake: `move` raises. `move_all` moves only the
rows whose state allows the move, so a bulk move can never carry an accepted update back.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ..models import OutboundUpdate

State = OutboundUpdate.State

MOVES: dict[str, frozenset[str]] = {
    State.PENDING: frozenset({State.SENDING, State.FAILED}),
    # A worker whose lease ran out is replaced: sending -> sending.
    State.SENDING: frozenset({State.SENDING, State.AWAITING_RESULT, State.ACCEPTED, State.FAILED, State.PENDING}),
    State.AWAITING_RESULT: frozenset({State.ACCEPTED, State.FAILED, State.PENDING}),
    State.FAILED: frozenset({State.PENDING}),
    State.ACCEPTED: frozenset(),
}
# What an update starts as: pending, or failed at once when it can't be sent as it is (no tracking number, say).
INITIAL = frozenset({State.PENDING, State.FAILED})


class IllegalMove(Exception):
    def __init__(self, update: OutboundUpdate, to: str) -> None:
        super().__init__(f"outbound update {update.pk} can't go from {update.state} to {to}")


def sources(to: str) -> list[str]:
    """The states an update may move to `to` from."""
    return [state for state, targets in MOVES.items() if to in targets]


def may_move_to(to: str) -> Q:
    """Rows whose state allows the move (for compare-and-set UPDATEs)."""
    return Q(state__in=sources(to))


def initial_state(*, problem: str) -> str:
    return State.FAILED if problem else State.PENDING


def move(update: OutboundUpdate, to: str, *, save: bool = True, **fields: Any) -> OutboundUpdate:
    """Move one update (already locked or leased by the caller) and set `fields` with it."""
    if to not in MOVES.get(update.state, frozenset()):
        raise IllegalMove(update, to)
    update.state = to
    for name, value in fields.items():
        setattr(update, name, value)
    if save:
        update.save(update_fields=["state", *fields])
    return update


def move_all(updates: QuerySet[OutboundUpdate], to: str, **fields: Any) -> int:
    """Move every update of the queryset whose state allows it, in one UPDATE; returns how many moved."""
    return updates.filter(may_move_to(to)).update(state=to, **fields)
