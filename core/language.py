"""Which script and language a message is written in, and which language to answer in."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

Script = Literal["en", "ne", "ne-Latn"]
WORDS_FILE = Path(__file__).resolve().parent / "data" / "language_words.yml"
INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
TOKEN = re.compile(r"[a-z]+")


@cache
def _word_lists() -> tuple[frozenset[str], frozenset[str]]:
    data = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    return frozenset(data["romanized_nepali"]), frozenset(data["english"])


def clean_text(text: str, max_chars: int) -> str:
    """Normalise Unicode, drop invisible and control characters, collapse spaces, cut to length.

    Zero-width joiners inside Devanagari conjuncts are removed too: they change
    only the rendering, never the word.
    """
    text = unicodedata.normalize("NFC", text)
    text = INVISIBLE.sub("", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return " ".join(text.split())[:max_chars]


def detect_script(text: str) -> Script | None:
    """en, ne (Devanagari) or ne-Latn (romanized Nepali); None when the text gives no sign."""
    devanagari = sum(1 for ch in text if "\u0900" <= ch <= "\u097f")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if devanagari and devanagari >= latin / 2:
        return "ne"
    if not latin:
        return None
    nepali_words, english_words = _word_lists()
    tokens = TOKEN.findall(text.lower())
    nepali = sum(token in nepali_words for token in tokens)
    english = sum(token in english_words for token in tokens)
    # A tie with any Nepali word leans Nepali: most users are Nepali speakers.
    if nepali and nepali >= english:
        return "ne-Latn"
    return "en" if english else None


def answer_language(script: Script | None, previous: str | None, default: str) -> str:
    """The answer language for a message: Nepali for both Nepali scripts, else English."""
    if script is None:
        return previous or default
    return "en" if script == "en" else "ne"


def requested_language(text: str) -> str | None:
    """The answer language a message asks for by name ("English please", "नेपालीमा"), if any."""
    data = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))["language_names"]
    lowered = text.lower()
    words = set(re.findall(r"[\w\u0900-\u097f]+", lowered))
    named = [
        lang
        for lang, names in data.items()
        if any(n in words or (" " in n and n in lowered) for n in names)
    ]
    return named[0] if len(named) == 1 else None
