"""Dependencies shared by the routers: the objects the composition root built."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.widget.limits import ChatLimits, SlidingWindow
from core.broker import Broker
from core.conversation import ConversationService
from core.handoff_service import HandoffService
from core.i18n import Translator
from core.rasa_client import RasaClient
from core.settings import Settings


@dataclass
class Services:
    """Everything built once per process in the app's lifespan."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    rasa: RasaClient
    translator: Translator
    broker: Broker
    handoffs: HandoffService
    conversations: ConversationService
    chat_limits: ChatLimits
    login_failures: SlidingWindow
    telegram_updates: Callable[[dict[str, Any]], Awaitable[None]] | None = None


async def get_services(request: Request) -> Services:
    """The process's services, set by the lifespan."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
