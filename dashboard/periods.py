"""The dashboard's calendar: the ranges a merchant picks, their chart buckets in the site's time zone, and how a range
splits into the whole UTC hours, days and months that the sales statistics hold. No queries here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Range:
    key: str
    label: str
    # How far back from now, and the width of one chart bucket.
    back: relativedelta
    bucket: str  # "hour" | "day" | "month"


RANGES: dict[str, Range] = {
    r.key: r
    for r in (
        Range("24h", _("Last 24 Hours"), relativedelta(hours=24), "hour"),
        Range("7d", _("Last 7 Days"), relativedelta(days=7), "day"),
        Range("1m", _("Last Month"), relativedelta(months=1), "day"),
        Range("1y", _("Last Year"), relativedelta(years=1), "month"),
    )
}
DEFAULT_RANGE = "7d"
BUCKET_NAMES = {"hour": _("hour"), "day": _("day"), "month": _("month")}


def get_range(key: str | None) -> Range:
    return RANGES.get(key or "", RANGES[DEFAULT_RANGE])


def range_bounds(period: Range, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end]: the last 24 hours / 7 days / month / year up to now, both ends included."""
    end = now or timezone.now()
    return end - period.back, end


# --- whole UTC units (what the statistics tables hold) ---------------------------------------------------------------


def floor_utc(moment: datetime, unit: str) -> datetime:
    """The start of the UTC hour / day / month `moment` is in."""
    utc = moment.astimezone(UTC)
    if unit == "hour":
        return utc.replace(minute=0, second=0, microsecond=0)
    if unit == "day":
        return utc.replace(hour=0, minute=0, second=0, microsecond=0)
    return utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def ceil_utc(moment: datetime, unit: str) -> datetime:
    """The start of the first whole UTC hour / day / month from `moment` on."""
    floor = floor_utc(moment, unit)
    if floor == moment:
        return floor
    return floor + (HOUR if unit == "hour" else relativedelta(days=1) if unit == "day" else relativedelta(months=1))


def whole_units(start: datetime, end: datetime, unit: str) -> tuple[datetime, datetime] | None:
    """[first, last): the whole UTC hours / days / months inside [start, end], None when there is none. What lies
    outside it ([start, first) and [last, end]) are the range's partial edges."""
    first, last = ceil_utc(start, unit), floor_utc(end, unit)
    return (first, last) if first < last else None


def months_and_days(first: datetime, last: datetime) -> tuple[list[date], Counter[date]]:
    """Whole UTC days [first, last) as whole months, plus days to add (+1) or take away (-1).

    A partial month is read as its days or as the month less the days outside the range, whichever is fewer rows:
    the last 22 days of a month cost 1 month + 8 days, not 22 days (a month's range and a year's read about half the
    day rows they would otherwise)."""
    months: list[date] = []
    days: Counter[date] = Counter()
    month = floor_utc(first, "month")
    while month < last:
        following = month + relativedelta(months=1)
        a, b = max(first, month), min(last, following)
        inside, length = (b - a).days, (following - month).days
        if inside == length:
            months.append(month.date())
        elif inside and 1 + length - inside < inside:
            months.append(month.date())
            for x, y in ((month, a), (b, following)):
                for n in range((y - x).days):
                    days[(x + timedelta(days=n)).date()] -= 1
        else:
            for n in range(inside):
                days[(a + timedelta(days=n)).date()] += 1
        month = following
    return months, days


# --- chart buckets (in the site's time zone) -------------------------------------------------------------------------


def bucket_starts(start: datetime, end: datetime, kind: str) -> list[datetime]:
    """Every hour / day / month bucket (in the current time zone) that [start, end] touches, oldest first."""
    tz = timezone.get_current_timezone()
    local = start.astimezone(tz)
    if kind == "hour":
        first = local.replace(minute=0, second=0, microsecond=0)
    elif kind == "day":
        first = local.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = []
    current = first
    n = 0
    while current <= end:
        starts.append(current)
        n += 1
        if kind == "hour":
            # Step in absolute time so a DST change neither repeats nor skips an hour.
            current = (first.astimezone(UTC) + timedelta(hours=n)).astimezone(tz)
        elif kind == "day":
            day = (first + relativedelta(days=n)).replace(tzinfo=None)
            current = timezone.make_aware(day, tz)
        else:
            month = (first + relativedelta(months=n)).replace(tzinfo=None)
            current = timezone.make_aware(month, tz)
    return starts


def on_whole_utc_hours(starts: list[datetime]) -> bool:
    """Whether every bucket starts on a whole UTC hour, so each hourly statistics row falls in exactly one bucket.
    Not so in a time zone with a half-hour offset (e.g. Asia/Kolkata)."""
    return all(int(b.utcoffset().total_seconds()) % 3600 == 0 for b in starts)
