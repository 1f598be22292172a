"""Test data for the sales pages. Orders are built with consistent totals; documents (invoices, shipments, credit
memos) should be made through the services once they exist, these builders only cover reading pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from orders.models import Order, OrderAddress, OrderItem, Store

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
)


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    name = "Main Website Store"
    code = "default"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        """perms=["view_order", ...] (codenames of the orders app), or perms="all" for every sales permission."""
        if not extracted:
            self.save()
            return
        codenames = SALES_PERMISSIONS if extracted == "all" else extracted
        self.user_permissions.set(Permission.objects.filter(content_type__app_label="orders", codename__in=codenames))
        self.save()


def staff_user(*perms: str, username: str | None = None, **kwargs):
    """A staff user with these orders permissions ("all" = every sales permission)."""
    extra = {"username": username} if username else {}
    return UserFactory(perms=("all" if perms == ("all",) else list(perms)), **extra, **kwargs)


_counter = iter(range(100000001, 10**10))


def make_order(
    *,
    store: Store | None = None,
    increment_id: str | None = None,
    items: list[tuple[str, int, str]] | None = None,
    shipping: str = "5.00",
    tax_rate: str = "0.10",
    channel: str = "admin",
    external_order_number: str | None = None,
    customer_first_name: str = "Veronica",
    customer_last_name: str = "Costello",
    customer_email: str | None = None,
    ship_to: tuple[str, str] | None = None,
    created_at: dt.datetime | None = None,
    status: str = "pending",
    state: str = "new",
    currency: str = "USD",
) -> Order:
    """A new (not yet invoiced) order with its addresses and items; totals add up like Magento's."""
    store = store or StoreFactory()
    number = increment_id or str(next(_counter))
    items = items or [("24-MB01", 1, "34.00"), ("24-WG02", 2, "12.50")]
    rate = Decimal(tax_rate)
    subtotal = sum(Decimal(price) * qty for _sku, qty, price in items)
    item_tax = sum((Decimal(price) * qty * rate).quantize(Decimal("0.01")) for _sku, qty, price in items)
    shipping_amount = Decimal(shipping)
    grand_total = subtotal + item_tax + shipping_amount
    ship_first, ship_last = ship_to or (customer_first_name, customer_last_name)
    order = Order.objects.create(
        increment_id=number,
        store=store,
        channel=channel,
        external_order_number=external_order_number,
        state=state,
        status=status,
        customer_email=customer_email or f"{customer_first_name.lower()}.{number}@example.com",
        customer_first_name=customer_first_name,
        customer_last_name=customer_last_name,
        billing_name=f"{customer_first_name} {customer_last_name}",
        shipping_name=f"{ship_first} {ship_last}",
        order_currency=currency,
        base_currency=currency,
        subtotal=subtotal,
        shipping_amount=shipping_amount,
        tax_amount=item_tax,
        grand_total=grand_total,
        base_grand_total=grand_total,
        payment_method="checkmo",
        payment_method_title="Check / Money order",
        shipping_method="flatrate_flatrate",
        shipping_description="Flat Rate - Fixed",
        created_at=created_at or timezone.now(),
    )
    for address_type, (first, last) in (
        (OrderAddress.Type.BILLING, (customer_first_name, customer_last_name)),
        (OrderAddress.Type.SHIPPING, (ship_first, ship_last)),
    ):
        OrderAddress.objects.create(
            order=order,
            address_type=address_type,
            first_name=first,
            last_name=last,
            street="6146 Honey Bluff Parkway",
            city="Calder",
            region="Michigan",
            postcode="49628-7978",
            country_code="US",
            telephone="(555) 229-3326",
        )
    for sku, qty, price in items:
        unit = Decimal(price)
        OrderItem.objects.create(
            order=order,
            sku=sku,
            name=f"Product {sku}",
            qty_ordered=qty,
            price=unit,
            original_price=unit,
            tax_percent=rate * 100,
            tax_amount=(unit * qty * rate).quantize(Decimal("0.01")),
            row_total=unit * qty,
        )
    return order
