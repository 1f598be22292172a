"""Amazon stores (Seller Central accounts) and their settings, Amazon orders, the SP-API communication log and the
outbox of updates that must reach Amazon."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Left
from django.utils.translation import gettext_lazy as _

from orders.models import Order, Store

from .crypto import EncryptedTextField

ZERO = Decimal("0.00")
# A store syncs at most once a minute and at least once a day (beat can't hold a longer interval than it can count).
SYNC_INTERVAL_MIN, SYNC_INTERVAL_MAX = 1, 1440
# A Pending order's stock reservation lasts 1 to 30 days (Amazon cancels an order left unpaid that long).
STOCK_RESERVATION_DAYS_MIN, STOCK_RESERVATION_DAYS_MAX, STOCK_RESERVATION_DAYS_DEFAULT = 1, 30, 3
# Longer than any LWA client secret or refresh token Amazon issues (about 64 and 400-900 characters).
CLIENT_SECRET_MAX_LENGTH, REFRESH_TOKEN_MAX_LENGTH = 256, 2048


class PayloadField(models.JSONField):
    """A JSON field holding Amazon's payloads (kilobytes an order). Its placeholder keeps Django's bulk inserts on
    PostgreSQL from sending the page as one array per column (INSERT ... SELECT FROM UNNEST): a jsonb[] array literal
    makes psycopg escape every quote of every payload in Python, 200 ms a page of 100 orders instead of 65 ms."""

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"


class Region(models.TextChoices):
    NORTH_AMERICA = "na", _("North America")
    EUROPE = "eu", _("Europe")
    FAR_EAST = "fe", _("Far East")


class AmazonStore(models.Model):
    class CustomerCreation(models.TextChoices):
        GUEST = "guest", _("No Customer Creation (guest)")
        BUILD = "build", _("Build New Customer Account")

    class OrderNumberSource(models.TextChoices):
        COMMERCE = "commerce", _("Build Using Commerce Order Number")
        AMAZON = "amazon", _("Build Using Amazon Order Number")

    class OrderStatusMode(models.TextChoices):
        DEFAULT = "default", _("Default Order Status")
        CUSTOM = "custom", _("Custom Order Status")

    name = models.CharField(_("store name"), max_length=255)
    region = models.CharField(_("region"), max_length=2, choices=Region.choices, default=Region.NORTH_AMERICA)
    marketplace_id = models.CharField(_("marketplace"), max_length=32, default="ATVPDKIKX0DER")
    # The store's further marketplaces of the same region (an EU seller selling in DE, FR, SE...); marketplace_id is
    # its home one. Each Amazon order keeps its own marketplace and currency.
    more_marketplace_ids = models.JSONField(_("more marketplaces"), default=list, blank=True)
    seller_id = models.CharField(_("seller ID"), max_length=64)
    client_id = models.CharField(_("LWA client ID"), max_length=255)
    client_secret = EncryptedTextField(_("LWA client secret"), blank=True)
    refresh_token = EncryptedTextField(_("refresh token"), blank=True)

    import_orders = models.BooleanField(_("Import Amazon Orders"), default=True)
    # Only EU and UK marketplaces take VAT invoices (push.vat_invoices.VAT_MARKETPLACES); elsewhere it does nothing.
    upload_vat_invoices = models.BooleanField(
        _("Upload VAT Invoices to Amazon"),
        default=True,
        db_default=True,
        help_text=_(
            "EU and UK marketplaces: every invoice and credit memo of an Amazon order is sent to Amazon as its PDF."
        ),
    )
    commerce_store = models.ForeignKey(
        Store, verbose_name=_("Import Amazon Orders Into Store"), on_delete=models.PROTECT, related_name="+"
    )
    customer_creation = models.CharField(
        _("Customer Creation"), max_length=16, choices=CustomerCreation.choices, default=CustomerCreation.GUEST
    )
    order_number_source = models.CharField(
        _("Order Number Source"), max_length=16, choices=OrderNumberSource.choices, default=OrderNumberSource.COMMERCE
    )
    # Put before the Commerce order number of an imported order, per fulfilment channel (e.g. "AMZ-", "FBA-").
    merchant_order_prefix = models.CharField(_("Order Number Prefix (Merchant Fulfilled)"), max_length=16, blank=True)
    amazon_order_prefix = models.CharField(_("Order Number Prefix (Fulfilled by Amazon)"), max_length=16, blank=True)
    order_status_mode = models.CharField(
        _("Order Status"), max_length=16, choices=OrderStatusMode.choices, default=OrderStatusMode.DEFAULT
    )
    processing_order_status = models.CharField(_("Processing Order Status"), max_length=64, blank=True)
    read_only_mode = models.BooleanField(
        _("Read-Only Mode"), default=False, help_text=_("Import from Amazon, but send nothing back to Amazon.")
    )
    send_merchant_order_id = models.BooleanField(
        _("Send Order Number to Amazon"),
        default=False,
        help_text=_("After import, tell Amazon the Commerce order number as the seller order id."),
    )
    # A Pending order (no payment yet) holds its SKUs' stock from when the import first sees it (orders'
    # StockReservation): converted when the order is imported, released when Amazon cancels it or the days run out.
    reserve_pending_stock = models.BooleanField(
        _("Reserve Stock for Pending Orders"),
        default=False,
        db_default=False,
        help_text=_(
            "Hold the stock of an Amazon order from when it is Pending until it is imported, canceled, "
            "or the reservation days run out."
        ),
    )
    stock_reservation_days = models.PositiveSmallIntegerField(
        _("Reservation Days"),
        default=STOCK_RESERVATION_DAYS_DEFAULT,
        db_default=STOCK_RESERVATION_DAYS_DEFAULT,
        validators=[MinValueValidator(STOCK_RESERVATION_DAYS_MIN), MaxValueValidator(STOCK_RESERVATION_DAYS_MAX)],
        help_text=_("How long a Pending order's stock stays reserved: 1 to 30 days."),
    )
    sync_interval_minutes = models.PositiveIntegerField(
        _("sync every (minutes)"),
        default=5,
        validators=[MinValueValidator(SYNC_INTERVAL_MIN), MaxValueValidator(SYNC_INTERVAL_MAX)],
    )
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The lastUpdatedAfter cursor of the next import; editable for a backfill.
    last_order_sync = models.DateTimeField(_("Last Order Sync"), null=True, blank=True)
    last_sync_started_at = models.DateTimeField(null=True, blank=True)
    last_sync_finished_at = models.DateTimeField(null=True, blank=True)
    last_sync_ok = models.BooleanField(null=True, blank=True)
    last_sync_message = models.TextField(blank=True)
    # One import per store at a time (core.leases): a crashed worker's lease expires.
    sync_lease_token = models.CharField(max_length=64, blank=True)
    sync_lease_until = models.DateTimeField(null=True, blank=True)
    # Where an interrupted import resumes: its window and Amazon's pagination token (valid 24 h).
    sync_window_start = models.DateTimeField(null=True, blank=True)
    sync_window_end = models.DateTimeField(null=True, blank=True)
    sync_resume_token = models.TextField(blank=True)
    sync_resume_saved_at = models.DateTimeField(null=True, blank=True)
    # The fair scheduler (sync.fair): when the store's next import turn is due (a backlog left by the last turn, or
    # beat's own entry asking), and when a turn was queued for it (not null = queued or running: one at a time).
    sync_next_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sync_queued_at = models.DateTimeField(null=True, blank=True)
    # Set when a stored credential could not be decrypted (core.credentials): the sync and the updates to Amazon wait
    # until the merchant enters the credentials again (or the old key is put back).
    credentials_paused_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Amazon store")
        verbose_name_plural = _("Amazon stores")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sync_interval_minutes__gte=SYNC_INTERVAL_MIN, sync_interval_minutes__lte=SYNC_INTERVAL_MAX),
                name="amazonstore_sync_interval_1_to_1440",
            ),
            models.CheckConstraint(
                condition=Q(
                    stock_reservation_days__gte=STOCK_RESERVATION_DAYS_MIN,
                    stock_reservation_days__lte=STOCK_RESERVATION_DAYS_MAX,
                ),
                name="amazonstore_reservation_days_1_to_30",
            ),
        ]
        permissions = [
            ("sync_amazonstore", _("Can run an Amazon order sync")),
            ("cancel_amazonorder", _("Can cancel Amazon orders")),
            ("retry_outboundupdate", _("Can retry updates to Amazon")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def marketplace_ids(self) -> list[str]:
        """Every marketplace of the store, its home one first."""
        return [self.marketplace_id, *(m for m in self.more_marketplace_ids or [] if m != self.marketplace_id)]


class BuyerCancelDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class AmazonOrderStatus(models.TextChoices):
    """Amazon's fulfillment statuses (Orders API v2026-01-01)."""

    PENDING_AVAILABILITY = "PENDING_AVAILABILITY", _("Pending Availability")
    PENDING = "PENDING", _("Pending")
    UNSHIPPED = "UNSHIPPED", _("Unshipped")
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED", _("Partially Shipped")
    SHIPPED = "SHIPPED", _("Shipped")
    CANCELLED = "CANCELLED", _("Canceled")
    UNFULFILLABLE = "UNFULFILLABLE", _("Unfulfillable")


