"""The store pages as staff use them: the list, settings, Test connection, Sync now, Recover order, the log."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from amazon_channel.core import client as clients
from amazon_channel.core.communication import record_communication_error
from amazon_channel.models import AmazonOrder, AmazonStore, CommunicationLog, OutboundUpdate
from amazon_channel.spapi import errors
from amazon_channel.sync import tasks
from amazon_channel.testing.amazon_orders import amazon_item, amazon_order, imported
from amazon_channel.testing.factories import AmazonStoreFactory, store_form_data
from amazon_channel.testing.fake_amazon import FakeAmazon
from orders.tests.factories import StoreFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_pages_need_a_staff_login(client, amazon_store):
    for url in (reverse("amazon_channel:order_grid"), reverse("amazon_channel:store_edit", args=[amazon_store.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(UserFactory(username="shopper", is_staff=False))
    # the admin shell signs a non-staff account out and refuses the page
    assert client.get(reverse("amazon_channel:store_list")).status_code == 403
    assert client.get(reverse("amazon_channel:store_list")).status_code == 302


def test_add_store_encrypts_credentials_never_shows_them_and_schedules_its_sync(admin_user_client):
    commerce = StoreFactory()
    response = admin_user_client.post(reverse("amazon_channel:store_add"), store_form_data(commerce))
    store = AmazonStore.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("amazon_channel:store_edit", args=[store.pk])
    assert store.client_secret == "sandbox-client-secret"
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret, refresh_token FROM amazon_channel_amazonstore")
        raw_secret, raw_token = cursor.fetchone()
    assert "sandbox" not in raw_secret and "Atzr" not in raw_token
    task = PeriodicTask.objects.get(pk=store.periodic_task_id)
    assert task.task == "amazon_channel.tasks.sync_amazon_store"
    assert task.args == f"[{store.pk}]" and task.interval.every == 15

    page = admin_user_client.get(response["Location"]).content.decode()
    assert "sandbox-client-secret" not in page and "Atzr|sandbox-refresh-token" not in page


def test_new_store_needs_its_secrets(admin_user_client):
    data = store_form_data(StoreFactory(), client_secret="", refresh_token="")
    response = admin_user_client.post(reverse("amazon_channel:store_add"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"client_secret", "refresh_token"}
    assert not AmazonStore.objects.exists()


def test_edit_store_blank_secret_keeps_the_stored_one_and_reschedules(admin_user_client, amazon_store):
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    data = store_form_data(
        amazon_store.commerce_store,
        client_secret="",
        refresh_token="Atzr|new-token",
        sync_interval_minutes="30",
        last_order_sync="2026-01-02T03:04",
        import_orders="",
    )
    assert admin_user_client.post(url, data).status_code == 302
    amazon_store.refresh_from_db()
    assert amazon_store.client_secret == "sandbox-client-secret"
    assert amazon_store.refresh_token == "Atzr|new-token"
    assert amazon_store.import_orders is False
    assert amazon_store.last_order_sync.isoformat().startswith("2026-01-02T03:04")
    assert amazon_store.periodic_task.interval.every == 30
    assert PeriodicTask.objects.filter(task="amazon_channel.tasks.sync_amazon_store").count() == 1


def test_the_stock_reservation_settings_are_saved_and_shown(admin_user_client, amazon_store):
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    page = admin_user_client.get(url).content.decode()
    assert "Reserve Stock for Pending Orders" in page and "Reservation Days" in page
    data = store_form_data(amazon_store.commerce_store, reserve_pending_stock="on", stock_reservation_days="7")
    assert admin_user_client.post(url, data).status_code == 302
    amazon_store.refresh_from_db()
    assert (amazon_store.reserve_pending_stock, amazon_store.stock_reservation_days) == (True, 7)
    assert admin_user_client.post(url, store_form_data(amazon_store.commerce_store)).status_code == 302
    amazon_store.refresh_from_db()
    assert (amazon_store.reserve_pending_stock, amazon_store.stock_reservation_days) == (False, 3)


def test_custom_order_status_needs_the_processing_status(admin_user_client, amazon_store):
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    response = admin_user_client.post(url, store_form_data(amazon_store.commerce_store, order_status_mode="custom"))
    assert response.status_code == 200
    assert "processing_order_status" in response.context["form"].errors
    assert AmazonStore.objects.get().order_status_mode == "default"


def test_test_connection_shows_amazons_message_and_saves_nothing(admin_user_client, amazon_store, monkeypatch):
    seen = {}

    class RefusingClient:
        def search_orders(self, **kwargs):
            raise errors.AuthError(
                operation="lwa", status=401, code="invalid_client", message="Client authentication failed"
            )

    def client_for(store, **kwargs):
        seen["secret"], seen["client_id"] = store.client_secret, store.client_id
        return RefusingClient()

    monkeypatch.setattr(clients, "client_for_store", client_for)
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    data = store_form_data(
        amazon_store.commerce_store, name="Renamed", client_id="typed-id", client_secret="", test_connection="1"
    )
    data.pop("save")
    response = admin_user_client.post(url, data)

    assert response.status_code == 200
    assert "Client authentication failed" in response.content.decode()
    assert "invalid_client" in response.content.decode()
    assert seen == {"secret": "sandbox-client-secret", "client_id": "typed-id"}  # the stored secret, the typed id
    stored = AmazonStore.objects.get()
    assert (stored.name, stored.client_id) != ("Renamed", "typed-id")


def test_test_connection_success(admin_user_client, amazon_store, monkeypatch):
    monkeypatch.setattr(clients, "client_for_store", lambda store, **kw: FakeAmazon())
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    data = store_form_data(amazon_store.commerce_store, client_secret="", refresh_token="", test_connection="1")
    response = admin_user_client.post(url, data)
    assert "Connected to Amazon" in response.content.decode()


def test_sync_now_queues_the_stores_import(
    admin_user_client, amazon_store, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.sync_amazon_store, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_user_client.post(
            reverse("amazon_channel:store_sync", args=[amazon_store.pk]), {"since": "2026-01-01T00:00"}
        )
    assert response.status_code == 302
    assert queued == [(amazon_store.pk, "2026-01-01T00:00:00+00:00")]


def test_actions_need_their_permission(client, amazon_store):
    # A viewer: may open the stores and the Amazon orders, nothing more.
    user = grant(UserFactory(username="viewer"), "amazon_channel.view_amazonstore", "amazon_channel.view_amazonorder")
    client.force_login(user)
    row = imported(amazon_store, amazon_order())[0]
    assert client.get(reverse("amazon_channel:store_add")).status_code == 403
    assert client.post(reverse("amazon_channel:store_sync", args=[amazon_store.pk])).status_code == 403
    cancel_url = reverse("amazon_channel:order_cancel", args=[row.pk])
    assert client.post(cancel_url, {"reason": "NoInventory"}).status_code == 403
    assert not OutboundUpdate.objects.exists()
    page = client.get(reverse("amazon_channel:order_detail", args=[row.pk])).content.decode()
    assert f'action="{cancel_url}"' not in page

    user.user_permissions.add(Permission.objects.get(codename="cancel_amazonorder"))
    client.force_login(user)
    assert client.post(cancel_url, {"reason": "NoInventory"}).status_code == 302
    assert OutboundUpdate.objects.count() == 1


def test_store_list_with_failed_import_banner_and_constant_queries(admin_user_client):
    store = AmazonStoreFactory(name="Amazon DE")
    imported(store, amazon_order(items=[amazon_item(unit_price=None)]))
    url = reverse("amazon_channel:store_list")
    page = admin_user_client.get(url).content.decode()
    assert "1 Amazon order of Amazon DE could not be imported." in page
    assert f"/amazon/stores/{store.pk}/orders/?failed=on" in page
    few = count_queries(admin_user_client, url)
    for _ in range(6):
        AmazonStoreFactory()
    assert count_queries(admin_user_client, url) == few


def test_recover_order_page_action(admin_user_client, amazon_store, monkeypatch):
    wanted = amazon_order()
    monkeypatch.setattr(clients, "client_for_store", lambda store, **options: FakeAmazon(orders=[wanted]))
    url = reverse("amazon_channel:store_recover_order", args=[amazon_store.pk])
    response = admin_user_client.post(url, {"amazon_order_id": wanted.order_id})
    row = AmazonOrder.objects.get(amazon_order_id=wanted.order_id)
    assert response["Location"] == reverse("amazon_channel:order_detail", args=[row.pk])
    assert row.commerce_order is not None
    response = admin_user_client.post(url, {"amazon_order_id": "404-0000000-0000000"}, follow=True)
    assert "Amazon has no order 404-0000000-0000000" in response.content.decode()


def test_communication_log_page(admin_user_client, amazon_store):
    record_communication_error(
        store=amazon_store,
        operation="searchOrders",
        exc=errors.ThrottledError(
            operation="searchOrders",
            status=429,
            code="QuotaExceeded",
            message="You exceeded your quota",
            request_id="req-42",
        ),
    )
    page = admin_user_client.get(reverse("amazon_channel:communication_log", args=[amazon_store.pk]))
    html = page.content.decode()
    for text in ("searchOrders", "429", "QuotaExceeded", "You exceeded your quota", "req-42"):
        assert text in html
    assert CommunicationLog.objects.get().http_status == 429


def test_custom_processing_status_is_chosen_from_processing_statuses(admin_user_client, amazon_store):
    from orders.models import OrderStatus

    OrderStatus.objects.get_or_create(code="amazon_ready", defaults={"label": "Amazon ready", "state": "processing"})
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    page = admin_user_client.get(url).content.decode()
    assert "Amazon ready" in page
    data = store_form_data(amazon_store.commerce_store, order_status_mode="custom", processing_order_status="complete")
    assert "processing_order_status" in admin_user_client.post(url, data).context["form"].errors
    data["processing_order_status"] = "amazon_ready"
    assert admin_user_client.post(url, data).status_code == 302
    assert AmazonStore.objects.get().processing_order_status == "amazon_ready"


def test_a_second_store_for_the_same_seller_and_marketplace_is_refused(admin_user_client, amazon_store):
    data = store_form_data(amazon_store.commerce_store, name="Amazon US again")
    response = admin_user_client.post(reverse("amazon_channel:store_add"), data)
    assert response.status_code == 200
    assert f"The store {amazon_store.name} is already set up" in str(response.context["form"].errors["marketplace_id"])
    assert AmazonStore.objects.count() == 1
    # the store itself saves as before; another marketplace of the same seller is another store
    edited = store_form_data(amazon_store.commerce_store, name=amazon_store.name)
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    assert admin_user_client.post(url, edited).status_code == 302
    canada = store_form_data(amazon_store.commerce_store, name="Amazon CA", marketplace_id="A2EUQ1WTGCTBG2")
    assert admin_user_client.post(reverse("amazon_channel:store_add"), canada).status_code == 302
