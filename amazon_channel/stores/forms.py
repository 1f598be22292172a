"""Forms of the store pages: parse and validate; every write goes through stores.services."""

from __future__ import annotations

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import OrderState, OrderStatus

from ..core.marketplaces import region_choices
from ..models import (
    CLIENT_SECRET_MAX_LENGTH,
    REFRESH_TOKEN_MAX_LENGTH,
    STOCK_RESERVATION_DAYS_MAX,
    STOCK_RESERVATION_DAYS_MIN,
    SYNC_INTERVAL_MAX,
    SYNC_INTERVAL_MIN,
    AmazonStore,
    Region,
)
from ..sync import skipped_count
from .selectors import same_account_store
from .services import region_problem, second_store_message


class AmazonStoreForm(forms.ModelForm):
    """Store settings. The client secret and refresh token are write-only: never shown, blank keeps the stored one."""

    client_secret = forms.CharField(
        label=_("LWA client secret"),
        required=False,
        max_length=CLIENT_SECRET_MAX_LENGTH,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave blank to keep the saved one."),
    )
    refresh_token = forms.CharField(
        label=_("Refresh token"),
        required=False,
        max_length=REFRESH_TOKEN_MAX_LENGTH,
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
            "more_marketplace_ids",
            "seller_id",
            "client_id",
            "client_secret",
            "refresh_token",
            "import_orders",
            "commerce_store",
            "customer_creation",
            "order_number_source",
            "merchant_order_prefix",
            "amazon_order_prefix",
            "order_status_mode",
            "processing_order_status",
            "reserve_pending_stock",
            "stock_reservation_days",
            "read_only_mode",
            "send_merchant_order_id",
            "upload_vat_invoices",
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
            choices=[("", "---------"), *((s.code, s.display_label) for s in statuses)],
        )
        # Amazon's marketplaces grouped by region: the store takes those of its own region (checked in clean).
        self.fields["more_marketplace_ids"] = forms.MultipleChoiceField(
            label=_("More marketplaces"),
            required=False,
            choices=[(region.label, region_choices(region.value)) for region in Region],
            widget=forms.SelectMultiple(attrs={"size": 8}),
            help_text=_(
                "Further marketplaces of this seller in the same region (e.g. Amazon.fr and Amazon.se for a seller "
                "in Europe). Orders of each keep their own marketplace and currency."
            ),
        )
        interval = self.fields["sync_interval_minutes"]
        interval.min_value, interval.max_value = SYNC_INTERVAL_MIN, SYNC_INTERVAL_MAX
        interval.widget.attrs.update(min=SYNC_INTERVAL_MIN, max=SYNC_INTERVAL_MAX)
        days = self.fields["stock_reservation_days"]
        days.min_value, days.max_value = STOCK_RESERVATION_DAYS_MIN, STOCK_RESERVATION_DAYS_MAX
        days.widget.attrs.update(min=STOCK_RESERVATION_DAYS_MIN, max=STOCK_RESERVATION_DAYS_MAX)
        if self.instance.pk is None:
            for name in ("client_secret", "refresh_token"):
                self.fields[name].required = True
                self.fields[name].help_text = _("Stored encrypted and never shown again.")
        self.reenabling = bool(self.instance.pk and not self.instance.import_orders)
        if self.reenabling:
            # Enabling import again asks what to do with the orders received while it was off (default: leave them,
            # as Amazon Sales Channel does); each stays in All Orders with *Import now*.
            skipped = skipped_count(store=self.instance)
            self.fields["import_while_disabled"] = forms.BooleanField(
                label=_("When enabling: also import the orders received while import was Disabled"),
                required=False,
                initial=False,
                help_text=_(
                    "%(count)s orders. Left unticked, they are not imported; each can still be imported from "
                    "All Orders (Import now)."
                )
                % {"count": skipped},
            )
        self.helper = store_settings_helper(reenabling=self.reenabling)

    def import_skipped_too(self) -> bool:
        """Did the person ask to import the orders received while import was off (and enable import)?"""
        return bool(
            self.reenabling
            and self.cleaned_data.get("import_orders")
            and self.cleaned_data.get("import_while_disabled")
        )

    def clean_sync_interval_minutes(self) -> int:
        value = self.cleaned_data["sync_interval_minutes"]
        if value < SYNC_INTERVAL_MIN:
            raise forms.ValidationError(_("Sync at most once a minute."))
        if value > SYNC_INTERVAL_MAX:
            raise forms.ValidationError(_("Sync at least once a day (at most 1440 minutes)."))
        return value

    def clean_stock_reservation_days(self) -> int:
        value = self.cleaned_data["stock_reservation_days"]
        if not STOCK_RESERVATION_DAYS_MIN <= value <= STOCK_RESERVATION_DAYS_MAX:
            raise forms.ValidationError(_("Reserve stock for 1 to 30 days."))
        return value

    def clean(self) -> dict:
        data = super().clean()
        if data.get("order_status_mode") == AmazonStore.OrderStatusMode.CUSTOM and not data.get(
            "processing_order_status"
        ):
            self.add_error("processing_order_status", _("Choose the status imported orders get."))
        marketplace_ids = [data.get("marketplace_id") or "", *data.get("more_marketplace_ids", [])]
        other = same_account_store(
            seller_id=data.get("seller_id") or "", marketplace_ids=marketplace_ids, exclude_pk=self.instance.pk
        )
        if other is not None:
            self.add_error("marketplace_id", second_store_message(other))
        problem = region_problem(region=data.get("region") or "", marketplace_ids=marketplace_ids)
        if problem:
            self.add_error("more_marketplace_ids", problem)
        return data

    def _post_clean(self) -> None:
        # The model instance is saved by the service (which knows blank secrets mean "keep"); validate only.
        pass

    def settings_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}


