"""The Amazon store dashboard: revenue, orders to ship (late ones marked), sync status that refreshes itself,
imports that failed and updates still on their way to Amazon."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from freezegun import freeze_time

from amazon_channel.models import AmazonOrder, AmazonOrderStatus, OutboundUpdate
from amazon_channel.sync import tasks
from dashboard import amazon_selectors
from dashboard.tests.factories import AmazonOrderFactory, AmazonStoreFactory, OutboundUpdateFactory

pytestmark = pytest.mark.django_db


def page_of(client, store) -> str:
    response = client.get(reverse("dashboard:amazon_store", args=[store.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_revenue_for_7_and_30_days_leaves_cancelled_and_older_orders_out(staff_client):
    store = AmazonStoreFactory()
    now = timezone.now()
    AmazonOrderFactory(store=store, grand_total=Decimal("10.00"), purchase_date=now - timedelta(days=1))
    AmazonOrderFactory(store=store, grand_total=Decimal("20.00"), purchase_date=now - timedelta(days=6, hours=23))
    AmazonOrderFactory(store=store, grand_total=Decimal("40.00"), purchase_date=now - timedelta(days=8))
    AmazonOrderFactory(
        store=store, grand_total=Decimal("500.00"), purchase_date=now - timedelta(days=2), status="CANCELLED"
    )
    AmazonOrderFactory(store=store, grand_total=Decimal("80.00"), purchase_date=now - timedelta(days=31))
    AmazonOrderFactory(grand_total=Decimal("900.00"))  # another store's order
    AmazonOrderFactory(store=store, grand_total=None, currency="", status="PENDING")  # not priced yet

    page = page_of(staff_client, store)

    assert re.search(r'data-testid="revenue-7d">\$30\.00<', page)
    assert re.search(r'data-testid="revenue-30d">\$70\.00<', page)


def test_orders_awaiting_shipment_most_urgent_first_with_late_ones_marked(staff_client):
    store = AmazonStoreFactory()
    now = timezone.now()
    late = AmazonOrderFactory(store=store, latest_ship_date=now - timedelta(hours=3))
    soon = AmazonOrderFactory(store=store, latest_ship_date=now + timedelta(hours=5), status="PARTIALLY_SHIPPED")
    AmazonOrderFactory(store=store, status="SHIPPED")
    AmazonOrderFactory(store=store, fulfilled_by=AmazonOrder.FulfilledBy.AMAZON)  # Amazon ships it
    AmazonOrderFactory(store=store, status="PENDING")

    page = page_of(staff_client, store)

    table = re.search(r'data-testid="awaiting-shipment".*?</table>', page, re.S).group(0)
    rows = re.findall(r'<tr data-amazon-order="([^"]+)"( class="table-danger late")?>', table)
    assert rows == [(late.amazon_order_id, ' class="table-danger late"'), (soon.amazon_order_id, "")]
    assert re.search(r'data-testid="awaiting-count">2<', page)


def test_orders_to_ship_beyond_the_cap_read_as_the_cap_and_more(staff_client, monkeypatch):
    # Counting every order to ship grows with the store (250 ms for 400,000 at 10M orders): the dashboard counts up
    # to COUNT_CAP (10,000) and says "10,000+" beyond it, like the order grid. A cap of 2 here, for a small test.
    monkeypatch.setattr(amazon_selectors, "COUNT_CAP", 2)
    store = AmazonStoreFactory()
    now = timezone.now()
    for hours in (1, 2, 3):
        AmazonOrderFactory(store=store, latest_ship_date=now - timedelta(hours=hours))  # late
    AmazonOrderFactory(store=store, latest_ship_date=now + timedelta(minutes=1))  # due today
    AmazonOrderFactory(store=store, status="SHIPPED")

    page = page_of(staff_client, store)

    assert re.search(r'data-testid="awaiting-count">2\+<', page)
    assert re.search(r'data-testid="late-count">2\+<', page)
    assert re.search(r'data-testid="due-today-count">1<', page)
    assert re.search(r'Orders Awaiting Shipment <span class="badge text-bg-secondary">2\+<', page)

    monkeypatch.setattr(amazon_selectors, "COUNT_CAP", 4)  # at the cap: the exact count
    page = page_of(staff_client, store)
    assert re.search(r'data-testid="awaiting-count">4<', page)
    assert re.search(r'data-testid="late-count">3<', page)


def test_failed_imports_and_updates_to_amazon_are_listed_with_amazons_reasons(staff_client):
    store = AmazonStoreFactory()
    AmazonOrderFactory(store=store, import_error="Item SKU-X has no price yet")
    AmazonOrderFactory(store=store)
    OutboundUpdateFactory(amazon_order__store=store, state=OutboundUpdate.State.PENDING)
    OutboundUpdateFactory(amazon_order__store=store, state=OutboundUpdate.State.AWAITING_RESULT)
    OutboundUpdateFactory(amazon_order__store=store, state=OutboundUpdate.State.ACCEPTED)
    failed = OutboundUpdateFactory(
        amazon_order__store=store,
        kind=OutboundUpdate.Kind.CANCEL,
        state=OutboundUpdate.State.FAILED,
        last_response="25 CancelReason is not valid",
    )

    page = page_of(staff_client, store)

    failed_imports = re.search(r'data-testid="failed-imports".*?</ul>', page, re.S).group(0)
    assert "Item SKU-X has no price yet" in failed_imports
    assert failed_imports.count("<li") == 1
    assert re.search(r'data-testid="pending-updates">2<', page)
    assert re.search(r'data-testid="failed-updates-count"[^>]*>1<', page)
    assert failed.amazon_order.amazon_order_id in page
    assert "25 CancelReason is not valid" in page


def test_each_list_links_the_amazon_order_and_its_commerce_order(staff_client):
    from orders.tests.factories import make_order

    store = AmazonStoreFactory()
    order = make_order(channel="amazon", external_order_number="113-0000001-0000009")
    to_ship = AmazonOrderFactory(store=store, commerce_order=order)
    not_imported = AmazonOrderFactory(store=store, import_error="no price", status=AmazonOrderStatus.PENDING)
    failed = OutboundUpdateFactory(amazon_order=to_ship, state=OutboundUpdate.State.FAILED, last_response="no")

    page = page_of(staff_client, store)

    def link(url_name, pk) -> str:
        return f'href="{reverse(url_name, args=[pk])}"'

    assert link("amazon_channel:store_edit", store.pk) in page
    awaiting = re.search(r'data-testid="awaiting-shipment".*?</table>', page, re.S).group(0)
    assert link("amazon_channel:order_detail", to_ship.pk) in awaiting
    assert link("orders:order_view", order.pk) in awaiting
    recent = re.search(r'data-testid="recent-amazon-orders".*?</table>', page, re.S).group(0)
    assert link("amazon_channel:order_detail", not_imported.pk) in recent
    assert link("orders:order_view", order.pk) in recent
    failed_imports = re.search(r'data-testid="failed-imports".*?</ul>', page, re.S).group(0)
    assert link("amazon_channel:order_detail", not_imported.pk) in failed_imports
    failed_updates = re.search(r'data-testid="failed-updates".*?</ul>', page, re.S).group(0)
    assert link("amazon_channel:order_detail", failed.amazon_order_id) in failed_updates


@freeze_time("2026-03-18 15:30:00")
def test_sync_status_shows_last_result_and_next_run_from_the_beat_schedule(staff_client):
    every_15 = IntervalSchedule.objects.create(every=15, period=IntervalSchedule.MINUTES)
    last_run = timezone.now() - timedelta(minutes=5)
    task = PeriodicTask.objects.create(
        name="sync store", task="amazon_channel.tasks.sync_amazon_store", interval=every_15, last_run_at=last_run
    )
    store = AmazonStoreFactory(
        periodic_task=task,
        last_sync_finished_at=timezone.now() - timedelta(minutes=5),
        last_sync_ok=False,
        last_sync_message="Amazon refused the refresh token (invalid_grant)",
    )

    response = staff_client.get(reverse("dashboard:amazon_store_sync_status", args=[store.pk]))

    fragment = response.content.decode()
    assert "<html" not in fragment  # only the card, for htmx to swap in
    assert 'hx-trigger="every 5s"' in fragment
    assert f'hx-get="{reverse("dashboard:amazon_store_sync_status", args=[store.pk])}"' in fragment
    assert "Failed" in fragment and "invalid_grant" in fragment
    assert "(5\xa0minutes ago)" in fragment
    next_sync = re.search(r'data-testid="next-sync">\s*<time datetime="([^"]+)"', fragment).group(1)
    assert next_sync == "2026-03-18T15:40:00+00:00"
    assert "(in 10\xa0minutes)" in fragment


def test_sync_status_follows_the_store_as_it_changes(staff_client):
    """What the htmx poll relies on: a second request shows the new state without reloading the page."""
    store = AmazonStoreFactory(last_sync_ok=None)
    url = reverse("dashboard:amazon_store_sync_status", args=[store.pk])
    assert "Never" in staff_client.get(url).content.decode()

    store.last_sync_finished_at = timezone.now()
    store.last_sync_ok = True
    store.last_sync_message = "3 orders imported"
    store.save()

    fragment = staff_client.get(url).content.decode()
    assert "Succeeded" in fragment and "3 orders imported" in fragment


def test_query_count_does_not_grow_with_orders(staff_client):
    store = AmazonStoreFactory()
    for _ in range(3):
        AmazonOrderFactory(store=store, import_error="bad")
        OutboundUpdateFactory(amazon_order__store=store, state=OutboundUpdate.State.FAILED)
        OutboundUpdateFactory(amazon_order__store=store, state=OutboundUpdate.State.PENDING)
    url = reverse("dashboard:amazon_store", args=[store.pk])
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    for n in range(40):
        AmazonOrderFactory(store=store, status=AmazonOrderStatus.UNSHIPPED, latest_ship_date=timezone.now())
        AmazonOrderFactory(store=store, import_error="bad")
        OutboundUpdateFactory(amazon_order__store=store, state=OutboundUpdate.State.FAILED)
        OutboundUpdateFactory(amazon_order__store=store, state=OutboundUpdate.State.PENDING)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url)
    assert response.status_code == 200
    assert len(few) == len(many) <= 14, [q["sql"][:80] for q in many.captured_queries]


def test_unknown_store_is_404(staff_client):
    assert staff_client.get(reverse("dashboard:amazon_store", args=[999])).status_code == 404


def test_sync_now_queues_the_stores_import_and_comes_back_to_the_dashboard(
    staff_client, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.sync_amazon_store, "delay", lambda *args: queued.append(args))
    store = AmazonStoreFactory(name="Amazon US")
    url = reverse("dashboard:amazon_store_sync", args=[store.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:amazon_store", args=[store.pk])
    assert queued == [(store.pk, None)]
    assert "A sync of Amazon US is queued" in staff_client.get(response["Location"]).content.decode()


def test_sync_now_is_post_only_and_needs_the_sync_permission(client, django_capture_on_commit_callbacks):
    from orders.tests.factories import UserFactory

    store = AmazonStoreFactory()
    url = reverse("dashboard:amazon_store_sync", args=[store.pk])
    client.force_login(UserFactory(username="clerk"))  # staff, without the permission
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.post(url).status_code == 403
    assert callbacks == []
    assert (
        'data-testid="sync-now"' not in client.get(reverse("dashboard:amazon_store", args=[store.pk])).content.decode()
    )


def test_net_before_fees_is_the_grand_total_less_the_orders_tax_also_for_orders_stored_before_the_column():
    """Migration 0019 gives orders already stored their items' tax; the dashboard then reads it off the order."""
    import importlib

    from amazon_channel.models import AmazonOrderItem

    store = AmazonStoreFactory()
    now = timezone.now()
    taxed = AmazonOrderFactory(store=store, grand_total=Decimal("110.00"), purchase_date=now - timedelta(days=2))
    untaxed = AmazonOrderFactory(store=store, grand_total=Decimal("50.00"), purchase_date=now - timedelta(days=3))
    for n, (tax, shipping_tax) in enumerate([(Decimal("8.00"), Decimal("1.50")), (Decimal("0.50"), Decimal("0.00"))]):
        AmazonOrderItem.objects.create(
            amazon_order=taxed, order_item_id=f"item-{n}", item_tax=tax, shipping_tax=shipping_tax
        )
    AmazonOrder.objects.filter(pk__in=[taxed.pk, untaxed.pk]).update(tax_total=Decimal("99.00"))  # stale / unset

    migration = importlib.import_module("amazon_channel.migrations.0019_amazon_order_tax_total")
    with connection.cursor() as cursor:
        cursor.execute(migration.Migration.backfill)
    # Then 0020 builds the revenue statistics from the orders as 0019 left them (this test wrote behind the
    # writers' back, which only a rebuild sees).
    from django.apps import apps

    importlib.import_module("amazon_channel.migrations.0020_amazon_sales_hour").backfill(apps, None)

    taxed.refresh_from_db()
    untaxed.refresh_from_db()
    assert taxed.tax_total == Decimal("10.00")
    assert untaxed.tax_total == Decimal("99.00")  # no items: left as the importer wrote it
    (revenue,) = amazon_selectors.amazon_revenue(store=store)
    assert revenue.last_30_days == Decimal("160.00")
    assert revenue.net_30_days == Decimal("160.00") - Decimal("10.00") - Decimal("99.00")
