"""Order actions through the pages: what a person submits, what they see, and that a refusal changes nothing."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import CreditMemo, Invoice, Order, OrderComment, Shipment
from orders.services import TrackInput, hold_order, invoice_order, item_field, refund_order, ship_order, unhold_order
from orders.tests.factories import make_order, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client):
    user = staff_user("all", username="ops")
    client.force_login(user)
    return user


def page(client, name: str, order: Order):
    return client.get(reverse(name, args=[order.pk]))


def items_of(order: Order):
    return list(order.items.order_by("id"))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client, response) -> str:
    return client.get(response["Location"]).content.decode()


# --- buttons ------------------------------------------------------------------------------------------------------


def test_new_order_shows_the_buttons_its_guards_allow(client, ops):
    order = make_order()
    html = page(client, "orders:order_view", order).content.decode()
    for testid in ("btn-back", "btn-cancel", "btn-email", "btn-hold", "btn-invoice", "btn-ship"):
        assert f'data-testid="{testid}"' in html
    assert 'data-testid="btn-creditmemo"' not in html  # nothing paid yet
    assert 'data-testid="btn-unhold"' not in html


def test_buttons_follow_the_users_permissions(client):
    order = make_order()
    client.force_login(staff_user("view_order", "ship_order"))
    html = page(client, "orders:order_view", order).content.decode()
    assert 'data-testid="btn-ship"' in html
    for testid in ("btn-cancel", "btn-email", "btn-hold", "btn-invoice", 'data-testid="comment-form"'):
        assert testid not in html


@pytest.mark.parametrize(
    ("url_name", "method"),
    [
        ("orders:invoice_new", "get"),
        ("orders:shipment_new", "get"),
        ("orders:creditmemo_new", "get"),
        ("orders:order_cancel", "post"),
        ("orders:order_hold", "post"),
        ("orders:order_unhold", "post"),
        ("orders:order_email", "post"),
        ("orders:order_comment", "post"),
    ],
)
def test_each_action_is_403_without_its_permission(client, url_name, method, snapshot):
    order = make_order(invoiced=True)
    client.force_login(staff_user("view_order"))
    before = snapshot()
    response = getattr(client, method)(reverse(url_name, args=[order.pk]), {"comment": "x"})
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("url_name", ["orders:order_cancel", "orders:order_hold", "orders:order_email"])
def test_one_click_actions_are_post_only(client, ops, url_name):
    order = make_order()
    assert client.get(reverse(url_name, args=[order.pk])).status_code == 405


# --- invoice ------------------------------------------------------------------------------------------------------


def test_invoice_page_offers_what_is_left_and_invoices_it(client, ops):
    order = make_order(items=[("A", 2, "10.00", "2.00"), ("B", 1, "25.00")])
    a, b = items_of(order)
    html = page(client, "orders:invoice_new", order).content.decode()
    assert f'name="{item_field(a.pk)}"' in html and 'value="2"' in html
    response = client.post(
        reverse("orders:invoice_new", args=[order.pk]),
        {"version": order.version, item_field(a.pk): "1", item_field(b.pk): "1", "comment": "Paid by check"},
    )
    assert response.status_code == 302
    invoice = Invoice.objects.get(order=order)
    assert f"The invoice #{invoice.increment_id} has been created." in follow_messages(client, response)
    assert {i.sku: i.qty_invoiced for i in order.items.all()} == {"A": 1, "B": 1}


@pytest.mark.parametrize(
    ("qty", "message"),
    [("5", "left"), ("-1", "can&#x27;t be negative"), ("abc", "Enter a whole number")],
)
def test_bad_invoice_quantity_shows_at_the_field_and_changes_nothing(client, ops, snapshot, qty, message):
    order = make_order(items=[("A", 2, "10.00")])
    (a,) = items_of(order)
    before = snapshot()
    response = client.post(
        reverse("orders:invoice_new", args=[order.pk]), {"version": order.version, item_field(a.pk): qty}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="qty-error-A"' in html and message in html.split('data-testid="qty-error-A"')[1][:200]
    assert snapshot() == before


def test_stale_invoice_form_is_refused_and_changes_nothing(client, ops, snapshot):
    order = make_order(items=[("A", 2, "10.00")])
    (a,) = items_of(order)
    stale_version = order.version
    hold_order(order=order, actor=ops)
    unhold_order(order=order, actor=ops)  # same state again, but the order changed meanwhile
    before = snapshot()
    response = client.post(
        reverse("orders:invoice_new", args=[order.pk]), {"version": stale_version, item_field(a.pk): "2"}
    )
    assert response.status_code == 400
    assert "changed this order after you opened the page" in response.content.decode()
    assert snapshot() == before


def test_invoice_page_for_a_fully_invoiced_order_goes_back_with_a_message(client, ops):
    order = make_order(invoiced=True)
    response = page(client, "orders:invoice_new", order)
    assert response.status_code == 302
    assert "does not allow an invoice" in follow_messages(client, response)
    assert 'data-testid="btn-invoice"' not in page(client, "orders:order_view", order).content.decode()


# --- shipment -----------------------------------------------------------------------------------------------------


def test_ship_with_two_tracking_numbers(client, ops):
    order = make_order(invoiced=True, items=[("A", 2, "10.00")])
    (a,) = items_of(order)
    html = page(client, "orders:shipment_new", order).content.decode()
    assert "Add Tracking Number" in html and "FedEx" in html
    response = client.post(
        reverse("orders:shipment_new", args=[order.pk]),
        {
            "version": order.version,
            item_field(a.pk): "2",
            "track_carrier_code": ["ups", "custom"],
            "track_title": ["", "Local Courier"],
            "track_number": ["1Z999", "LC-42"],
        },
    )
    assert response.status_code == 302
    shipment = Shipment.objects.get(order=order)
    assert [(t.carrier_code, t.title, t.track_number) for t in shipment.tracks.all()] == [
        ("ups", "UPS", "1Z999"),
        ("custom", "Local Courier", "LC-42"),
    ]
    view = client.get(reverse("orders:shipment_view", args=[shipment.pk])).content.decode()
    assert "1Z999" in view and "LC-42" in view


def test_empty_tracking_number_shows_at_its_row_and_changes_nothing(client, ops, snapshot):
    order = make_order(invoiced=True, items=[("A", 1, "10.00")])
    (a,) = items_of(order)
    before = snapshot()
    response = client.post(
        reverse("orders:shipment_new", args=[order.pk]),
        {
            "version": order.version,
            item_field(a.pk): "1",
            "track_carrier_code": ["dhl", "fedex"],
            "track_title": ["DHL", "FedEx"],
            "track_number": ["D-1", "  "],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('data-testid="track-number-error"') == 1
    assert 'value="D-1"' in html  # the person's rows come back as typed
    assert "Enter the tracking number." in html
    assert snapshot() == before


# --- credit memo --------------------------------------------------------------------------------------------------


def test_refund_one_item_offline(client, ops):
    order = make_order(invoiced=True, items=[("A", 2, "10.00", "2.00"), ("B", 1, "25.00")])
    a, b = items_of(order)
    html = page(client, "orders:creditmemo_new", order).content.decode()
    assert 'data-testid="refund-grand-total"' in html and 'name="refund_shipping"' in html
    response = client.post(
        reverse("orders:creditmemo_new", args=[order.pk]),
        {
            "version": order.version,
            item_field(a.pk): "1",
            item_field(b.pk): "0",
            f"back_{a.pk}": "on",
            "refund_shipping": "0",
            "adjustment_refund": "0",
            "adjustment_fee": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    memo = CreditMemo.objects.get(order=order)
    assert memo.grand_total == Decimal("11.00")  # one A: 10 + 1 tax
    order.refresh_from_db()
    assert order.total_refunded == Decimal("11.00")
    assert [line.back_to_stock for line in memo.items.all()] == [True]


def test_refund_above_what_was_paid_shows_at_the_field_and_changes_nothing(client, ops, snapshot):
    order = make_order(invoiced=True, items=[("A", 1, "10.00")])
    (a,) = items_of(order)
    before = snapshot()
    response = client.post(
        reverse("orders:creditmemo_new", args=[order.pk]),
        {"version": order.version, item_field(a.pk): "1", "refund_shipping": "0", "adjustment_refund": "500"},
    )
    assert response.status_code == 400
    assert 'data-testid="adjustment_refund-error"' in response.content.decode()
    assert snapshot() == before


def test_refund_shipping_above_what_is_left_shows_at_the_field(client, ops, snapshot):
    order = make_order(invoiced=True, items=[("A", 1, "10.00")], shipping="5.00")
    (a,) = items_of(order)
    before = snapshot()
    response = client.post(
        reverse("orders:creditmemo_new", args=[order.pk]),
        {"version": order.version, item_field(a.pk): "1", "refund_shipping": "9"},
    )
    assert response.status_code == 400
    assert 'data-testid="refund_shipping-error"' in response.content.decode()
    assert snapshot() == before


def test_credit_memo_form_extension_fields_reach_the_service_as_channel_data(client, ops):
    from django import forms

    from orders import view_blocks

    class ReasonForm(forms.Form):
        adjustment_reason = forms.ChoiceField(label="Adjustment Reason", choices=[("CustomerReturn", "Return")])

        def extension_data(self):
            return {"adjustment_reason": self.cleaned_data["adjustment_reason"]}

    def factory(order):
        return ReasonForm if order.channel == "amazon" else None

    view_blocks.register_form_extension("credit_memo", factory)
    try:
        order = make_order(invoiced=True, channel="amazon", external_order_number="111-x", items=[("A", 1, "10.00")])
        (a,) = items_of(order)
        assert "Adjustment Reason" in page(client, "orders:creditmemo_new", order).content.decode()
        response = client.post(
            reverse("orders:creditmemo_new", args=[order.pk]),
            {"version": order.version, item_field(a.pk): "1", "adjustment_reason": "CustomerReturn"},
        )
        assert response.status_code == 302
        assert CreditMemo.objects.get(order=order).channel_data == {"adjustment_reason": "CustomerReturn"}
        plain = make_order(invoiced=True, items=[("A", 1, "10.00")])
        assert "Adjustment Reason" not in page(client, "orders:creditmemo_new", plain).content.decode()
    finally:
        view_blocks._form_extensions["credit_memo"].remove(factory)


# --- cancel, hold, unhold, email, comment -------------------------------------------------------------------------


def test_cancel_hold_unhold_from_the_view(client, ops):
    order = make_order()
    response = client.post(reverse("orders:order_hold", args=[order.pk]))
    assert "You put the order on hold." in follow_messages(client, response)
    order.refresh_from_db()
    assert order.state == "holded"
    html = page(client, "orders:order_view", order).content.decode()
    assert 'data-testid="btn-unhold"' in html and 'data-testid="btn-invoice"' not in html
    client.post(reverse("orders:order_unhold", args=[order.pk]))
    response = client.post(reverse("orders:order_cancel", args=[order.pk]))
    assert "You canceled the order." in follow_messages(client, response)
    order.refresh_from_db()
    assert order.state == "canceled"


def test_refused_cancel_says_why_and_changes_nothing(client, ops, snapshot):
    order = make_order(invoiced=True)
    ship_order(order=order, actor=ops)
    before = snapshot()
    response = client.post(reverse("orders:order_cancel", args=[order.pk]))
    assert response.status_code == 302
    assert 'data-testid="message-error"' in follow_messages(client, response)
    assert snapshot() == before


def test_send_email_from_the_view(client, ops):
    order = make_order()
    response = client.post(reverse("orders:order_email", args=[order.pk]))
    assert "You sent the order email." in follow_messages(client, response)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [order.customer_email]


def test_comment_is_added_and_shown_in_the_history(client, ops):
    order = make_order()
    response = client.post(
        reverse("orders:order_comment", args=[order.pk]),
        {"version": order.version, "comment": "Customer called about gift wrap", "status": "pending"},
    )
    assert response.status_code == 302
    html = follow_messages(client, response)
    assert "Customer called about gift wrap" in html
    assert OrderComment.objects.filter(order=order, created_by=ops).exists()


def test_empty_comment_is_refused(client, ops, snapshot):
    order = make_order()
    before = snapshot()
    response = client.post(reverse("orders:order_comment", args=[order.pk]), {"comment": "  "})
    assert "Enter a comment." in follow_messages(client, response)
    assert snapshot() == before


# --- mass actions -------------------------------------------------------------------------------------------------


def test_mass_cancel_reports_changed_and_refused_with_reasons(client, ops):
    open_order = make_order(increment_id="M1")
    shipped = make_order(increment_id="M2", invoiced=True)
    ship_order(order=shipped, actor=ops, tracks=[TrackInput("ups", "UPS", "1Z")])
    response = client.post(
        reverse("orders:order_mass_action"),
        {"action": "cancel", "ids": [open_order.pk, shipped.pk], "query": "q=M"},
    )
    assert response["Location"] == reverse("orders:order_grid") + "?q=M"
    html = follow_messages(client, response)
    assert "1 order was canceled." in html
    assert "1 order could not be canceled: #M2:" in html
    open_order.refresh_from_db()
    shipped.refresh_from_db()
    assert open_order.state == "canceled" and shipped.state != "canceled"


def test_mass_hold_needs_the_hold_permission(client):
    order = make_order()
    client.force_login(staff_user("view_order"))
    response = client.post(reverse("orders:order_mass_action"), {"action": "hold", "ids": [order.pk]})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.state == "new"


def test_mass_export_of_selected_rows(client, ops):
    a = make_order(increment_id="S1")
    make_order(increment_id="S2")
    c = make_order(increment_id="S3")
    response = client.post(reverse("orders:order_mass_action"), {"action": "export", "ids": [a.pk, c.pk]})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(r[0] for r in rows[1:]) == ["S1", "S3"]


# --- documents ----------------------------------------------------------------------------------------------------


def test_document_grids_and_views_list_what_the_services_made(client, ops):
    order = make_order(increment_id="D1", items=[("A", 2, "10.00")])
    invoice = invoice_order(order=order, actor=ops)
    shipment = ship_order(order=order, actor=ops, tracks=[TrackInput("usps", "USPS", "9400")])
    for name, obj in (("invoice", invoice), ("shipment", shipment)):
        grid = client.get(reverse(f"orders:{name}_grid")).content.decode()
        assert f'data-increment="{obj.increment_id}"' in grid
        assert client.get(reverse(f"orders:{name}_view", args=[obj.pk])).status_code == 200
    view = page(client, "orders:order_view", order).content.decode()
    assert f"Invoice #{invoice.increment_id} created" in view and f"Shipment #{shipment.increment_id} created" in view


def test_invoice_grid_query_count_does_not_grow_with_rows(client, ops):
    def invoices(n):
        for _ in range(n):
            invoice_order(order=make_order(items=[("A", 1, "1.00")]), actor=ops)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("orders:invoice_grid") + "?limit=50").status_code == 200
        return len(ctx.captured_queries)

    invoices(5)
    few = count()
    invoices(45)
    assert count() == few


def _documents(ops, n_items: int):
    order = make_order(items=[(f"Q{n}", 2, "3.00") for n in range(n_items)])
    invoice = invoice_order(order=order, actor=ops)
    shipment = ship_order(order=order, actor=ops, tracks=[TrackInput("ups", "UPS", f"1Z{n}") for n in range(3)])
    memo = refund_order(order=order, actor=ops, quantities={i.pk: 1 for i in order.items.all()})
    return {"invoice": invoice, "shipment": shipment, "creditmemo": memo}


@pytest.mark.parametrize("kind", ["invoice", "shipment", "creditmemo"])
def test_document_pages_query_count_does_not_grow_with_lines_or_rows(client, ops, kind):
    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = _documents(ops, 2)[kind]
    big = _documents(ops, 15)[kind]
    assert count(reverse(f"orders:{kind}_view", args=[small.pk])) == count(
        reverse(f"orders:{kind}_view", args=[big.pk])
    )
    grid = reverse(f"orders:{kind}_grid") + "?limit=50"
    few = count(grid)
    for _ in range(4):
        _documents(ops, 1)
    assert count(grid) == few


def test_cancel_from_a_stale_page_is_refused(client, ops, snapshot):
    order = make_order()
    html = page(client, "orders:order_view", order).content.decode()
    assert f'name="version" value="{order.version}"' in html
    hold_order(order=order, actor=ops)
    unhold_order(order=order, actor=ops)  # changed meanwhile, cancelable again
    before = snapshot()
    response = client.post(reverse("orders:order_cancel", args=[order.pk]), {"version": order.version})
    assert "changed this order after you opened the page" in follow_messages(client, response)
    assert snapshot() == before
