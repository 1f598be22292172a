"""*Send Email* on the Commerce order of an Amazon order whose buyer email Amazon withheld: refused with that
reason, nothing sent, no "Customer Notified" in the history."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from amazon_channel.testing.amazon_orders import amazon_order, imported
from orders.models import OrderComment
from orders.services import OrderActionRefused, send_order_email

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("email", [None, ""], ids=["no email", "empty email"])
def test_send_email_to_a_withheld_address_is_refused_with_the_reason(admin_user_client, amazon_store, email):
    from amazon_channel.spapi import types

    buyer = types.Buyer(name="Jane Buyer", email=email, company=None)
    (row,) = imported(amazon_store, amazon_order(buyer=buyer))
    order = row.commerce_order
    assert order.customer_email.endswith(".invalid")
    notified_before = OrderComment.objects.filter(order=order, is_customer_notified=True).count()

    response = admin_user_client.post(reverse("orders:order_email", args=[order.pk]), follow=True)

    html = response.content.decode()
    assert "the sales channel withheld the buyer&#x27;s email address" in html
    assert not mail.outbox
    assert OrderComment.objects.filter(order=order, is_customer_notified=True).count() == notified_before
    with pytest.raises(OrderActionRefused):
        send_order_email(order=order, actor=None)
