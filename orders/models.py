"""Magento's sales model: orders, their items and addresses, invoices, shipments, credit memos and comments.

Money is Decimal in the order's currency. Quantities are whole units. An order's state and status are never set
freely: `orders.rules.derive_state` computes them from item quantities and totals (see `orders.services`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from .money import ZERO, money_field

# The sales statistics tables live in their own module, importable from here like every model of the app.
from .sales_statistics import BestsellerDay, BestsellerHour, BestsellerMonth, SalesHour  # noqa: F401


class Store(models.Model):
    """A purchase point: the store view an order was placed in."""

    name = models.CharField(_("name"), max_length=255)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    base_currency = models.CharField(_("base currency"), max_length=3, default="USD")
    # Store Information, printed on invoices, packing slips and credit memos (Magento's General > Store Information).
    # Defaults in the database too: rows written by plain SQL (tooling, fixtures) get them.
    address = models.TextField(_("store address"), blank=True, default="", db_default="")
    vat_number = models.CharField(_("VAT number"), max_length=64, blank=True, default="", db_default="")
    # The logo's PNG / JPEG bytes in the database: web and workers print from any machine without shared media.
    logo = models.BinaryField(_("logo"), blank=True, default=b"", db_default=b"")
    attach_invoice_pdf = models.BooleanField(
        _("attach the invoice PDF to the invoice email"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A catalogue product with salable stock; items reference it by SKU."""

    sku = models.CharField(_("SKU"), max_length=128, unique=True)
    name = models.CharField(_("name"), max_length=255)
    price = money_field(_("price"))
    qty_in_stock = models.IntegerField(_("quantity in stock"), default=0)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class StockReservation(models.Model):
    """Stock held for a channel's order that isn't placed yet (e.g. an Amazon order still Pending): it lowers the
    SKU's salable quantity (qty_in_stock less open reservations) but never qty_in_stock itself, so the stock moves
    exactly once, when the order is placed (the reservation is then converted), and a release moves nothing.

    Keyed by channel + the channel's order number + SKU, unique: an order seen twice reserves once. Open while
    neither converted nor released and not yet expired."""

    class ReleaseReason(models.TextChoices):
        CANCELED = "canceled", _("canceled by the channel")
        EXPIRED = "expired", _("expired")

    channel = models.CharField(_("channel"), max_length=32)
    external_order_number = models.CharField(_("channel order #"), max_length=64)
    sku = models.CharField(_("SKU"), max_length=128)
    qty = models.PositiveIntegerField(_("quantity"))
    reserved_at = models.DateTimeField(_("reserved at"))
    expires_at = models.DateTimeField(_("reserved until"))
    converted_at = models.DateTimeField(_("became the order's stock move at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_reason = models.CharField(_("released because"), max_length=16, choices=ReleaseReason.choices, blank=True)

    class Meta:
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        ordering = ["reserved_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_order_number", "sku"], name="uniq_stock_reservation_order_sku"
            ),
            models.CheckConstraint(condition=Q(qty__gt=0), name="stock_reservation_qty_positive"),
            models.CheckConstraint(
                condition=Q(converted_at__isnull=True) | Q(released_at__isnull=True),
                name="stock_reservation_converted_or_released",
            ),
        ]
        indexes = [
            # Salable quantity and the expiry sweep read only the open ones.
            models.Index(
                fields=["sku", "expires_at"],
                name="stock_reservation_open_sku",
                condition=Q(converted_at__isnull=True, released_at__isnull=True),
            ),
            models.Index(
                fields=["expires_at"],
                name="stock_reservation_open_expiry",
                condition=Q(converted_at__isnull=True, released_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.external_order_number} {self.sku} x{self.qty}"

    @staticmethod
    def held_at(now) -> Q:
        """The reservations that hold stock at `now`: neither converted nor released, and not yet past their end."""
        return Q(converted_at__isnull=True, released_at__isnull=True, expires_at__gt=now)

    def state_at(self, now) -> str:
        """reserved, converted, released (canceled or expired) or expired (past its end, not yet released)."""
        if self.converted_at is not None:
            return "converted"
        if self.released_at is not None:
            return "released"
        return "reserved" if self.expires_at > now else "expired"


class Customer(models.Model):
    class Group(models.TextChoices):
        GENERAL = "general", _("General")
        WHOLESALE = "wholesale", _("Wholesale")
        RETAILER = "retailer", _("Retailer")

    email = models.EmailField(_("email"), unique=True)
    first_name = models.CharField(_("first name"), max_length=255, blank=True)
    last_name = models.CharField(_("last name"), max_length=255, blank=True)
    group = models.CharField(_("group"), max_length=32, choices=Group.choices, default=Group.GENERAL)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>".strip()


class Sequence(models.Model):
    """Next increment id per kind (order, invoice, shipment, creditmemo) and store, handed out under a row lock."""

    kind = models.CharField(max_length=32)
    store = models.ForeignKey(Store, on_delete=models.CASCADE)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "store"], name="uniq_sequence_kind_store")]