def store_settings_helper(*, reenabling: bool = False) -> FormHelper:
    """The settings grouped as Magento's Amazon Sales Channel groups them: the store's integration with its Seller
    Central account (with *Test connection*), *Order Settings*, *Store Settings* and the order sync."""
    helper = FormHelper()
    helper.form_tag = False  # the page's own <form id="store-form"> holds the buttons
    helper.layout = Layout(
        Fieldset(
            _("Amazon Account"),
            "name",
            "region",
            "marketplace_id",
            "more_marketplace_ids",
            "seller_id",
            "client_id",
            "client_secret",
            "refresh_token",
            StrictButton(
                _("Test connection"),
                type="submit",
                name="test_connection",
                value="1",
                css_class="btn-outline-primary mb-3",
            ),
        ),
        Fieldset(
            _("Order Settings"),
            "import_orders",
            *(["import_while_disabled"] if reenabling else []),
            "commerce_store",
            "customer_creation",
            "order_number_source",
            "merchant_order_prefix",
            "amazon_order_prefix",
            "order_status_mode",
            "processing_order_status",
            "reserve_pending_stock",
            "stock_reservation_days",
        ),
        Fieldset(_("Store Settings"), "read_only_mode", "send_merchant_order_id", "upload_vat_invoices", "is_active"),
        Fieldset(_("Order Sync"), "sync_interval_minutes", "last_order_sync"),
    )
    return helper


def plain_helper() -> FormHelper:
    """Fields only, through crispy's Bootstrap 5 pack: the template writes the <form> and its buttons."""
    helper = FormHelper()
    helper.form_tag = False
    return helper


class SyncNowForm(forms.Form):
    since = forms.DateTimeField(
        label=_("Import orders changed since"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave blank to continue from Last Order Sync."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = plain_helper()


class RecoverOrderForm(forms.Form):
    amazon_order_id = forms.RegexField(
        label=_("Amazon order number"),
        regex=r"^\s*[0-9A-Za-z-]{5,64}\s*$",
        error_messages={"invalid": _("Enter an Amazon order number such as 123-1234567-1234567.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = plain_helper()

    def clean_amazon_order_id(self) -> str:
        return self.cleaned_data["amazon_order_id"].strip()
