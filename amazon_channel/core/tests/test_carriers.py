"""One carrier table, read both ways."""

from __future__ import annotations

import pytest

from amazon_channel.core.carriers import (
    AMAZON_CARRIER_CODES,
    CUSTOM_CARRIER,
    OTHER_CARRIER,
    amazon_carrier_code,
    commerce_carrier_code,
)


@pytest.mark.parametrize("commerce_code", sorted(AMAZON_CARRIER_CODES))
def test_every_known_carrier_goes_to_amazon_and_comes_back(commerce_code):
    amazon_code = amazon_carrier_code(commerce_code)
    assert amazon_code not in {"", OTHER_CARRIER}
    assert commerce_carrier_code(amazon_code) == commerce_code


@pytest.mark.parametrize(
    ("amazon", "commerce"), [("UPS", "ups"), ("FedEx", "fedex"), ("Fed Ex", "fedex"), ("dhl", "dhl")]
)
def test_amazons_carrier_names_are_read_whatever_their_case_and_spaces(amazon, commerce):
    assert commerce_carrier_code(amazon) == commerce


def test_any_other_carrier_is_custom_here_and_other_at_amazon():
    assert commerce_carrier_code("Royal Mail") == CUSTOM_CARRIER
    assert commerce_carrier_code("") == CUSTOM_CARRIER
    assert amazon_carrier_code(CUSTOM_CARRIER) == OTHER_CARRIER
    assert amazon_carrier_code("UPS") == "UPS"  # a code in capitals is still known
