"""Every reason code the feed builder accepts has a label for the merchant."""

from __future__ import annotations

from amazon_channel.core import reasons
from amazon_channel.spapi import feeds


def test_every_cancel_and_adjustment_reason_has_a_label():
    assert [code for code, _label in reasons.CANCEL_REASON_CHOICES] == list(feeds.CANCEL_REASONS)
    assert [code for code, _label in reasons.ADJUSTMENT_REASON_CHOICES] == list(feeds.ADJUSTMENT_REASONS)
    assert set(reasons.CANCEL_REASON_LABELS) == set(feeds.CANCEL_REASONS)
    assert set(reasons.ADJUSTMENT_REASON_LABELS) == set(feeds.ADJUSTMENT_REASONS)
    assert reasons.DEFAULT_CANCEL_REASON in feeds.CANCEL_REASONS
    assert reasons.DEFAULT_ADJUSTMENT_REASON in feeds.ADJUSTMENT_REASONS


def test_labels_read_in_the_merchants_words():
    assert reasons.cancel_reason_label("BuyerCanceled") == "Buyer canceled"
    assert reasons.adjustment_reason_label("CustomerReturn") == "Customer Return"
    assert reasons.cancel_reason_label("SomethingNew") == "SomethingNew"
