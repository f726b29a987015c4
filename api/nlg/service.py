"""Render a Rasa response from the live content store in the conversation's language."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.nlg.flows import is_flow_response, render_flow
from core.answers import OTHER_LANGUAGE, topic_buttons, topic_message
from core.i18n import Translator
from core.nlu_data import topic_of_response

log = logging.getLogger(__name__)


def conversation_language(tracker: dict[str, Any], default: str) -> str:
    """The language the app chose for the latest message (metadata), else the slot, else default."""
    metadata = (tracker.get("latest_message") or {}).get("metadata") or {}
    language = metadata.get("lang") or (tracker.get("slots") or {}).get("language") or default
    return language if language in OTHER_LANGUAGE else default


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
            "buttons": await topic_buttons(session, ["hotlines"], language),
            "custom": {"clarify": True, "handoff": "not_understood"},
        }

    if is_flow_response(name):
        slots = (body.get("tracker") or {}).get("slots") or {}
        answer = await render_flow(session, translator, name, slots, language)
        if answer is not None:
            return answer
        log.error("nlg_flow_content_missing response=%s", name)
        return {"text": translator.text(language, "fallback.service_unavailable"), "custom": {}}

    key = topic_of_response(name)
    message = arguments.get("message")
    rendered = (
        await topic_message(session, translator, key, language, str(message) if message else None)
        if key
        else None
    )
    if rendered is None:
        log.error("nlg_unknown_response response=%s", name)
        return {"text": translator.text(language, "fallback.service_unavailable"), "custom": {}}
    return {"text": rendered.text, "buttons": rendered.buttons, "custom": {"topic": rendered.topic}}
