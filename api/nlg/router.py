"""The NLG endpoint Rasa calls for every response (Rasa 3.6 callback protocol)."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException

from api.deps import ServicesDep
from api.nlg.service import render
from core.metrics import NLG_FAILURES, NLG_SECONDS

router = APIRouter(tags=["nlg"])
log = logging.getLogger(__name__)


def named_country(tracker: dict[str, Any]) -> str | None:
    """The first destination country (ISO code) the latest user message named, if any."""
    entities = (tracker.get("latest_message") or {}).get("entities") or []
    for entity in entities:
        if isinstance(entity, dict) and entity.get("entity") == "country" and entity.get("value"):
            return str(entity["value"])[:8]
    return None


@router.post("/nlg", include_in_schema=False)
async def nlg(
    services: ServicesDep, body: Annotated[dict[str, Any], Body()], token: str = ""
) -> dict[str, Any]:
    """Render the response Rasa names from the live content store.

    Every real answer carries a `custom` part (its topic, or the clarify flag); an empty one
    means the safe fallback was sent, which is counted as an NLG failure.
    """
    expected = services.settings.nlg_token.get_secret_value()
    if expected and not secrets.compare_digest(token, expected):
        raise HTTPException(status_code=401, detail="invalid NLG token")
    language = services.settings.default_language
    try:
        with NLG_SECONDS.time():
            async with services.sessions() as session:
                answer = await render(session, services.translator, body, language)
    except Exception:  # Rasa must get an answer; the log has the cause
        log.exception("nlg_failed response=%s", body.get("response"))
        answer = {"text": services.translator.text(language, "fallback.service_unavailable")}
    custom = answer.get("custom")
    if not custom:
        NLG_FAILURES.inc()
    else:
        country = named_country(body.get("tracker") or {})
        if country:
            answer["custom"] = {**custom, "country": country}
    return answer
