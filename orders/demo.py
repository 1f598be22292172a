"""Demo Commerce data: a store, products and a handful of orders in every state, built through the services."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from .models import Order, Product, Store
from .services import (
    NewAddress,
    NewItem,
    NewOrder,
    TrackInput,
    cancel_order,
    create_orders,
    hold_order,
    invoice_order,
    refund_order,
    ship_order,
)

PRODUCTS = [
    ("MH01-XS-Black", "Chaz Kangeroo Hoodie", "52.00"),
    ("WS12-M-Orange", "Radiant Tee", "22.00"),
    ("24-MB01", "Joust Duffle Bag", "34.00"),
    ("24-WG02", "Didi Sport Watch", "92.00"),
    ("MP12-32-Blue", "Aether Gym Pant", "74.00"),
    ("WJ06-S-Purple", "Juno Jacket", "77.00"),
]
CUSTOMERS = [
    ("Veronica", "Costello", "roni_cost@example.com", "Calder", "MI", "49628"),
    ("John", "Smith", "john.smith@example.com", "Austin", "TX", "78701"),
    ("Jane", "Doe", "jane.doe@example.com", "Portland", "OR", "97201"),
    ("Pieter", "de Vries", "pieter@example.nl", "Utrecht", "UT", "3511"),
    ("Mei", "Lin", "mei.lin@example.tw", "Taipei", "TPE", "100"),
]


def load_demo_orders(*, actor, count: int = 24, seed: int = 7) -> int:
    """Idempotent: does nothing when the demo store already has orders."""
    store, _ = Store.objects.get_or_create(code="default", defaults={"name": "Main Website Store"})
    if Order.objects.filter(store=store, channel="admin").exists():
        return 0
    for sku, name, price in PRODUCTS:
        Product.objects.get_or_create(sku=sku, defaults={"name": name, "price": Decimal(price), "qty_in_stock": 500})
    rng = random.Random(seed)
    now = timezone.now()
    batch = []
    for n in range(count):
        first, last, email, city, region, postcode = rng.choice(CUSTOMERS)
        address = NewAddress(
            first_name=first,
            last_name=last,
            street=f"{rng.randint(1, 999)} Main Street",
            city=city,
            region=region,
            postcode=postcode,
            country_code="US",
            telephone="555-0100",
            email=email,
        )
        items = []
        for sku, name, price in rng.sample(PRODUCTS, rng.randint(1, 3)):
            qty = rng.randint(1, 3)
            line = Decimal(price) * qty
            items.append(NewItem(sku=sku, name=name, qty=qty, price=Decimal(price), tax_amount=(line * 8 / 100)))
        batch.append(
            NewOrder(
                store=store,
                items=items,
                billing_address=address,
                customer_email=email,
                customer_first_name=first,
                customer_last_name=last,
                shipping_amount=Decimal("5.00") * len(items),
                shipping_method="flatrate_flatrate",
                shipping_description="Flat Rate - Fixed",
                created_at=now - timedelta(hours=n * 7 + rng.randint(0, 5)),
            )
        )
    orders = create_orders(orders=batch, actor=actor)
    # Walk some orders through their life so every state shows up in the grid.
    for n, order in enumerate(orders):
        step = n % 6
        if step == 1:
            invoice_order(order=order, actor=actor)
        elif step == 2:
            invoice_order(order=order, actor=actor)
            ship_order(order=order, actor=actor, tracks=[TrackInput("ups", "UPS", f"1Z{rng.randint(10**9, 10**10)}")])
        elif step == 3:
            invoice_order(order=order, actor=actor)
            ship_order(order=order, actor=actor, tracks=[TrackInput("usps", "USPS", f"94{rng.randint(10**9, 10**10)}")])
            refund_order(order=order, actor=actor)
        elif step == 4:
            cancel_order(order=order, actor=actor)
        elif step == 5 and n % 12 == 5:
            hold_order(order=order, actor=actor)
    return len(orders)
