"""The sales grids: which columns, filters, searches and sorts each offers, and what its CSV holds."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from admin_ui.grid import ChoiceFilter, Column, Grid, RangeFilter

from . import selectors
from .buyer_data import buyer_column


class AwaitingFilter(ChoiceFilter):
    """Orders with something left to invoice or to ship (the dashboard's counts link here)."""

    conditions = {
        "invoice": selectors.awaiting_invoice_condition,
        "shipment": selectors.awaiting_shipment_condition,
    }

    def __init__(self) -> None:
        super().__init__("awaiting", _("Awaiting"), "", [("invoice", _("Invoice")), ("shipment", _("Shipment"))])

    def apply(self, qs, data):
        value = self.value(data)
        return qs.filter(self.conditions[value]()) if value else qs


class OrderGrid(Grid):
    columns = (
        Column("increment_id", _("ID"), sort="increment_id"),
        Column("store", _("Purchase Point"), sort="store_id"),
        Column("created_at", _("Purchase Date"), sort="created_at"),
        Column("billing_name", _("Bill-to Name"), sort="billing_name"),
        Column("shipping_name", _("Ship-to Name"), sort="shipping_name"),
        Column("base_grand_total", _("Grand Total (Base)"), sort="base_grand_total", css="text-end"),
        Column("grand_total", _("Grand Total (Purchased)"), sort="grand_total", css="text-end"),
        Column("status", _("Status"), sort="status"),
        Column("action", _("Action")),
    )
    filters = (
        RangeFilter("purchased", _("Purchase Date"), "created_at", kind="date"),
        RangeFilter("total", _("Grand Total (Purchased)"), "grand_total", kind="number"),
        ChoiceFilter("status", _("Status"), "status", selectors.order_statuses),
        ChoiceFilter("channel", _("Channel"), "channel", selectors.order_channels),
        AwaitingFilter(),
    )
    # Prefix lookups use the indexes on these columns; names match anywhere (people type a surname).
    search_fields = (
        "increment_id__istartswith",
        "external_order_number__istartswith",
        "customer_email__istartswith",
        "billing_name__icontains",
        "shipping_name__icontains",
    )
    search_placeholder = _("Search by order #, Amazon order #, email or name")
    default_sort = "-created_at"

    def search_condition(self, keyword: str) -> Q | None:
        # An order number has digits, an email an "@", a name neither: each kind then searches only the columns it
        # can be in, so the prefix indexes answer instead of a scan over every order.
        if "@" in keyword:
            return Q(customer_email__istartswith=keyword)
        if any(ch.isdigit() for ch in keyword):
            return Q(increment_id__istartswith=keyword) | Q(external_order_number__istartswith=keyword)
        return super().search_condition(keyword)

    csv_columns = (
        (_("ID"), lambda o: o.increment_id),
        (_("Channel Order #"), lambda o: o.external_order_number or ""),
        (_("Purchase Point"), lambda o: o.store.name),
        (_("Channel"), lambda o: o.channel),
        (_("Purchase Date"), lambda o: o.created_at.isoformat()),
        (_("Bill-to Name"), buyer_column(lambda o: o.billing_name)),
        (_("Ship-to Name"), buyer_column(lambda o: o.shipping_name)),
        (_("Customer Email"), buyer_column(lambda o: o.customer_email)),
        (_("Grand Total (Base)"), lambda o: o.base_grand_total),
        (_("Base Currency"), lambda o: o.base_currency),
        (_("Grand Total (Purchased)"), lambda o: o.grand_total),
        (_("Order Currency"), lambda o: o.order_currency),
        (_("Status"), lambda o: o.status),  # the code; csv_rows swaps in the label
    )

    def csv_rows(self, rows=None):
        labels = selectors.status_labels()
        for n, line in enumerate(super().csv_rows(rows)):
            if n:
                line[-1] = selectors.status_label(line[-1], labels)
            yield line


class InvoiceGrid(Grid):
    columns = (
        Column("increment_id", _("Invoice"), sort="increment_id"),
        Column("created_at", _("Invoice Date"), sort="created_at"),
        Column("order", _("Order #"), sort="order__increment_id"),
        Column("order_date", _("Order Date"), sort="order__created_at"),
        Column("bill_to", _("Bill-to Name")),
        Column("state", _("Status"), sort="state"),
        Column("grand_total", _("Amount"), sort="grand_total", css="text-end"),
        Column("action", _("Action")),
    )
    filters = (
        RangeFilter("created", _("Invoice Date"), "created_at", kind="date"),
        RangeFilter("total", _("Amount"), "grand_total"),
    )
    search_fields = ("increment_id__istartswith", "order__increment_id__istartswith", "order__billing_name__icontains")
    search_placeholder = _("Search by invoice #, order # or name")
    default_sort = "-created_at"
    csv_columns = (
        (_("Invoice"), lambda i: i.increment_id),
        (_("Invoice Date"), lambda i: i.created_at.isoformat()),
        (_("Order #"), lambda i: i.order.increment_id),
        (_("Bill-to Name"), buyer_column(lambda i: i.order.billing_name)),
        (_("Status"), lambda i: i.get_state_display()),
        (_("Amount"), lambda i: i.grand_total),
        (_("Currency"), lambda i: i.order.order_currency),
    )


class ShipmentGrid(Grid):
    columns = (
        Column("increment_id", _("Shipment"), sort="increment_id"),
        Column("created_at", _("Ship Date"), sort="created_at"),
        Column("order", _("Order #"), sort="order__increment_id"),
        Column("order_date", _("Order Date"), sort="order__created_at"),
        Column("ship_to", _("Ship-to Name")),
        Column("total_qty", _("Total Quantity"), sort="total_qty", css="text-end"),
        Column("action", _("Action")),
    )
    filters = (RangeFilter("created", _("Ship Date"), "created_at", kind="date"),)
    search_fields = ("increment_id__istartswith", "order__increment_id__istartswith", "order__shipping_name__icontains")
    search_placeholder = _("Search by shipment #, order # or name")
    default_sort = "-created_at"
    csv_columns = (
        (_("Shipment"), lambda s: s.increment_id),
        (_("Ship Date"), lambda s: s.created_at.isoformat()),
        (_("Order #"), lambda s: s.order.increment_id),
        (_("Ship-to Name"), buyer_column(lambda s: s.order.shipping_name)),
        (_("Total Quantity"), lambda s: s.total_qty),
    )


class CreditMemoGrid(Grid):
    columns = (
        Column("increment_id", _("Credit Memo"), sort="increment_id"),
        Column("created_at", _("Created"), sort="created_at"),
        Column("order", _("Order #"), sort="order__increment_id"),
        Column("order_date", _("Order Date"), sort="order__created_at"),
        Column("bill_to", _("Bill-to Name")),
        Column("state", _("Status"), sort="state"),
        Column("grand_total", _("Refunded"), sort="grand_total", css="text-end"),
        Column("action", _("Action")),
    )
    filters = (
        RangeFilter("created", _("Created"), "created_at", kind="date"),
        RangeFilter("total", _("Refunded"), "grand_total"),
    )
    search_fields = ("increment_id__istartswith", "order__increment_id__istartswith", "order__billing_name__icontains")
    search_placeholder = _("Search by credit memo #, order # or name")
    default_sort = "-created_at"
    csv_columns = (
        (_("Credit Memo"), lambda c: c.increment_id),
        (_("Created"), lambda c: c.created_at.isoformat()),
        (_("Order #"), lambda c: c.order.increment_id),
        (_("Bill-to Name"), buyer_column(lambda c: c.order.billing_name)),
        (_("Status"), lambda c: c.get_state_display()),
        (_("Refunded"), lambda c: c.grand_total),
        (_("Currency"), lambda c: c.order.order_currency),
    )
