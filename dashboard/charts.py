"""A bar chart drawn on the server as SVG: bars, a value axis with round ticks, time labels and an accessible title.
No JavaScript library: the geometry is computed here and `dashboard/_bar_chart.svg` draws it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats

from .figures import Series

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28  # room for the value axis labels and the time labels
MAX_X_LABELS = 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the bucket's time, as a person reads it
    value: Decimal
    orders: int


@dataclass(frozen=True)
class Tick:
    y: float
    value: Decimal


@dataclass(frozen=True)
class XLabel:
    x: float
    text: str


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    bars: list[Bar]
    ticks: list[Tick]
    x_labels: list[XLabel]
    currency: str


def nice_ceiling(value: Decimal) -> tuple[Decimal, Decimal]:
    """(top of the value axis, step between its ticks): the step is 1, 2, 2.5 or 5 times a power of ten, the top
    the first multiple of it at or above `value`, with at most 5 steps."""
    if value <= 0:
        return Decimal(4), Decimal(1)
    power = Decimal(10) ** math.floor(math.log10(float(value) / 5))
    step = next(
        f * power for f in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)) if value / (f * power) <= 5
    )
    return math.ceil(value / step) * step, step


def bucket_label(start, kind: str) -> str:
    if kind == "hour":
        return formats.time_format(start, "H:i")
    if kind == "day":
        return formats.date_format(start, "MONTH_DAY_FORMAT")  # the language's own (config/formats)
    return formats.date_format(start, "YEAR_MONTH_FORMAT")


def revenue_chart(series: Series, *, title: str, description: str, currency: str) -> BarChart:
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    top_value, step = nice_ceiling(max((b.revenue for b in series.buckets), default=Decimal(0)))
    count = max(len(series.buckets), 1)
    slot = plot_width / count
    gap = min(slot * 0.2, 6)
    bars = []
    for n, bucket in enumerate(series.buckets):
        height = float(bucket.revenue / top_value) * plot_height if top_value else 0
        bars.append(
            Bar(
                x=round(LEFT + n * slot + gap / 2, 2),
                y=round(TOP + plot_height - height, 2),
                width=round(max(slot - gap, 1), 2),
                height=round(height, 2),
                label=bucket_label(bucket.start, series.period.bucket),
                value=bucket.revenue,
                orders=bucket.orders,
            )
        )
    ticks = [
        Tick(y=round(TOP + plot_height - float(step * i / top_value) * plot_height, 2), value=step * i)
        for i in range(int(top_value / step) + 1)
    ]
    every = math.ceil(count / MAX_X_LABELS)
    x_labels = [
        XLabel(x=round(bar.x + bar.width / 2, 2), text=bar.label) for n, bar in enumerate(bars) if n % every == 0
    ]
    return BarChart(
        title=title,
        description=description,
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=TOP + plot_height,
        bars=bars,
        ticks=ticks,
        x_labels=x_labels,
        currency=currency,
    )
