"""The fair scheduler: turns of a few pages that end instead of waiting on the quota, a bounded queue of the most
overdue stores, and, against the sandbox with its quotas on, several sellers' backlogs taken in turn with no 429."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from amazon_channel.core import client as clients
from amazon_channel.models import AmazonOrder, AmazonStore
from amazon_channel.spapi.ratelimit import InProcessRateLimiter
from amazon_channel.sync import fair
from amazon_channel.sync.tasks import sync_amazon_store
from amazon_channel.testing.amazon_orders import amazon_order
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import Order

pytestmark = pytest.mark.django_db
US = "ATVPDKIKX0DER"


@pytest.fixture
def small_turns(settings):
    settings.AMAZON_IMPORT_TURN_PAGES = 1
    settings.AMAZON_IMPORT_QUEUE_SIZE = 2


def test_a_turn_reads_its_pages_and_leaves_the_rest_for_the_next_turn(amazon_store, fake, small_turns):
    fake.orders = [amazon_order() for _ in range(100)]  # three pages of 40

    first = fair.run_turn(store_id=amazon_store.pk)

    amazon_store.refresh_from_db()
    assert first.pages == 1 and first.more and first.ok
    assert "next turn continues" in first.summary()
    assert amazon_store.last_order_sync is None and amazon_store.sync_resume_token  # the cursor waits for the end
    assert amazon_store.sync_next_due_at <= timezone.now() and amazon_store.sync_queued_at is None
    assert AmazonOrder.objects.count() == 40

    fair.run_turn(store_id=amazon_store.pk)
    last = fair.run_turn(store_id=amazon_store.pk)

    amazon_store.refresh_from_db()
    assert last.pages == 1 and not last.more and last.cursor is not None
    assert amazon_store.last_order_sync == last.cursor and amazon_store.sync_resume_token == ""
    assert amazon_store.sync_next_due_at is None  # caught up: due again when its beat entry asks
    assert Order.objects.filter(channel="amazon").count() == 100
    tokens = [search.get("pagination_token") for search in fake.searches]
    assert tokens == [None, "40", "80"]  # each turn resumed where the last one stopped, no page read twice


def test_a_turn_ends_instead_of_waiting_for_the_quota(amazon_store, fake, small_turns, settings):
    settings.AMAZON_IMPORT_TURN_PAGES = 5
    fake.orders = [amazon_order() for _ in range(100)]
    waits = iter([0.0, 42.0])  # the first page goes now; after it, the next one would wait 42 s
    fake.quota_wait = lambda operation: next(waits, 42.0)

    result = fair.run_turn(store_id=amazon_store.pk)

    amazon_store.refresh_from_db()
    assert result.pages == 1 and result.more and result.resume_in == 42.0
    assert fake.count("searchOrders") == 1
    due_in = (amazon_store.sync_next_due_at - timezone.now()).total_seconds()
    assert 40 < due_in <= 42


def test_the_queue_takes_the_most_overdue_stores_and_never_more_than_its_size(fake, small_turns):
    now = timezone.now()
    stores = [AmazonStoreFactory(sync_next_due_at=now - timedelta(minutes=minutes)) for minutes in (1, 5, 3)]
    not_due = AmazonStoreFactory(sync_next_due_at=now + timedelta(minutes=1))
    inactive = AmazonStoreFactory(sync_next_due_at=now - timedelta(hours=1), is_active=False)

    assert fair.queue_due_imports(now=now) == [stores[1].pk, stores[2].pk]
    assert fair.queue_due_imports(now=now) == []  # both places taken until their turns end

    fair.run_turn(store_id=stores[1].pk)
    assert fair.queue_due_imports(now=now) == [stores[0].pk]
    queued = set(AmazonStore.objects.exclude(sync_queued_at=None).values_list("pk", flat=True))
    assert queued == {stores[2].pk, stores[0].pk} and not_due.pk not in queued and inactive.pk not in queued


def test_a_finished_turn_passes_its_place_on_at_once_to_the_most_overdue_store(fake, small_turns):
    fake.orders = [amazon_order()]
    now = timezone.now()
    running = AmazonStoreFactory(sync_next_due_at=now - timedelta(minutes=9), sync_queued_at=now)
    AmazonStoreFactory(sync_next_due_at=now - timedelta(minutes=8), sync_queued_at=now)  # the other place
    waiting_longest = AmazonStoreFactory(sync_next_due_at=now - timedelta(minutes=5))
    waiting = AmazonStoreFactory(sync_next_due_at=now - timedelta(minutes=1))

    fair.take_turn(store_id=running.pk)

    queued = set(AmazonStore.objects.exclude(sync_queued_at=None).values_list("pk", flat=True))
    assert running.pk not in queued and waiting_longest.pk in queued and waiting.pk not in queued
    assert len(queued) == 2  # never more than the queue's size
    running.refresh_from_db()
    assert running.sync_next_due_at is None and running.last_sync_ok  # its own turn did its work first


def test_a_store_keeps_its_client_from_turn_to_turn_until_its_credentials_change(
    amazon_store, fake, small_turns, monkeypatch
):
    fake.orders = [amazon_order() for _ in range(100)]
    made = []
    fake_client_for_store = clients.client_for_store

    def counting(store, **options):
        made.append(store.pk)
        return fake_client_for_store(store, **options)

    monkeypatch.setattr(clients, "client_for_store", counting)

    fair.run_turn(store_id=amazon_store.pk)
    fair.run_turn(store_id=amazon_store.pk)
    assert made == [amazon_store.pk]  # one client for both turns
    AmazonStore.objects.filter(pk=amazon_store.pk).update(refresh_token="Atzr|a-new-refresh-token")
    fair.run_turn(store_id=amazon_store.pk)
    assert made == [amazon_store.pk, amazon_store.pk]  # new credentials, new client
    assert fake.count("searchOrders") == 3


def test_a_lost_turn_frees_its_place_after_the_queued_timeout(fake, small_turns):
    now = timezone.now()
    store = AmazonStoreFactory(sync_next_due_at=now, sync_queued_at=now - timedelta(hours=1))

    assert fair.queue_due_imports(now=now) == [store.pk]


def test_beat_entry_runs_the_turn_when_there_is_room_and_otherwise_puts_the_store_in_line(fake, small_turns):
    fake.orders = [amazon_order()]
    now = timezone.now()
    AmazonStoreFactory.create_batch(2, sync_next_due_at=now - timedelta(minutes=5), sync_queued_at=now)
    store = AmazonStoreFactory()

    assert sync_amazon_store.run(store.pk) == "Waiting for its turn."
    store.refresh_from_db()
    assert store.sync_next_due_at is not None and store.sync_queued_at is None
    assert not Order.objects.exists()

    AmazonStore.objects.exclude(pk=store.pk).update(sync_queued_at=None, sync_next_due_at=None)
    assert fair.queue_due_imports() == [store.pk]


@pytest.mark.slow
@pytest.mark.sandbox(rate_limits=True)
def test_several_sellers_backlogs_are_taken_in_turn_on_their_own_quotas_without_a_429(
    sandbox, settings, monkeypatch, small_turns
):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    settings.AMAZON_IMPORT_QUEUE_SIZE = 3
    limiter = InProcessRateLimiter()  # this test's buckets only
    real_client_for_store = clients.client_for_store
    monkeypatch.setattr(
        clients, "client_for_store", lambda store, **options: real_client_for_store(store, rate_limiter=limiter)
    )
    sellers = ["A1FIRSTSELLER", "A2SECONDSELLER", "A3THIRDSELLER"]
    stores = {}
    for seller in sellers:
        sandbox.control.add_orders(
            150, seller_id=seller, marketplace_id=US, status="UNSHIPPED", lifecycle=False, created_seconds_ago=3600
        )
        stores[seller] = AmazonStoreFactory(
            seller_id=seller, refresh_token=f"Atzr|sandbox-refresh-token.{seller}", sync_next_due_at=timezone.now()
        )
    sandbox.control.add_orders(
        5, marketplace_id=US, status="UNSHIPPED", lifecycle=False, created_seconds_ago=3600
    )  # the default seller's

    turns: list[str] = []
    for _ in range(5):
        for store_id in fair.queue_due_imports():
            turns.append(AmazonStore.objects.get(pk=store_id).seller_id)
            fair.run_turn(store_id=store_id)

    assert turns == sellers + sellers  # two pages each, one a turn, in turn: nobody waits for another's backlog
    for seller, store in stores.items():
        store.refresh_from_db()
        assert store.last_order_sync is not None and store.sync_next_due_at is None
        assert AmazonOrder.objects.filter(store=store).count() == 150  # its own orders only
    searches = sandbox.control.ledger("searchOrders")
    assert len(searches) == 6 and all(entry["status"] == 200 for entry in searches)


@pytest.mark.slow
@pytest.mark.sandbox(rate_limits=True)
def test_workers_passing_their_places_on_take_every_seller_in_turn_without_a_tick_or_a_429(
    sandbox, settings, monkeypatch, small_turns
):
    settings.SPAPI_ENDPOINTS = {"na": sandbox.url, "eu": sandbox.url, "fe": sandbox.url}
    settings.LWA_ENDPOINT = sandbox.lwa_endpoint
    limiter = InProcessRateLimiter()  # this test's buckets only
    real_client_for_store = clients.client_for_store
    monkeypatch.setattr(
        clients, "client_for_store", lambda store, **options: real_client_for_store(store, rate_limiter=limiter)
    )
    sellers = ["A1FIRSTSELLER", "A2SECONDSELLER", "A3THIRDSELLER"]
    stores = {}
    for seller in sellers:
        sandbox.control.add_orders(
            250, seller_id=seller, marketplace_id=US, status="UNSHIPPED", lifecycle=False, created_seconds_ago=3600
        )
        stores[seller] = AmazonStoreFactory(
            seller_id=seller, refresh_token=f"Atzr|sandbox-refresh-token.{seller}", sync_next_due_at=timezone.now()
        )

    assert len(fair.queue_due_imports()) == 2  # beat's one tick fills the queue (size 2); no tick after it
    turns: list[str] = []
    while queued := list(AmazonStore.objects.exclude(sync_queued_at=None).order_by("sync_queued_at", "pk")):
        turns.append(queued[0].seller_id)  # the worker that is free takes the place queued first
        fair.take_turn(store_id=queued[0].pk)
        assert len(turns) <= 12

    # Three pages each, one a turn: every store's next turn comes after each other store's one, nobody waits more.
    assert turns == sellers * 3
    for store in stores.values():
        store.refresh_from_db()
        assert store.sync_next_due_at is None and AmazonOrder.objects.filter(store=store).count() == 250
    searches = sandbox.control.ledger("searchOrders")
    assert len(searches) == 9 and all(entry["status"] == 200 for entry in searches)
