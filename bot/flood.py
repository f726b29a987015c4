"""One sender flooding the bot: past the per-minute limit they get one polite note, then their
updates are dropped until the minute has passed; everyone else is answered as usual."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.delivery import send_text
from bot.handlers import CHANNEL, deps_of
from core.privacy import pseudonym


async def guard(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler (group -1); stops the update when its chat sent too many."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    deps = deps_of(context)
    if deps.flood is None:
        return
    chat_id = update.effective_chat.id
    key = pseudonym(deps.secret, CHANNEL, chat_id)  # no raw Telegram id kept, even in memory
    if deps.flood.allow(key):
        deps.flood_warned.discard(key)
        return
    if key not in deps.flood_warned:
        deps.flood_warned.add(key)
        language = await deps.conversations.language_of(key)
        note = deps.translator.text(language, "error.too_many_messages")
        await send_text(context.bot, deps.sessions, chat_id, note)
    raise ApplicationHandlerStop
