"""Interface strings from the Babel catalogs in locales/ (symbolic message ids, named placeholders)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path

from babel.dates import format_datetime
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES = ("en", "ne")
DEVANAGARI_DIGITS = str.maketrans("0123456789", "०१२३४५६७८९")


def N_(message_id: str) -> str:
    """Mark a message id that is looked up later, so that extraction finds it."""
    return message_id


def format_value(language: str, value: object) -> str:
    """A number or date as the language writes it (Devanagari digits in Nepali); text as is.

    Phone numbers are text, never numbers here: they stay in Latin digits for dialling.
    """
    locale = "ne" if language == "ne" else "en"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        text = format_decimal(value, locale=locale)
    elif isinstance(value, datetime):
        text = format_datetime(value, "EEEE d MMMM, HH:mm", locale=locale)
    else:
        return str(value)
    # CLDR's Nepali numbering system is Devanagari, but Babel writes Latin digits.
    return text.translate(DEVANAGARI_DIGITS) if locale == "ne" else text


def fill(template: str, language: str, values: dict[str, object]) -> str:
    """Put formatted values into a template's {named} placeholders."""
    if not values:
        return template
    return template.format(**{name: format_value(language, v) for name, v in values.items()})


class Translator:
    """Looks up interface strings by id in the user's language."""

    def __init__(self, locales_dir: Path) -> None:
        self._locales_dir = locales_dir

    @cache  # noqa: B019 - one Translator per process, a handful of languages
    def _catalog(self, language: str) -> Translations:
        loaded = Translations.load(str(self._locales_dir), [language], domain="messages")
        if not isinstance(loaded, Translations):
            raise RuntimeError(
                f"no compiled catalog for {language!r} in {self._locales_dir}: run `make locales`"
            )
        return loaded

    def text(self, language: str, message_id: str, **values: object) -> str:
        """The string `message_id` in `language` (English when unknown), placeholders filled."""
        language = language if language in LANGUAGES else "en"
        template = self._catalog(language).gettext(message_id)
        if template == message_id and language != "en":
            template = self._catalog("en").gettext(message_id)
        return fill(template, language, values)
