"""NLG for the two forms: the risk self-check and find help near me.

Rasa names the response; the answers so far are in the tracker's slots. Everything said comes
from the content store (topic messages, the scoring document, the services directory) or the
catalogs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core import find_help, risk_check
from core.answers import Rendered, topic_buttons, topic_message
from core.content_store import document
from core.i18n import Translator

RISK_ASK = "utter_ask_" + risk_check.SLOT_PREFIX
RISK_RESULT = "utter_risk_result"
RISK_ACCEPT = "utter_risk_accept"
RISK_DECLINED = "utter_risk_declined"
HELP_ASK = "utter_ask_help_place"
HELP_RESULTS = "utter_find_help_results"
HELP_SLOT = "help_place"
FLOW_RESPONSES = {RISK_RESULT, RISK_ACCEPT, RISK_DECLINED, HELP_ASK, HELP_RESULTS}


def is_flow_response(name: str) -> bool:
    return name in FLOW_RESPONSES or name.startswith(RISK_ASK)


def yes_no_buttons(translator: Translator, language: str) -> list[dict[str, str]]:
    """Yes / No buttons whose payloads Rasa reads as the affirm / deny intents."""
    return [
        {"title": translator.text(language, "button.yes"), "payload": "/affirm"},
        {"title": translator.text(language, "button.no"), "payload": "/deny"},
    ]


async def render_flow(
    session: AsyncSession,
    translator: Translator,
    name: str,
    slots: dict[str, Any],
    language: str,
) -> dict[str, Any] | None:
    """The NLG answer for a form response, or None when the content for it is missing."""
    if name.startswith(RISK_ASK):
        return await _risk_question(session, translator, name.removeprefix(RISK_ASK), language)
    if name == RISK_RESULT:
        return await _risk_result(session, translator, slots, language)
    if name == RISK_ACCEPT:
        rendered = await topic_message(session, translator, "talk_to_counsellor", language)
        return _answer(rendered, risk_check.TOPIC, handoff=risk_check.TOPIC)
    if name == RISK_DECLINED:
        rendered = await topic_message(session, translator, risk_check.TOPIC, language, "declined")
        return _answer(rendered, risk_check.TOPIC)
    if name == HELP_ASK:
        rendered = await topic_message(session, translator, "find_help", language)
        return _answer(rendered, "find_help", buttons=[])
    return await _find_help_results(session, translator, slots.get(HELP_SLOT), language)


def _answer(
    rendered: Rendered | None,
    topic: str,
    buttons: list[dict[str, str]] | None = None,
    **custom: str,
) -> dict[str, Any] | None:
    if rendered is None:
        return None
    return {
        "text": rendered.text,
        "buttons": rendered.buttons if buttons is None else buttons,
        "custom": {"topic": topic, **custom},
    }


async def _scoring(session: AsyncSession) -> risk_check.RiskScoring:
    return risk_check.parse_scoring(await document(session, "risk_scoring"))


async def _risk_question(
    session: AsyncSession, translator: Translator, question_id: str, language: str
) -> dict[str, Any] | None:
    """The first question comes with the check's introduction (the topic's answer)."""
    questions = (await _scoring(session)).questions
    first = bool(questions) and questions[0].id == question_id
    message = None if first else f"q_{question_id}"
    rendered = await topic_message(session, translator, risk_check.TOPIC, language, message)
    return _answer(rendered, risk_check.TOPIC, buttons=yes_no_buttons(translator, language))


async def _risk_result(
    session: AsyncSession, translator: Translator, slots: dict[str, Any], language: str
) -> dict[str, Any] | None:
    """Low / medium / high with the reason of every "yes"; medium and high offer a counsellor."""
    result = risk_check.score(await _scoring(session), slots)
    reasons = "\n".join(question.reason.get(language) for question in result.reasons)
    rendered = await topic_message(
        session,
        translator,
        risk_check.TOPIC,
        language,
        f"result_{result.level}",
        {"reasons": reasons},
    )
    buttons = None if result.level == "low" else yes_no_buttons(translator, language)
    return _answer(
        rendered, risk_check.result_topic(result.level), buttons=buttons, risk_level=result.level
    )


async def _find_help_results(
    session: AsyncSession, translator: Translator, value: Any, language: str
) -> dict[str, Any] | None:
    places = await document(session, "places")
    place = find_help.find_place(places, str(value or ""))
    found = (
        find_help.services_for(
            place, places, await document(session, "services"), await document(session, "hotlines")
        )
        if place
        else []
    )
    name = find_help.localized(place.name if place else value, language)
    if not found:
        rendered = await topic_message(
            session, translator, "find_help", language, "no_match", {"place": name}
        )
        return _answer(rendered, "find_help")
    intro = await topic_message(
        session, translator, "find_help", language, "results_intro", {"place": name}
    )
    if intro is None:
        return None
    lines = [intro.text, ""] + [_service_lines(service, translator, language) for service in found]
    buttons = await topic_buttons(session, ["hotlines", "talk_to_counsellor"], language)
    return {"text": "\n".join(lines), "buttons": buttons, "custom": {"topic": "find_help"}}


def _service_lines(service: dict[str, Any], translator: Translator, language: str) -> str:
    """One directory entry: organisation, phone, hours and what it does, one per line."""
    lines = ["• " + find_help.localized(service.get("organisation"), language)]
    if service.get("phone"):
        lines.append(translator.text(language, "find_help.phone", phone=str(service["phone"])))
    hours = find_help.localized(service.get("hours"), language)
    if hours:
        lines.append(translator.text(language, "find_help.hours", hours=hours))
    what = find_help.localized(service.get("services"), language)
    if what:
        lines.append(what)
    return "\n  ".join(lines) + "\n"
