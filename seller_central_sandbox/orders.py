"""Amazon orders as the sandbox holds them, how they are made up (deterministically, from a seed) and how they look
on the wire (Orders API v2026-01-01, shaped by `includedData`)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import order_kinds

PENDING = "PENDING"
UNSHIPPED = "UNSHIPPED"
PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
SHIPPED = "SHIPPED"
CANCELLED = "CANCELLED"
STATUSES = ("PENDING_AVAILABILITY", PENDING, UNSHIPPED, PARTIALLY_SHIPPED, SHIPPED, CANCELLED, "UNFULFILLABLE")
MERCHANT = "MERCHANT"
AMAZON = "AMAZON"


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    name: str
    country: str
    currency: str
    places: int
    order_prefixes: tuple[str, ...]
    price_factor: Decimal
    tax_rate: Decimal
    cities: tuple[tuple[str, str, str], ...]  # city, state or region, postal code


MARKETPLACES: dict[str, Marketplace] = {
    m.marketplace_id: m
    for m in (
        Marketplace(
            "ATVPDKIKX0DER",
            "Amazon.com",
            "US",
            "USD",
            2,
            ("111", "112", "113", "114"),
            Decimal("1"),
            Decimal("0.08"),
            (
                ("Seattle", "WA", "98101"),
                ("Austin", "TX", "73301"),
                ("Brooklyn", "NY", "11201"),
                ("Denver", "CO", "80202"),
            ),
        ),
        Marketplace(
            "A1F83G8C2ARO7P",
            "Amazon.co.uk",
            "GB",
            "GBP",
            2,
            ("202", "203", "204", "205", "206"),
            Decimal("0.8"),
            Decimal("0.20"),
            (("London", "Greater London", "SW1A 1AA"), ("Leeds", "West Yorkshire", "LS1 4AP")),
        ),
        Marketplace(
            "A1PA6795UKMFR9",
            "Amazon.de",
            "DE",
            "EUR",
            2,
            ("302", "303", "304", "305", "306"),
            Decimal("0.92"),
            Decimal("0.19"),
            (("Berlin", "Berlin", "10115"), ("München", "Bayern", "80331"), ("Köln", "Nordrhein-Westfalen", "50667")),
        ),
        # More EU marketplaces, for a seller selling across Europe (orders of each in its own currency); the seeded
        # orders stay in the four above (MARKETPLACE_WEIGHTS).
        Marketplace(
            "A13V1IB3VIYZZH",
            "Amazon.fr",
            "FR",
            "EUR",
            2,
            ("402", "403", "404"),
            Decimal("0.92"),
            Decimal("0.20"),
            (("Paris", "Île-de-France", "75001"), ("Lyon", "Auvergne-Rhône-Alpes", "69001")),
        ),
        Marketplace(
            "APJ6JRA9NG5V4",
            "Amazon.it",
            "IT",
            "EUR",
            2,
            ("405", "406"),
            Decimal("0.92"),
            Decimal("0.22"),
            (("Milano", "MI", "20121"), ("Roma", "RM", "00184")),
        ),
        Marketplace(
            "A1RKKUPIHCS9HS",
            "Amazon.es",
            "ES",
            "EUR",
            2,
            ("407", "408"),
            Decimal("0.92"),
            Decimal("0.21"),
            (("Madrid", "Madrid", "28001"), ("Barcelona", "Barcelona", "08001")),
        ),
        Marketplace(
            "A1805IZSGTT6HS",
            "Amazon.nl",
            "NL",
            "EUR",
            2,
            ("409", "410"),
            Decimal("0.92"),
            Decimal("0.21"),
            (("Amsterdam", "Noord-Holland", "1012 JS"), ("Utrecht", "Utrecht", "3511 AA")),
        ),
        Marketplace(
            "A2NODRKZP88ZB9",
            "Amazon.se",
            "SE",
            "SEK",
            2,
            ("411", "412"),
            Decimal("10.5"),
            Decimal("0.25"),
            (("Stockholm", "Stockholm", "111 20"), ("Göteborg", "Västra Götaland", "411 03")),
        ),
        Marketplace(
            "A1C3SOZRARQ6R3",
            "Amazon.pl",
            "PL",
            "PLN",
            2,
            ("413", "414"),
            Decimal("4.3"),
            Decimal("0.23"),
            (("Warszawa", "Mazowieckie", "00-001"), ("Kraków", "Małopolskie", "30-001")),
        ),
        Marketplace(
            "A1VC38T7YXB528",
            "Amazon.co.jp",
            "JP",
            "JPY",
            0,
            ("249", "250", "503"),
            Decimal("150"),
            Decimal("0.10"),
            (("Shibuya-ku", "Tokyo", "150-0002"), ("Osaka-shi", "Osaka", "530-0001")),
        ),
    )
}
MARKETPLACE_WEIGHTS = {"ATVPDKIKX0DER": 55, "A1F83G8C2ARO7P": 15, "A1PA6795UKMFR9": 15, "A1VC38T7YXB528": 15}

FIRST_NAMES = ("Ada", "Ben", "Chloé", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kate", "Liam")
LAST_NAMES = ("Lovelace", "Okafor", "Müller", "Tanaka", "Smith", "García", "Novak", "Brown", "Rossi", "Kim")
STREETS = ("Main Street", "Market Street", "High Street", "Hauptstraße", "Park Avenue", "Station Road")
ADJECTIVES = ("Compact", "Stainless", "Wireless", "Organic", "Foldable", "Ceramic", "Ergonomic", "Waterproof")
NOUNS = ("Kettle", "Headphones", "Yoga Mat", "Desk Lamp", "Backpack", "Coffee Grinder", "Phone Case", "Water Bottle")
SERVICE_LEVELS = ("STANDARD", "STANDARD", "STANDARD", "EXPEDITED", "SECOND_DAY", "NEXT_DAY")
CARRIERS = (("UPS", "UPS Ground"), ("USPS", "Priority Mail"), ("DHL", "DHL Paket"), ("Royal Mail", "Tracked 48"))


def iso(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": str(amount), "currencyCode": currency}


def quantize(amount: Decimal, places: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass
class Item:
    order_item_id: str
    seller_sku: str
    asin: str
    title: str
    quantity: int
    unit_price: Decimal
    shipping: Decimal  # shipping charged for this line
    item_tax: Decimal
    shipping_tax: Decimal
    discount: Decimal  # promotion discount on the item price (positive number)
    promotion_id: str | None = None
    quantity_shipped: int = 0
    quantity_cancelled: int = 0
    gift_message: str | None = None  # the buyer's gift message (fulfillment.packing.giftOption)

    @property
    def item_price(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def quantity_open(self) -> int:
        return self.quantity - self.quantity_shipped - self.quantity_cancelled

    def charges(self) -> dict[str, Decimal]:
        """What the buyer paid for this line, by feed adjustment component."""
        return {
            "Principal": self.item_price - self.discount,
            "Shipping": self.shipping,
            "Tax": self.item_tax,
            "ShippingTax": self.shipping_tax,
        }


@dataclass
class Order:
    order_id: str
    marketplace_id: str
    fulfilled_by: str
    created: int
    last_updated: int
    indexed_at: int  # searchOrders shows the order only from this time on (late indexing)
    status: str
    service_level: str
    items: list[Item]
    buyer: dict[str, str] | None
    address: dict[str, str]
    is_prime: bool = False
    is_business: bool = False
    in_store_pickup: bool = False  # program IN_STORE_PICK_UP: the buyer collects it, no carrier shipment
    packages: list[dict[str, Any]] = field(default_factory=list)
    cancellation: dict[str, str] | None = None  # requester, cancelReason, cancelledBy
    # A buyer asked to cancel and the seller has not answered (requester, cancelReason): shown on the open items.
    cancel_request: dict[str, str] | None = None
    pickup_status: str | None = None  # the last updateShipmentStatus: ReadyForPickup, PickedUp, RefusedPickup
    merchant_order_id: str = ""  # the seller's order number, from an acknowledgement (StatusCode Success)
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # order_kinds' fragments (programs, tax, gift...)
    version: int = 0  # bumped on every change; stale lifecycle events are dropped
    seller_id: str = "A2SANDBOXSELLER"  # whose order it is: another seller's token never sees it

    @property
    def marketplace(self) -> Marketplace:
        return MARKETPLACES[self.marketplace_id]

    @property
    def currency(self) -> str:
        return self.marketplace.currency

    def item(self, order_item_id: str) -> Item | None:
        return next((i for i in self.items if i.order_item_id == order_item_id), None)

    def derive_status(self) -> str:
        """The status follows from quantities once the order is past PENDING."""
        if self.status in {PENDING, CANCELLED}:
            return self.status
        shipped = sum(i.quantity_shipped for i in self.items)
        open_qty = sum(i.quantity_open for i in self.items)
        if open_qty == 0 and shipped == 0:
            return CANCELLED
        if open_qty == 0:
            return SHIPPED
        return PARTIALLY_SHIPPED if shipped else UNSHIPPED

    def refunded(self, order_item_id: str, component: str) -> Decimal:
        total = Decimal(0)
        for adj in self.adjustments:
            for line in adj["items"]:
                if line["order_item_id"] == order_item_id:
                    total += Decimal(line["components"].get(component, "0"))
        return total

    # --- on the wire ----------------------------------------------------------------------------------------------
    def to_api(self, included: set[str] | frozenset[str]) -> dict[str, Any]:
        mp = self.marketplace
        priced = self.status != PENDING
        programs = [
            p
            for p, on in (
                ("PRIME", self.is_prime),
                ("AMAZON_BUSINESS", self.is_business),
                ("IN_STORE_PICK_UP", self.in_store_pickup),
            )
            if on
        ]
        data: dict[str, Any] = {
            "orderId": self.order_id,
            "createdTime": iso(self.created),
            "lastUpdatedTime": iso(self.last_updated),
            "salesChannel": {"channelName": "AMAZON", "marketplaceId": mp.marketplace_id, "marketplaceName": mp.name},
        }
        if programs:
            data["programs"] = programs
        pii = (priced and self.status != CANCELLED) or bool(self.packages)
        if "BUYER" in included and pii and self.buyer:
            data["buyer"] = dict(self.buyer)
        if "RECIPIENT" in included and pii:
            data["recipient"] = {"deliveryAddress": dict(self.address)}
        if "PROCEEDS" in included and priced:
            data["proceeds"] = self._order_proceeds()
        if "FULFILLMENT" in included:
            data["fulfillment"] = {
                "fulfillmentStatus": self.status,
                "fulfilledBy": self.fulfilled_by,
                "fulfillmentServiceLevel": self.service_level,
                "shipByWindow": {
                    "earliestDateTime": iso(self.created),
                    "latestDateTime": iso(self.created + 2 * 86400),
                },
                "deliverByWindow": {
                    "earliestDateTime": iso(self.created + 3 * 86400),
                    "latestDateTime": iso(self.created + 7 * 86400),
                },
            }
        data["orderItems"] = [self._item_to_api(item, included, priced) for item in self.items]
        if "PACKAGES" in included and self.fulfilled_by == MERCHANT and self.packages:
            data["packages"] = [dict(p) for p in self.packages]
        order_kinds.merge(self, data, included)
        return data

    def _item_to_api(self, item: Item, included: set[str] | frozenset[str], priced: bool) -> dict[str, Any]:
        cur = self.currency
        product: dict[str, Any] = {
            "asin": item.asin,
            "title": item.title,
            "sellerSku": item.seller_sku,
            "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
        }
        if priced:
            product["price"] = {"unitPrice": money(item.unit_price, cur)}
        data: dict[str, Any] = {"orderItemId": item.order_item_id, "quantityOrdered": item.quantity, "product": product}
        if "PROCEEDS" in included and priced:
            breakdowns = self._item_breakdowns(item)
            total = sum((Decimal(b["subtotal"]["amount"]) for b in breakdowns), Decimal(0))
            data["proceeds"] = {"proceedsTotal": money(total, cur), "breakdowns": breakdowns}
        if "PROMOTION" in included and item.promotion_id:
            data["promotion"] = {"breakdowns": [{"promotionId": item.promotion_id}]}
        if "CANCELLATION" in included and self.cancellation and item.quantity_cancelled:
            cancellation: dict[str, Any] = {
                "cancellationExecution": {
                    "cancelledBy": self.cancellation["cancelledBy"],
                    "cancelReason": self.cancellation["cancelReason"],
                }
            }
            if self.cancellation.get("requester"):
                cancellation["cancellationRequest"] = {
                    "requester": self.cancellation["requester"],
                    "cancelReason": self.cancellation["cancelReason"],
                }
            data["cancellation"] = cancellation
        elif "CANCELLATION" in included and self.cancel_request and item.quantity_open:
            data["cancellation"] = {"cancellationRequest": dict(self.cancel_request)}
        if "FULFILLMENT" in included:
            data["fulfillment"] = {
                "quantityFulfilled": item.quantity_shipped,
                "quantityUnfulfilled": item.quantity_open,
            }
            if item.gift_message:
                data["fulfillment"]["packing"] = {
                    "giftOption": {"giftMessage": item.gift_message, "giftWrapLevel": "STANDARD"}
                }
        return data

    def _item_breakdowns(self, item: Item) -> list[dict[str, Any]]:
        cur = self.currency
        breakdowns: list[dict[str, Any]] = [{"type": "ITEM", "subtotal": money(item.item_price, cur)}]
        if item.shipping:
            breakdowns.append({"type": "SHIPPING", "subtotal": money(item.shipping, cur)})
        breakdowns.append(
            {
                "type": "TAX",
                "subtotal": money(item.item_tax + item.shipping_tax, cur),
                "detailedBreakdowns": [
                    {"subtype": "ITEM", "value": money(item.item_tax, cur)},
                    {"subtype": "SHIPPING", "value": money(item.shipping_tax, cur)},
                ],
            }
        )
        if item.discount:
            breakdowns.append(
                {
                    "type": "DISCOUNT",
                    "subtotal": money(-item.discount, cur),
                    "detailedBreakdowns": [{"subtype": "ITEM", "value": money(-item.discount, cur)}],
                }
            )
        return breakdowns

    def _order_proceeds(self) -> dict[str, Any]:
        cur = self.currency
        sums = {"ITEM": Decimal(0), "SHIPPING": Decimal(0), "TAX": Decimal(0), "DISCOUNT": Decimal(0)}
        for item in self.items:
            sums["ITEM"] += item.item_price
            sums["SHIPPING"] += item.shipping
            sums["TAX"] += item.item_tax + item.shipping_tax
            sums["DISCOUNT"] -= item.discount
        breakdowns = [{"type": k, "subtotal": money(v, cur)} for k, v in sums.items() if v or k in {"ITEM", "TAX"}]
        return {"grandTotal": money(sum(sums.values(), Decimal(0)), cur), "breakdowns": breakdowns}

    def to_dict(self) -> dict[str, Any]:
        """The sandbox's own view (control API, demo page): everything, plain JSON."""
        return {
            "order_id": self.order_id,
            "seller_id": self.seller_id,
            "marketplace_id": self.marketplace_id,
            "currency": self.currency,
            "fulfilled_by": self.fulfilled_by,
            "status": self.status,
            "created": iso(self.created),
            "last_updated": iso(self.last_updated),
            "indexed_at": iso(self.indexed_at),
            "service_level": self.service_level,
            "is_prime": self.is_prime,
            "is_business": self.is_business,
            "in_store_pickup": self.in_store_pickup,
            "buyer": self.buyer,
            "address": self.address,
            "items": [
                {
                    "order_item_id": i.order_item_id,
                    "seller_sku": i.seller_sku,
                    "title": i.title,
                    "quantity": i.quantity,
                    "quantity_shipped": i.quantity_shipped,
                    "quantity_cancelled": i.quantity_cancelled,
                    "unit_price": str(i.unit_price),
                    "shipping": str(i.shipping),
                    "item_tax": str(i.item_tax),
                    "shipping_tax": str(i.shipping_tax),
                    "discount": str(i.discount),
                }
                for i in self.items
            ],
            "packages": self.packages,
            "cancellation": self.cancellation,
            "cancel_request": self.cancel_request,
            "merchant_order_id": self.merchant_order_id,
            "adjustments": self.adjustments,
            "pickup_status": self.pickup_status,
            "extra": self.extra,
        }


