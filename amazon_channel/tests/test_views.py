"""The Amazon channel pages as staff use them: stores and settings, All Orders, Amazon Order Details, the log."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from amazon_channel import blocks
from amazon_channel.models import AmazonOrder, AmazonStore, CommunicationLog, OutboundUpdate
from amazon_channel.services import communication, importing
from amazon_channel.services.importing import ImportResult, process_orders
from amazon_channel.spapi import errors
from amazon_channel.tests.factories import AmazonStoreFactory
from amazon_channel.tests.fakes import FakeClient, amazon_item, amazon_order
from orders.tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def imported(store, *orders):
    process_orders(store=store, orders=list(orders), actor=None, result=ImportResult(store_id=store.pk))
    return [AmazonOrder.objects.get(amazon_order_id=o.order_id) for o in orders]


def store_post(commerce_store, **overrides) -> dict:
    data = {
        "name": "Amazon US",
        "region": "na",
        "marketplace_id": "ATVPDKIKX0DER",
        "seller_id": "A2SANDBOXSELLER",
        "client_id": "amzn1.application-oa2-client.sandbox",
        "client_secret": "sandbox-client-secret",
        "refresh_token": "Atzr|sandbox-refresh-token",
        "import_orders": "on",
        "commerce_store": commerce_store.pk,
        "customer_creation": "guest",
        "order_number_source": "commerce",
        "order_status_mode": "default",
        "processing_order_status": "",
        "sync_interval_minutes": "15",
        "last_order_sync": "",
        "is_active": "on",
        "save": "1",
    }
    data.update(overrides)
    return data


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# --- Stores ----------------------------------------------------------------------------------------------------------


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
    response = admin_user_client.post(reverse("amazon_channel:store_add"), store_post(commerce))
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
    data = store_post(StoreFactory(), client_secret="", refresh_token="")
    response = admin_user_client.post(reverse("amazon_channel:store_add"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"client_secret", "refresh_token"}
    assert not AmazonStore.objects.exists()


def test_edit_store_blank_secret_keeps_the_stored_one_and_reschedules(admin_user_client, amazon_store):
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    data = store_post(
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


def test_custom_order_status_needs_the_processing_status(admin_user_client, amazon_store):
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    response = admin_user_client.post(url, store_post(amazon_store.commerce_store, order_status_mode="custom"))
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

    monkeypatch.setattr(communication, "client_for_store", client_for)
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    data = store_post(
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
    monkeypatch.setattr(communication, "client_for_store", lambda store, **kw: FakeClient())
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    data = store_post(amazon_store.commerce_store, client_secret="", refresh_token="", test_connection="1")
    response = admin_user_client.post(url, data)
    assert "Connected to Amazon" in response.content.decode()


def test_sync_now_queues_the_stores_import(
    admin_user_client, amazon_store, monkeypatch, django_capture_on_commit_callbacks
):
    from amazon_channel import tasks

    queued = []
    monkeypatch.setattr(tasks.sync_amazon_store, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_user_client.post(
            reverse("amazon_channel:store_sync", args=[amazon_store.pk]), {"since": "2026-01-01T00:00"}
        )
    assert response.status_code == 302
    assert queued == [(amazon_store.pk, "2026-01-01T00:00:00+00:00")]


def test_actions_need_their_permission(client, amazon_store):
    user = UserFactory(username="viewer")
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


def test_failed_import_banner_shows_on_every_admin_page(admin_user_client):
    dashboard_url, grid_url = reverse("dashboard:index"), reverse("orders:order_grid")
    assert "could not be imported" not in admin_user_client.get(dashboard_url).content.decode()
    store = AmazonStoreFactory(name="Amazon UK")
    imported(store, amazon_order(items=[amazon_item(unit_price=None)]))
    for url in (dashboard_url, grid_url):
        page = admin_user_client.get(url).content.decode()
        assert "1 Amazon order of Amazon UK could not be imported." in page
        assert f"/amazon/stores/{store.pk}/orders/?failed=on" in page


def test_recover_order_page_action(admin_user_client, amazon_store, monkeypatch):
    wanted = amazon_order()
    monkeypatch.setattr(importing, "client_for_store", lambda store: FakeClient(orders=[wanted]))
    url = reverse("amazon_channel:store_recover_order", args=[amazon_store.pk])
    response = admin_user_client.post(url, {"amazon_order_id": wanted.order_id})
    row = AmazonOrder.objects.get(amazon_order_id=wanted.order_id)
    assert response["Location"] == reverse("amazon_channel:order_detail", args=[row.pk])
    assert row.commerce_order is not None
    response = admin_user_client.post(url, {"amazon_order_id": "404-0000000-0000000"}, follow=True)
    assert "Amazon has no order 404-0000000-0000000" in response.content.decode()


def test_communication_log_page(admin_user_client, amazon_store):
    communication.record_communication_error(
        store_id=amazon_store.pk,
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


# --- All Orders ------------------------------------------------------------------------------------------------------


def test_grid_filters_on_each_column(admin_user_client, amazon_store):
    now = timezone.now()
    a = amazon_order(purchased=now - timedelta(days=10), status="UNSHIPPED", buyer=None)
    b = amazon_order(purchased=now - timedelta(days=1), status="SHIPPED", items=[amazon_item(unit_price="99.00")])
    c = amazon_order(purchased=now - timedelta(days=1), status="PENDING", items=[amazon_item(unit_price=None)])
    rows = imported(amazon_store, a, b, c)
    other_store = AmazonStoreFactory()
    d = amazon_order()
    imported(other_store, d)
    url = reverse("amazon_channel:store_order_grid", args=[amazon_store.pk])

    def shown(**params) -> set[str]:
        response = admin_user_client.get(url, params)
        return {row.amazon_order_id for row in response.context["page"]}

    assert shown() == {a.order_id, b.order_id, c.order_id}
    assert shown(status="SHIPPED") == {b.order_id}
    assert shown(order_number=a.order_id[-7:]) == {a.order_id}
    assert shown(buyer_name="jane") == {b.order_id, c.order_id}
    assert shown(purchase_date_from=(now - timedelta(days=2)).date().isoformat()) == {b.order_id, c.order_id}
    assert shown(purchase_date_to=(now - timedelta(days=5)).date().isoformat()) == {a.order_id}
    assert shown(grand_total_from="50") == {b.order_id}
    assert shown(grand_total_to="50") == {a.order_id}
    assert shown(order_notes="Shipped on Amazon") == {b.order_id}
    assert shown(order_notes="commerce order #") == {a.order_id, b.order_id}
    assert rows[2].commerce_order is None
    all_url = reverse("amazon_channel:order_grid")
    assert {r.amazon_order_id for r in admin_user_client.get(all_url).context["page"]} == {
        a.order_id,
        b.order_id,
        c.order_id,
        d.order_id,
    }


def test_grid_sorts_and_pages_over_the_whole_set(admin_user_client, amazon_store):
    now = timezone.now()
    orders = [
        amazon_order(purchased=now - timedelta(hours=n), items=[amazon_item(unit_price=f"{10 + n}.00")])
        for n in range(25)
    ]
    imported(amazon_store, *orders)
    url = reverse("amazon_channel:order_grid")
    first = admin_user_client.get(url, {"sort": "grand_total"}).context["page"]
    assert first.paginator.count == 25 and len(first) == 20
    totals = [row.grand_total for row in first]
    assert totals == sorted(totals) and totals[0] == min(r.grand_total for r in AmazonOrder.objects.all())
    second = admin_user_client.get(url, {"sort": "-grand_total", "page": 2}).context["page"]
    assert [row.grand_total for row in second] == sorted(
        (r.grand_total for r in AmazonOrder.objects.all()), reverse=True
    )[20:]
    newest = admin_user_client.get(url).context["page"][0]
    assert newest.amazon_order_id == orders[0].order_id  # default: newest purchase first
    assert len(admin_user_client.get(url, {"page_size": 50}).context["page"]) == 25
    assert admin_user_client.get(url, {"sort": "raw"}).status_code == 200  # unknown sort: the default


def test_grid_pages_of_a_filtered_sorted_set_show_each_rows_store_and_commerce_order(admin_user_client, amazon_store):
    # The page's rows are picked by id first and loaded after: ties, filters and deep pages must still come out
    # exactly as the sort says, with what each row shows (store, Commerce order, status label, link).
    now = timezone.now()
    orders = [
        amazon_order(
            purchased=now - timedelta(hours=n),
            status="SHIPPED" if n % 3 else "UNSHIPPED",
            items=[amazon_item(unit_price=f"{10 + n % 4}.00")],
        )
        for n in range(40)
    ]
    imported(amazon_store, *orders)
    shipped = AmazonOrder.objects.filter(status="SHIPPED").select_related("commerce_order")
    expected = sorted(shipped, key=lambda r: (-r.grand_total, -r.pk))  # -grand_total, then -id on ties
    url = reverse("amazon_channel:order_grid")
    page = admin_user_client.get(url, {"status": "SHIPPED", "sort": "-grand_total", "page_size": 20, "page": 1})
    second = admin_user_client.get(url, {"status": "SHIPPED", "sort": "-grand_total", "page_size": 20, "page": 2})
    assert [r.pk for r in page.context["page"]] + [r.pk for r in second.context["page"]] == [r.pk for r in expected]
    assert second.context["page"].paginator.count == len(expected) == 26 and len(second.context["page"]) == 6
    html = page.content.decode()
    first = expected[0]
    row = html.split(f'<tr data-order="{first.amazon_order_id}">', 1)[1].split("</tr>", 1)[0]
    assert reverse("amazon_channel:order_detail", args=[first.pk]) in row
    assert f"#{first.commerce_order.increment_id}" in row and amazon_store.name in row and "Shipped" in row


def test_grid_query_count_does_not_grow_with_rows(admin_user_client, amazon_store):
    url = reverse("amazon_channel:order_grid")
    imported(amazon_store, *[amazon_order() for _ in range(3)])
    few = count_queries(admin_user_client, url)
    imported(amazon_store, *[amazon_order() for _ in range(30)])
    assert count_queries(admin_user_client, url + "?page_size=50") == few


# --- Amazon Order Details --------------------------------------------------------------------------------------------


def test_details_show_order_shipping_items_and_linked_order(admin_user_client, amazon_store):
    row = imported(
        amazon_store,
        amazon_order(is_prime=True, ship_service_level="Expedited", items=[amazon_item(sku="MUG-9", qty=3)]),
    )[0]
    url = reverse("amazon_channel:order_detail", args=[row.pk])
    response = admin_user_client.get(url)
    html = response.content.decode()
    for text in (
        row.amazon_order_id,
        "Fulfilled by the merchant",
        "Expedited",
        "MUG-9",
        "Items Unshipped",
        f"#{row.commerce_order.increment_id}",
        "Cancel Order",
        "NoInventory",
        "Seattle",
    ):
        assert text in html
    few = count_queries(admin_user_client, url)
    big = imported(amazon_store, amazon_order(items=[amazon_item(sku=f"X{n}") for n in range(8)]))[0]
    assert count_queries(admin_user_client, reverse("amazon_channel:order_detail", args=[big.pk])) == few


def test_cancel_request_is_recorded_pending_with_the_reason(admin_user_client, amazon_store):
    row = imported(amazon_store, amazon_order())[0]
    url = reverse("amazon_channel:order_cancel", args=[row.pk])
    admin_user_client.post(url, {"reason": "ShippingAddressUndeliverable"})
    admin_user_client.post(url, {"reason": "ShippingAddressUndeliverable"})  # a double click
    update = OutboundUpdate.objects.get()
    assert (update.kind, update.state) == ("cancel", "pending")
    assert update.payload["reason"] == "ShippingAddressUndeliverable"
    assert update.payload["amazon_order_id"] == row.amazon_order_id
    assert update.created_by == admin_user_client.user
    page = admin_user_client.get(reverse("amazon_channel:order_detail", args=[row.pk])).content.decode()
    assert "Cancel requested (ShippingAddressUndeliverable): Pending." in page


def test_shipped_order_says_it_cant_be_canceled_and_refuses(admin_user_client, amazon_store):
    row = imported(amazon_store, amazon_order(status="SHIPPED"))[0]
    page = admin_user_client.get(reverse("amazon_channel:order_detail", args=[row.pk])).content.decode()
    assert "can&#x27;t be canceled" in page or "can't be canceled" in page
    assert 'name="reason"' not in page
    response = admin_user_client.post(
        reverse("amazon_channel:order_cancel", args=[row.pk]), {"reason": "NoInventory"}, follow=True
    )
    assert "only an Unshipped order can be canceled" in response.content.decode()
    assert not OutboundUpdate.objects.exists()


def test_invalid_cancel_reason_is_refused(admin_user_client, amazon_store):
    row = imported(amazon_store, amazon_order())[0]
    response = admin_user_client.post(reverse("amazon_channel:order_cancel", args=[row.pk]), {"reason": "Bored"})
    assert response.status_code == 400
    assert not OutboundUpdate.objects.exists()


def test_shipping_address_edit_validates_and_saves(admin_user_client, amazon_store):
    row = imported(amazon_store, amazon_order())[0]
    url = reverse("amazon_channel:order_address", args=[row.pk])
    good = {
        "name": "Jane Fixed",
        "address_line_1": "2 Side Street",
        "city": "Tacoma",
        "state_or_region": "WA",
        "postal_code": "98402",
        "country_code": "us",
        "phone": "+1 253 555 0101",
    }
    bad = admin_user_client.post(url, {**good, "country_code": "USA", "postal_code": "!!", "city": ""})
    assert bad.status_code == 400
    assert set(bad.context["address_form"].errors) == {"country_code", "postal_code", "city"}
    row.refresh_from_db()
    assert row.shipping_address["city"] == "Seattle"

    assert admin_user_client.post(url, good).status_code == 302
    row.refresh_from_db()
    assert row.shipping_address["city"] == "Tacoma" and row.shipping_address["country_code"] == "US"
    assert row.shipping_address["address_lines"] == ["2 Side Street"]
    shipping = row.commerce_order.addresses.get(address_type="shipping")
    assert (shipping.first_name, shipping.last_name, shipping.city) == ("Jane", "Fixed", "Tacoma")


def test_missing_amazon_order_is_a_404(admin_user_client):
    assert admin_user_client.get(reverse("amazon_channel:order_detail", args=[999])).status_code == 404


# --- Blocks on the Commerce order ------------------------------------------------------------------------------------


def test_payment_and_shipping_block_links_while_cancellable_and_after(rf, amazon_store):
    row = imported(amazon_store, amazon_order())[0]
    request = rf.get("/")
    html = blocks.payment_shipping_block(request, row.commerce_order)
    assert row.amazon_order_id in html
    assert "View or Cancel Amazon Order" in html and "View all Amazon Orders" in html
    assert reverse("amazon_channel:order_detail", args=[row.pk]) in html

    AmazonOrder.objects.filter(pk=row.pk).update(status="SHIPPED")
    html = blocks.payment_shipping_block(request, row.commerce_order)
    assert "View or Cancel Amazon Order" not in html and "View Amazon Order" in html

    from orders.tests.factories import make_order

    assert blocks.payment_shipping_block(request, make_order()) is None  # not an Amazon order


def test_notice_when_amazon_canceled_an_order_the_commerce_side_could_not_follow(rf, amazon_store, staff):
    from orders.services import hold_order

    order = amazon_order()
    row = imported(amazon_store, order)[0]
    hold_order(order=row.commerce_order, actor=staff)
    from amazon_channel.tests.fakes import with_changes

    imported(amazon_store, with_changes(order, fulfillment_status="CANCELLED"))
    row.refresh_from_db()
    html = blocks.order_notices_block(rf.get("/"), row.commerce_order)
    assert f"Amazon canceled order {row.amazon_order_id}" in html
    assert row.commerce_order.total_refunded == Decimal("0.00")


def test_custom_processing_status_is_chosen_from_processing_statuses(admin_user_client, amazon_store):
    from orders.models import OrderStatus

    OrderStatus.objects.get_or_create(code="amazon_ready", defaults={"label": "Amazon ready", "state": "processing"})
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    page = admin_user_client.get(url).content.decode()
    assert "Amazon ready" in page
    data = store_post(amazon_store.commerce_store, order_status_mode="custom", processing_order_status="complete")
    assert "processing_order_status" in admin_user_client.post(url, data).context["form"].errors
    data["processing_order_status"] = "amazon_ready"
    assert admin_user_client.post(url, data).status_code == 302
    assert AmazonStore.objects.get().processing_order_status == "amazon_ready"
