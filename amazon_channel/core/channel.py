"""The channel's names as the orders app stores them."""

from __future__ import annotations

from typing import Any

# orders.Order.channel of every Commerce order imported from Amazon.
CHANNEL = "amazon"
# The `origin` of an order event the import caused: Amazon already knows, so nothing is sent back.
FROM_AMAZON = "amazon_import"
PAYMENT_METHOD = "amazon_payment"
PAYMENT_TITLE = "Amazon Channel Payment"
# A replacement or exchange Amazon sends for an original order: the buyer pays nothing, so no payment is taken.
REPLACEMENT_PAYMENT_METHOD = "amazon_replacement"
REPLACEMENT_PAYMENT_TITLE = "Amazon Replacement (no payment)"


def is_amazon_order(order: Any) -> bool:
    """A Commerce order (or anything with a `channel`) that came from Amazon."""
    return getattr(order, "channel", None) == CHANNEL
