"""The typed Amazon address: read from Amazon's recipient, kept as JSON, edited by staff."""

from __future__ import annotations

import dataclasses

from amazon_channel.core.address import AmazonAddress, split_name
from amazon_channel.spapi import types


def recipient(**changes) -> types.Address:
    values = {
        "name": "Jane Q. Buyer",
        "address_lines": ["1 Main Street", "", "Apt 2"],
        "city": "Seattle",
        "state_or_region": "WA",
        "postal_code": "98101",
        "country_code": "US",
        "phone": None,
        "company": "Buyer Inc",
    }
    return types.Address(**{**values, **changes})


def test_amazons_recipient_becomes_an_address_without_empty_parts():
    address = AmazonAddress.from_recipient(recipient())
    assert address.address_lines == ["1 Main Street", "Apt 2"]
    assert address.phone == "" and address.company == "Buyer Inc"
    assert address.street == "1 Main Street\nApt 2"
    assert AmazonAddress.from_recipient(None) is None


def test_it_is_stored_and_read_back_unchanged():
    address = AmazonAddress.from_recipient(recipient())
    assert AmazonAddress.from_json(address.as_json()) == address
    # Every part, stored as a copy (changing the stored JSON never changes the address).
    stored = address.as_json()
    assert stored == dataclasses.asdict(address) and list(stored) == [f.name for f in dataclasses.fields(address)]
    stored["address_lines"].append("x")
    assert address.address_lines == ["1 Main Street", "Apt 2"]
    assert AmazonAddress.from_json({}) is None and AmazonAddress.from_json(None) is None


def test_a_correction_changes_only_the_named_parts():
    address = AmazonAddress.from_recipient(recipient())
    corrected = address.changed(city="Tacoma", unknown="ignored")
    assert corrected.city == "Tacoma" and corrected.postal_code == "98101"


def test_names_split_at_the_first_space():
    assert split_name("Jane Q. Buyer") == ("Jane", "Q. Buyer")
    assert split_name("  Cher ") == ("Cher", "")
    assert split_name("") == ("", "")
