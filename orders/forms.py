"""Forms of the order action pages. They parse what the person typed; the services decide whether it is allowed and
their refusals (`OrderActionRefused.field_errors`) are shown at the fields."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import Order, OrderItem, ShipmentTrack, Store
from .services import OrderActionRefused, TrackInput, item_field


class OrderActionForm(forms.Form):
    """Carries the order version it was rendered from: a form for an order changed meanwhile is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment Text"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    notify_customer = forms.BooleanField(label=_("Email Copy"), required=False)

    def __init__(self, *args, order: Order, **kwargs):
        self.order = order
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", order.version)
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        if "version" in self.errors:
            # The hidden version is missing or garbled: say so where the person reads it, not at an invisible field.
            del self.errors["version"]
            self.add_error(None, _("This form is incomplete or out of date. Reload the page and try again."))
        return data

    def add_refusal(self, refusal: OrderActionRefused) -> None:
        """Put each of the service's field errors at its field; the rest, and the message, at the top."""
        placed = False
        for name, messages in refusal.field_errors.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)
                placed = True
        if not placed or refusal.message not in self.non_field_errors():
            self.add_error(None, refusal.message)


class ItemQuantitiesMixin:
    """One quantity field per item (`item_<id>`), starting at what is left to do for that item."""

    quantity_label = _("Qty")

    def add_item_fields(self, items: Iterable[OrderItem], left) -> None:
        self.item_rows = []
        for item in items:
            name = item_field(item.pk)
            self.fields[name] = forms.IntegerField(
                label=self.quantity_label,
                initial=left(item),
                required=False,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm qty-input", "step": 1}),
            )
            self.item_rows.append((item, name, left(item)))

    def quantities(self) -> dict[int, int]:
        # A blank box means none of that item.
        return {item.pk: self.cleaned_data.get(name) or 0 for item, name, _left in self.item_rows}

    def item_bound_fields(self):
        return [(item, self[name], left) for item, name, left in self.item_rows]


