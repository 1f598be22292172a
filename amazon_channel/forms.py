"""Forms of the Amazon channel pages: parse and validate; every write goes through amazon_channel.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import OrderState, OrderStatus

from .models import AmazonOrder, AmazonStore

# DESIGN.md section 4: the reasons Amazon accepts in an order acknowledgement (cancel) feed.
CANCEL_REASONS = [
    ("NoInventory", _("No inventory")),
    ("ShippingAddressUndeliverable", _("Shipping address undeliverable")),
    ("CustomerExchange", _("Customer exchange")),
    ("BuyerCanceled", _("Buyer canceled")),
    ("GeneralAdjustment", _("General adjustment")),
    ("CarrierCreditDecision", _("Carrier credit decision")),
    ("RiskAssessmentInformationNotValid", _("Risk assessment information not valid")),
    ("CarrierCoverageFailure", _("Carrier coverage failure")),
    ("CustomerReturn", _("Customer return")),
    ("MerchandiseNotReceived", _("Merchandise not received")),
]


class AmazonStoreForm(forms.ModelForm):
    """Store settings. The client secret and refresh token are write-only: never shown, blank keeps the stored one."""

    client_secret = forms.CharField(
        label=_("LWA client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave blank to keep the saved one."),
    )
    refresh_token = forms.CharField(
        label=_("Refresh token"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave blank to keep the saved one."),
    )
    last_order_sync = forms.DateTimeField(
        label=_("Last Order Sync"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_(
            "The next sync asks Amazon for orders changed since this time. Set it back to import older orders."
        ),
    )

    class Meta:
        model = AmazonStore
        fields = [
            "name",
            "region",
            "marketplace_id",
            "seller_id",
            "client_id",
            "client_secret",
            "refresh_token",
            "import_orders",
            "commerce_store",
            "customer_creation",
            "order_number_source",
            "order_status_mode",
            "processing_order_status",
            "read_only_mode",
            "sync_interval_minutes",
            "last_order_sync",
            "is_active",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Imported orders are invoiced, so they are `processing`: only that state's statuses fit.
        statuses = OrderStatus.objects.filter(state=OrderState.PROCESSING).order_by("label")
        self.fields["processing_order_status"] = forms.ChoiceField(
            label=_("Processing Order Status"),
            required=False,
            choices=[("", "---------"), *((s.code, s.label) for s in statuses)],
        )
        self.fields["sync_interval_minutes"].min_value = 1
        self.fields["sync_interval_minutes"].widget.attrs["min"] = 1
        if self.instance.pk is None:
            for name in ("client_secret", "refresh_token"):
                self.fields[name].required = True
                self.fields[name].help_text = _("Stored encrypted and never shown again.")

    def clean_sync_interval_minutes(self) -> int:
        value = self.cleaned_data["sync_interval_minutes"]
        if value < 1:
            raise forms.ValidationError(_("Sync at most once a minute."))
        return value

    def clean(self) -> dict:
        data = super().clean()
        if data.get("order_status_mode") == AmazonStore.OrderStatusMode.CUSTOM and not data.get(
            "processing_order_status"
        ):
            self.add_error("processing_order_status", _("Choose the status imported orders get."))
        return data

    def _post_clean(self) -> None:
        # The model instance is saved by the service (which knows blank secrets mean "keep"); validate only.
        pass

    def settings_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}


class SyncNowForm(forms.Form):
    since = forms.DateTimeField(
        label=_("Import orders changed since"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave blank to continue from Last Order Sync."),
    )


class RecoverOrderForm(forms.Form):
    amazon_order_id = forms.RegexField(
        label=_("Amazon order number"),
        regex=r"^\s*[0-9A-Za-z-]{5,64}\s*$",
        error_messages={"invalid": _("Enter an Amazon order number such as 123-1234567-1234567.")},
    )

    def clean_amazon_order_id(self) -> str:
        return self.cleaned_data["amazon_order_id"].strip()


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
    reason = forms.ChoiceField(label=_("Cancel reason"), choices=CANCEL_REASONS)
