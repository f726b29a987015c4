"""POST /telegram/webhook: Telegram delivers updates here in webhook mode."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException

from api.deps import ServicesDep

router = APIRouter(tags=["telegram"])


@router.post("/telegram/webhook", include_in_schema=False)
async def telegram_webhook(
    services: ServicesDep,
    update: Annotated[dict[str, Any], Body()],
    secret_token: Annotated[str, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = "",
) -> dict[str, bool]:
    """Check Telegram's secret-token header, then handle the update before answering 200, so
    that Telegram sends it again if the app stops midway."""
    expected = services.settings.telegram_webhook_secret.get_secret_value()
    if services.telegram_updates is None or not expected:
        raise HTTPException(status_code=404, detail="Telegram webhook is not configured")
    if not secrets.compare_digest(secret_token, expected):
        raise HTTPException(status_code=403, detail="wrong secret token")
    try:
        await services.telegram_updates(update)
    except ValueError as error:  # malformed: Telegram itself never sends these
        raise HTTPException(status_code=400, detail=str(error)) from error
    return {"ok": True}
