"""The composition root: settings → engine → content → Rasa client → services → Telegram → FastAPI.

The one place where api/ and bot/ meet; neither imports the other anywhere else.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from functools import partial

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from api.admin.router import router as admin_router
from api.audit.router import router as audit_router
from api.console.router import router as console_router
from api.deps import Services
from api.docs.router import assets as docs_assets
from api.docs.router import router as docs_router
from api.editor.router import router as editor_router
from api.health.router import router as health_router
from api.nlg.router import router as nlg_router
from api.privacy.router import router as privacy_router
from api.request_id import RequestIdMiddleware
from api.security import SecurityHeaders, number_too_large
from api.telegram.router import router as telegram_router
from api.widget.cors import PublicApiCors
from api.widget.limits import ChatLimits, SlidingWindow
from api.widget.router import router as widget_router
from api.widget.templates import router as widget_pages
from bot.delivery import alert_counsellors, deliver_outgoing
from bot.handlers import BotDeps
from bot.telegram_app import build_telegram_app, poll, process, register_commands
from core.broker import RedisBroker, create_broker
from core.content_store import import_content, store_is_empty
from core.conversation import ConversationService
from core.db import create_engine, migrate, session_factory, transaction
from core.handoff_service import HandoffService
from core.i18n import Translator
from core.logging_setup import configure_logging
from core.rasa_client import RasaClient
from core.retention import purge_expired
from core.settings import Settings

log = logging.getLogger(__name__)


async def expire_waiting_forever(handoffs: HandoffService, longest_wait: timedelta) -> None:
    """Every 30 seconds, hand back to the assistant whoever waited too long for a counsellor."""
    while True:
        try:
            await handoffs.expire_waiting(longest_wait)
        except Exception:  # keep the loop alive; the log has the cause
            log.exception("handoff_expiry_failed")
        await asyncio.sleep(30)


async def purge_forever(services: Services, every_seconds: float = 3600) -> None:
    """A minute after start, then every hour, delete what is older than the retention limit
    (app DB and Rasa's tracker store)."""
    settings = services.settings
    await asyncio.sleep(60)
    while True:
        try:
            await purge_expired(
                services.sessions,
                settings.rasa_tracker_url,
                timedelta(days=settings.retention_days),
            )
        except Exception:  # keep the loop alive; the log has the cause
            log.exception("retention_purge_failed")
        await asyncio.sleep(every_seconds)


@asynccontextmanager
async def telegram_channel(settings: Settings, services: Services) -> AsyncIterator[None]:
    """Run the Telegram bot when a token is set: webhook when a secret is set, else polling."""
    token = settings.telegram_token.get_secret_value()
    if not token:
        yield
        return
    deps = BotDeps(
        services.conversations,
        services.translator,
        services.sessions,
        settings.secret_key.get_secret_value(),
        settings.retention_days,
        SlidingWindow(settings.messages_per_minute_per_conversation),
    )
    application = build_telegram_app(token, settings.telegram_api_url, deps)
    services.handoffs.deliveries["telegram"] = partial(
        deliver_outgoing, application.bot, services.sessions, services.translator
    )
    if settings.counsellor_alert_chat_id is not None:
        services.handoffs.urgent_alerts.append(
            partial(
                alert_counsellors,
                application.bot,
                services.sessions,
                services.translator,
                settings.counsellor_alert_chat_id,
            )
        )
    await application.initialize()
    await register_commands(application)
    await application.start()
    poller = None
    if settings.telegram_webhook_secret.get_secret_value():
        services.telegram_updates = partial(process, application)
    elif settings.telegram_polling:
        poller = asyncio.create_task(poll(application))
    try:
        yield
    finally:
        if poller is not None:
            poller.cancel()
            with suppress(asyncio.CancelledError):
                await poller
        await application.stop()
        await application.shutdown()


def create_app(
    settings: Settings | None = None, rasa_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Build the app; the database is migrated and seeded from content/ on first start.

    Without settings this is the process's entry point (`uvicorn --factory`, however many
    processes): settings come from the environment and the logs become JSON lines.
    """
    entry_point = settings is None
    if settings is None:
        settings = Settings()
        configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(migrate, settings.database_url)
        engine = create_engine(settings.database_url)
        sessions = session_factory(engine)
        async with transaction(sessions) as session:
            if engine.dialect.name == "postgresql":  # processes starting at once: one seeds
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext('sahayatri-seed'))")
                )
            if await store_is_empty(session):
                changed = await import_content(session, settings.content_dir)
                log.info("content_imported topics=%d", changed)
        rasa = RasaClient(
            settings.rasa_url,
            settings.rasa_token.get_secret_value(),
            settings.action_server_url,
            settings.rasa_timeout_seconds,
            transport=rasa_transport,
        )
        translator = Translator(settings.locales_dir)
        broker = create_broker(settings.redis_url)
        handoffs = HandoffService(sessions, rasa, broker, translator, settings.office_hours())
        app.state.services = Services(
            settings=settings,
            engine=engine,
            sessions=sessions,
            rasa=rasa,
            translator=translator,
            broker=broker,
            handoffs=handoffs,
            login_failures=SlidingWindow(limit=10),
            chat_limits=ChatLimits(
                settings.messages_per_minute_per_ip, settings.messages_per_minute_per_conversation
            ),
            conversations=ConversationService(
                sessions,
                rasa,
                translator,
                handoffs,
                settings.default_language,
                settings.max_message_chars,
                settings.rasa_tracker_url,
            ),
        )
        expiry = asyncio.create_task(
            expire_waiting_forever(handoffs, timedelta(minutes=settings.handoff_timeout_minutes))
        )
        purge = asyncio.create_task(purge_forever(app.state.services))
        if entry_point:
            # What start-up built lives as long as the process: keep it out of the collector's
            # full passes, each of which (≈170,000 objects, ≈0.1 s here) stalls every request.
            gc.freeze()
        async with telegram_channel(settings, app.state.services):
            try:
                yield
            finally:
                for task in (expiry, purge):
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
                await rasa.close()
                await engine.dispose()
                if isinstance(broker, RedisBroker):
                    await broker.close()

    app = FastAPI(
        title="Sahayatri", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.include_router(health_router)
    app.include_router(nlg_router)
    app.include_router(widget_router)
    app.include_router(widget_pages)
    app.add_middleware(PublicApiCors)
    app.include_router(telegram_router)
    app.include_router(console_router)
    app.include_router(editor_router)
    app.include_router(privacy_router)
    app.include_router(audit_router)
    app.include_router(docs_router)
    app.mount("/docs/assets", docs_assets)
    app.add_middleware(
        SecurityHeaders,
        max_body_bytes=settings.max_body_bytes,
        https=settings.public_url.startswith("https://"),
    )
    app.add_exception_handler(OverflowError, number_too_large)
    app.include_router(admin_router)
    app.add_middleware(RequestIdMiddleware)  # outermost: every log line of a request has its id
    return app
