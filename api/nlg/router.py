"""The NLG endpoint Rasa calls for every response (Rasa 3.6 callback protocol)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException

from api.deps import ServicesDep
from api.nlg.service import render

router = APIRouter(tags=["nlg"])


@router.post("/nlg", include_in_schema=False)
async def nlg(
    services: ServicesDep, body: Annotated[dict[str, Any], Body()], token: str = ""
) -> dict[str, Any]:
    """Render the response Rasa names from the live content store."""
    expected = services.settings.nlg_token.get_secret_value()
    if expected and not secrets.compare_digest(token, expected):
        raise HTTPException(status_code=401, detail="invalid NLG token")
    async with services.sessions() as session:
        return await render(session, services.translator, body, services.settings.default_language)
