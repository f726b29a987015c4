"""When counsellors are on shift, so that someone asking out of hours is told honestly when a
person will answer: "sun-fri 09:00-17:00" in the service's time zone (Nepal's working week
runs Sunday to Friday)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPEC = re.compile(
    r"^\s*(?P<days>[a-z]{3}(?:\s*[-,]\s*[a-z]{3})*)\s+"
    r"(?P<opens>\d{1,2}:\d{2})\s*-\s*(?P<closes>\d{1,2}:\d{2})\s*$"
)


def _day(name: str) -> int:
    try:
        return DAY_NAMES.index(name.strip())
    except ValueError:
        raise ValueError(f"unknown day {name.strip()!r}: use {', '.join(DAY_NAMES)}") from None


def _days(spec: str) -> frozenset[int]:
    """'sun-fri' or 'mon,wed,fri' (ranges may wrap round the week) as weekday numbers."""
    days: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.partition("-")
        start = end = _day(first)
        if last:
            end = _day(last)
        span = (end - start) % 7
        days.update((start + offset) % 7 for offset in range(span + 1))
    return frozenset(days)


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    return time(hours, minutes)


@dataclass(frozen=True)
class OfficeHours:
    """Shift days and the daily opening and closing time, in one time zone."""

    days: frozenset[int]
    opens: time
    closes: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, zone: str) -> OfficeHours | None:
        """'sun-fri 09:00-17:00' in `zone`; an empty spec means no set hours (None)."""
        if not spec.strip():
            return None
        match = SPEC.match(spec.lower())
        if not match:
            raise ValueError(f"counsellor hours {spec!r}: write them like 'sun-fri 09:00-17:00'")
        opens, closes = _clock(match["opens"]), _clock(match["closes"])
        if opens >= closes:
            raise ValueError(f"counsellor hours {spec!r}: opening must come before closing")
        try:
            time_zone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}, e.g. Asia/Kathmandu") from None
        return cls(_days(match["days"]), opens, closes, time_zone)

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def shift_started(self, now: datetime) -> datetime | None:
        """When the shift going on at `now` began; None out of hours."""
        if not self.is_open(now):
            return None
        return datetime.combine(now.astimezone(self.zone).date(), self.opens, self.zone)

    def next_opening(self, now: datetime) -> datetime:
        """The next time the shift starts after `now` (local time of the service)."""
        local = now.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            start = datetime.combine(day, self.opens, self.zone)
            if day.weekday() in self.days and start > local:
                return start
        raise AssertionError("unreachable: a shift day comes within a week")
