"""The dashboard's calendar (dashboard.periods): ranges, chart buckets across time zones and DST, and how a range
splits into the whole UTC units the statistics hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.utils import timezone

from dashboard.periods import (
    RANGES,
    bucket_starts,
    ceil_utc,
    floor_utc,
    get_range,
    months_and_days,
    on_whole_utc_hours,
    range_bounds,
    whole_units,
)

NEW_YORK = ZoneInfo("America/New_York")


def test_an_unknown_range_is_the_last_seven_days():
    assert get_range("forever") == get_range(None) == RANGES["7d"]
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert range_bounds(RANGES["1m"], now=now) == (datetime(2026, 2, 28, 12, tzinfo=UTC), now)


def test_whole_utc_units_inside_a_range_and_its_edges():
    start, end = datetime(2026, 3, 17, 15, 30, 20, tzinfo=UTC), datetime(2026, 3, 18, 15, 30, 20, tzinfo=UTC)
    assert whole_units(start, end, "hour") == (
        datetime(2026, 3, 17, 16, tzinfo=UTC),
        datetime(2026, 3, 18, 15, tzinfo=UTC),
    )
    assert whole_units(start, start + timedelta(minutes=20), "hour") is None
    on_the_hour = datetime(2026, 3, 18, 15, tzinfo=UTC)
    assert ceil_utc(on_the_hour, "hour") == floor_utc(on_the_hour, "hour") == on_the_hour
    assert ceil_utc(start, "month") == datetime(2026, 4, 1, tzinfo=UTC)


def test_hourly_buckets_neither_repeat_nor_skip_an_hour_across_a_dst_change():
    now = datetime(2026, 3, 8, 18, tzinfo=UTC)  # 14:00 in New York, the day clocks went from 02:00 to 03:00
    with timezone.override(NEW_YORK):
        starts = bucket_starts(*range_bounds(RANGES["24h"], now=now), "hour")
    assert len(starts) == 25
    utc = [s.astimezone(UTC) for s in starts]
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(utc))
    local_hours = [s.hour for s in starts]
    assert 2 not in local_hours and local_hours.count(3) == 1


def test_daily_and_monthly_buckets_start_at_local_midnight():
    now = datetime(2026, 3, 10, 2, tzinfo=UTC)  # still the 9th in New York
    with timezone.override(NEW_YORK):
        days = bucket_starts(*range_bounds(RANGES["7d"], now=now), "day")
        months = bucket_starts(*range_bounds(RANGES["1y"], now=now), "month")
    assert [d.date() for d in days] == [date(2026, 3, n) for n in range(2, 10)]
    assert all((d.hour, d.minute) == (0, 0) for d in days + months)
    assert [(m.year, m.month) for m in months] == [
        (2025, 3),
        *((2025, n) for n in range(4, 13)),
        (2026, 1),
        (2026, 2),
        (2026, 3),
    ]
    assert on_whole_utc_hours(days)
    with timezone.override(ZoneInfo("Asia/Kolkata")):  # UTC+05:30: a local day starts at half past a UTC hour
        assert not on_whole_utc_hours(bucket_starts(*range_bounds(RANGES["7d"], now=now), "day"))


def test_a_partial_month_is_read_as_its_days_or_the_month_less_the_others_whichever_is_fewer():
    april = datetime(2026, 4, 1, tzinfo=UTC)
    # The last 22 of April's 30 days: the month less its first 8 days.
    months, days = months_and_days(april + timedelta(days=8), datetime(2026, 5, 1, tzinfo=UTC))
    assert months == [date(2026, 4, 1)]
    assert dict(days) == {date(2026, 4, n): -1 for n in range(1, 9)}
    # Its last 3 days: just those days.
    months, days = months_and_days(april + timedelta(days=27), datetime(2026, 5, 1, tzinfo=UTC))
    assert (months, dict(days)) == ([], {date(2026, 4, n): 1 for n in (28, 29, 30)})
    # A whole year and a bit: twelve whole months and the days on either side.
    months, days = months_and_days(datetime(2025, 3, 30, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    assert months == [date(2025, m, 1) for m in range(4, 13)] + [date(2026, 1, 1), date(2026, 2, 1)]
    assert dict(days) == {date(2025, 3, 30): 1, date(2025, 3, 31): 1, date(2026, 3, 1): 1}