class OrderState(models.TextChoices):
    NEW = "new", _("New")
    PENDING_PAYMENT = "pending_payment", _("Pending Payment")
    PAYMENT_REVIEW = "payment_review", _("Payment Review")
    PROCESSING = "processing", _("Processing")
    COMPLETE = "complete", _("Complete")
    CLOSED = "closed", _("Closed")
    CANCELED = "canceled", _("Canceled")
    HOLDED = "holded", _("On Hold")


class OrderStatus(models.Model):
    """A status label merchants see; each belongs to one state. Custom ones (e.g. "Amazon processing") are added
    here and may be chosen while the order is in their state."""

    code = models.SlugField(_("status code"), max_length=64, unique=True)
    label = models.CharField(_("status label"), max_length=255)
    state = models.CharField(_("state"), max_length=32, choices=OrderState.choices)

    class Meta:
        verbose_name = _("order status")
        verbose_name_plural = _("order statuses")
        ordering = ["state", "label"]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def display_label(self) -> str:
        """The label in the reader's language (the default statuses' labels are in the catalogues; a merchant's own
        label shows as typed)."""
        return gettext(self.label)


# The labels of the default statuses (migration 0002), for the catalogues.
DEFAULT_STATUS_LABELS = (
    gettext_noop("Pending"),
    gettext_noop("Pending Payment"),
    gettext_noop("Payment Review"),
    gettext_noop("Processing"),
    gettext_noop("Complete"),
    gettext_noop("Closed"),
    gettext_noop("Canceled"),
    gettext_noop("On Hold"),
)


