"""Forms of *Amazon Order Details*: the shipping address and the cancel request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..core.reasons import CANCEL_REASON_CHOICES
from ..models import AmazonOrder


class ShippingAddressForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    address_line_1 = forms.CharField(label=_("Street Address"), max_length=255)
    address_line_2 = forms.CharField(label=_("Street Address (line 2)"), max_length=255, required=False)
    address_line_3 = forms.CharField(label=_("Street Address (line 3)"), max_length=255, required=False)
    city = forms.CharField(label=_("City"), max_length=255)
    state_or_region = forms.CharField(label=_("State/Province"), max_length=255, required=False)
    postal_code = forms.RegexField(
        label=_("Zip/Postal Code"),
        max_length=32,
        regex=r"^[0-9A-Za-z][0-9A-Za-z \-]{1,15}$",
        error_messages={"invalid": _("Enter a valid postal code.")},
    )
    country_code = forms.RegexField(
        label=_("Country"),
        regex=r"^[A-Za-z]{2}$",
        error_messages={"invalid": _("Use the two-letter country code, such as US or DE.")},
    )
    phone = forms.RegexField(
        label=_("Phone Number"),
        max_length=64,
        required=False,
        regex=r"^[0-9+()./ \-]{3,64}$",
        error_messages={"invalid": _("Enter a phone number (digits, spaces, + - ( ) . /).")},
    )

    def clean_country_code(self) -> str:
        return self.cleaned_data["country_code"].upper()

    @classmethod
    def initial_from(cls, amazon_order: AmazonOrder) -> dict:
        address = amazon_order.shipping_address or {}
        lines = list(address.get("address_lines") or [])
        lines += [""] * (3 - len(lines))
        return {
            "name": address.get("name", ""),
            "address_line_1": lines[0],
            "address_line_2": lines[1],
            "address_line_3": lines[2],
            "city": address.get("city", ""),
            "state_or_region": address.get("state_or_region", ""),
            "postal_code": address.get("postal_code", ""),
            "country_code": address.get("country_code", ""),
            "phone": address.get("phone", ""),
        }

    def address(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "address_lines": [
                line.strip()
                for line in (data["address_line_1"], data["address_line_2"], data["address_line_3"])
                if line.strip()
            ],
            "city": data["city"].strip(),
            "state_or_region": data["state_or_region"].strip(),
            "postal_code": data["postal_code"].strip(),
            "country_code": data["country_code"],
            "phone": data["phone"].strip(),
        }


class CancelAmazonOrderForm(forms.Form):
    reason = forms.ChoiceField(label=_("Cancel reason"), choices=CANCEL_REASON_CHOICES)
