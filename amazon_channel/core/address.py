"""The ship-to address of an Amazon order, typed: read from Amazon's recipient, stored on the Amazon order as JSON,
edited on *Amazon Order Details*, and handed to the orders app as the Commerce order's shipping address."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from orders.services import NewAddress

FIELDS = (
    "name",
    "address_lines",
    "city",
    "state_or_region",
    "postal_code",
    "country_code",
    "phone",
    "company",
    # Every further part Amazon sends is kept and shown (issue 17), though a Commerce address has no place for it.
    "district_or_county",
    "municipality",
    "address_type",
    "extended_fields",
)
# AddressExtendedFields of the model, in the order they are shown.
EXTENDED_FIELDS = ("streetName", "streetNumber", "complement", "neighborhood")


@dataclass(frozen=True)
class AmazonAddress:
    name: str = ""
    address_lines: list[str] = field(default_factory=list)
    city: str = ""
    state_or_region: str = ""
    postal_code: str = ""
    country_code: str = ""
    phone: str = ""
    company: str = ""
    district_or_county: str = ""
    municipality: str = ""
    address_type: str = ""
    extended_fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_recipient(cls, recipient: Any) -> AmazonAddress | None:
        """From the client's `types.Address` (None: Amazon withheld the address)."""
        if recipient is None:
            return None
        return cls(
            name=recipient.name or "",
            address_lines=[line for line in (recipient.address_lines or []) if line],
            city=recipient.city or "",
            state_or_region=recipient.state_or_region or "",
            postal_code=recipient.postal_code or "",
            country_code=recipient.country_code or "",
            phone=recipient.phone or "",
            company=getattr(recipient, "company", None) or "",
            district_or_county=getattr(recipient, "district_or_county", None) or "",
            municipality=getattr(recipient, "municipality", None) or "",
            address_type=getattr(recipient, "address_type", None) or "",
            extended_fields=dict(getattr(recipient, "extended_fields", None) or {}),
        )

    @classmethod
    def from_json(cls, data: dict | None) -> AmazonAddress | None:
        """From what AmazonOrder.shipping_address holds ({} or None: no address)."""
        if not data:
            return None
        values = {name: data.get(name) for name in FIELDS if data.get(name) is not None}
        values["address_lines"] = [line for line in values.get("address_lines") or [] if line]
        values["extended_fields"] = dict(values.get("extended_fields") or {})
        return cls(**values)

    def as_json(self) -> dict:
        # dataclasses.asdict's generic deep copy was a twentieth of the import's time; the parts are flat.
        values = {name: getattr(self, name) for name in FIELDS}
        values["address_lines"] = list(self.address_lines)
        values["extended_fields"] = dict(self.extended_fields)
        return values

    def changed(self, **values: Any) -> AmazonAddress:
        return replace(self, **{name: value for name, value in values.items() if name in FIELDS})

    def keeping_parts_of(self, previous: AmazonAddress | None) -> AmazonAddress:
        """This address (typed on the form) with the parts the form has no field for taken from `previous`."""
        if previous is None:
            return self
        return replace(
            self,
            district_or_county=self.district_or_county or previous.district_or_county,
            municipality=self.municipality or previous.municipality,
            address_type=self.address_type or previous.address_type,
            extended_fields=self.extended_fields or dict(previous.extended_fields),
        )

    @property
    def street(self) -> str:
        return "\n".join(line for line in self.address_lines if line)

    def split_name(self) -> tuple[str, str]:
        return split_name(self.name)

    def commerce_address(self, *, email: str, name: str | None = None) -> NewAddress:
        """This address as the orders app takes it; `name` when the recipient's own is missing."""
        first, last = split_name(self.name or name or "")
        return NewAddress(
            first_name=first,
            last_name=last,
            company=self.company,
            street=self.street,
            city=self.city,
            region=self.state_or_region,
            postcode=self.postal_code,
            country_code=self.country_code[:2],
            telephone=self.phone,
            email=email,
        )


def split_name(name: str) -> tuple[str, str]:
    """First and last name from one name as Amazon sends it ("Jane Q. Buyer" -> "Jane", "Q. Buyer")."""
    first, _sep, last = (name or "").strip().partition(" ")
    return first, last.strip()
