"""Telegram handlers: commands, buttons, text, and messages the bot cannot read."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import ContextTypes

from bot.delivery import marked, send_text
from bot.keyboards import keyboard, payload_of
from core.conversation import ConversationService, Inbound, Reply
from core.db import transaction
from core.i18n import Translator
from core.menu import GROUP_PREFIX, group_topics, menu_groups
from core.models import TelegramChat
from core.privacy import privacy_notice, pseudonym
from core.rate_limit import SlidingWindow

log = logging.getLogger(__name__)
CHANNEL = "telegram"
LANGUAGE_CHOICE = [
    {"title": "नेपाली", "payload": "/lang_ne"},
    {"title": "English", "payload": "/lang_en"},
]
COMMAND_PAYLOADS = {
    "counsellor": "/talk_to_counsellor",
    "hotlines": "/hotlines",
    "help": "/help_menu",
    "delete_my_data": "/delete_my_data",
}


@dataclass(frozen=True)
class BotDeps:
    """What the handlers need from the core, set in `application.bot_data['deps']`."""

    conversations: ConversationService
    translator: Translator
    sessions: async_sessionmaker[AsyncSession]
    secret: str
    retention_days: int = 90
    flood: SlidingWindow | None = None  # updates one chat may send per minute
    flood_warned: set[str] = field(default_factory=set)


def deps_of(context: ContextTypes.DEFAULT_TYPE) -> BotDeps:
    """The core services of this application."""
    deps: BotDeps = context.application.bot_data["deps"]
    return deps


async def conversation_of(update: Update, deps: BotDeps) -> tuple[str, int]:
    """The pseudonymous conversation id of this private chat, and the chat id for delivery."""
    chat = update.effective_chat
    assert chat is not None
    conversation_id = pseudonym(deps.secret, CHANNEL, chat.id)
    async with transaction(deps.sessions) as session:
        if await session.get(TelegramChat, conversation_id) is None:
            await deps.conversations.ensure(conversation_id, CHANNEL, session)
            session.add(TelegramChat(conversation_id=conversation_id, chat_id=chat.id))
    return conversation_id, chat.id


async def send_buttons(
    deps: BotDeps,
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    text: str,
    buttons: list[dict[str, str]],
) -> bool:
    """Send a text with an inline keyboard of `buttons`; False when the chat blocked the bot."""
    async with transaction(deps.sessions) as session:
        markup = await keyboard(session, buttons)
    return await send_text(context.bot, deps.sessions, chat_id, text, markup)


async def send_replies(
    deps: BotDeps, context: ContextTypes.DEFAULT_TYPE, chat_id: int, replies: list[Reply]
) -> None:
    """Deliver the core's replies in order."""
    for reply in replies:
        text = marked(deps.translator, reply.language, reply.sender, reply.text)
        if not await send_buttons(deps, context, chat_id, text, reply.buttons):
            return


async def handle_inbound(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str = "", payload: str | None = None
) -> None:
    """Pass a message or button to the core and deliver its replies."""
    deps = deps_of(context)
    conversation_id, chat_id = await conversation_of(update, deps)
    replies = await deps.conversations.handle(
        Inbound(
            conversation_id, CHANNEL, text=text, payload=payload, client_key=f"tg{update.update_id}"
        )
    )
    await send_replies(deps, context, chat_id, replies)
    if payload in {"/lang_ne", "/lang_en"}:
        await show_menu(update, context)


async def show_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the main menu: one button per topic group."""
    deps = deps_of(context)
    conversation_id, chat_id = await conversation_of(update, deps)
    language = await deps.conversations.language_of(conversation_id)
    async with deps.sessions() as session:
        buttons = await menu_groups(session, language)
    await send_buttons(deps, context, chat_id, deps.translator.text(language, "bot.menu"), buttons)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome in both languages, say what the assistant is and is not, and ask for a language."""
    deps = deps_of(context)
    _conversation_id, chat_id = await conversation_of(update, deps)
    welcome = "\n\n".join(deps.translator.text(lang, "bot.welcome") for lang in ("ne", "en"))
    await send_buttons(deps, context, chat_id, welcome, LANGUAGE_CHOICE)


async def on_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the main menu when the user issues /menu."""
    await show_menu(update, context)


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the language choice when the user issues /language."""
    deps = deps_of(context)
    conversation_id, chat_id = await conversation_of(update, deps)
    language = await deps.conversations.language_of(conversation_id)
    await send_buttons(
        deps,
        context,
        chat_id,
        deps.translator.text(language, "bot.choose_language"),
        LANGUAGE_CHOICE,
    )


async def on_privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the privacy notice when the user issues /privacy."""
    deps = deps_of(context)
    conversation_id, chat_id = await conversation_of(update, deps)
    language = await deps.conversations.language_of(conversation_id)
    notice = "\n\n".join(privacy_notice(deps.translator, language, deps.retention_days))
    await send_text(context.bot, deps.sessions, chat_id, notice)


async def on_topic_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/counsellor, /hotlines, /help and /delete_my_data ask their topic like a button would."""
    message = update.effective_message
    command = (message.text or "").split()[0].lstrip("/").split("@")[0] if message else ""
    await handle_inbound(update, context, payload=COMMAND_PAYLOADS[command])


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a typed question."""
    message = update.effective_message
    await handle_inbound(update, context, text=(message.text or "") if message else "")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tapped inline button: open a menu group, or ask its topic."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    deps = deps_of(context)
    async with deps.sessions() as session:
        payload = await payload_of(session, query.data or "")
    if payload is None:
        return await show_menu(update, context)
    if payload.startswith(GROUP_PREFIX):
        conversation_id, chat_id = await conversation_of(update, deps)
        language = await deps.conversations.language_of(conversation_id)
        async with deps.sessions() as session:
            buttons = await group_topics(session, payload.removeprefix(GROUP_PREFIX), language)
        await send_buttons(
            deps, context, chat_id, deps.translator.text(language, "bot.choose_topic"), buttons
        )
        return None
    await handle_inbound(update, context, payload=payload)
    return None


async def on_unreadable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, files, locations, contacts: say politely what the bot can read."""
    deps = deps_of(context)
    conversation_id, chat_id = await conversation_of(update, deps)
    language = await deps.conversations.language_of(conversation_id)
    message = update.effective_message
    if message is not None and (message.voice or message.audio or message.video_note):
        counsellor = [
            {
                "title": deps.translator.text(language, "button.counsellor"),
                "payload": "/talk_to_counsellor",
            }
        ]
        await send_buttons(
            deps, context, chat_id, deps.translator.text(language, "bot.voice_note"), counsellor
        )
        return
    await send_text(
        context.bot, deps.sessions, chat_id, deps.translator.text(language, "bot.unreadable")
    )


async def on_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group: explain the bot works only in private chats and reads nothing here."""
    chat = update.effective_chat
    if chat is None:
        return
    deps = deps_of(context)
    text = "\n\n".join(deps.translator.text(lang, "bot.private_only") for lang in ("ne", "en"))
    await send_text(context.bot, deps.sessions, chat.id, text)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure first, then tell the user something useful in their language."""
    log.error(
        "telegram_handler_failed error=%s", type(context.error).__name__, exc_info=context.error
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    deps = deps_of(context)
    conversation_id = pseudonym(deps.secret, CHANNEL, update.effective_chat.id)
    language = await deps.conversations.language_of(conversation_id)
    try:
        await context.bot.send_message(
            update.effective_chat.id, deps.translator.text(language, "fallback.service_unavailable")
        )
    except Exception:  # the channel itself is failing; the log above has the cause
        log.warning("telegram_error_reply_failed")
