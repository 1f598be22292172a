"""Input that used to be a 500 or a silent bad write: refused with a clear message, nothing changed."""

from __future__ import annotations

import html as html_lib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from amazon_channel.models import AmazonStore
from amazon_channel.testing.factories import AmazonStoreFactory, store_form_data
from config.beat import SafeDatabaseScheduler
from config.celery import app as celery_app
from orders.models import Invoice, Order, OrderComment, Shipment
from orders.services import item_field
from orders.tests.factories import UserFactory, make_order, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client):
    client.force_login(UserFactory(username="boss", is_superuser=True))
    return client


@pytest.fixture
def ops(client):
    client.force_login(staff_user("all", username="ops"))
    return client


def text(response) -> str:
    return html_lib.unescape(response.content.decode())


# --- Sync interval: 1-1440 minutes in the form, the model and the database --------------------------------------------


@pytest.mark.parametrize("minutes", ["0", "1441", str(10**15), str(10**30)])
def test_a_sync_interval_outside_a_minute_to_a_day_is_refused_at_the_field(boss, minutes):
    store = AmazonStoreFactory()
    response = boss.post(
        reverse("amazon_channel:store_edit", args=[store.pk]),
        store_form_data(store.commerce_store, sync_interval_minutes=minutes),
    )
    assert response.status_code == 200
    assert "sync_interval_minutes" in response.context["form"].errors
    store.refresh_from_db()
    assert store.sync_interval_minutes == 5
    # The store dashboard still opens.
    assert boss.get(reverse("dashboard:amazon_store", args=[store.pk])).status_code == 200


def test_a_day_is_accepted():
    store = AmazonStoreFactory(sync_interval_minutes=1440)
    store.full_clean()


def test_the_model_and_the_database_refuse_the_interval_too():
    store = AmazonStoreFactory()
    store.sync_interval_minutes = 10**15
    with pytest.raises(ValidationError, match="1440"):
        store.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        AmazonStore.objects.filter(pk=store.pk).update(sync_interval_minutes=1441)


# --- Reservation days: 1-30 in the form, the model and the database -------------------------------------------------


@pytest.mark.parametrize("days", ["0", "31", "-1", str(10**15)])
def test_reservation_days_outside_1_to_30_are_refused_at_the_field(boss, days):
    store = AmazonStoreFactory()
    response = boss.post(
        reverse("amazon_channel:store_edit", args=[store.pk]),
        store_form_data(store.commerce_store, reserve_pending_stock="on", stock_reservation_days=days),
    )
    assert response.status_code == 200
    assert "stock_reservation_days" in response.context["form"].errors
    if days != "-1":  # below zero the field's own "greater than or equal to 0" comes first
        assert "Reserve stock for 1 to 30 days." in text(response)
    store.refresh_from_db()
    assert (store.reserve_pending_stock, store.stock_reservation_days) == (False, 3)


def test_the_model_and_the_database_refuse_reservation_days_too():
    store = AmazonStoreFactory(stock_reservation_days=30)
    store.full_clean()
    store.stock_reservation_days = 31
    with pytest.raises(ValidationError, match="30"):
        store.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        AmazonStore.objects.filter(pk=store.pk).update(stock_reservation_days=0)


def test_beat_skips_a_schedule_it_cant_read_and_keeps_the_others():
    good = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    # Days beyond what Python's timedelta holds: django-celery-beat's own scheduler stops at start on this row.
    bad = IntervalSchedule.objects.create(every=2**31 - 1, period=IntervalSchedule.DAYS)
    PeriodicTask.objects.create(name="store-good", task="amazon_channel.sync_amazon_store", interval=good)
    PeriodicTask.objects.create(name="store-bad", task="amazon_channel.sync_amazon_store", interval=bad)
    with pytest.raises(OverflowError):
        DatabaseScheduler(app=celery_app, lazy=True).all_as_schedule()
    schedule = SafeDatabaseScheduler(app=celery_app, lazy=True).all_as_schedule()
    assert "store-good" in schedule and "store-bad" not in schedule
    assert celery_app.conf.beat_scheduler == "config.beat:SafeDatabaseScheduler"


# --- Tracking number and carrier title: at most 50 characters, no control characters ----------------------------------