# --- making orders up ---------------------------------------------------------------------------------------------
@dataclass
class Kind:
    """What an order should look like; None = let the seed decide."""

    status: str | None = None
    fulfilled_by: str | None = None
    marketplace_id: str | None = None
    items: int | None = None
    quantity: int | None = None
    buyer_withheld: bool | None = None
    business: bool | None = None
    prime: bool | None = None
    in_store_pickup: bool = False  # the IN_STORE_PICK_UP program (merchant orders only)
    late_indexed: bool = False
    lifecycle: bool = True  # schedule PENDING -> UNSHIPPED (-> SHIPPED by Amazon) as the clock moves
    buyer_cancels_after: int | None = None  # seconds after creation
    seller_id: str | None = None  # None: the default seller (state.SELLER_ID)
    buyer_requests_cancel: bool = False  # the buyer asks to cancel; the seller decides (cancellationRequest)
    features: tuple[str, ...] | list[str] = ()  # order_kinds.FEATURES: premium, gift, customization, br_address, tax...
    programs: tuple[str, ...] | list[str] = ()  # further Order.programs values (order_kinds.PROGRAMS)
    skus: tuple[str, ...] | list[str] = ()  # one item per seller SKU given, instead of the catalogue's own SKUs
    # A replacement (or exchange) Amazon sends free of charge for this original order (associatedOrders).
    replaces: str | None = None
    association: str = "REPLACEMENT_ORIGINAL_ID"


