"""The conversation service: every inbound message, from any channel, goes through `handle`."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import transaction
from core.errors import RasaUnavailable
from core.i18n import Translator
from core.language import answer_language, clean_text, detect_script
from core.metrics import MESSAGES, RASA_FAILURES
from core.models import Conversation, Message
from core.rasa_client import BotMessage, RasaClient

log = logging.getLogger(__name__)
PAYLOAD = re.compile(r"^/[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Inbound:
    """A user's message as every channel hands it over."""

    conversation_id: str
    channel: str
    text: str = ""
    payload: str | None = None
    client_key: str | None = None


@dataclass(frozen=True)
class Reply:
    """One message to deliver to the user."""

    text: str
    language: str
    topic: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    sender: str = "bot"


def new_conversation_id() -> str:
    """A random, unguessable conversation id."""
    return uuid.uuid4().hex


class ConversationService:
    """Stores each message first, asks Rasa, stores and returns the replies."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        rasa: RasaClient,
        translator: Translator,
        default_language: str,
        max_message_chars: int,
    ) -> None:
        self._sessions = sessions
        self._rasa = rasa
        self._translator = translator
        self._default_language = default_language
        self._max_chars = max_message_chars

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Answer one inbound message; a message already received (same client key) is not
        processed twice: its stored replies are returned again."""
        text = clean_text(inbound.text, self._max_chars)
        payload = inbound.payload if inbound.payload and PAYLOAD.match(inbound.payload) else None
        async with transaction(self._sessions) as session:
            conversation = await self._conversation(session, inbound)
            if inbound.client_key:
                earlier = await self._replies_to_client_key(session, conversation, inbound.client_key)
                if earlier is not None:
                    return earlier
            script = detect_script(text) if text and not payload else None
            language = conversation.language if conversation.language_chosen else (
                answer_language(script, conversation.language, self._default_language)
            )
            conversation.language = language
            received = Message(
                conversation_id=conversation.id,
                sender="user",
                text=text,
                payload=payload,
                language=script,
                client_key=inbound.client_key,
            )
            session.add(received)
            await session.flush()
            received_id = received.id
        MESSAGES.labels(inbound.channel, "user").inc()

        if not text and not payload:
            replies = [Reply(self._translator.text(language, "error.empty_message"), language)]
        else:
            replies = await self._ask_rasa(inbound, payload or text, language)

        async with transaction(self._sessions) as session:
            session.add_all(
                Message(
                    conversation_id=inbound.conversation_id,
                    sender=reply.sender,
                    text=reply.text,
                    topic=reply.topic,
                    buttons=reply.buttons,
                    language=reply.language,
                    reply_to=received_id,
                )
                for reply in replies
            )
        MESSAGES.labels(inbound.channel, "bot").inc(len(replies))
        return replies

    async def _ask_rasa(self, inbound: Inbound, message: str, language: str) -> list[Reply]:
        try:
            messages = await self._rasa.send(
                inbound.conversation_id,
                message,
                {"lang": language, "channel": inbound.channel},
            )
        except RasaUnavailable as error:
            RASA_FAILURES.inc()
            log.error("rasa_unavailable conversation=%s error=%s", inbound.conversation_id, error)
            return [Reply(self._translator.text(language, "fallback.service_unavailable"), language)]
        return [self._reply(message, language) for message in messages]

    @staticmethod
    def _reply(message: BotMessage, language: str) -> Reply:
        return Reply(message.text, language, message.topic, message.buttons)

    async def _conversation(self, session: AsyncSession, inbound: Inbound) -> Conversation:
        conversation = await session.get(Conversation, inbound.conversation_id)
        if conversation is None:
            conversation = Conversation(id=inbound.conversation_id, channel=inbound.channel)
            session.add(conversation)
            await session.flush()
        return conversation

    @staticmethod
    async def _replies_to_client_key(
        session: AsyncSession, conversation: Conversation, client_key: str
    ) -> list[Reply] | None:
        received = await session.scalar(
            select(Message).where(
                Message.conversation_id == conversation.id, Message.client_key == client_key
            )
        )
        if received is None:
            return None
        rows = await session.scalars(
            select(Message).where(Message.reply_to == received.id).order_by(Message.id)
        )
        return [
            Reply(m.text, m.language or conversation.language or "en", m.topic, m.buttons, m.sender)
            for m in rows
        ]
