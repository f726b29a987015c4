"""Sending replies to a chat: split long texts, retry network errors, stop at a blocked bot."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from core.db import transaction
from core.handoff_service import Outgoing
from core.i18n import Translator
from core.models import TelegramChat

log = logging.getLogger(__name__)
NETWORK_ATTEMPTS = 4


def split_message(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Pieces of at most `limit` characters, cut at paragraph breaks, else lines, else spaces."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = (
            max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0) or max(window.rfind(" "), 0)
        )
        cut = cut or limit
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return [*pieces, rest] if rest else pieces


async def send_text(
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> bool:
    """Send `text` as plain text (nothing from content is parsed as Markdown or HTML).

    Returns False when the user blocked the bot; the chat is then marked unreachable.
    """
    pieces = split_message(text)
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        try:
            await send_with_retries(bot, chat_id, piece, markup if last else None)
        except Forbidden:
            await mark_unreachable(sessions, chat_id)
            return False
    return True


def seconds(value: object) -> float:
    """A RetryAfter delay as seconds (PTB gives an int or a timedelta)."""
    total_seconds = getattr(value, "total_seconds", None)
    return float(total_seconds() if callable(total_seconds) else value)  # type: ignore[arg-type]


async def send_with_retries(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """One sendMessage: wait as long as a 429 asks, back off on network errors, then give up."""
    for attempt in range(1, NETWORK_ATTEMPTS + 1):
        try:
            await bot.send_message(chat_id, text, reply_markup=markup)
            return
        except RetryAfter as error:
            if attempt == NETWORK_ATTEMPTS:
                raise
            await asyncio.sleep(seconds(error.retry_after))
        except BadRequest:
            raise  # a 400 will not get better by retrying
        except NetworkError:
            if attempt == NETWORK_ATTEMPTS:
                raise
            await asyncio.sleep(0.5 * 2**attempt)


async def mark_unreachable(sessions: async_sessionmaker[AsyncSession], chat_id: int) -> None:
    """Remember that this chat blocked the bot, so nothing is retried forever."""
    log.warning("telegram_chat_unreachable")
    async with transaction(sessions) as session:
        await session.execute(
            update(TelegramChat).where(TelegramChat.chat_id == chat_id).values(unreachable=True)
        )


async def deliver_outgoing(
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    translator: Translator,
    conversation_id: str,
    outgoing: list[Outgoing],
) -> None:
    """Send counsellor and system messages to the chat; a counsellor's carries a person marker."""
    async with sessions() as session:
        chat = await session.get(TelegramChat, conversation_id)
    if chat is None or chat.unreachable:
        return
    for message in outgoing:
        text = marked(translator, message.language, message.sender, message.text)
        if not await send_text(bot, sessions, chat.chat_id, text):
            return


def marked(translator: Translator, language: str, sender: str, text: str) -> str:
    """A counsellor's message starts with a marker that a person is writing."""
    if sender != "counsellor":
        return text
    marker = translator.text(language, "bot.counsellor_marker")
    return f"{marker}\n{text}"


async def alert_counsellors(
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    translator: Translator,
    chat_id: int,
) -> None:
    """Tell the counsellors' group that an urgent chat waits; none of the person's words."""
    text = "\n".join(translator.text(language, "bot.urgent_alert") for language in ("ne", "en"))
    await send_text(bot, sessions, chat_id, text)
