"""Remove personal numbers from text before it reaches logs, analytics or the unanswered inbox.

Phone, passport and citizenship numbers identify a person, and people writing to us may be
watched. Anything that looks like one is replaced by a marker; amounts written with commas
(1,50,000) and short numbers (fees, ages, years) are kept because they carry the question.
`\\d` matches Devanagari digits too, so ९८४१२३४५६७ is caught like 9841234567.
"""

from __future__ import annotations

import re

# A letter or two followed by 6–9 digits: Nepali and most foreign passport numbers.
_DOCUMENT = re.compile(r"(?<![^\W\d_])[A-Za-z]{1,2}[\s-]?\d{6,9}(?!\d)")
# Six or more digits, optionally with +, spaces, dashes, dots or slashes between them:
# phones (+977 984-1234567, 01-4123456) and citizenship numbers (27-01-72-12345).
_NUMBER = re.compile(r"\+?\d(?:[\s\-./()]{0,2}\d){5,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

REDACTED_NUMBER = "[number]"
REDACTED_ID = "[id]"
REDACTED_EMAIL = "[email]"


def redact(text: str) -> str:
    """`text` with emails, document numbers and long digit sequences replaced by markers."""
    text = _EMAIL.sub(REDACTED_EMAIL, text)
    text = _DOCUMENT.sub(REDACTED_ID, text)
    return _NUMBER.sub(REDACTED_NUMBER, text)
