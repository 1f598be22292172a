"""Dashboard test data: Commerce orders through the real services, Amazon rows as the import would leave them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from amazon_channel.core import statistics
from amazon_channel.models import AmazonOrder, AmazonOrderStatus, AmazonStore, OutboundUpdate
from orders.models import Order
from orders.services import NewItem, NewOrder, create_orders
from orders.tests.factories import ProductFactory, StoreFactory, make_address


def place_orders(
    count: int,
    *,
    price: str = "10.00",
    channel: str = "admin",
    created_at: datetime | None = None,
    prefix: str = "AMZ",
) -> list[Order]:
    """`count` one-item orders in one call of create_orders (fast enough for query-count tests)."""
    store = StoreFactory()
    ProductFactory(sku="SKU-BULK", price=Decimal(price))
    start = created_at or timezone.now() - timedelta(hours=1)
    batch = [
        NewOrder(
            store=store,
            items=[NewItem(sku="SKU-BULK", name="Bulk Tee", qty=1 + n % 3, price=Decimal(price))],
            billing_address=make_address(),
            channel=channel,
            external_order_number=f"{prefix}-{n:07d}-{count}" if channel == "amazon" else None,
            customer_email=f"buyer{n}@example.com",
            customer_first_name="Buyer",
            customer_last_name=str(n),
            created_at=start - timedelta(seconds=n),
        )
        for n in range(count)
    ]
    return create_orders(orders=batch)


class AmazonStoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AmazonStore

    name = factory.Sequence(lambda n: f"Amazon US {n}")
    seller_id = "A2SANDBOXSELLER"
    client_id = "amzn1.application-oa2-client.sandbox"
    client_secret = "sandbox-client-secret"
    refresh_token = "Atzr|sandbox-refresh-token"
    commerce_store = factory.LazyFunction(StoreFactory)


class AmazonOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AmazonOrder

    store = factory.SubFactory(AmazonStoreFactory)
    amazon_order_id = factory.Sequence(lambda n: f"113-{n:07d}-0000001")
    marketplace_id = "ATVPDKIKX0DER"
    status = AmazonOrderStatus.UNSHIPPED
    fulfilled_by = AmazonOrder.FulfilledBy.MERCHANT
    purchase_date = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    amazon_updated_at = factory.LazyFunction(timezone.now)
    latest_ship_date = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    buyer_name = "Jane Doe"
    currency = "USD"
    grand_total = Decimal("10.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> AmazonOrder:
        # As the import leaves it: counted in the revenue statistics too.
        order = super()._create(model_class, *args, **kwargs)
        statistics.record_changes([(None, order)])
        return order


class OutboundUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboundUpdate

    amazon_order = factory.SubFactory(AmazonOrderFactory)
    store = factory.LazyAttribute(lambda o: o.amazon_order.store)
    kind = OutboundUpdate.Kind.SHIPMENT
    idempotency_key = factory.Sequence(lambda n: f"update-{n}")
