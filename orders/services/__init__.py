"""Every write to the sales tables (orders, and customer accounts for channel imports): one verb a function, each
atomic, each refusing (and changing nothing) when its guard says no. See orders.rules for the guards and the state
rules, orders.events for what each announces."""

from ._common import OrderActionRefused, item_field
from .addressing import change_shipping_address
from .canceling import cancel_order, hold_order, unhold_order
from .commenting import add_comment, send_order_email
from .customers import BuyerInput, find_or_create_customers
from .erasing import ErasureResult, erase_buyer_data
from .invoicing import invoice_order
from .placing import NewAddress, NewItem, NewOrder, create_orders
from .refunding import refund_order
from .reserving import ReservedLine, release_expired_stock_reservations, release_stock_reservations, reserve_stock
from .shipping import TrackInput, ship_order
from .stores import update_store_information

__all__ = [
    "BuyerInput",
    "ErasureResult",
    "NewAddress",
    "NewItem",
    "NewOrder",
    "OrderActionRefused",
    "ReservedLine",
    "TrackInput",
    "add_comment",
    "cancel_order",
    "change_shipping_address",
    "create_orders",
    "erase_buyer_data",
    "find_or_create_customers",
    "hold_order",
    "invoice_order",
    "item_field",
    "refund_order",
    "release_expired_stock_reservations",
    "release_stock_reservations",
    "reserve_stock",
    "send_order_email",
    "ship_order",
    "unhold_order",
    "update_store_information",
]