def shipment_data(order: Order, *, carrier="custom", title="Local Courier", number="LC-1") -> dict:
    item = order.items.get()
    return {
        "version": order.version,
        item_field(item.pk): "1",
        "track_carrier_code": [carrier],
        "track_title": [title],
        "track_number": [number],
    }


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("number", "1Z" * 5000, "at most 50 characters"),
        ("number", "1Z\x00999", "control characters"),
        ("title", "T" * 51, "at most 50 characters"),
        ("title", "Courier\x00", "control characters"),
    ],
    ids=["number-10000-chars", "number-nul", "title-51-chars", "title-nul"],
)
def test_a_long_or_nul_tracking_number_or_title_is_refused_at_the_field(ops, field, value, says):
    order = make_order(invoiced=True, items=[("A", 2, "10.00")])
    response = ops.post(reverse("orders:shipment_new", args=[order.pk]), shipment_data(order, **{field: value}))
    assert response.status_code == 400
    page = text(response)
    testid = "track-number-error" if field == "number" else "track-title"
    assert f'data-testid="{testid}"' in page and says in page
    assert not Shipment.objects.exists()


def test_a_tracking_number_of_50_characters_is_shipped(ops):
    order = make_order(invoiced=True, items=[("A", 2, "10.00")])
    response = ops.post(reverse("orders:shipment_new", args=[order.pk]), shipment_data(order, number="9" * 50))
    assert response.status_code == 302
    assert Shipment.objects.get().tracks.get().track_number == "9" * 50


# --- Credentials: bounded at the field --------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "limit"), [("client_secret", 256), ("refresh_token", 2048)])
def test_an_overlong_secret_is_refused_at_the_field_and_the_saved_one_kept(boss, field, limit):
    store = AmazonStoreFactory()
    saved = getattr(store, field)
    response = boss.post(
        reverse("amazon_channel:store_edit", args=[store.pk]),
        store_form_data(store.commerce_store, **{field: "s" * 10_000}),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert f"at most {limit} characters" in str(errors)
    assert getattr(AmazonStore.objects.get(pk=store.pk), field) == saved


# --- Grids and mass actions: numbers no database holds ----------------------------------------------------------------


def test_a_page_number_no_database_offsets_to_is_not_an_error(boss):
    make_order()
    response = boss.get(reverse("orders:order_grid") + f"?page={2**62}")
    assert response.status_code in (200, 404)  # an exact count shows its last page; a capped one says 404
    response = boss.get(reverse("amazon_channel:order_grid") + f"?page={2**62}")
    assert response.status_code in (200, 404)


def test_a_mass_action_on_an_id_beyond_bigint_selects_nothing(ops):
    order = make_order()
    response = ops.post(reverse("orders:order_mass_action"), {"action": "hold", "ids": [str(10**30)]})
    assert response.status_code == 302
    assert "Select at least one order." in text(ops.get(response["Location"]))
    order.refresh_from_db()
    assert order.state == "new"


def test_mass_printing_an_id_beyond_bigint_selects_nothing(ops):
    make_order(invoiced=True)
    response = ops.post(reverse("orders:documents_print", args=["invoice"]), {"ids": [str(10**30)]})
    assert response.status_code == 302
    assert "Select at least one document." in text(ops.get(response["Location"]))


# --- The stale-form check can't be skipped ----------------------------------------------------------------------------


def test_a_comment_with_a_garbled_version_is_refused_as_stale(ops):
    order = make_order()
    response = ops.post(reverse("orders:order_comment", args=[order.pk]), {"version": "abc", "comment": "Hi"})
    assert response.status_code == 302
    assert "Someone changed this order after you opened the page" in text(ops.get(response["Location"]))
    assert not OrderComment.objects.filter(order=order, comment="Hi").exists()


def test_a_cancel_with_a_garbled_version_is_refused_as_stale(ops):
    order = make_order()
    response = ops.post(reverse("orders:order_cancel", args=[order.pk]), {"version": "abc"})
    assert "Someone changed this order after you opened the page" in text(ops.get(response["Location"]))
    order.refresh_from_db()
    assert order.state == "new"


def test_an_invoice_posted_without_a_version_says_why(ops):
    order = make_order(items=[("A", 2, "10.00")])
    data = {item_field(order.items.get().pk): "2"}
    response = ops.post(reverse("orders:invoice_new", args=[order.pk]), data)
    assert response.status_code == 400
    page = text(response)
    assert 'data-testid="form-errors"' in page
    assert "This form is incomplete or out of date. Reload the page and try again." in page
    assert not Invoice.objects.exists()
