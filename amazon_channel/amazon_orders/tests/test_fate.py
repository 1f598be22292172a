"""Every Amazon order without a Commerce order says why (All Orders' Order Notes, Amazon Order Details, the Amazon
store dashboard), with *Import now* where it can be imported; re-enabling import asks about the orders received
while it was off."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from amazon_channel.models import AmazonOrder
from amazon_channel.testing.amazon_orders import amazon_item, amazon_order, imported, with_changes
from amazon_channel.testing.factories import store_form_data

pytestmark = pytest.mark.django_db


def fates(client, store) -> dict[str, tuple[str, str, bool]]:
    """Each grid row's (reason kind, note, offers Import now), with "Not imported only" ticked."""
    url = reverse("amazon_channel:store_order_grid", args=[store.pk])
    html = client.get(url, {"failed": "1"}).content.decode()
    rows = re.findall(r'<tr data-order="([^"]+)">(.*?)</tr>', html, re.S)
    found = {}
    for number, cells in rows:
        match = re.search(r'data-fate="([^"]+)">([^<]*)', cells)
        found[number] = (match.group(1), match.group(2).strip(), 'data-testid="import-now"' in cells)
    return found


def test_every_order_without_a_commerce_order_says_why_and_is_counted(admin_user_client, amazon_store):
    pending = amazon_order(status="PENDING", items=[amazon_item(unit_price=None)])
    afn = amazon_order(status="UNSHIPPED", fulfilled_by="AMAZON")
    failed = amazon_order(items=[])
    canceled = amazon_order(status="CANCELLED")
    fine = amazon_order()
    imported(amazon_store, pending, afn, failed, canceled, fine)
    amazon_store.import_orders = False
    amazon_store.save(update_fields=["import_orders"])
    while_off = amazon_order()
    imported(amazon_store, while_off)

    shown = fates(admin_user_client, amazon_store)

    assert shown == {
        pending.order_id: ("pending", "Pending at Amazon: no prices yet. Imported once Amazon has the payment.", False),
        afn.order_id: ("amazon_fulfilled", "Fulfilled by Amazon: imported once Amazon has shipped it.", False),
        failed.order_id: ("failed", "Not imported: Amazon sent the order without items.", True),  # a retry
        canceled.order_id: ("canceled", "Canceled at Amazon before it could be imported: nothing to import.", False),
        while_off.order_id: ("disabled", "Received while Import Amazon Orders was Disabled: not imported.", True),
    }
    dashboard = admin_user_client.get(reverse("dashboard:amazon_store", args=[amazon_store.pk])).content.decode()
    assert re.search(r'data-testid="not-imported-count">5<', dashboard)
    assert "Every order was imported." not in dashboard
    reasons = re.search(r'data-testid="not-imported-reasons".*?</div>\s*</section>', dashboard, re.S).group(0)
    assert "Received while Import Amazon Orders was Disabled: 1" in reasons
    assert "Pending at Amazon (no prices yet): 1" in reasons
    pending_row = AmazonOrder.objects.get(amazon_order_id=pending.order_id)
    detail = admin_user_client.get(reverse("amazon_channel:order_detail", args=[pending_row.pk])).content.decode()
    assert "No Commerce order: Pending at Amazon: no prices yet." in detail
    assert 'data-testid="import-now"' not in detail


def test_import_now_creates_the_commerce_order_of_an_order_received_while_import_was_off(
    admin_user_client, amazon_store
):
    amazon_store.import_orders = False
    amazon_store.save(update_fields=["import_orders"])
    order = amazon_order()
    (row,) = imported(amazon_store, order)
    # Amazon sends it again while import is still off: still left alone.
    imported(amazon_store, with_changes(order))
    row.refresh_from_db()
    assert row.commerce_order_id is None and row.import_skipped
    detail_url = reverse("amazon_channel:order_detail", args=[row.pk])
    assert 'data-testid="import-now"' in admin_user_client.get(detail_url).content.decode()

    response = admin_user_client.post(reverse("amazon_channel:order_import_now", args=[row.pk]))

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.commerce_order is not None and not row.import_skipped
    page = admin_user_client.get(detail_url).content.decode()
    assert "Imported as Commerce order #" in page
    assert fates(admin_user_client, amazon_store) == {}
    dashboard = admin_user_client.get(reverse("dashboard:amazon_store", args=[amazon_store.pk])).content.decode()
    assert "Every order was imported." in dashboard
    # Nothing to import twice.
    again = admin_user_client.post(reverse("amazon_channel:order_import_now", args=[row.pk]), follow=True)
    assert "already imported" in again.content.decode()


@pytest.mark.parametrize("import_them", [False, True], ids=["default: leave them", "import them"])
def test_enabling_import_again_asks_about_the_orders_received_while_it_was_off(
    admin_user_client, amazon_store, import_them
):
    amazon_store.import_orders = False
    amazon_store.save(update_fields=["import_orders"])
    (row,) = imported(amazon_store, amazon_order())
    url = reverse("amazon_channel:store_edit", args=[amazon_store.pk])
    form = admin_user_client.get(url).content.decode()
    assert "also import the orders received while import was Disabled" in form
    assert not re.search(r'name="import_while_disabled"[^>]*checked', form)

    data = store_form_data(amazon_store.commerce_store, client_secret="", refresh_token="", import_orders="on")
    if import_them:
        data["import_while_disabled"] = "on"
    assert admin_user_client.post(url, data).status_code == 302

    row.refresh_from_db()
    assert (row.commerce_order_id is not None) is import_them
    if not import_them:
        # Left alone even by the next import, with Import now offered.
        later = amazon_order(order_id=row.amazon_order_id)
        imported(amazon_store, with_changes(later))
        row.refresh_from_db()
        assert row.commerce_order_id is None
        assert fates(admin_user_client, amazon_store)[row.amazon_order_id][0] == "disabled"
    assert "import_while_disabled" not in admin_user_client.get(url).content.decode()
