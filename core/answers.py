"""Render what the assistant says for a topic from the live content store."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from core.content import Localized
from core.content_store import published_entries_of, published_entry
from core.i18n import Translator, fill

OTHER_LANGUAGE = {"en": "ne", "ne": "en"}


@dataclass(frozen=True)
class Rendered:
    """A message ready to send: text, buttons and the topic it came from."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    topic: str | None = None


def text_in(localized: Localized, language: str, translator: Translator) -> str:
    """The text in `language`; the other language with a note when it is missing, never nothing."""
    text = localized.get(language).strip()
    if text:
        return text
    other = OTHER_LANGUAGE[language]
    note = translator.text(language, "nlg.other_language_note")
    return f"{note}\n\n{localized.get(other)}"


async def topic_buttons(
    session: AsyncSession, keys: list[str], language: str
) -> list[dict[str, str]]:
    """A button per topic key that exists, titled in `language`, whose payload asks that topic."""
    entries = await published_entries_of(session, keys)
    return [
        {"title": entries[key].title.get(language), "payload": f"/{key}"}
        for key in keys
        if key in entries
    ]


async def topic_message(
    session: AsyncSession,
    translator: Translator,
    key: str,
    language: str,
    message: str | None = None,
    values: dict[str, object] | None = None,
) -> Rendered | None:
    """The answer of `key` (or its named `message`) with related topics as buttons, and
    `values` put into its placeholders."""
    entry = await published_entry(session, key)
    if entry is None:
        return None
    localized = entry.messages.get(message, entry.answer) if message else entry.answer
    return Rendered(
        fill(text_in(localized, language, translator), language, values or {}),
        await topic_buttons(session, entry.related, language),
        entry.key,
    )
