"""Small things the document pages got wrong: the Order Status was blank on shipment, credit memo and invoice pages;
Tax Percent read 0.00% beside a real tax amount when a channel sent only the amount."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from orders.services import TrackInput, invoice_order, refund_order, ship_order
from orders.tests.factories import make_order, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client):
    user = staff_user("all", username="ops")
    client.force_login(user)
    return user


def test_every_document_page_shows_the_order_status(client, ops):
    order = make_order(items=[("A", 2, "10.00")])
    invoice = invoice_order(order=order, actor=ops)
    shipment = ship_order(order=order, actor=ops, tracks=[TrackInput("usps", "USPS", "9400")])
    memo = refund_order(order=order, actor=ops, quantities={order.items.get().pk: 1})

    for name, obj in (("invoice", invoice), ("shipment", shipment), ("creditmemo", memo)):
        html = client.get(reverse(f"orders:{name}_view", args=[obj.pk])).content.decode()
        status = re.search(r'data-testid="order-status">(.*?)</td>', html, re.S).group(1)
        assert re.search(r'data-status="[^"]+">\s*\S', status), (name, status)


def test_tax_percent_follows_the_tax_amount_when_only_the_amount_was_sent(client, ops):
    order = make_order(items=[("A", 2, "10.00", "1.60")])  # 1.60 tax on 20.00: 8 %

    html = client.get(reverse("orders:order_view", args=[order.pk])).content.decode()

    assert re.search(r'data-testid="tax-percent">8\.00%<', html)
