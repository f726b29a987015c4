"""Counsellors' shift hours: reading the setting, open or closed, and the next shift."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from core.office_hours import OfficeHours
from core.settings import Settings

NEPAL_WEEK = OfficeHours.parse("sun-fri 09:00-17:00", "Asia/Kathmandu")
NEPAL = ZoneInfo("Asia/Kathmandu")


def kathmandu(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026 given in Nepal time (UTC+5:45); 6 December is a Sunday."""
    return datetime(2026, 12, day, hour, minute, tzinfo=NEPAL)


def test_open_on_working_days_within_the_hours_in_nepal_time() -> None:
    assert NEPAL_WEEK is not None
    assert NEPAL_WEEK.is_open(kathmandu(6, 9))  # Sunday 09:00
    assert NEPAL_WEEK.is_open(kathmandu(11, 16, 59))  # Friday
    assert not NEPAL_WEEK.is_open(kathmandu(11, 17))  # Friday, closing time
    assert not NEPAL_WEEK.is_open(kathmandu(12, 12))  # Saturday
    assert not NEPAL_WEEK.is_open(kathmandu(7, 8, 59))
    # 03:20 UTC is 09:05 in Kathmandu
    assert NEPAL_WEEK.is_open(datetime(2026, 12, 7, 3, 20, tzinfo=UTC))


def test_the_next_shift_skips_the_day_off() -> None:
    assert NEPAL_WEEK is not None
    assert NEPAL_WEEK.next_opening(kathmandu(11, 18)) == kathmandu(13, 9)  # Friday -> Sunday
    assert NEPAL_WEEK.next_opening(kathmandu(8, 6)) == kathmandu(8, 9)  # early -> same day
    assert NEPAL_WEEK.next_opening(kathmandu(8, 9, 30)) == kathmandu(9, 9)  # open -> next start


def test_day_lists_and_ranges_round_the_week() -> None:
    weekend = OfficeHours.parse("fri-sun 10:00-14:00", "Asia/Kathmandu")
    assert weekend is not None and weekend.days == {4, 5, 6}
    listed = OfficeHours.parse("Mon, Wed,fri 10:00-14:00", "UTC")
    assert listed is not None and listed.days == {0, 2, 4}
    assert OfficeHours.parse("  ", "Asia/Kathmandu") is None


@pytest.mark.parametrize(
    ("hours", "zone", "says"),
    [
        ("weekdays 9-5", "Asia/Kathmandu", "sun-fri 09:00-17:00"),
        ("sun-fri 17:00-09:00", "Asia/Kathmandu", "opening must come before closing"),
        ("sun-fry 09:00-17:00", "Asia/Kathmandu", "unknown day 'fry'"),
        ("sun-fri 09:00-17:00", "Nepal/Pokhara", "unknown time zone"),
    ],
)
def test_a_wrong_setting_stops_the_start_and_says_what_is_wrong(
    hours: str, zone: str, says: str
) -> None:
    with pytest.raises(ValidationError, match=says):
        Settings(counsellor_hours=hours, time_zone=zone)
