"""Numbers and dates in the user's language; catalog lookups with placeholders."""

from __future__ import annotations

from datetime import UTC, datetime

from core.i18n import Translator, fill, format_value
from core.settings import PROJECT_ROOT


def test_numbers_are_written_in_devanagari_digits_for_nepali() -> None:
    assert format_value("ne", 3) == "३"
    assert format_value("ne", 12345) == "१२,३४५"
    assert format_value("en", 12345) == "12,345"


def test_dates_follow_the_locale() -> None:
    when = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)
    assert format_value("en", when) == "Sunday 22 November, 14:05"
    assert format_value("ne", when) == "आइतबार २२ नोभेम्बर, १४:०५"


def test_text_values_such_as_phone_numbers_stay_as_they_are() -> None:
    assert fill("Call {number}", "ne", {"number": "1145"}) == "Call 1145"


def test_catalog_text_in_both_languages_and_english_for_others() -> None:
    translator = Translator(PROJECT_ROOT / "locales")
    assert translator.text("ne", "button.delete_no") != translator.text("en", "button.delete_no")
    assert translator.text("fr", "button.delete_no") == translator.text("en", "button.delete_no")
