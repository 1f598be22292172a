"""Money in the sales model: Decimal in the order's currency, two places (orders.models, orders.sales_statistics)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

ZERO = Decimal("0.00")


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=ZERO, **kwargs)