class PickupStatus(models.TextChoices):
    """Where an in-store pickup order stands (Orders v0 ShipmentStatus)."""

    READY_FOR_PICKUP = "ReadyForPickup", _("Ready for Pickup")
    PICKED_UP = "PickedUp", _("Picked Up")
    REFUSED_PICKUP = "RefusedPickup", _("Refused Pickup")


class OrderAssociation(models.TextChoices):
    """How an Amazon order relates to its original (associatedOrders[].associationType)."""

    REPLACEMENT = "REPLACEMENT_ORIGINAL_ID", _("Replacement")
    EXCHANGE = "EXCHANGE_ORIGINAL_ID", _("Exchange")


_STATUS_LABELS = dict(AmazonOrderStatus.choices)


class AmazonOrder(models.Model):
    class FulfilledBy(models.TextChoices):
        MERCHANT = "MERCHANT", _("Merchant")
        AMAZON = "AMAZON", _("Amazon")

    # Indexed by amazon_order_grid_store (store, id), which also answers the foreign key's lookups.
    store = models.ForeignKey(AmazonStore, on_delete=models.CASCADE, related_name="amazon_orders", db_index=False)
    amazon_order_id = models.CharField(_("Order Number"), max_length=64)
    marketplace_id = models.CharField(_("marketplace"), max_length=32, blank=True)
    status = models.CharField(_("Status"), max_length=32, choices=AmazonOrderStatus.choices)
    fulfilled_by = models.CharField(_("fulfillment channel"), max_length=16, choices=FulfilledBy.choices)
    ship_service_level = models.CharField(_("ship service level"), max_length=128, blank=True)
    purchase_date = models.DateTimeField(_("Purchase Date"), db_index=True)
    amazon_updated_at = models.DateTimeField(_("last updated at Amazon"))
    latest_ship_date = models.DateTimeField(_("latest ship date"), null=True, blank=True)
    is_prime = models.BooleanField(_("Prime"), default=False)
    is_business = models.BooleanField(_("business order"), default=False)
    is_premium = models.BooleanField(_("premium order"), default=False)
    # Program IN_STORE_PICK_UP: the buyer collects the order, so it never gets a carrier shipment.
    is_in_store_pickup = models.BooleanField(_("in-store pickup"), default=False)
    # The last pickup status a person asked for (v0 updateShipmentStatus); its OutboundUpdate says whether Amazon
    # accepted it.
    pickup_status = models.CharField(_("pickup status"), max_length=16, choices=PickupStatus.choices, blank=True)

    buyer_name = models.CharField(_("Buyer's Name"), max_length=255, blank=True)
    buyer_email = models.CharField(_("buyer email"), max_length=255, blank=True)
    buyer_company = models.CharField(_("buyer company"), max_length=255, blank=True)
    # Issue 17: what a business order, the programs and the delivery window say (the rest is read from `raw`).
    purchase_order_number = models.CharField(_("Purchase Order Number"), max_length=128, blank=True)
    programs = models.JSONField(_("Programs"), default=list, blank=True)
    latest_delivery_date = models.DateTimeField(_("Deliver By"), null=True, blank=True)
    # A replacement or exchange (associatedOrders): the original's Amazon order number; Amazon charges the buyer
    # nothing for it. The original finds its replacements by this column (index below).
    replaces_amazon_order_id = models.CharField(_("replaces Amazon order"), max_length=64, blank=True, default="")
    association_type = models.CharField(
        _("association"), max_length=32, choices=OrderAssociation.choices, blank=True, default=""
    )
    # The shipping address as Amazon sent it, edited here only when staff correct it.
    shipping_address = PayloadField(_("shipping address"), default=dict, blank=True)
    # Set when staff correct the address here; later imports then keep their correction.
    shipping_address_edited_at = models.DateTimeField(null=True, blank=True)

    currency = models.CharField(max_length=3, blank=True)
    grand_total = models.DecimalField(_("Grand Total"), max_digits=14, decimal_places=2, null=True, blank=True)
    # The items' tax and shipping tax, as last read from Amazon: the store dashboard's net before fees is the grand
    # total less this, summed over a month without reading a month of items.
    tax_total = models.DecimalField(_("tax"), max_digits=14, decimal_places=2, default=ZERO)
    items_shipped = models.PositiveIntegerField(default=0)
    items_unshipped = models.PositiveIntegerField(default=0)
    # Amazon's packages (carrier, tracking number, ship date, items), as last read from Amazon.
    packages = PayloadField(_("tracking"), default=list, blank=True)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)
    # The buyer asked to cancel (items' cancellationRequest, not yet executed), as last read from Amazon; what staff
    # decided is ours: Accept cancels through the acknowledgement feed, Decline is only recorded (no SP-API call).
    buyer_cancel_requested = models.BooleanField(_("buyer asked to cancel"), default=False)
    buyer_cancel_reason = models.CharField(_("buyer's cancel reason"), max_length=255, blank=True)
    buyer_cancel_decision = models.CharField(
        _("answer to the buyer's cancel request"), max_length=16, choices=BuyerCancelDecision.choices, blank=True
    )
    buyer_cancel_decided_at = models.DateTimeField(null=True, blank=True)

    commerce_order = models.OneToOneField(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="amazon_order"
    )
    # Order Notes: the last thing that happened to this order, or why it could not be imported.
    order_notes = models.TextField(_("Order Notes"), blank=True)
    import_error = models.TextField(_("import error"), blank=True)
    import_attempts = models.PositiveIntegerField(default=0)
    # Became importable while the store's *Import Amazon Orders* was Disabled: left alone until someone asks
    # (*Import now*, or importing them when import is enabled again).
    import_skipped = models.BooleanField(default=False)
    # Amazon sent this order in a shape we could not read: the next run fetches it again by id.
    needs_refetch = models.BooleanField(default=False)
    raw = PayloadField(default=dict, blank=True)
    # When the buyer's personal data was removed (retention: Amazon's Data Protection Policy).
    buyer_data_removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Amazon order")
        verbose_name_plural = _("Amazon orders")
        ordering = ["-purchase_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "amazon_order_id"], name="uniq_amazon_order_per_store"),
        ]
        indexes = [
            models.Index(fields=["store", "-purchase_date"], name="amazon_order_store_purchase"),
            models.Index(fields=["amazon_order_id"], name="amazon_order_number"),
            # The All Orders grid's sorts, each ending in its id tie-breaker so a page is read straight from the index
            # (either direction); (status, id) also counts a status filter index-only. Its keyword filters (contains)
            # use trigram indexes on PostgreSQL: migration 0005.
            models.Index(fields=["status", "id"], name="amazon_order_grid_status"),
            models.Index(fields=["buyer_name", "id"], name="amazon_order_grid_buyer"),
            models.Index(fields=["grand_total", "id"], name="amazon_order_grid_total"),
            models.Index(fields=["marketplace_id", "id"], name="amazon_order_grid_marketplace"),
            models.Index(fields=["store", "id"], name="amazon_order_grid_store"),
            # The grid's sort by order notes: their first 100 characters (amazon_orders.selectors.NOTES_SORT_CHARS).
            models.Index(Left("order_notes", 100), F("id"), name="amazon_order_grid_notes"),
            models.Index(fields=["store"], condition=~Q(import_error=""), name="amazon_order_failed_import"),
            models.Index(
                fields=["store", "replaces_amazon_order_id"],
                condition=~Q(replaces_amazon_order_id=""),
                name="amazon_order_replacements",
            ),
            # The grid's "Buyer asked to cancel" filter: the few open requests, straight from the index.
            models.Index(
                fields=["id"],
                condition=Q(buyer_cancel_requested=True, buyer_cancel_decision=""),
                name="amazon_order_cancel_requested",
            ),
            # The Amazon store dashboard's orders to ship, most urgent first, straight from the index.
            models.Index(
                fields=["store", "latest_ship_date", "purchase_date", "id"],
                condition=Q(fulfilled_by="MERCHANT", status__in=["UNSHIPPED", "PARTIALLY_SHIPPED"]),
                name="amazon_order_to_ship",
            ),
        ]

    def __str__(self) -> str:
        return self.amazon_order_id

    def get_status_display(self) -> str:
        # Replaces Django's generated one, which rebuilds the choices dict on every call (grids call it per row).
        return _STATUS_LABELS.get(self.status, self.status)

    def get_fulfilled_by_display(self) -> str:
        # The same, for the import, which names the channel in every imported order's comment.
        return _FULFILLED_BY_LABELS.get(self.fulfilled_by, self.fulfilled_by)

    @property
    def can_cancel(self) -> bool:
        """Amazon accepts a seller's cancel only while the order is Unshipped."""
        return self.status == AmazonOrderStatus.UNSHIPPED


