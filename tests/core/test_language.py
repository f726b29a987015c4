"""Script detection and the answer language."""

from __future__ import annotations

import pytest

from core.language import answer_language, clean_text, detect_script


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("What is a labour permit?", "en"),
        ("pass me to a human agent", "en"),
        ("श्रम स्वीकृति भनेको के हो?", "ne"),
        ("मलेसियामा काम गर्न के चाहिन्छ", "ne"),
        ("malai malaysia jana k k chahincha", "ne-Latn"),
        ("labour permit ko lagi bank khata pani chahincha?", "ne-Latn"),
        ("counsellor chaiyo", "ne-Latn"),
        ("kailali ma sahayog garne sanstha", "ne-Latn"),
        ("1145", None),
        ("😀😀", None),
        ("???", None),
    ],
)
def test_detects_the_script(text: str, script: str | None) -> None:
    assert detect_script(text) == script


def test_answers_nepali_for_both_nepali_scripts_and_keeps_language_when_unsure() -> None:
    assert answer_language("ne-Latn", "en", "ne") == "ne"
    assert answer_language("ne", None, "en") == "ne"
    assert answer_language("en", "ne", "ne") == "en"
    assert answer_language(None, "en", "ne") == "en"
    assert answer_language(None, None, "ne") == "ne"


def test_clean_text_drops_invisible_and_control_characters_and_cuts() -> None:
    assert clean_text("  he\u200bllo\x00  world \ufeff", 100) == "hello world"
    assert clean_text("क" * 50, 10) == "क" * 10
