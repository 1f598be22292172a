"""The sales statistics tables (Magento's aggregated sales / bestsellers tables), models of the orders app.

Kept exact by the only services that change these figures (orders.services.statistics, called by create_orders and
cancel_order inside their transactions); rebuilt from scratch by `manage.py refresh_sales_statistics`. Buckets are
UTC: an hour / a day / a month starting at that instant.
"""

from __future__ import annotations

from django.db import models

from .money import money_field


class SalesHour(models.Model):
    """Orders placed in one UTC hour, per store and channel; revenue = base grand total of those not canceled."""

    hour = models.DateTimeField()
    store = models.ForeignKey("orders.Store", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=32)
    orders = models.IntegerField(default=0)  # placed, canceled ones too
    canceled = models.IntegerField(default=0)
    revenue = money_field("revenue")
    # Orders placed in this hour that await an invoice / a shipment now (their needs_invoice / needs_shipment).
    awaiting_invoice = models.IntegerField(default=0)
    awaiting_shipment = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hour", "store", "channel"], name="uniq_sales_hour")]


class BestsellerHour(models.Model):
    """The same per UTC hour (`hour` = its start), for the partial first day of a range: the dashboard reads its whole
    hours from here, so at most half an hour of order items is left to read (docs/DASHBOARD.md). Keyed by (hour, sku)
    alone: one index instead of an id, a unique constraint and a covering index, since at 10M orders a year this table
    has millions of rows that the rebuild writes anew (its rows lie in hour order on disk anyway, so a range of hours
    reads few heap pages)."""

    pk = models.CompositePrimaryKey("hour", "sku")
    hour = models.DateTimeField()
    sku = models.CharField(max_length=128)
    name = models.CharField(max_length=512, default="")
    qty = models.IntegerField(default=0)
    revenue = money_field("revenue")


class BestsellerDay(models.Model):
    """Per UTC day and SKU, over orders not canceled: qty = ordered less canceled, revenue = row totals.
    `name` is the greatest name the SKU was sold under that day (canceled orders too, so it never needs undoing)."""

    day = models.DateField()
    sku = models.CharField(max_length=128)
    name = models.CharField(max_length=512, default="")
    qty = models.IntegerField(default=0)
    revenue = money_field("revenue")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "sku"], name="uniq_bestseller_day")]


class BestsellerMonth(models.Model):
    """The same per UTC month (`month` = its first day), so a year's bestsellers read 12 rows a SKU, not 365."""

    month = models.DateField()
    sku = models.CharField(max_length=128)
    name = models.CharField(max_length=512, default="")
    qty = models.IntegerField(default=0)
    revenue = money_field("revenue")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "sku"], name="uniq_bestseller_month")]