_FULFILLED_BY_LABELS = dict(AmazonOrder.FulfilledBy.choices)


class AmazonSalesHour(models.Model):
    """The Amazon orders of one store purchased in one UTC hour, per currency, not Cancelled (what the Amazon store
    dashboard's revenue counts): how many, how many of them Amazon has priced (a grand total; Pending orders have
    none), their grand total and the tax of those priced ones. Kept exact by every writer of an Amazon order's
    status, totals, currency or purchase date (amazon_channel.core.statistics)."""

    store = models.ForeignKey(AmazonStore, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    currency = models.CharField(max_length=3, blank=True)
    orders = models.IntegerField(default=0)
    priced = models.IntegerField(default=0)
    grand_total = models.DecimalField(max_digits=18, decimal_places=2, default=ZERO)
    tax_total = models.DecimalField(max_digits=18, decimal_places=2, default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "hour", "currency"], name="uniq_amazon_sales_hour"),
        ]


class AmazonOrderItem(models.Model):
    amazon_order = models.ForeignKey(AmazonOrder, on_delete=models.CASCADE, related_name="items")
    order_item_id = models.CharField(max_length=64)
    seller_sku = models.CharField(_("SKU"), max_length=128, blank=True)
    asin = models.CharField(_("ASIN"), max_length=32, blank=True)
    title = models.CharField(_("product"), max_length=512, blank=True)
    quantity_ordered = models.PositiveIntegerField(_("quantity ordered"), default=0)
    quantity_shipped = models.PositiveIntegerField(_("quantity shipped"), default=0)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    item_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    item_tax = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    shipping_price = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    shipping_tax = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    promotion_discount = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    gift_message = models.TextField(_("gift message"), blank=True, default="", db_default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["amazon_order", "order_item_id"], name="uniq_amazon_order_item"),
        ]


