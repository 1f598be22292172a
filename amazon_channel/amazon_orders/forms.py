"""Forms of *Amazon Order Details*: the shipping address and the cancel request."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from ..core.address import AmazonAddress
from ..core.reasons import CANCEL_REASON_CHOICES
from ..models import AmazonOrder


class ShippingAddressForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    company = forms.CharField(label=_("Company"), max_length=255, required=False)
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        # Magento's address form: city, region and postcode side by side.
        self.helper.layout = Layout(
            "name",
            "company",
            "address_line_1",
            "address_line_2",
            "address_line_3",
            Div(
                Div("city", css_class="col-md-5"),
                Div("state_or_region", css_class="col-md-4"),
                Div("postal_code", css_class="col-md-3"),
                css_class="row",
            ),
            Div(Div("country_code", css_class="col-md-4"), Div("phone", css_class="col-md-8"), css_class="row"),
        )

    def clean_country_code(self) -> str:
        return self.cleaned_data["country_code"].upper()

    # The orders app's address fields its refusals name, and the fields of this form they belong to.
    COMMERCE_FIELDS = {
        "first_name": "name",
        "last_name": "name",
        "company": "company",
        "street": "address_line_1",
        "city": "city",
        "region": "state_or_region",
        "postcode": "postal_code",
        "country_code": "country_code",
        "telephone": "phone",
    }

    @classmethod
    def initial_from(cls, amazon_order: AmazonOrder) -> dict:
        address = AmazonAddress.from_json(amazon_order.shipping_address) or AmazonAddress()
        lines = [*address.address_lines, "", "", ""]
        return {
            "name": address.name,
            "company": address.company,
            "address_line_1": lines[0],
            "address_line_2": lines[1],
            "address_line_3": lines[2],
            "city": address.city,
            "state_or_region": address.state_or_region,
            "postal_code": address.postal_code,
            "country_code": address.country_code,
            "phone": address.phone,
        }

    def address(self) -> AmazonAddress:
        data = self.cleaned_data
        return AmazonAddress(
            name=data["name"].strip(),
            company=data["company"].strip(),
            address_lines=[
                line.strip()
                for line in (data["address_line_1"], data["address_line_2"], data["address_line_3"])
                if line.strip()
            ],
            city=data["city"].strip(),
            state_or_region=data["state_or_region"].strip(),
            postal_code=data["postal_code"].strip(),
            country_code=data["country_code"],
            phone=data["phone"].strip(),
        )

    def add_refusal(self, field_errors: dict[str, list[str]]) -> None:
        """Show the orders app's refusal at the fields it names (the rest above the form)."""
        for name, errors in field_errors.items():
            for error in errors:
                self.add_error(self.COMMERCE_FIELDS.get(name), error)


class CancelAmazonOrderForm(forms.Form):
    reason = forms.ChoiceField(label=_("Cancel reason"), choices=CANCEL_REASON_CHOICES)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
