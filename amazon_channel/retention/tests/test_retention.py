"""Buyer data retention: the buyer's personal data of Amazon orders shipped or canceled more than the retention
period ago is removed (Amazon order rows, raw payloads, Commerce addresses, guest emails, sent-email copies), and
nothing else changes."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from amazon_channel.models import AmazonOrder
from amazon_channel.retention import remove_buyer_data
from amazon_channel.retention.tasks import RETENTION_TASK, RETENTION_TASK_NAME
from amazon_channel.sync import ImportResult, process_orders
from amazon_channel.testing.amazon_orders import amazon_order
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import Order, OrderAddress
from orders.services.notifying import send_now
from orders.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# What retention may change, and nothing else (each row's every other column, and every other table, stays equal).
BUYER_FIELDS = {
    "amazon_channel.AmazonOrder": {
        "buyer_name", "buyer_email", "buyer_company", "shipping_address", "raw", "buyer_data_removed_at",
    },
    "orders.Order": {
        "customer_email", "customer_first_name", "customer_last_name", "billing_name", "shipping_name",
        "buyer_data_removed_at",
    },
    "orders.OrderAddress": {
        "first_name", "last_name", "company", "street", "city", "region", "postcode", "telephone", "email",
    },
}  # fmt: skip


def snapshot() -> dict[str, dict[object, dict]]:
    """Every row of every table, by model and primary key."""
    return {
        model._meta.label: {row["pk"]: row for row in model._default_manager.values("pk", *_columns(model))}
        for model in apps.get_models()
        if not model._meta.proxy
    }


def _columns(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def changes(before, after) -> dict[str, set[str]]:
    """Which columns changed per model; fails if a row appeared or disappeared."""
    changed: dict[str, set[str]] = {}
    for label, rows in before.items():
        assert set(rows) == set(after[label]), f"rows of {label} appeared or disappeared"
        for pk, row in rows.items():
            for column, value in row.items():
                if after[label][pk][column] != value:
                    changed.setdefault(label, set()).add(column)
    return changed


@pytest.fixture
def orders(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "sent-emails"
    settings.AMAZON_BUYER_DATA_RETENTION_DAYS = 30
    store = AmazonStoreFactory()
    now = timezone.now()
    old, recent = now - timedelta(days=40), now - timedelta(days=5)
    made = {
        "shipped_long_ago": amazon_order(status="SHIPPED", updated=old, purchased=old - timedelta(days=2)),
        "shipped_recently": amazon_order(status="SHIPPED", updated=recent, purchased=recent - timedelta(days=2)),
        "unshipped_long_ago": amazon_order(status="UNSHIPPED", updated=old, purchased=old - timedelta(days=2)),
    }
    canceled = amazon_order(status="UNSHIPPED", updated=old - timedelta(days=1), purchased=old - timedelta(days=2))
    process_orders(store=store, orders=[*made.values(), canceled], actor=None, result=ImportResult(store_id=store.pk))
    canceled = dataclasses.replace(canceled, fulfillment_status="CANCELLED", last_updated_time=old)
    process_orders(store=store, orders=[canceled], actor=None, result=ImportResult(store_id=store.pk))
    made["canceled_long_ago"] = canceled
    rows = {key: AmazonOrder.objects.get(amazon_order_id=o.order_id) for key, o in made.items()}
    assert rows["canceled_long_ago"].status == "CANCELLED" and all(r.commerce_order_id for r in rows.values())
    for row in rows.values():
        send_now(row.commerce_order, "order")  # one copy each under EMAIL_FILE_PATH
    return rows


def test_dry_run_counts_and_changes_nothing(orders, settings, capsys):
    before = snapshot()
    emails = sorted(p.read_text() for p in settings.EMAIL_FILE_PATH.iterdir())
    call_command("remove_buyer_data", "--dry-run")
    out = capsys.readouterr().out
    assert "would be removed (dry run, nothing changed): 2 Amazon order(s), 2 Commerce order(s)" in out
    assert "4 address(es), 2 guest email(s), 2 sent-email copy(ies)" in out
    assert changes(before, snapshot()) == {}
    assert sorted(p.read_text() for p in settings.EMAIL_FILE_PATH.iterdir()) == emails
    # --days: a shorter period makes the recent one due too.
    call_command("remove_buyer_data", "--dry-run", "--days", "1")
    assert ": 3 Amazon order(s)" in capsys.readouterr().out


def test_removes_only_the_buyer_data_of_orders_past_retention(
    orders, settings, client, django_capture_on_commit_callbacks
):
    due = [orders["shipped_long_ago"], orders["canceled_long_ago"]]
    kept = [orders["shipped_recently"], orders["unshipped_long_ago"]]
    kept_emails = {o.commerce_order.customer_email for o in kept}
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=True):  # the email copies go once the transaction commits
        result = remove_buyer_data(batch=1)  # batches of one: the loop must go past the first batch

    assert (result.amazon_orders, result.commerce_orders, result.addresses) == (2, 2, 4)
    assert (result.guest_emails, result.email_copies) == (2, 2)
    changed = changes(before, snapshot())
    assert set(changed) == set(BUYER_FIELDS)
    for label, columns in changed.items():
        assert columns <= BUYER_FIELDS[label], label
    for row in due:
        row.refresh_from_db()
        order = Order.objects.get(pk=row.commerce_order_id)
        assert (row.buyer_name, row.buyer_email, row.shipping_address, row.raw) == ("", "", {}, {})
        assert row.buyer_data_removed_at is not None and order.buyer_data_removed_at is not None
        assert (order.customer_email, order.shipping_name, order.billing_name) == ("", "", "")
        for address in OrderAddress.objects.filter(order=order):
            assert (address.first_name, address.street, address.telephone, address.city) == ("", "", "", "")
            assert address.country_code == "US"
        # Totals, items and SKUs stay.
        assert order.grand_total == before["orders.Order"][order.pk]["grand_total"] and order.items.exists()
    for row in kept:
        row.refresh_from_db()
        assert row.buyer_name == "Jane Buyer" and row.raw and row.buyer_data_removed_at is None
    # Only the copies of the kept orders' emails are left.
    left = " ".join(p.read_text() for p in settings.EMAIL_FILE_PATH.iterdir())
    assert all(email in left for email in kept_emails)
    assert not any(before["orders.Order"][r.commerce_order_id]["customer_email"] in left for r in due)

    client.force_login(UserFactory(username="boss", is_superuser=True))
    page = client.get(reverse("orders:order_view", args=[due[0].commerce_order_id])).content.decode()
    assert "Buyer data removed on" in page and "Jane Recipient" not in page
    detail = client.get(reverse("amazon_channel:order_detail", args=[due[0].pk])).content.decode()
    assert "Buyer data removed on" in detail

    # A second run finds nothing more to do.
    assert remove_buyer_data().amazon_orders == 0


def test_a_daily_beat_entry_runs_the_retention_task():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name=RETENTION_TASK_NAME)
    assert task.task == RETENTION_TASK and task.crontab is not None and task.crontab.hour == "3"
