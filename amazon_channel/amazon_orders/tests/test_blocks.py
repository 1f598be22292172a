"""What the Amazon order pages add to the Commerce order view and to every admin page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from amazon_channel.amazon_orders import blocks
from amazon_channel.models import AmazonOrder
from amazon_channel.testing.amazon_orders import amazon_item, amazon_order, imported, with_changes
from amazon_channel.testing.factories import AmazonStoreFactory

pytestmark = pytest.mark.django_db


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
    imported(amazon_store, with_changes(order, fulfillment_status="CANCELLED"))
    row.refresh_from_db()
    html = blocks.order_notices_block(rf.get("/"), row.commerce_order)
    assert f"Amazon canceled order {row.amazon_order_id}" in html
    assert row.commerce_order.total_refunded == Decimal("0.00")


def test_failed_import_banner_shows_on_every_admin_page(admin_user_client):
    dashboard_url, grid_url = reverse("dashboard:index"), reverse("orders:order_grid")
    assert "could not be imported" not in admin_user_client.get(dashboard_url).content.decode()
    store = AmazonStoreFactory(name="Amazon UK")
    imported(store, amazon_order(items=[amazon_item(unit_price=None)]))
    for url in (dashboard_url, grid_url):
        page = admin_user_client.get(url).content.decode()
        assert "1 Amazon order of Amazon UK could not be imported." in page
        assert f"/amazon/stores/{store.pk}/orders/?failed=on" in page
