from __future__ import annotations

from decimal import Decimal

import pytest

from dashboard.charts import nice_ceiling


@pytest.mark.parametrize(
    ("value", "top", "step"),
    [
        ("430.00", 500, 100),
        ("40.00", 40, 10),
        ("99.99", 100, 20),
        ("0.30", Decimal("0.30"), Decimal("0.1")),
        ("123456", 125000, 25000),
        ("0", 4, 1),
    ],
)
def test_value_axis_ends_on_a_round_number_just_above_the_tallest_bar(value, top, step):
    got_top, got_step = nice_ceiling(Decimal(value))
    assert (got_top, got_step) == (Decimal(top), Decimal(step))
    assert got_top >= Decimal(value)
    assert got_top / got_step <= 5