class AmazonOrderStatusChange(models.Model):
    amazon_order = models.ForeignKey(AmazonOrder, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)
    amazon_updated_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]


class CommunicationLog(models.Model):
    """Every SP-API error a store met: what a person needs to ask Amazon about it."""

    store = models.ForeignKey(AmazonStore, on_delete=models.CASCADE, related_name="communication_log")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    operation = models.CharField(_("operation"), max_length=64)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    code = models.CharField(_("Amazon's code"), max_length=128, blank=True)
    message = models.TextField(_("message"), blank=True)
    request_id = models.CharField(_("request ID"), max_length=128, blank=True)
    amazon_order_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class OutboundUpdate(models.Model):
    """One change Amazon must hear about (a shipment, a cancel, a refund), written in the same transaction as the
    change itself and delivered by a worker until Amazon accepts it or a person is shown why not."""

    class Kind(models.TextChoices):
        SHIPMENT = "shipment", _("Shipment")
        CANCEL = "cancel", _("Cancellation")
        REFUND = "refund", _("Refund")
        VAT_INVOICE = "vat_invoice", _("VAT invoice")
        ORDER_NUMBER = "order_number", _("Order number")
        PICKUP_STATUS = "pickup_status", _("Pickup status")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        AWAITING_RESULT = "awaiting_result", _("Waiting for Amazon's feed result")
        ACCEPTED = "accepted", _("Accepted")
        FAILED = "failed", _("Failed")

    store = models.ForeignKey(AmazonStore, on_delete=models.CASCADE, related_name="outbound_updates")
    amazon_order = models.ForeignKey(AmazonOrder, on_delete=models.CASCADE, related_name="outbound_updates")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # Stable identity of this update at Amazon (a package reference, or the credit memo / cancel it stands for):
    # a retry after a crash sends the same identity and never a second update.
    idempotency_key = models.CharField(max_length=128, unique=True)
    payload = models.JSONField(default=dict)
    shipment_id = models.BigIntegerField(null=True, blank=True)
    credit_memo_id = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_response = models.TextField(blank=True)
    feed = models.ForeignKey("AmazonFeed", null=True, blank=True, on_delete=models.SET_NULL, related_name="updates")
    feed_message_id = models.PositiveIntegerField(null=True, blank=True)
    # The worker sending it (a shipment) holds this lease (core.leases); a feed's updates are sent by the feed.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbound_due")]


class AmazonFeed(models.Model):
    """One feed submitted to Amazon, batching many updates' messages."""

    store = models.ForeignKey(AmazonStore, on_delete=models.CASCADE, related_name="feeds")
    feed_type = models.CharField(max_length=64)
    # The one marketplace of the feed's orders (createFeed's marketplaceIds); blank: the store's home marketplace.
    marketplace_id = models.CharField(max_length=32, blank=True)
    feed_document_id = models.CharField(max_length=255, blank=True)
    feed_id = models.CharField(max_length=64, blank=True, db_index=True)
    processing_status = models.CharField(max_length=32, blank=True)
    result_document_id = models.CharField(max_length=255, blank=True)
    document = models.TextField(blank=True)
    report = models.TextField(blank=True)
    # One worker at a time takes the feed a step further (core.leases); each step is recorded so a crash resumes.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set just before createFeed is called: with no feed_id after it, Amazon may or may not have the feed.
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
