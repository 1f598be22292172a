"""Feed amounts in the currency's own minor units: Amazon takes JPY in whole yen."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree as ET

from amazon_channel.spapi.feeds import AdjustmentItem, AdjustmentMessage, build_payment_adjustment_feed
from amazon_channel.spapi.types import Money


def amounts(feed: bytes) -> list[str]:
    return [element.text or "" for element in ET.fromstring(feed).iter() if element.tag == "Amount"]


def message(currency: str, principal: str, tax: str) -> AdjustmentMessage:
    components = {"Principal": Money(Decimal(principal), currency), "Tax": Money(Decimal(tax), currency)}
    item = AdjustmentItem(order_item_id="1", reason="CustomerReturn", components=components)
    return AdjustmentMessage(message_id=1, amazon_order_id="503-0000000-0000001", items=[item])


def test_yen_amounts_have_no_decimals_and_dollars_have_two():
    yen = build_payment_adjustment_feed(seller_id="A1", messages=[message("JPY", "1000.00", "33")])
    dollars = build_payment_adjustment_feed(seller_id="A1", messages=[message("USD", "10", "0.333")])

    assert amounts(yen) == ["1000", "33"]
    assert amounts(dollars) == ["10.00", "0.33"]
