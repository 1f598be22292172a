"""erase_buyer_data: a buyer's personal data leaves the order; totals, items and history stay."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse

from orders.models import Customer, Order
from orders.services import erase_buyer_data
from orders.tests.factories import UserFactory, make_order

pytestmark = pytest.mark.django_db


def test_a_dry_run_counts_and_changes_nothing():
    order = make_order()
    result = erase_buyer_data(order_ids=[order.pk], dry_run=True)
    assert (result.orders, result.addresses, result.guest_emails) == (1, 2, 1)
    order.refresh_from_db()
    assert order.buyer_data_removed_at is None and order.customer_email == "roni_cost@example.com"
    assert order.addresses.filter(street="6146 Honey Bluff Parkway").count() == 2


def test_the_guest_order_loses_its_buyer_data_and_keeps_totals_items_and_history(client):
    order = make_order()
    before = Order.objects.get(pk=order.pk)
    comments = list(order.comments.values_list("comment", flat=True))

    assert erase_buyer_data(order_ids=[order.pk]).orders == 1

    order.refresh_from_db()
    assert (order.customer_email, order.customer_first_name, order.billing_name, order.shipping_name) == ("",) * 4
    assert order.buyer_data_removed_at is not None and order.updated_at == before.updated_at
    for address in order.addresses.all():
        assert (address.first_name, address.street, address.telephone, address.email) == ("",) * 4
    assert (order.grand_total, order.status, order.version) == (before.grand_total, before.status, before.version)
    assert sorted(order.items.values_list("sku", flat=True)) == ["SKU-A", "SKU-B"]
    assert list(order.comments.values_list("comment", flat=True)) == comments
    # Done once: a second call skips it.
    assert erase_buyer_data(order_ids=[order.pk]).orders == 0

    client.force_login(UserFactory(username="boss", is_superuser=True))
    page = client.get(reverse("orders:order_view", args=[order.pk])).content.decode()
    assert "Buyer data removed on" in page and "Honey Bluff" not in page


def test_a_customer_accounts_email_is_the_merchants_record_and_stays():
    customer = Customer.objects.create(email="roni_cost@example.com", first_name="Veronica", last_name="Costello")
    order = make_order(customer=customer)
    assert erase_buyer_data(order_ids=[order.pk]).guest_emails == 0
    order.refresh_from_db()
    assert order.customer_email == "roni_cost@example.com" and order.customer_id == customer.pk
    assert not order.addresses.exclude(street="").exists()


def test_email_copies_sharing_a_file_are_removed_message_by_message(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    """Django's file backend appends every message of one connection to one file. Two removals whose copies go after
    the same commit (retention's batches inside one transaction) each take exactly their own message out."""
    settings.EMAIL_FILE_PATH = tmp_path
    first, second, third = (make_order(customer_email=f"buyer{n}@example.com") for n in (1, 2, 3))
    connection = get_connection("django.core.mail.backends.filebased.EmailBackend", file_path=str(tmp_path))
    connection.send_messages(
        [
            EmailMessage(f"Your order #{o.increment_id}", "Thanks", "shop@example.com", [o.customer_email])
            for o in (first, second, third)
        ]
    )
    assert len(list(tmp_path.iterdir())) == 1

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assert erase_buyer_data(order_ids=[first.pk]).email_copies == 1
        assert erase_buyer_data(order_ids=[second.pk]).email_copies == 1

    left = " ".join(path.read_text() for path in tmp_path.iterdir())
    assert "buyer3@example.com" in left and f"#{third.increment_id}" in left
    assert "buyer1@example.com" not in left and "buyer2@example.com" not in left