class Order(models.Model):
    increment_id = models.CharField(_("order #"), max_length=64, unique=True)
    # Indexed by order_store_sort (store, id), which also answers the foreign key's lookups.
    store = models.ForeignKey(
        Store, verbose_name=_("purchase point"), on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    # Where the order came from ("admin", "web", "amazon", ...) and that channel's own order number. Together they
    # are unique, so an importer can never create a second order for the same external order.
    channel = models.CharField(_("channel"), max_length=32, default="admin")
    external_order_number = models.CharField(_("channel order #"), max_length=64, null=True, blank=True)

    state = models.CharField(_("state"), max_length=32, choices=OrderState.choices, default=OrderState.NEW)
    status = models.CharField(_("status"), max_length=64, default="pending")
    hold_before_state = models.CharField(max_length=32, blank=True)
    hold_before_status = models.CharField(max_length=64, blank=True)
    # Bumped by every service; a form posts the version it was rendered from so a stale form is refused.
    version = models.PositiveIntegerField(default=1)
    # Kept by the services wherever they derive the state (orders.rules.awaiting): "an open order with quantity left
    # to invoice / ship", so the dashboard counts and the grid's ?awaiting= filter read a small partial index
    # instead of joining every open order to its items.
    needs_invoice = models.BooleanField(default=False)
    needs_shipment = models.BooleanField(default=False)

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    customer_is_guest = models.BooleanField(_("guest"), default=True)
    customer_email = models.EmailField(_("customer email"), blank=True)
    customer_first_name = models.CharField(_("customer first name"), max_length=255, blank=True)
    customer_last_name = models.CharField(_("customer last name"), max_length=255, blank=True)
    customer_group = models.CharField(_("customer group"), max_length=32, default="not_logged_in")

    # Denormalised for the grid, like Magento's sales_order_grid.
    billing_name = models.CharField(_("bill-to name"), max_length=512, blank=True)
    shipping_name = models.CharField(_("ship-to name"), max_length=512, blank=True)

    order_currency = models.CharField(_("order currency"), max_length=3, default="USD")
    base_currency = models.CharField(_("base currency"), max_length=3, default="USD")
    base_to_order_rate = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("1"))

    subtotal = money_field(_("subtotal"))
    discount_amount = money_field(_("discount"))  # positive number, subtracted from the total
    shipping_amount = money_field(_("shipping & handling"))
    shipping_tax_amount = money_field(_("shipping tax"))
    tax_amount = money_field(_("tax"))  # all tax, items and shipping
    grand_total = money_field(_("grand total (purchased)"))  # indexed for the grid's sort: Meta.indexes
    base_grand_total = money_field(_("grand total (base)"))

    total_invoiced = money_field(_("total invoiced"))
    total_paid = money_field(_("total paid"))
    total_refunded = money_field(_("total refunded"))
    # Adjustment fees credit memos kept (Magento's adjustment_negative): paid, never refunded, not refundable.
    adjustment_fee_kept = money_field(_("adjustment fee kept"))
    total_canceled = money_field(_("total canceled"))
    shipping_invoiced = money_field(_("shipping invoiced"))
    shipping_refunded = money_field(_("shipping refunded"))

    payment_method = models.CharField(_("payment method code"), max_length=64, default="checkmo")
    payment_method_title = models.CharField(_("payment method"), max_length=255, default="Check / Money order")
    shipping_method = models.CharField(_("shipping method code"), max_length=64, blank=True)
    shipping_description = models.CharField(_("shipping method"), max_length=255, blank=True)

    created_at = models.DateTimeField(_("purchase date"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # When the buyer's personal data (addresses, guest email) was removed: data retention (services.erasing).
    buyer_data_removed_at = models.DateTimeField(_("buyer data removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_order_number"],
                condition=Q(external_order_number__isnull=False),
                name="uniq_order_channel_external_number",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="order_created_desc"),
            models.Index(fields=["external_order_number"], name="order_external_number"),
            models.Index(fields=["state", "-created_at"], name="order_state_created"),
            models.Index(fields=["id"], condition=Q(needs_invoice=True), name="order_needs_invoice"),
            models.Index(fields=["id"], condition=Q(needs_shipment=True), name="order_needs_shipment"),
            # The grid's sorts: the column, then id (its tie-breaker), so a page is read straight off the index even
            # when thousands of orders share a value (a status, a purchase point, a repeat buyer's name); with the
            # column alone PostgreSQL sorted every order of the first value: 3.6-21 s at 10M orders. Its searches
            # on them are case-insensitive (orders/migrations/0003).
            models.Index(fields=["customer_email", "id"], name="order_customer_email"),
            models.Index(fields=["billing_name", "id"], name="order_billing_name"),
            models.Index(fields=["shipping_name", "id"], name="order_shipping_name"),
            models.Index(fields=["status", "id"], name="order_status_sort"),
            models.Index(fields=["store", "id"], name="order_store_sort"),
            models.Index(fields=["grand_total", "id"], name="order_grand_total_sort"),
            models.Index(fields=["base_grand_total", "id"], name="order_base_total_sort"),
        ]
        permissions = [
            ("invoice_order", _("Can invoice orders")),
            ("ship_order", _("Can ship orders")),
            ("creditmemo_order", _("Can create credit memos")),
            ("cancel_order", _("Can cancel orders")),
            ("hold_order", _("Can hold and unhold orders")),
            ("comment_order", _("Can comment on orders")),
            ("email_order", _("Can send order emails")),
            # Buyers' name, email, phone and address: masked for everyone else (orders/buyer_data.py).
            ("view_buyer_data", _("Can view buyer data (name, email, phone, address)")),
        ]

    def __str__(self) -> str:
        return f"#{self.increment_id}"

    @property
    def customer_name(self) -> str:
        return f"{self.customer_first_name} {self.customer_last_name}".strip()

    @property
    def total_due(self) -> Decimal:
        if self.state == OrderState.CANCELED:
            return ZERO
        return max(self.grand_total - self.total_paid - self.total_canceled, ZERO)


class OrderAddress(models.Model):
    class Type(models.TextChoices):
        BILLING = "billing", _("Billing Address")
        SHIPPING = "shipping", _("Shipping Address")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="addresses")
    address_type = models.CharField(max_length=16, choices=Type.choices)
    first_name = models.CharField(_("first name"), max_length=255, blank=True)
    last_name = models.CharField(_("last name"), max_length=255, blank=True)
    company = models.CharField(_("company"), max_length=255, blank=True)
    street = models.TextField(_("street address"), blank=True)
    city = models.CharField(_("city"), max_length=255, blank=True)
    region = models.CharField(_("state/province"), max_length=255, blank=True)
    postcode = models.CharField(_("zip/postal code"), max_length=32, blank=True)
    country_code = models.CharField(_("country"), max_length=2, blank=True)
    telephone = models.CharField(_("phone number"), max_length=64, blank=True)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "address_type"], name="uniq_order_address_type")]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sku = models.CharField(_("SKU"), max_length=128)
    name = models.CharField(_("product"), max_length=512)
    # The channel's own id for this line (Amazon's OrderItemId), needed to tell the channel about shipments.
    external_item_id = models.CharField(max_length=64, blank=True)

    qty_ordered = models.PositiveIntegerField(_("ordered"))
    qty_invoiced = models.PositiveIntegerField(_("invoiced"), default=0)
    qty_shipped = models.PositiveIntegerField(_("shipped"), default=0)
    qty_refunded = models.PositiveIntegerField(_("refunded"), default=0)
    qty_canceled = models.PositiveIntegerField(_("canceled"), default=0)
    # Of qty_refunded, the units refunded before they shipped: they will never ship (rules.qty_to_ship).
    qty_refunded_unshipped = models.PositiveIntegerField(default=0, db_default=0)

    price = money_field(_("price"))  # unit price, excluding tax
    original_price = money_field(_("original price"))
    tax_amount = money_field(_("tax amount"))  # for the whole line
    tax_percent = models.DecimalField(_("tax percent"), max_digits=7, decimal_places=4, default=Decimal("0"))
    discount_amount = money_field(_("discount amount"))  # for the whole line
    row_total = money_field(_("row subtotal"))  # price * qty_ordered
    gift_message = models.TextField(_("gift message"), blank=True, default="", db_default="")  # on the packing slip

    amount_refunded = money_field(_("amount refunded"))
    tax_refunded = money_field(_("tax refunded"))
    discount_refunded = money_field(_("discount refunded"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.sku} x{self.qty_ordered}"

    @property
    def shown_tax_percent(self) -> Decimal:
        """The tax rate to show: the one stored, or, when a channel sent only a tax amount, the rate it makes."""
        if self.tax_percent or not self.tax_amount:
            return self.tax_percent
        taxed = (self.row_total or ZERO) - (self.discount_amount or ZERO)
        if taxed <= 0:
            return self.tax_percent
        return (self.tax_amount * 100 / taxed).quantize(Decimal("0.01"))


class Invoice(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Pending")
        PAID = "paid", _("Paid")
        CANCELED = "canceled", _("Canceled")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="invoices")
    increment_id = models.CharField(_("invoice #"), max_length=64, unique=True)
    state = models.CharField(_("status"), max_length=16, choices=State.choices, default=State.PAID)
    capture_case = models.CharField(max_length=16, default="offline")
    subtotal = money_field(_("subtotal"))
    discount_amount = money_field(_("discount"))
    shipping_amount = money_field(_("shipping & handling"))
    tax_amount = money_field(_("tax"))
    grand_total = money_field(_("grand total"))
    email_sent = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("invoice date"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class InvoiceItem(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey(OrderItem, on_delete=models.CASCADE, related_name="invoice_items")
    qty = models.PositiveIntegerField()
    price = money_field(_("price"))
    tax_amount = money_field(_("tax amount"))
    discount_amount = money_field(_("discount amount"))
    row_total = money_field(_("row total"))


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    increment_id = models.CharField(_("shipment #"), max_length=64, unique=True)
    total_qty = models.PositiveIntegerField(_("total quantity"), default=0)
    email_sent = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("ship date"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ShipmentItem(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey(OrderItem, on_delete=models.CASCADE, related_name="shipment_items")
    qty = models.PositiveIntegerField()


class ShipmentTrack(models.Model):
    class Carrier(models.TextChoices):
        CUSTOM = "custom", _("Custom Value")
        DHL = "dhl", "DHL"
        FEDEX = "fedex", "FedEx"
        UPS = "ups", "UPS"
        USPS = "usps", "USPS"

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracks")
    carrier_code = models.CharField(_("carrier"), max_length=32, choices=Carrier.choices)
    title = models.CharField(_("title"), max_length=255)
    track_number = models.CharField(_("number"), max_length=255)

    class Meta:
        ordering = ["id"]


class ShipmentTrackItem(models.Model):
    """What one package (one tracking number) holds, as the person packed it on New Shipment (Magento's shipping
    label packages). A shipment whose tracks have no rows here was shipped without saying what went where."""

    track = models.ForeignKey(ShipmentTrack, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey(OrderItem, on_delete=models.CASCADE, related_name="package_items")
    qty = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]


class CreditMemo(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Pending")
        REFUNDED = "refunded", _("Refunded")
        CANCELED = "canceled", _("Canceled")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="credit_memos")
    increment_id = models.CharField(_("credit memo #"), max_length=64, unique=True)
    state = models.CharField(_("status"), max_length=16, choices=State.choices, default=State.REFUNDED)
    subtotal = money_field(_("subtotal"))
    discount_amount = money_field(_("discount"))
    shipping_amount = money_field(_("refund shipping"))
    tax_amount = money_field(_("tax"))
    adjustment_refund = money_field(_("adjustment refund"))
    adjustment_fee = money_field(_("adjustment fee"))
    grand_total = money_field(_("grand total"))
    # What a sales channel needs to hear about the refund (e.g. Amazon's adjustment reason); orders never reads it.
    channel_data = models.JSONField(default=dict, blank=True)
    email_sent = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class CreditMemoItem(models.Model):
    credit_memo = models.ForeignKey(CreditMemo, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey(OrderItem, on_delete=models.CASCADE, related_name="credit_memo_items")
    qty = models.PositiveIntegerField()
    price = money_field(_("price"))
    tax_amount = money_field(_("tax amount"))
    discount_amount = money_field(_("discount amount"))
    row_total = money_field(_("row total"))
    back_to_stock = models.BooleanField(_("return to stock"), default=False)


class OrderComment(models.Model):
    """One line of the order's comments history: a note, a status change, or a record of what happened."""

    class Kind(models.TextChoices):
        ORDER = "order", _("Order")
        INVOICE = "invoice", _("Invoice")
        SHIPMENT = "shipment", _("Shipment")
        CREDIT_MEMO = "creditmemo", _("Credit Memo")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="comments")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ORDER)
    comment = models.TextField(_("comment"), blank=True)
    status = models.CharField(_("status"), max_length=64, blank=True)
    is_customer_notified = models.BooleanField(_("customer notified"), default=False)
    is_visible_on_front = models.BooleanField(_("visible on storefront"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
