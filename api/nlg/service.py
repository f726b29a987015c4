"""Render a Rasa response from the live content store in the conversation's language."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.content import Localized
from core.content_store import published_entry
from core.i18n import Translator
from core.nlu_data import topic_of_response

log = logging.getLogger(__name__)
OTHER_LANGUAGE = {"en": "ne", "ne": "en"}


def conversation_language(tracker: dict[str, Any], default: str) -> str:
    """The language the app chose for the latest message (metadata), else the slot, else default."""
    metadata = (tracker.get("latest_message") or {}).get("metadata") or {}
    language = metadata.get("lang") or (tracker.get("slots") or {}).get("language") or default
    return language if language in OTHER_LANGUAGE else default


def text_in(localized: Localized, language: str, translator: Translator) -> str:
    """The text in `language`; the other language with a note when it is missing, never nothing."""
    text = localized.get(language).strip()
    if text:
        return text
    other = OTHER_LANGUAGE[language]
    return f"{translator.text(other, 'nlg.other_language_note')}\n\n{localized.get(other)}"


async def topic_buttons(session: AsyncSession, keys: list[str], language: str) -> list[dict[str, str]]:
    """A button per topic key that exists, titled in `language`, whose payload asks that topic."""
    buttons = []
    for key in keys:
        entry = await published_entry(session, key)
        if entry is not None:
            buttons.append({"title": entry.title.get(language), "payload": f"/{key}"})
    return buttons


async def render(
    session: AsyncSession, translator: Translator, body: dict[str, Any], default_language: str
) -> dict[str, Any]:
    """The NLG answer for one Rasa request: text, buttons and the topic key in `custom`."""
    name = str(body.get("response") or "")
    arguments = body.get("arguments") or {}
    language = conversation_language(body.get("tracker") or {}, default_language)

    if name == "utter_clarify":
        topics = [str(key) for key in arguments.get("topics") or []]
        return {
            "text": translator.text(language, "clarify.question"),
            "buttons": await topic_buttons(session, topics, language),
            "custom": {"clarify": True},
        }
    if name == "utter_clarify_failed":
        return {
            "text": translator.text(language, "clarify.failed"),
            "buttons": await topic_buttons(session, ["talk_to_counsellor", "hotlines"], language),
            "custom": {"clarify": True},
        }

    key = topic_of_response(name)
    entry = await published_entry(session, key) if key else None
    if entry is None:
        log.error("nlg_unknown_response response=%s", name)
        return {"text": translator.text(language, "fallback.service_unavailable"), "custom": {}}
    localized = entry.answer
    message_name = arguments.get("message")
    if message_name and message_name in entry.messages:
        localized = entry.messages[message_name]
    return {
        "text": text_in(localized, language, translator),
        "buttons": await topic_buttons(session, entry.related, language),
        "custom": {"topic": entry.key},
    }
