"""*Sent to Amazon* on the Commerce order, and Amazon's adjustment reason on the New Credit Memo form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse

from amazon_channel.models import OutboundUpdate
from amazon_channel.push.blocks import credit_memo_form_extension, render_sent_to_amazon
from amazon_channel.testing.amazon_orders import Line, make_amazon_order, refund, ship, update_for
from orders.tests.factories import make_order

from .helpers import failed, grant_retry

pytestmark = pytest.mark.django_db


D = Decimal


@pytest.fixture
def amazon_order(store):
    return make_amazon_order(store=store, lines=[Line("MUG-1", 2, D("10.00")), Line("TEE-1", 1, D("20.00"))])


def block(user, order) -> str:
    request = RequestFactory().get(f"/sales/order/{order.pk}/")
    request.user = user
    return render_sent_to_amazon(request, order) or ""


def test_order_block_lists_each_update_with_its_state(staff, amazon_order):
    order = amazon_order.commerce_order
    shipment = ship(order=order, quantities={"MUG-1": 2}, tracks=[("ups", "UPS", "1Z1")])
    memo = refund(order=order, quantities={"TEE-1": 1})
    failed(update_for(memo))

    html = block(staff, order)
    assert "Sent to Amazon" in html
    assert f"Shipment #{shipment.increment_id}" in html
    assert f"Credit Memo #{memo.increment_id}" in html
    assert "Pending" in html and "Failed" in html
    assert "bad tracking" in html
    assert "Retry" not in html  # no permission, no button


def test_failed_update_shows_retry_to_those_allowed(staff, amazon_order):
    failed(update_for(ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")])))
    html = block(grant_retry(staff), amazon_order.commerce_order)
    assert "Retry" in html
    assert reverse("amazon_channel:push_retry", args=[OutboundUpdate.objects.get().pk]) in html


def test_read_only_mode_says_so_on_the_order(staff, store, amazon_order):
    ship(order=amazon_order.commerce_order, tracks=[("ups", "UPS", "1Z1")])
    store.read_only_mode = True
    store.save()
    html = block(staff, amazon_order.commerce_order)
    assert "Read-Only Mode is on for US Store" in html


def test_no_block_for_orders_of_other_channels(staff):
    assert block(staff, make_order()) == ""


def test_credit_memo_form_gets_the_adjustment_reason_for_amazon_orders(amazon_order):
    mixin = credit_memo_form_extension(amazon_order.commerce_order)
    form = mixin(data={"amazon_adjustment_reason": "PriceError"})
    assert form.is_valid()
    assert form.extension_data() == {"amazon_adjustment_reason": "PriceError"}
    assert mixin().fields["amazon_adjustment_reason"].initial == "CustomerReturn"
    blank = mixin(data={})
    assert blank.is_valid() and blank.extension_data() == {}  # the outbox then sends CustomerReturn
    assert credit_memo_form_extension(make_order()) is None
