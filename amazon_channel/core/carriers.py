"""One carrier table, read both ways: Amazon's carrier names on imported packages become Commerce carrier codes, and
Commerce carrier codes become Amazon's carrierCode when a shipment is confirmed."""

from __future__ import annotations

# Commerce carrier code -> Amazon carrierCode (confirmShipment's enumeration).
AMAZON_CARRIER_CODES = {"dhl": "DHL", "fedex": "FedEx", "ups": "UPS", "usps": "USPS"}
# What Amazon receives for any other carrier, with the track's title as carrierName.
OTHER_CARRIER = "Other"
# The Commerce carrier code of a track whose carrier is none of the above.
CUSTOM_CARRIER = "custom"

_BY_AMAZON_NAME = {amazon.lower(): commerce for commerce, amazon in AMAZON_CARRIER_CODES.items()}


def amazon_carrier_code(commerce_code: str) -> str:
    """The carrierCode Amazon knows for a Commerce carrier, or "Other" (then carrierName says which)."""
    return AMAZON_CARRIER_CODES.get((commerce_code or "").lower(), OTHER_CARRIER)


def commerce_carrier_code(amazon_carrier: str) -> str:
    """The Commerce carrier code for a carrier as Amazon names it on a package ("UPS", "Fed Ex", ...)."""
    return _BY_AMAZON_NAME.get((amazon_carrier or "").lower().replace(" ", ""), CUSTOM_CARRIER)