class InvoiceForm(ItemQuantitiesMixin, OrderActionForm):
    quantity_label = _("Qty to Invoice")

    def __init__(self, *args, items: list[OrderItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.add_item_fields(items, rules.qty_to_invoice)


class ShipmentForm(ItemQuantitiesMixin, OrderActionForm):
    """Quantities plus any number of tracking rows (`track_carrier_code`, `track_title`, `track_number`, repeated)."""

    quantity_label = _("Qty to Ship")
    carriers = ShipmentTrack.Carrier.choices

    def __init__(self, *args, items: list[OrderItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.add_item_fields(items, rules.qty_to_ship)
        self.track_errors: dict[str, list[str]] = {}

    def tracks(self) -> list[TrackInput]:
        if not self.is_bound:
            return []
        codes = self.data.getlist("track_carrier_code")
        titles = self.data.getlist("track_title")
        numbers = self.data.getlist("track_number")
        count = max(len(codes), len(titles), len(numbers))

        def at(values, n):
            return values[n] if n < len(values) else ""

        # What each package holds: one `track_item_<item id>` box per item in every row (blank: not said).
        packed = {item.pk: self.data.getlist(f"track_item_{item.pk}") for item in self.package_items()}

        def held(n):
            return {pk: at(values, n).strip() for pk, values in packed.items() if at(values, n).strip()}

        return [TrackInput(at(codes, n), at(titles, n), at(numbers, n), held(n)) for n in range(count)]

    def package_items(self) -> list[OrderItem]:
        """The items a package can hold: those with something left to ship."""
        return [item for item, _name, left in self.item_rows if left > 0]

    def track_rows(self) -> list[dict]:
        """The rows to draw again after a refusal, each with its own errors."""
        return [
            {
                "carrier_code": t.carrier_code,
                "title": t.title,
                "number": t.number,
                "errors": {
                    part: self.track_errors.get(f"track_{n}_{part}", [])
                    for part in ("carrier_code", "title", "number", "items")
                },
                "contents": [
                    (item, t.items.get(item.pk, ""), self.track_errors.get(f"track_{n}_item_{item.pk}", []))
                    for item in self.package_items()
                ],
            }
            for n, t in enumerate(self.tracks())
        ]

    def add_refusal(self, refusal: OrderActionRefused) -> None:
        self.track_errors = {k: v for k, v in refusal.field_errors.items() if k.startswith("track_")}
        rest = {k: v for k, v in refusal.field_errors.items() if not k.startswith("track_")}
        super().add_refusal(OrderActionRefused(refusal.message, rest))


def _money_field(label, name: str) -> forms.DecimalField:
    # data-amount: the page's script recalculates the refund from it; data-testid for the tests.
    attrs = {"class": "form-control form-control-sm text-end", "step": "0.01", "data-amount": name, "data-testid": name}
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=14,
        decimal_places=2,
        localize=False,
        widget=forms.NumberInput(attrs=attrs),
    )


class CreditMemoForm(ItemQuantitiesMixin, OrderActionForm):
    quantity_label = _("Qty to Refund")

    refund_shipping = _money_field(_("Refund Shipping"), "refund_shipping")
    adjustment_refund = _money_field(_("Adjustment Refund"), "adjustment_refund")
    adjustment_fee = _money_field(_("Adjustment Fee"), "adjustment_fee")

    def __init__(self, *args, items: list[OrderItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.add_item_fields(items, rules.qty_to_refund)
        self.fields["refund_shipping"].initial = max(self.order.shipping_invoiced - self.order.shipping_refunded, 0)
        self.fields["adjustment_refund"].initial = Decimal("0.00")
        self.fields["adjustment_fee"].initial = Decimal("0.00")
        for item, _name, _left in self.item_rows:
            self.fields[f"back_{item.pk}"] = forms.BooleanField(
                label=_("Return to Stock"),
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )

    def item_bound_fields(self):
        return [(item, self[name], left, self[f"back_{item.pk}"]) for item, name, left in self.item_rows]

    def return_to_stock(self) -> set[int]:
        return {item.pk for item, _name, _left in self.item_rows if self.cleaned_data.get(f"back_{item.pk}")}

    def amount(self, name: str) -> Decimal:
        value = self.cleaned_data.get(name)
        return Decimal("0.00") if value is None else value

    def channel_data(self) -> dict | None:
        """What a channel's form extension collected (e.g. Amazon's adjustment reason), or None."""
        data: dict = {}
        for cls in type(self).__mro__:
            extension = cls.__dict__.get("extension_data")
            if extension:
                data.update(extension(self) or {})
        return data or None


class CommentForm(forms.Form):
    """*Notes for this Order*. The status is any text here: the service says which statuses the order allows."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.CharField(label=_("Status"), required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3, "data-testid": "comment-text"})
    )
    notify_customer = forms.BooleanField(label=_("Notify Customer by Email"), required=False)
    visible_on_storefront = forms.BooleanField(label=_("Visible on Storefront"), required=False)

    @classmethod
    def for_order(cls, order: Order, statuses: list[tuple[str, str]]) -> CommentForm:
        """The form on the order page: the statuses the order may take, its own selected."""
        form = cls(initial={"version": order.version, "status": order.status}, auto_id="id_comment_%s")
        form.fields["status"].widget = forms.Select(
            choices=statuses, attrs={"class": "form-select-sm", "data-testid": "comment-status"}
        )
        form.fields["comment"].widget.attrs["id"] = "id_comment"
        form.helper = FormHelper()
        form.helper.form_tag = False
        return form


def credit_memo_form_class(order: Order, extensions: list[type]) -> type[CreditMemoForm]:
    """The credit memo form with the fields other apps add for this order (see view_blocks.register_form_extension)."""
    if not extensions:
        return CreditMemoForm
    return type("ExtendedCreditMemoForm", (*extensions, CreditMemoForm), {})


LOGO_MAX_BYTES = 512 * 1024


class StoreInformationForm(forms.ModelForm):
    """Stores > Store Information: what the printed documents say about the store."""

    logo_file = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG or JPEG, at most 512 KB. Printed at the top left of every document."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = Store
        fields = ["name", "address", "vat_number", "attach_invoice_pdf"]
        widgets = {"address": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("The logo is larger than 512 KB."))
        data = upload.read()
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError):
            raise forms.ValidationError(_("The logo must be a PNG or JPEG image.")) from None
        if image_format not in {"PNG", "JPEG"}:
            raise forms.ValidationError(_("The logo must be a PNG or JPEG image."))
        return data
