"""dbtools on the Amazon channel's tables: kilobytes of JSON per Amazon order written as bulk_create writes
them, and the page upsert that inserts new orders, updates known ones and gives every row its id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amazon_channel.models import AmazonOrder, AmazonStore
from amazon_channel.sync.pages import ORDER_FIELDS_FROM_AMAZON
from dbtools import upsert_rows
from dbtools.tests.test_bulk import both_ways, without
from orders.tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_json_payloads_are_written_as_bulk_create_writes_them():
    store = AmazonStore.objects.create(
        name="US", region="na", marketplace_id="ATVPDKIKX0DER", commerce_store=StoreFactory(), seller_id="S"
    )
    when = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

    def amazon_orders(prefix):
        return [
            AmazonOrder(
                store=store,
                amazon_order_id=f"{prefix}-111-{n}",
                status="Unshipped",
                purchase_date=when,
                amazon_updated_at=when,
                shipping_address={"name": 'Zoë "Q" O\'Brien', "address_lines": ["1 Main St\\2"]},
                packages=[{"carrier": "UPS", "tracking_number": "1Z"}],
                raw={"nested": {"list": [1, 2.5, None, True]}, "text": "line\nbreak\ttab"},
            )
            for n in range(3)
        ]

    django_rows, copy_rows = both_ways(AmazonOrder, amazon_orders)
    assert without(django_rows, "amazon_order_id") == without(copy_rows, "amazon_order_id")


def test_upsert_rows_inserts_new_rows_updates_known_ones_and_sets_every_id():
    store = AmazonStore.objects.create(
        name="US", region="na", marketplace_id="ATVPDKIKX0DER", commerce_store=StoreFactory(), seller_id="S"
    )
    when = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

    def page(status: str, numbers: range) -> list[AmazonOrder]:
        return [
            AmazonOrder(
                store=store,
                amazon_order_id=f"111-{n}",
                status=status,
                purchase_date=when,
                amazon_updated_at=when,
                raw={"status": status, "quote": 'say "hi"'},
                order_notes="kept: not an Amazon field",
            )
            for n in numbers
        ]

    first = page("Unshipped", range(3))
    upsert_rows(AmazonOrder, first, unique_fields=["store", "amazon_order_id"], update_fields=ORDER_FIELDS_FROM_AMAZON)
    AmazonOrder.objects.filter(amazon_order_id="111-0").update(order_notes="written by the import")

    second = page("Shipped", range(1, 5))  # two known orders, two new ones
    upsert_rows(AmazonOrder, second, unique_fields=["store", "amazon_order_id"], update_fields=ORDER_FIELDS_FROM_AMAZON)

    assert [row.pk for row in second[:2]] == [row.pk for row in first[1:]]
    stored = {row.amazon_order_id: row for row in AmazonOrder.objects.all()}
    assert len(stored) == 5 and {row.pk for row in second} <= {row.pk for row in stored.values()}
    assert stored["111-0"].status == "Unshipped" and stored["111-0"].order_notes == "written by the import"
    assert all(stored[f"111-{n}"].status == "Shipped" for n in range(1, 5))
    assert stored["111-1"].raw == {"status": "Shipped", "quote": 'say "hi"'}
