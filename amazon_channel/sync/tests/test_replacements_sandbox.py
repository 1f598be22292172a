"""Issue 17, replacements (associatedOrders) end to end over HTTP against the sandbox: a replacement or exchange
Amazon sends for an original order is imported with no payment taken and linked to its original both ways, on
Amazon Order Details and on the Commerce order's *Payment & Shipping Method*."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from amazon_channel.models import AmazonOrder, AmazonStore
from amazon_channel.sync import import_orders
from amazon_channel.testing.factories import AmazonStoreFactory

pytestmark = [pytest.mark.django_db]
US = "ATVPDKIKX0DER"


@pytest.fixture
def store(unpaced_sandbox) -> AmazonStore:
    return AmazonStoreFactory()


def add(sandbox, **kind) -> str:
    (order_id,) = sandbox.control.add_orders(
        1, status="UNSHIPPED", lifecycle=False, marketplace_id=US, fulfilled_by="MERCHANT", **kind
    )
    return order_id


def test_a_replacement_takes_no_payment_and_links_to_its_original_both_ways(sandbox, store, admin_user_client):
    original = add(sandbox, items=2, quantity=1)
    replacement = add(sandbox, items=1, quantity=1, replaces=original)
    sandbox.control.advance(180)  # past the import's settling lag

    result = import_orders(store=store)

    assert result.ok, result.error
    rows = {row.amazon_order_id: row for row in AmazonOrder.objects.select_related("commerce_order")}
    first, second = rows[original], rows[replacement]
    assert (second.replaces_amazon_order_id, second.association_type) == (original, "REPLACEMENT_ORIGINAL_ID")
    assert first.replaces_amazon_order_id == ""
    # The original was paid as usual; the replacement took no payment.
    assert first.commerce_order.grand_total > 0 and first.commerce_order.total_paid == first.commerce_order.grand_total
    order = second.commerce_order
    assert (order.grand_total, order.total_paid, order.total_due) == (Decimal("0.00"),) * 3
    assert order.payment_method_title == "Amazon Replacement (no payment)"
    assert order.items.get().qty_ordered == 1  # the item still has to be shipped

    # Amazon Order Details, both ways.
    first_url = reverse("amazon_channel:order_detail", args=[first.pk])
    second_url = reverse("amazon_channel:order_detail", args=[second.pk])
    page = admin_user_client.get(second_url).content.decode()
    assert 'data-testid="replaces-order"' in page and f'href="{first_url}">{original}</a>' in page
    assert "Replacement for" in page and "Amazon charged the buyer nothing" in page
    page = admin_user_client.get(first_url).content.decode()
    assert 'data-testid="replaced-by"' in page and f'href="{second_url}">{replacement}</a>' in page
    assert 'data-testid="replaces-order"' not in page

    # The Commerce order: the link in Payment & Shipping Method and the comment saying why nothing was paid.
    page = admin_user_client.get(reverse("orders:order_view", args=[order.pk])).content.decode()
    assert 'id="amazon-related-orders"' in page and f'href="{first_url}">{original}</a>' in page
    assert f"Replacement for Amazon order {original}: Amazon charged the buyer nothing" in page
    page = admin_user_client.get(reverse("orders:order_view", args=[first.commerce_order_id])).content.decode()
    assert f'href="{second_url}">{replacement}</a>' in page


def test_an_exchange_for_an_order_this_store_does_not_hold_says_so(sandbox, store, admin_user_client):
    exchange = add(sandbox, replaces="111-0000000-0000000", association="EXCHANGE_ORIGINAL_ID")
    plain = add(sandbox)
    sandbox.control.advance(180)

    assert import_orders(store=store).ok
    row = AmazonOrder.objects.get(amazon_order_id=exchange)
    assert row.association_type == "EXCHANGE_ORIGINAL_ID" and row.commerce_order.grand_total == Decimal("0.00")
    page = admin_user_client.get(reverse("amazon_channel:order_detail", args=[row.pk])).content.decode()
    assert "Exchange for" in page and "111-0000000-0000000" in page and "not in this store" in page
    # An ordinary order has neither line and keeps Amazon's payment.
    other = AmazonOrder.objects.get(amazon_order_id=plain)
    assert other.commerce_order.total_paid > 0
    page = admin_user_client.get(reverse("amazon_channel:order_detail", args=[other.pk])).content.decode()
    assert 'data-testid="replaces-order"' not in page and 'data-testid="replaced-by"' not in page
