"""Every service's happy path and its refusals; a refusal leaves the database exactly as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from orders.models import CreditMemo, Invoice, Order, OrderComment, Product, Shipment
from orders.services import (
    OrderActionRefused,
    TrackInput,
    add_comment,
    cancel_order,
    hold_order,
    invoice_order,
    item_field,
    refund_order,
    send_order_email,
    ship_order,
    unhold_order,
)
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db

D = Decimal


def refused(snapshot, action, **kwargs) -> OrderActionRefused:
    before = snapshot()
    with pytest.raises(OrderActionRefused) as caught:
        action(**kwargs)
    assert snapshot() == before, "a refused action must change nothing"
    return caught.value


# --- invoice ---------------------------------------------------------------------------------------------------------


def test_invoice_everything_pays_the_order(staff):
    order = make_order(shipping="5.00", shipping_tax="0.40")
    assert order.grand_total == D("2") * 10 + 25 + 5 + D("1.60") + 2 + D("0.40")
    invoice = invoice_order(order=order, actor=staff, comment="Paid by check")
    order.refresh_from_db()
    assert invoice.grand_total == order.grand_total == order.total_paid == order.total_invoiced
    assert invoice.shipping_amount == D("5.00") and invoice.tax_amount == D("4.00")
    assert invoice.items.count() == 2 and invoice.created_by == staff
    assert order.state == "processing" and order.version == 2
    assert order.comments.filter(kind="invoice", comment="Paid by check", created_by=staff).exists()


def test_partial_invoices_add_up_exactly_to_the_order(staff):
    order = make_order(items=[("SKU-A", 3, "9.99", "2.00")], shipping="4.00")
    item = order.items.get()
    first = invoice_order(order=order, actor=staff, quantities={item.pk: 1})
    second = invoice_order(order=order, actor=staff, quantities={item.pk: 1})
    third = invoice_order(order=order, actor=staff)
    # tax split with cumulative rounding: 0.67 + 0.66 + 0.67 == 2.00; shipping only on the first invoice
    assert [i.tax_amount for i in (first, second, third)] == [D("0.67"), D("0.66"), D("0.67")]
    assert [i.shipping_amount for i in (first, second, third)] == [D("4.00"), D("0"), D("0")]
    order.refresh_from_db()
    assert first.grand_total + second.grand_total + third.grand_total == order.grand_total == order.total_paid


def test_invoice_twice_is_refused(staff, snapshot):
    order = make_order()
    invoice_order(order=order, actor=staff)
    error = refused(snapshot, invoice_order, order=order, actor=staff)
    assert "nothing left to invoice" in error.message


def test_invoice_more_than_ordered_is_refused_at_the_item(staff, snapshot):
    order = make_order()
    item = order.items.first()
    error = refused(snapshot, invoice_order, order=order, actor=staff, quantities={item.pk: 3})
    assert error.field_errors[item_field(item.pk)] == ["Only 2 left to invoice for this item."]


@pytest.mark.parametrize("qty", [-1, "x"])
def test_invoice_a_bad_quantity_is_refused(staff, snapshot, qty):
    order = make_order()
    item = order.items.first()
    error = refused(snapshot, invoice_order, order=order, actor=staff, quantities={item.pk: qty})
    assert item_field(item.pk) in error.field_errors


def test_invoice_zero_of_everything_is_refused(staff, snapshot):
    order = make_order()
    refused(snapshot, invoice_order, order=order, actor=staff, quantities={i.pk: 0 for i in order.items.all()})


def test_invoice_an_item_of_another_order_is_refused(staff, snapshot):
    order, other = make_order(), make_order()
    refused(snapshot, invoice_order, order=order, actor=staff, quantities={other.items.first().pk: 1})


def test_a_stale_form_is_refused(staff, snapshot):
    order = make_order()
    version = order.version
    hold_order(order=order, actor=staff)
    unhold_order(order=order, actor=staff)
    error = refused(snapshot, invoice_order, order=order, actor=staff, expected_version=version)
    assert "changed this order" in error.message


def test_invoice_with_notify_emails_the_customer_after_commit(staff, django_capture_on_commit_callbacks):
    order = make_order()
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_order(order=order, actor=staff, notify_customer=True)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["roni_cost@example.com"]
    assert f"Invoice for your order #{order.increment_id}" == message.subject
    assert invoice.increment_id in message.body
    assert message.alternatives and message.alternatives[0][1] == "text/html"


# --- ship ------------------------------------------------------------------------------------------------------------


def test_partial_shipments_with_several_tracking_numbers(staff):
    order = make_order(invoiced=True)
    a, b = order.items.order_by("sku")
    first = ship_order(
        order=order,
        actor=staff,
        quantities={a.pk: 1},
        tracks=[TrackInput("ups", "", "1Z1"), TrackInput("custom", "Local Courier", "LC-9")],
    )
    assert [(t.carrier_code, t.title, t.track_number) for t in first.tracks.order_by("pk")] == [
        ("ups", "UPS", "1Z1"),
        ("custom", "Local Courier", "LC-9"),
    ]
    order.refresh_from_db()
    assert order.state == "processing"
    second = ship_order(order=order, actor=staff)
    assert {(i.order_item_id, i.qty) for i in second.items.all()} == {(a.pk, 1), (b.pk, 1)}
    order.refresh_from_db()
    assert order.state == "complete"
    assert "1Z1" in order.comments.filter(kind="shipment").last().comment


def test_ship_more_than_ordered_is_refused(staff, snapshot):
    order = make_order()
    a = order.items.order_by("sku").first()
    ship_order(order=order, actor=staff, quantities={a.pk: 1})
    error = refused(snapshot, ship_order, order=order, actor=staff, quantities={a.pk: 2})
    assert error.field_errors[item_field(a.pk)] == ["Only 1 left to ship for this item."]


def test_ship_with_an_empty_tracking_number_is_refused(staff, snapshot):
    order = make_order()
    error = refused(snapshot, ship_order, order=order, actor=staff, tracks=[TrackInput("fedex", "FedEx", " ")])
    assert error.field_errors == {"track_0_number": ["Enter the tracking number."]}


def test_ship_with_an_unknown_carrier_or_custom_without_title_is_refused(staff, snapshot):
    order = make_order()
    error = refused(
        snapshot,
        ship_order,
        order=order,
        actor=staff,
        tracks=[TrackInput("pigeon", "", "1"), TrackInput("custom", "", "2")],
    )
    assert set(error.field_errors) == {"track_0_carrier_code", "track_1_title"}


def test_ship_a_shipped_order_again_is_refused(staff, snapshot):
    order = make_order()
    ship_order(order=order, actor=staff)
    refused(snapshot, ship_order, order=order, actor=staff)


# --- refund ----------------------------------------------------------------------------------------------------------


def test_refund_one_item_with_return_to_stock(staff):
    order = make_order(invoiced=True)  # SKU-A 2 x 10.00 (tax 1.60), SKU-B 25.00 (tax 2.00), shipping 5.00
    a = order.items.get(sku="SKU-A")
    stock = Product.objects.get(sku="SKU-A").qty_in_stock
    memo = refund_order(order=order, actor=staff, quantities={a.pk: 1}, return_to_stock=True)
    assert (memo.subtotal, memo.tax_amount, memo.shipping_amount, memo.grand_total) == (
        D("10.00"),
        D("0.80"),
        D("0"),
        D("10.80"),
    )
    assert Product.objects.get(sku="SKU-A").qty_in_stock == stock + 1
    order.refresh_from_db()
    assert order.total_refunded == D("10.80") and order.state == "processing"
    a.refresh_from_db()
    assert (a.qty_refunded, a.amount_refunded, a.tax_refunded) == (1, D("10.00"), D("0.80"))


def test_refund_everything_closes_the_order(staff):
    order = make_order(invoiced=True, shipping_tax="0.50")
    memo = refund_order(order=order, actor=staff)
    order.refresh_from_db()
    assert memo.shipping_amount == D("5.00")
    assert memo.grand_total == order.grand_total == order.total_refunded
    assert (order.state, order.status) == ("closed", "closed")


def test_refund_with_adjustments(staff):
    order = make_order(invoiced=True)
    a = order.items.get(sku="SKU-A")
    memo = refund_order(
        order=order,
        actor=staff,
        quantities={a.pk: 1},
        refund_shipping=D("2.50"),
        adjustment_refund=D("3.00"),
        adjustment_fee=D("1.00"),
        channel_data={"amazon_adjustment_reason": "CustomerReturn"},
    )
    assert memo.grand_total == D("10.00") + D("0.80") + D("2.50") + 3 - 1
    assert memo.channel_data == {"amazon_adjustment_reason": "CustomerReturn"}


def test_refund_more_than_was_paid_is_refused(staff, snapshot):
    order = make_order(invoiced=True)
    error = refused(
        snapshot,
        refund_order,
        order=order,
        actor=staff,
        quantities={},
        adjustment_refund=order.grand_total + D("0.01"),
    )
    assert "The most money available to refund is" in error.message


def test_refund_of_an_unpaid_order_is_refused(staff, snapshot):
    order = make_order()
    refused(snapshot, refund_order, order=order, actor=staff)


def test_refund_more_items_than_invoiced_is_refused(staff, snapshot):
    order = make_order()
    a = order.items.get(sku="SKU-A")
    invoice_order(order=order, actor=staff, quantities={a.pk: 1})
    error = refused(snapshot, refund_order, order=order, actor=staff, quantities={a.pk: 2})
    assert error.field_errors[item_field(a.pk)] == ["Only 1 left to refund for this item."]


@pytest.mark.parametrize(
    ("field", "value"),
    [("adjustment_refund", "-1"), ("adjustment_fee", "abc"), ("refund_shipping", "99"), ("adjustment_fee", "0.001")],
)
def test_refund_bad_amounts_are_refused_at_the_field(staff, snapshot, field, value):
    order = make_order(invoiced=True)
    error = refused(snapshot, refund_order, order=order, actor=staff, **{field: value})
    assert field in error.field_errors


def test_refund_with_a_fee_above_the_refund_is_refused(staff, snapshot):
    order = make_order(invoiced=True)
    a = order.items.get(sku="SKU-A")
    refused(snapshot, refund_order, order=order, actor=staff, quantities={a.pk: 1}, adjustment_fee=D("50"))


def test_refund_twice_the_whole_order_is_refused_the_second_time(staff, snapshot):
    order = make_order(invoiced=True)
    refund_order(order=order, actor=staff)
    refused(snapshot, refund_order, order=order, actor=staff)


# --- cancel, hold --------------------------------------------------------------------------------------------------


def test_cancel_returns_stock_and_cancels_the_total(staff):
    order = make_order()
    stock = Product.objects.get(sku="SKU-A").qty_in_stock
    order = cancel_order(order=order, actor=staff, comment="Customer changed their mind")
    assert order.state == "canceled" and order.total_canceled == order.grand_total
    assert order.total_due == 0
    assert Product.objects.get(sku="SKU-A").qty_in_stock == stock + 2
    assert order.comments.filter(comment="Customer changed their mind").exists()


def test_cancel_after_shipment_is_refused(staff, snapshot):
    order = make_order()
    ship_order(order=order, actor=staff)
    error = refused(snapshot, cancel_order, order=order, actor=staff)
    assert "has been shipped" in error.message


def test_cancel_an_invoiced_order_is_refused(staff, snapshot):
    order = make_order(invoiced=True)
    error = refused(snapshot, cancel_order, order=order, actor=staff)
    assert "credit memo" in error.message


def test_cancel_twice_is_refused(staff, snapshot):
    order = cancel_order(order=make_order(), actor=staff)
    refused(snapshot, cancel_order, order=order, actor=staff)


def test_hold_a_complete_order_is_refused(staff, snapshot):
    order = make_order(invoiced=True)
    ship_order(order=order, actor=staff)
    refused(snapshot, hold_order, order=order, actor=staff)


def test_unhold_an_order_not_on_hold_is_refused(staff, snapshot):
    refused(snapshot, unhold_order, order=make_order(), actor=staff)


def test_hold_then_unhold_restores_the_state(staff):
    order = make_order(invoiced=True)
    held = hold_order(order=order, actor=staff)
    assert (held.state, held.hold_before_state) == ("holded", "processing")
    released = unhold_order(order=order, actor=staff)
    assert (released.state, released.status, released.hold_before_state) == ("processing", "processing", "")
    assert list(order.comments.values_list("comment", flat=True)[:2]) == ["Hold released.", "Order put on hold."]


def test_a_held_order_refuses_invoice_ship_refund_and_cancel(staff, snapshot):
    order = make_order(invoiced=False)
    hold_order(order=order, actor=staff)
    for action in (invoice_order, ship_order, refund_order, cancel_order, hold_order):
        refused(snapshot, action, order=order, actor=staff)


# --- comments and email --------------------------------------------------------------------------------------------


def test_add_comment_with_status_notify_and_storefront(staff, django_capture_on_commit_callbacks):
    from orders.models import OrderStatus

    OrderStatus.objects.create(code="fraud_check", label="Fraud check", state="new")
    order = make_order()
    with django_capture_on_commit_callbacks(execute=True):
        note = add_comment(
            order=order,
            actor=staff,
            comment="We are checking your payment.",
            status="fraud_check",
            notify_customer=True,
            visible_on_storefront=True,
        )
    order.refresh_from_db()
    assert order.status == "fraud_check" and note.status == "fraud_check"
    assert note.is_customer_notified and note.is_visible_on_front and note.created_by == staff
    assert "We are checking your payment." in mail.outbox[0].body


def test_comment_with_a_status_of_another_state_is_refused(staff, snapshot):
    error = refused(snapshot, add_comment, order=make_order(), actor=staff, comment="x", status="complete")
    assert "status" in error.field_errors


def test_empty_comment_is_refused(staff, snapshot):
    error = refused(snapshot, add_comment, order=make_order(), actor=staff, comment="  ")
    assert error.field_errors == {"comment": ["This field is required."]}


def test_send_order_email_sends_and_records_it(staff):
    order = make_order()
    note = send_order_email(order=order, actor=staff)
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == f"Your order #{order.increment_id}"
    assert "Product SKU-A" in mail.outbox[0].body
    assert note.is_customer_notified and "roni_cost@example.com" in note.comment


def test_send_order_email_without_address_is_refused(staff, snapshot):
    order = make_order(customer_email="")
    refused(snapshot, send_order_email, order=order, actor=staff)
    assert mail.outbox == []


def test_send_order_email_failure_records_nothing(staff, snapshot, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    order = make_order()
    error = refused(snapshot, send_order_email, order=order, actor=staff)
    assert "could not be sent" in error.message


def test_documents_get_their_own_numbers(staff):
    order = make_order(invoiced=True)
    ship_order(order=order, actor=staff)
    refund_order(order=order, actor=staff)
    store = order.store.pk
    assert Invoice.objects.get().increment_id == f"{store}00000001"
    assert Shipment.objects.get().increment_id == f"{store}00000001"
    assert CreditMemo.objects.get().increment_id == f"{store}00000001"
    assert Order.objects.get().increment_id == f"{store}00000001"
    assert OrderComment.objects.filter(order=order).count() == 3
