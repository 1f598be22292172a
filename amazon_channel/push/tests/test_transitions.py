"""The outbox's moves as data: every allowed move works, every other one is refused, bulk moves skip what can't."""

from __future__ import annotations

import itertools

import pytest

from amazon_channel.models import OutboundUpdate
from amazon_channel.push import transitions
from amazon_channel.testing.amazon_orders import ship, update_for

State = OutboundUpdate.State
ALL = [state.value for state in State]


@pytest.mark.parametrize(("source", "target"), list(itertools.product(ALL, ALL)))
def test_each_move_is_allowed_exactly_as_the_table_says(source, target):
    update = OutboundUpdate(state=source)
    if target in transitions.MOVES[source]:
        transitions.move(update, target, save=False, last_response="moved")
        assert update.state == target and update.last_response == "moved"
    else:
        with pytest.raises(transitions.IllegalMove):
            transitions.move(update, target, save=False)
        assert update.state == source


def test_an_accepted_update_is_final_and_a_failed_one_only_goes_back_to_pending():
    assert transitions.MOVES[State.ACCEPTED] == frozenset()
    assert transitions.MOVES[State.FAILED] == {State.PENDING}
    assert set(transitions.INITIAL) == {State.PENDING, State.FAILED}
    assert transitions.initial_state(problem="") == State.PENDING
    assert transitions.initial_state(problem="no tracking number") == State.FAILED


@pytest.mark.django_db
def test_a_bulk_move_leaves_updates_whose_state_does_not_allow_it(amazon_order):
    updates = [
        update_for(ship(order=amazon_order.commerce_order, quantities={"MUG-1": 1}, tracks=[("ups", "UPS", "1Z1")])),
        update_for(ship(order=amazon_order.commerce_order, quantities={"MUG-1": 1}, tracks=[("ups", "UPS", "1Z2")])),
    ]
    OutboundUpdate.objects.filter(pk=updates[1].pk).update(state=State.ACCEPTED)

    moved = transitions.move_all(OutboundUpdate.objects.filter(pk__in=[u.pk for u in updates]), State.FAILED)

    assert moved == 1
    states = dict(OutboundUpdate.objects.values_list("pk", "state"))
    assert states == {updates[0].pk: State.FAILED, updates[1].pk: State.ACCEPTED}


@pytest.mark.django_db
def test_a_saved_move_writes_the_state_with_its_fields(amazon_order):
    update = update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")]))
    transitions.move(update, State.FAILED, last_response="Amazon rejected it")
    update.refresh_from_db()
    assert (update.state, update.last_response) == (State.FAILED, "Amazon rejected it")
