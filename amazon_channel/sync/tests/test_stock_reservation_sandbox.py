"""Stock reservation for Pending Amazon orders, end to end over HTTP against the Seller Central sandbox: the stock
ledger after reserve -> import -> cancel, a Pending order Amazon cancels, expiry, the setting off, an order seen
twice, and what *Amazon Order Details* tells the merchant."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from amazon_channel.core import client as clients
from amazon_channel.models import AmazonOrder, AmazonStore
from amazon_channel.sync import ImportResult, import_orders, process_orders, recover_order
from amazon_channel.testing.factories import AmazonStoreFactory
from orders.models import Order, OrderComment, Product, StockReservation
from orders.selectors import stock_levels
from orders.tasks import release_expired_stock_reservations_task
from orders.tests.factories import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
US = "ATVPDKIKX0DER"


@pytest.fixture
def store(unpaced_sandbox) -> AmazonStore:
    return AmazonStoreFactory(reserve_pending_stock=True, stock_reservation_days=3)


def pending(sandbox, sku: str, qty: int) -> str:
    (order_id,) = sandbox.control.add_orders(
        1, status="PENDING", fulfilled_by="MERCHANT", lifecycle=False, marketplace_id=US, skus=[sku], quantity=qty
    )
    return order_id


def sync(sandbox, store) -> None:
    sandbox.control.advance(180)  # past Amazon's 2-minute window end
    result = import_orders(store=store)
    assert result.ok, result.error


def ledger(sku: str) -> tuple[int, int]:
    """(quantity in stock, salable) as the merchant sees them."""
    level = stock_levels(skus=[sku])[sku]
    assert level.in_stock == Product.objects.get(sku=sku).qty_in_stock
    return level.in_stock, level.salable


def reservations(order_id: str) -> list[tuple[str, int, str]]:
    return [
        (r.sku, r.qty, r.state_at(timezone.now()))
        for r in StockReservation.objects.filter(channel="amazon", external_order_number=order_id)
    ]


def details_page(client, order_id: str) -> str:
    row = AmazonOrder.objects.get(amazon_order_id=order_id)
    response = client.get(reverse("amazon_channel:order_detail", args=[row.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_stock_ledger_is_exact_after_reserve_import_and_cancel(sandbox, store, admin_user_client):
    ProductFactory(sku="SKU-X", qty_in_stock=10)
    paid = pending(sandbox, "SKU-X", 2)
    given_up = pending(sandbox, "SKU-X", 3)

    sync(sandbox, store)

    assert ledger("SKU-X") == (10, 5)  # nothing moved yet; 2 + 3 held
    assert reservations(paid) == [("SKU-X", 2, "reserved")]
    assert reservations(given_up) == [("SKU-X", 3, "reserved")]
    assert not Order.objects.exists()
    page = details_page(admin_user_client, paid)
    assert 'data-testid="stock-reservation" data-sku="SKU-X" data-state="reserved"' in page
    assert "Stock reserved until" in page
    assert 'data-testid="salable">5<' in page

    sync(sandbox, store)  # the same Pending orders seen again (the window's overlap)
    assert StockReservation.objects.count() == 2 and ledger("SKU-X") == (10, 5)

    # Amazon takes the payment of one and cancels the other.
    sandbox.control.set_status(paid, "UNSHIPPED")
    sandbox.control.set_status(given_up, "CANCELLED")
    sync(sandbox, store)

    commerce = Order.objects.get(channel="amazon", external_order_number=paid)
    assert commerce.items.get().qty_ordered == 2
    assert not Order.objects.filter(external_order_number=given_up).exists()
    assert ledger("SKU-X") == (8, 8)  # the order's own move, once; the canceled order's 3 salable again
    assert reservations(paid) == [("SKU-X", 2, "converted")]
    assert reservations(given_up) == [("SKU-X", 3, "released")]
    assert StockReservation.objects.get(external_order_number=given_up).release_reason == "canceled"
    # Its reservation was the order's own stock: no out-of-stock notice on the Commerce order.
    assert not OrderComment.objects.filter(order=commerce, comment__contains="out of stock").exists()
    assert "Imported on" in details_page(admin_user_client, paid)
    assert "Amazon canceled the order" in details_page(admin_user_client, given_up)

    sync(sandbox, store)  # nothing changed at Amazon: nothing moves twice
    assert ledger("SKU-X") == (8, 8)

    # Amazon cancels the imported order: refunded with its units back in stock, once.
    sandbox.control.set_status(paid, "CANCELLED")
    sync(sandbox, store)
    sync(sandbox, store)
    commerce.refresh_from_db()
    assert commerce.total_refunded == commerce.grand_total
    assert ledger("SKU-X") == (10, 10)
    assert reservations(paid) == [("SKU-X", 2, "converted")]
    # Nothing of this went to Amazon.
    assert sandbox.control.ledger("createFeed") == [] and sandbox.control.ledger("confirmShipment") == []


def test_an_expired_reservation_is_released_by_the_beat_task_and_the_order_still_imports(
    sandbox, store, admin_user_client
):
    AmazonStore.objects.filter(pk=store.pk).update(stock_reservation_days=1)
    store.refresh_from_db()
    ProductFactory(sku="SKU-X", qty_in_stock=10)
    slow_payer = pending(sandbox, "SKU-X", 2)
    sync(sandbox, store)
    assert ledger("SKU-X") == (10, 8)

    with freeze_time(timezone.now() + timedelta(days=1, hours=1)):
        assert ledger("SKU-X") == (10, 10)  # past its end it holds nothing, before any job runs
        assert release_expired_stock_reservations_task() == 1

    assert reservations(slow_payer) == [("SKU-X", 2, "released")]
    assert "the reservation days ran out" in details_page(admin_user_client, slow_payer)

    sandbox.control.set_status(slow_payer, "UNSHIPPED")
    sync(sandbox, store)
    assert Order.objects.filter(external_order_number=slow_payer).exists()
    assert ledger("SKU-X") == (8, 8)
    assert reservations(slow_payer) == [("SKU-X", 2, "released")]  # never converted after it ended


def test_with_the_setting_off_a_pending_order_reserves_nothing(sandbox, store, admin_user_client):
    AmazonStore.objects.filter(pk=store.pk).update(reserve_pending_stock=False)
    store.refresh_from_db()
    ProductFactory(sku="SKU-X", qty_in_stock=10)
    order_id = pending(sandbox, "SKU-X", 2)

    sync(sandbox, store)

    assert AmazonOrder.objects.get(amazon_order_id=order_id).status == "PENDING"
    assert not StockReservation.objects.exists()
    assert ledger("SKU-X") == (10, 10)
    assert "stock-reservation" not in details_page(admin_user_client, order_id)
    sandbox.control.set_status(order_id, "UNSHIPPED")
    sync(sandbox, store)
    assert ledger("SKU-X") == (8, 8)


def test_an_unknown_sku_reserves_nothing_and_still_imports_with_a_notice(sandbox, store):
    order_id = pending(sandbox, "NOT-IN-CATALOGUE", 2)
    sync(sandbox, store)
    assert not StockReservation.objects.exists()

    sandbox.control.set_status(order_id, "UNSHIPPED")
    sync(sandbox, store)

    commerce = Order.objects.get(external_order_number=order_id)
    assert commerce.items.get().sku == "NOT-IN-CATALOGUE"
    notes = list(commerce.comments.values_list("comment", flat=True))
    assert any("SKU NOT-IN-CATALOGUE is not in the catalogue" in note for note in notes)


def test_an_order_short_of_salable_stock_says_what_others_hold(sandbox, store):
    ProductFactory(sku="SKU-X", qty_in_stock=4)
    held = pending(sandbox, "SKU-X", 3)
    sync(sandbox, store)
    (late,) = sandbox.control.add_orders(
        1, status="UNSHIPPED", fulfilled_by="MERCHANT", lifecycle=False, marketplace_id=US, skus=["SKU-X"], quantity=2
    )

    sync(sandbox, store)

    commerce = Order.objects.get(external_order_number=late)
    notes = list(commerce.comments.values_list("comment", flat=True))
    assert (
        "SKU SKU-X is out of stock (1 salable, 3 reserved for pending orders); the order was imported anyway." in notes
    )
    assert ledger("SKU-X") == (2, -1)  # never blocked: salable goes below zero, for staff to see
    assert reservations(held) == [("SKU-X", 3, "reserved")]


def test_a_pending_order_read_again_and_recovered_reserves_once(sandbox, store):
    ProductFactory(sku="SKU-X", qty_in_stock=10)
    order_id = pending(sandbox, "SKU-X", 2)
    sandbox.control.advance(180)
    page = clients.client_for_store(store).search_orders(
        last_updated_after=timezone.now() - timedelta(days=1), max_results_per_page=100
    )
    assert [o.order_id for o in page.orders] == [order_id]

    for _ in range(2):
        result = ImportResult(store_id=store.pk)
        with transaction.atomic():
            process_orders(store=store, orders=page.orders, actor=None, result=result)
    recover_order(store=store, amazon_order_id=order_id, actor=None)

    assert reservations(order_id) == [("SKU-X", 2, "reserved")]
    assert ledger("SKU-X") == (10, 8)


@pytest.mark.django_db(transaction=True)
def test_two_workers_reading_the_same_pending_page_reserve_once(sandbox, store, postgres_only):
    ProductFactory(sku="SKU-X", qty_in_stock=10)
    ids = [pending(sandbox, "SKU-X", 1) for _ in range(5)]
    sandbox.control.advance(180)
    page = clients.client_for_store(store).search_orders(
        last_updated_after=timezone.now() - timedelta(days=1), max_results_per_page=100
    )
    barrier, errors = threading.Barrier(2), []

    def work() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                process_orders(store=store, orders=page.orders, actor=None, result=ImportResult(store_id=store.pk))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert sorted(StockReservation.objects.values_list("external_order_number", flat=True)) == sorted(ids)
    assert ledger("SKU-X") == (10, 5)