class OrderFactory:
    """Deterministic given the seed and the sequence of calls."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_ids: set[str] = set()
        self._item_seq = self.rng.randrange(10**13, 9 * 10**13)
        self.catalog = [self._product(n) for n in range(40)]

    def _product(self, n: int) -> tuple[str, str, str, Decimal]:
        rng = self.rng
        title = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        asin = "B0" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))
        price = Decimal(rng.randrange(499, 15999)) / 100
        return f"SKU-{n + 1:04d}", asin, title, price

    def order_id(self, marketplace: Marketplace) -> str:
        while True:
            candidate = (
                f"{self.rng.choice(marketplace.order_prefixes)}-{self.rng.randrange(10**6, 10**7)}-"
                f"{self.rng.randrange(10**6, 10**7)}"
            )
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate

    def make(self, created: int, kind: Kind) -> Order:
        rng = self.rng
        mp_id = kind.marketplace_id or rng.choices(list(MARKETPLACE_WEIGHTS), list(MARKETPLACE_WEIGHTS.values()))[0]
        mp = MARKETPLACES[mp_id]
        fulfilled_by = kind.fulfilled_by or (AMAZON if rng.random() < 0.3 else MERCHANT)
        business = kind.business if kind.business is not None else rng.random() < 0.1
        prime = kind.prime if kind.prime is not None else rng.random() < 0.4
        n_items = kind.items or len(kind.skus) or rng.choice((1, 1, 1, 2, 2, 3, 4, 5))
        items = []
        for n, product in enumerate(rng.sample(self.catalog, n_items)):
            sku, asin, title, base = product
            if kind.skus:
                sku = kind.skus[n % len(kind.skus)]  # a test's own catalogue SKUs; the rest is drawn as usual
            qty = kind.quantity or rng.choice((1, 1, 1, 2, 3))
            unit = quantize(base * mp.price_factor, mp.places)
            shipping = Decimal(0) if prime else quantize(Decimal("3.99") * mp.price_factor * qty, mp.places)
            discount = quantize(unit * qty / 10, mp.places) if rng.random() < 0.15 else Decimal(0)
            self._item_seq += rng.randrange(1, 9999)
            items.append(
                Item(
                    order_item_id=str(self._item_seq),
                    seller_sku=sku,
                    asin=asin,
                    title=title,
                    quantity=qty,
                    unit_price=unit,
                    shipping=shipping,
                    item_tax=quantize((unit * qty - discount) * mp.tax_rate, mp.places),
                    shipping_tax=quantize(shipping * mp.tax_rate, mp.places),
                    discount=discount,
                    promotion_id=f"PROMO-{rng.randrange(1000, 9999)}" if discount else None,
                )
            )
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, region, postal = rng.choice(mp.cities)
        if fulfilled_by == AMAZON:
            # Amazon ships it, so the seller sees no name or street.
            address = {"city": city, "stateOrRegion": region, "postalCode": postal, "countryCode": mp.country}
            buyer: dict[str, str] | None = {"buyerCompanyName": f"{last} GmbH"} if business else None
        else:
            address = {
                "name": f"{first} {last}",
                "addressLine1": f"{rng.randrange(1, 999)} {rng.choice(STREETS)}",
                "city": city,
                "stateOrRegion": region,
                "postalCode": postal,
                "countryCode": mp.country,
                "phone": f"+{rng.randrange(10**9, 10**10)}",
                "addressType": "COMMERCIAL" if business else "RESIDENTIAL",
            }
            withheld = kind.buyer_withheld if kind.buyer_withheld is not None else rng.random() < 0.05
            buyer = None
            if not withheld:
                buyer = {
                    "buyerName": f"{first} {last}",
                    "buyerEmail": f"{''.join(rng.choice('abcdefghjkmnpqrstvwxyz0123456789') for _ in range(14))}"
                    "@marketplace.amazon.com",
                }
                if business:
                    buyer["buyerCompanyName"] = f"{last} & Co"
                    buyer["buyerPurchaseOrderNumber"] = f"PO-{rng.randrange(10000, 99999)}"
        order = Order(
            order_id=self.order_id(mp),
            marketplace_id=mp_id,
            fulfilled_by=fulfilled_by,
            created=created,
            last_updated=created,
            indexed_at=created + (rng.randrange(150, 300) if kind.late_indexed else 0),
            status=PENDING,
            service_level=rng.choice(SERVICE_LEVELS),
            items=items,
            buyer=buyer,
            address=address,
            is_prime=prime,
            is_business=business,
            cancel_request={"requester": "BUYER", "cancelReason": "Ordered by mistake"}
            if kind.buyer_requests_cancel
            else None,
            in_store_pickup=kind.in_store_pickup and fulfilled_by == MERCHANT,
        )
        if kind.features or kind.programs:
            order_kinds.apply(order, kind.features, kind.programs)
        if kind.replaces:
            order_kinds.make_replacement(order, kind.replaces, kind.association)
        return order

    def tracking(self, order: Order) -> dict[str, str]:
        carrier, service = self.rng.choice(CARRIERS)
        return {
            "carrier": carrier,
            "shippingService": service,
            "trackingNumber": f"1Z{self.rng.randrange(10**15, 10**16)}",
        }
