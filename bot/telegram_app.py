"""Build the Telegram application and receive updates by polling or by webhook."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import flood, handlers
from bot.delivery import seconds
from bot.handlers import BotDeps
from core.i18n import N_, Translator

log = logging.getLogger(__name__)
COMMANDS = {
    "start": N_("command.start"),
    "menu": N_("command.menu"),
    "language": N_("command.language"),
    "counsellor": N_("command.counsellor"),
    "hotlines": N_("command.hotlines"),
    "privacy": N_("command.privacy"),
    "delete_my_data": N_("command.delete_my_data"),
    "help": N_("command.help"),
}
POLL_TIMEOUT_SECONDS = 25


def build_telegram_app(token: str, api_url: str, deps: BotDeps) -> Application:  # type: ignore[type-arg]
    """The application with every handler; updates are fed in by `poll` or the webhook route."""
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{api_url.rstrip('/')}/bot")
        .base_file_url(f"{api_url.rstrip('/')}/file/bot")
        .updater(None)
        .rate_limiter(AIORateLimiter(max_retries=0))  # global limits; retries are in delivery.py
        .build()
    )
    application.bot_data["deps"] = deps
    application.add_handler(TypeHandler(Update, flood.guard), group=-1)
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(~private & filters.ALL, handlers.on_group_message))
    application.add_handler(CommandHandler("start", handlers.on_start, filters=private))
    application.add_handler(CommandHandler("menu", handlers.on_menu, filters=private))
    application.add_handler(CommandHandler("language", handlers.on_language, filters=private))
    application.add_handler(CommandHandler("privacy", handlers.on_privacy, filters=private))
    application.add_handler(
        CommandHandler(list(handlers.COMMAND_PAYLOADS), handlers.on_topic_command, filters=private)
    )
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.on_text)
    )
    application.add_handler(MessageHandler(private & ~filters.TEXT, handlers.on_unreadable))
    application.add_error_handler(handlers.on_error)
    return application


async def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Register the command descriptions in Nepali and English (and the default)."""
    translator: Translator = application.bot_data["deps"].translator
    for language_code, language in (("ne", "ne"), ("en", "en"), (None, "ne")):
        commands = [
            BotCommand(name, translator.text(language, message_id))
            for name, message_id in COMMANDS.items()
        ]
        await application.bot.set_my_commands(commands, language_code=language_code)


async def process(application: Application, data: dict[str, Any]) -> None:  # type: ignore[type-arg]
    """Handle one update to the end (the caller acknowledges it only afterwards); ValueError
    when `data` is not a Telegram update."""
    if not isinstance(data.get("update_id"), int):
        raise ValueError("not a Telegram update: no integer update_id")
    try:
        update = Update.de_json(data, application.bot)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        raise ValueError(f"not a Telegram update: {type(error).__name__}") from error
    await application.process_update(update)


async def poll(application: Application) -> None:  # type: ignore[type-arg]
    """Long-poll getUpdates, handling each update before the next call acknowledges it, so that
    an update in progress when the app stops is fetched again (and deduplicated) after restart."""
    offset: int | None = None
    failures = 0
    while True:
        try:
            updates = await application.bot.get_updates(
                offset=offset, timeout=POLL_TIMEOUT_SECONDS, allowed_updates=Update.ALL_TYPES
            )
            failures = 0
        except RetryAfter as error:
            await asyncio.sleep(seconds(error.retry_after))
            continue
        except (NetworkError, TelegramError) as error:
            failures += 1
            log.warning("telegram_poll_failed error=%s", type(error).__name__)
            await asyncio.sleep(min(30.0, 0.5 * 2**failures))
            continue
        for update in updates:
            await application.process_update(update)
            offset = update.update_id + 1


async def set_webhook(token: str, api_url: str, public_url: str, secret: str) -> str:
    """Point Telegram at this app's webhook (with the secret token); returns the webhook URL."""
    if not secret:
        raise ValueError(
            "set SAHAYATRI_TELEGRAM_WEBHOOK_SECRET first: Telegram must prove it is Telegram"
        )
    url = f"{public_url.rstrip('/')}/telegram/webhook"
    async with Bot(token, base_url=f"{api_url.rstrip('/')}/bot") as bot:
        await bot.set_webhook(url=url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
    return url


async def delete_webhook(token: str, api_url: str) -> None:
    """Go back to polling."""
    async with Bot(token, base_url=f"{api_url.rstrip('/')}/bot") as bot:
        await bot.delete_webhook()
