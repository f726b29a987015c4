"""Interface strings from the Babel catalogs in locales/ (symbolic message ids, named placeholders)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import Translations

LANGUAGES = ("en", "ne")


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
        return template.format(**values) if values else template
