import pytest

from core.redaction import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mero number 9841234567 ho", "mero number [number] ho"),
        ("call +977-9812345678 please", "call [number] please"),
        ("फोन ९८४१२३४५६७ मा गर्नुस्", "फोन [number] मा गर्नुस्"),
        ("office 01-4123456", "office [number]"),
        ("passport PA1234567 agent le rakhyo", "passport [id] agent le rakhyo"),
        ("passport no. 09876543", "passport no. [number]"),
        ("nagarikta 27-01-72-12345", "nagarikta [number]"),
        ("UAE +971 50 123 4567", "UAE [number]"),
        ("write to ram.kc@gmail.com", "write to [email]"),
    ],
)
def test_personal_numbers_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "agent le 1,50,000 magyo",
        "fee is 10000 rupees",
        "I am 24 years old, going to Qatar in 2026",
        "demand letter ko lagi 3 mahina",
        "No number here at all",
    ],
)
def test_amounts_and_short_numbers_stay(text: str) -> None:
    assert redact(text) == text
