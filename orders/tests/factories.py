"""Test data built through the real services, so every order is one the rules could have produced."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from orders.models import Order, Product, Store
from orders.services import NewAddress, NewItem, NewOrder, create_orders


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    name = "Main Website Store"
    code = "default"
    base_currency = "USD"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    price = Decimal("10.00")
    qty_in_stock = 100


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.django.Password("secret-pass-123")


# Every permission a sales page or action checks (the view_* ones are Django's defaults).
SALES_PERMISSIONS = (
    "view_order",
    "view_invoice",
    "view_shipment",
    "view_creditmemo",
    "invoice_order",
    "ship_order",
    "creditmemo_order",
    "cancel_order",
    "hold_order",
    "comment_order",
    "email_order",
    "view_buyer_data",
)


def staff_user(*perms: str, username: str | None = None):
    """A staff user holding these orders permissions (codenames; "all" = every sales permission)."""
    user = UserFactory(**({"username": username} if username else {}))
    codenames = SALES_PERMISSIONS if perms == ("all",) else perms
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="orders", codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)  # a fresh instance: no stale permission cache


def grant(user, *perms: str):
    """The same user, with these permissions added ("app_label.codename"), freshly loaded (no stale cache)."""
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return get_user_model().objects.get(pk=user.pk)


def make_address(**overrides) -> NewAddress:
    values = {
        "first_name": "Veronica",
        "last_name": "Costello",
        "street": "6146 Honey Bluff Parkway",
        "city": "Calder",
        "region": "Michigan",
        "postcode": "49628",
        "country_code": "US",
        "telephone": "(555) 229-3326",
        "email": "roni_cost@example.com",
    }
    values.update(overrides)
    return NewAddress(**values)


def make_order(
    *,
    items: list[tuple[str, int, str] | tuple[str, int, str, str]] | None = None,
    shipping: str = "5.00",
    shipping_tax: str = "0.00",
    invoiced: bool = False,
    store: Store | None = None,
    channel: str = "admin",
    external_order_number: str | None = None,
    customer_email: str = "roni_cost@example.com",
    customer_first_name: str = "Veronica",
    customer_last_name: str = "Costello",
    ship_to: tuple[str, str] | None = None,
    actor=None,
    **extra,
) -> Order:
    """An order through create_orders. items: (sku, qty, unit price[, line tax])."""
    store = store or StoreFactory()
    lines = items or [("SKU-A", 2, "10.00", "1.60"), ("SKU-B", 1, "25.00", "2.00")]
    new_items = []
    for line in lines:
        sku, qty, price = line[0], line[1], line[2]
        tax = line[3] if len(line) > 3 else "0.00"
        ProductFactory(sku=sku, price=Decimal(price))
        new_items.append(
            NewItem(sku=sku, name=f"Product {sku}", qty=qty, price=Decimal(price), tax_amount=Decimal(tax))
        )
    new = NewOrder(
        store=store,
        items=new_items,
        billing_address=make_address(first_name=customer_first_name, last_name=customer_last_name),
        shipping_address=make_address(first_name=ship_to[0], last_name=ship_to[1]) if ship_to else None,
        channel=channel,
        external_order_number=external_order_number,
        customer_email=customer_email,
        customer_first_name=customer_first_name,
        customer_last_name=customer_last_name,
        shipping_amount=Decimal(shipping),
        shipping_tax_amount=Decimal(shipping_tax),
        shipping_method="flatrate_flatrate",
        shipping_description="Flat Rate - Fixed",
        **extra,
    )
    (order,) = create_orders(orders=[new], actor=actor, invoice_offline=invoiced)
    return Order.objects.get(pk=order.pk)
