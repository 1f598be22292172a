"""The *Updates to Amazon* page and Retry (one and many)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from amazon_channel.models import OutboundUpdate
from amazon_channel.testing.amazon_orders import Line, charged_by_amazon, make_amazon_order, refund, ship, update_for
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.tests.factories import grant

from .helpers import failed, grant_retry

pytestmark = pytest.mark.django_db


D = Decimal


@pytest.fixture
def amazon_order(store):
    return make_amazon_order(store=store, lines=[Line("MUG-1", 2, D("10.00")), Line("TEE-1", 1, D("20.00"))])


def test_retry_needs_the_permission(client, staff, amazon_order):
    update = failed(update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")])))
    client.force_login(staff)
    response = client.post(reverse("amazon_channel:push_retry", args=[update.pk]))
    assert response.status_code == 403
    update.refresh_from_db()
    assert update.state == OutboundUpdate.State.FAILED


def test_retry_queues_a_failed_update_again(client, staff, amazon_order, django_capture_on_commit_callbacks):
    update = failed(update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")])))
    client.force_login(grant_retry(staff))
    order_url = f"/sales/order/{amazon_order.commerce_order.pk}/"
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("amazon_channel:push_retry", args=[update.pk]), {"next": order_url})
    assert response.status_code == 302 and response.url == order_url
    update.refresh_from_db()
    assert update.state == OutboundUpdate.State.PENDING
    assert update.last_response == "Queued again by ops."
    assert len(callbacks) == 1  # delivery is enqueued after commit


def test_retry_of_an_update_that_did_not_fail_changes_nothing(client, staff, amazon_order):
    update = update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")]))
    client.force_login(grant_retry(staff))
    client.post(reverse("amazon_channel:push_retry", args=[update.pk]))
    update.refresh_from_db()
    assert update.state == OutboundUpdate.State.PENDING and update.attempts == 0


def test_outbox_page_filters_and_bulk_retries(client, staff, store):
    other_store = AmazonStoreFactory(name="UK Store", marketplace_id="A1F83G8C2ARO7P")
    first = make_amazon_order(store=store, lines=[Line("MUG-1", 1, D("10.00"))])
    second = make_amazon_order(store=other_store, lines=[Line("MUG-1", 1, D("10.00"))])
    third = make_amazon_order(store=store, lines=[Line("MUG-1", 1, D("10.00"))])
    a = failed(update_for(ship(order=first.commerce_order, tracks=[("ups", "UPS", "1Z1")])))
    b = failed(update_for(ship(order=second.commerce_order, tracks=[("ups", "UPS", "1Z2")])))
    c = update_for(refund(order=charged_by_amazon(third).commerce_order, quantities={"MUG-1": 1}))
    OutboundUpdate.objects.filter(pk=c.pk).update(state=OutboundUpdate.State.ACCEPTED)
    client.force_login(grant_retry(staff))
    url = reverse("amazon_channel:push_outbox")

    page = client.get(url).content.decode()
    assert first.amazon_order_id in page and second.amazon_order_id in page
    assert third.amazon_order_id not in page  # accepted: not pending or failed

    page = client.get(url, {"store": other_store.pk}).content.decode()
    assert second.amazon_order_id in page and first.amazon_order_id not in page
    page = client.get(url, {"q": first.amazon_order_id}).content.decode()
    assert first.amazon_order_id in page and second.amazon_order_id not in page
    page = client.get(url, {"state": "accepted", "kind": "refund"}).content.decode()
    assert third.amazon_order_id in page and first.amazon_order_id not in page

    response = client.post(reverse("amazon_channel:push_retry_many"), {"update": [a.pk, b.pk, c.pk]})
    assert response.status_code == 302
    states = dict(OutboundUpdate.objects.values_list("pk", "state"))
    assert states == {a.pk: "pending", b.pk: "pending", c.pk: "accepted"}


def test_outbox_page_queries_do_not_grow_with_rows(client, staff, store, django_assert_max_num_queries):
    client.force_login(grant(staff, "amazon_channel.view_outboundupdate"))
    url = reverse("amazon_channel:push_outbox")

    def add(n):
        for _ in range(n):
            order = make_amazon_order(store=store, lines=[Line("MUG-1", 1, D("10.00"))])
            failed(update_for(ship(order=order.commerce_order, tracks=[("ups", "UPS", "1Z1")])))

    add(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
