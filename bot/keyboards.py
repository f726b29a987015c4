"""Buttons to inline keyboards; payloads over Telegram's 64-byte limit are kept server-side."""

from __future__ import annotations

import hashlib

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit

from core.models import ButtonPayload

STORED_PREFIX = "p:"


async def callback_data(session: AsyncSession, payload: str) -> str:
    """The payload itself when it fits, else a short id of the stored payload."""
    if len(payload.encode()) <= InlineKeyboardButtonLimit.MAX_CALLBACK_DATA:
        return payload
    short_id = hashlib.sha256(payload.encode()).hexdigest()[:14]
    if await session.get(ButtonPayload, short_id) is None:
        session.add(ButtonPayload(id=short_id, payload=payload))
    return f"{STORED_PREFIX}{short_id}"


async def payload_of(session: AsyncSession, data: str) -> str | None:
    """The payload a button's callback data stands for (None when it is unknown)."""
    if not data.startswith(STORED_PREFIX):
        return data
    stored = await session.get(ButtonPayload, data.removeprefix(STORED_PREFIX))
    return stored.payload if stored else None


async def keyboard(
    session: AsyncSession, buttons: list[dict[str, str]]
) -> InlineKeyboardMarkup | None:
    """One button per row (long Nepali titles stay readable on small phones)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    b["title"][:64], callback_data=await callback_data(session, b["payload"])
                )
            ]
            for b in buttons
        ]
    )
