"""The conversation service: every inbound message, from any channel, goes through `handle`."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field, replace

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import handoff
from core.answers import topic_message
from core.db import transaction
from core.errors import RasaUnavailable
from core.handoff_service import HandoffService
from core.i18n import N_, Translator
from core.language import answer_language, clean_text, detect_script, requested_language
from core.metrics import MESSAGE_SECONDS, MESSAGES, RASA_FAILURES
from core.models import Conversation, Message, Note, UnansweredQuestion
from core.rasa_client import BotMessage, RasaClient
from core.risk_answers import forget_risk_answers
from core.risk_check import is_result_topic
from core.tracker_store import erase_tracker
from core.unanswered import record_unanswered

log = logging.getLogger(__name__)
PAYLOAD = re.compile(r"^/[a-z][a-z0-9_]{0,63}$")
CHANGE_LANGUAGE = "change_language"
DELETE_MY_DATA = "delete_my_data"
LANGUAGE_PAYLOADS = {"/lang_ne": "ne", "/lang_en": "en"}
LANGUAGE_NAMES = {"ne": "nepali", "en": "english"}
LANGUAGE_BUTTONS = {"/lang_ne": N_("button.nepali"), "/lang_en": N_("button.english")}
CONFIRM_DELETE = "/confirm_delete"
DELETE_BUTTONS = {CONFIRM_DELETE: N_("button.delete_yes"), "/cancel_delete": N_("button.delete_no")}
CONTROL_PAYLOADS = {*LANGUAGE_PAYLOADS, *DELETE_BUTTONS}
HANDOFF_TOPICS = {"talk_to_counsellor": "asked", "crisis": "crisis"}
OUT_OF_SCOPE = "out_of_scope"
CLARIFY = "clarify"
SERVICE_UNAVAILABLE = "service_unavailable"


@dataclass(frozen=True)
class Inbound:
    """A user's message as every channel hands it over."""

    conversation_id: str
    channel: str
    text: str = ""
    payload: str | None = None
    client_key: str | None = None
    language_hint: str | None = None


@dataclass(frozen=True)
class Reply:
    """One message to deliver to the user."""

    text: str
    language: str
    topic: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    sender: str = "bot"
    handoff: str | None = None
    country: str | None = None  # for analytics: the destination country the question named
    unanswered: str | None = None  # for analytics: clarify, out_of_scope, service_unavailable


def unanswered_reason(message: BotMessage) -> str | None:
    """Why a bot message did not answer the question (None when it did): analytics counts these."""
    if message.custom.get("clarify"):
        return CLARIFY
    if message.topic == OUT_OF_SCOPE:
        return OUT_OF_SCOPE
    return None


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
        handoffs: HandoffService,
        default_language: str,
        max_message_chars: int,
        tracker_url: str = "",
    ) -> None:
        self._tracker_url = tracker_url
        self._handoffs = handoffs
        self._sessions = sessions
        self._rasa = rasa
        self._translator = translator
        self._default_language = default_language
        self._max_chars = max_message_chars

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Answer one inbound message; a message already received (same client key) is not
        processed twice: its stored replies are returned again."""
        with MESSAGE_SECONDS.labels(inbound.channel).time():
            return await self._handle(inbound)

    async def _handle(self, inbound: Inbound) -> list[Reply]:
        text = clean_text(inbound.text, self._max_chars)
        payload = inbound.payload if inbound.payload and PAYLOAD.match(inbound.payload) else None
        async with transaction(self._sessions) as session:
            conversation = await session.get(Conversation, inbound.conversation_id)
            if conversation is None:  # new: nothing can have been received under this key yet
                conversation = await self._new_conversation(session, inbound)
                earlier = None
            else:
                earlier = await self._received_with_key(session, conversation, inbound.client_key)
            if earlier is not None and earlier[1]:
                return earlier[1]  # answered before: the same replies, nothing processed twice
            script = detect_script(text) if text and not payload else None
            if conversation.language_chosen and conversation.language:
                language = conversation.language
            else:
                previous = conversation.language or inbound.language_hint
                language = answer_language(script, previous, self._default_language)
            conversation.language = language
            if earlier is not None:
                # Received but never answered (the app stopped midway): answer it now.
                received_id = earlier[0]
            else:
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
            state = conversation.state
        MESSAGES.labels(inbound.channel, "user").inc()

        if not handoff.bot_answers(state) and payload not in CONTROL_PAYLOADS:
            # A counsellor holds or is awaited: Rasa stays out, the console is told.
            await self._handoffs.user_wrote(inbound.conversation_id)
            return []

        if not text and not payload:
            replies = [Reply(self._translator.text(language, "error.empty_message"), language)]
        elif payload in CONTROL_PAYLOADS:
            replies = await self._control(inbound, payload, language)
            if payload == CONFIRM_DELETE:
                return replies  # nothing of the conversation is kept, not even this reply
        else:
            replies = await self._ask_rasa(inbound, payload or text, language)
            replies = await self._follow_up(inbound, text, replies)

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
                    country=reply.country,
                    unanswered=reply.unanswered,
                )
                for reply in replies
            )
        MESSAGES.labels(inbound.channel, "bot").inc(len(replies))
        if any(is_result_topic(reply.topic) for reply in replies):
            await forget_risk_answers(self._sessions, self._tracker_url, inbound.conversation_id)
        return replies

    async def ensure(self, conversation_id: str, channel: str, session: AsyncSession) -> None:
        """Create the conversation inside `session` unless it exists."""
        await self._conversation(session, Inbound(conversation_id=conversation_id, channel=channel))

    async def choose_language(self, conversation_id: str, channel: str, language: str) -> None:
        """Remember the user's explicit language choice; it wins over detection from now on."""
        async with transaction(self._sessions) as session:
            conversation = await self._conversation(
                session, Inbound(conversation_id=conversation_id, channel=channel)
            )
            conversation.language = language
            conversation.language_chosen = True

    async def language_of(self, conversation_id: str) -> str:
        """The conversation's language so far (the default for a new one)."""
        async with self._sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
        return (conversation and conversation.language) or self._default_language

    async def erase(self, conversation_id: str) -> None:
        """Delete the conversation and every message in it, here and in Rasa's tracker store,
        and take it off every console's queue."""
        async with transaction(self._sessions) as session:
            await session.execute(delete(Message).where(Message.conversation_id == conversation_id))
            await session.execute(delete(Note).where(Note.person_id == conversation_id))
            await session.execute(
                delete(UnansweredQuestion).where(
                    UnansweredQuestion.conversation_id == conversation_id
                )
            )
            await session.execute(delete(Conversation).where(Conversation.id == conversation_id))
        await erase_tracker(self._tracker_url, conversation_id)
        await self._handoffs.erased(conversation_id)

    async def forget(self, conversation_id: str, language: str | None = None) -> Reply:
        """Erase the conversation everywhere (the widget's button) and say so in its language."""
        language = language or await self.language_of(conversation_id)
        await self.erase(conversation_id)
        return await self._content(DELETE_MY_DATA, language, "deleted")

    async def _control(self, inbound: Inbound, payload: str, language: str) -> list[Reply]:
        """Payloads the app itself handles: language choice and data deletion."""
        if payload in LANGUAGE_PAYLOADS:
            language = LANGUAGE_PAYLOADS[payload]
            await self.choose_language(inbound.conversation_id, inbound.channel, language)
            return [
                await self._content(CHANGE_LANGUAGE, language, f"now_{LANGUAGE_NAMES[language]}")
            ]
        if payload == CONFIRM_DELETE:
            await self.erase(inbound.conversation_id)
            return [await self._content(DELETE_MY_DATA, language, "deleted")]
        return [await self._content(DELETE_MY_DATA, language, "cancelled")]

    async def _follow_up(self, inbound: Inbound, text: str, replies: list[Reply]) -> list[Reply]:
        """Act on topics that need the app: a named language is set at once, and choices
        (language, confirm deletion) get their buttons."""
        followed = []
        for reply in replies:
            if reply.topic == CHANGE_LANGUAGE:
                named = requested_language(text)
                if named:
                    await self.choose_language(inbound.conversation_id, inbound.channel, named)
                    reply = await self._content(
                        CHANGE_LANGUAGE, named, f"now_{LANGUAGE_NAMES[named]}"
                    )
                else:
                    reply = replace(
                        reply, buttons=self._choice_buttons(reply.language, LANGUAGE_BUTTONS)
                    )
            elif reply.topic == DELETE_MY_DATA:
                reply = replace(reply, buttons=self._choice_buttons(reply.language, DELETE_BUTTONS))
            followed.append(reply)
            reason = reply.handoff or HANDOFF_TOPICS.get(reply.topic or "")
            if reason:
                # The reply (for a crisis: the emergency numbers) goes out first, then the queue.
                outgoing = await self._handoffs.request(
                    inbound.conversation_id, reason, reply.topic, urgent=reason == "crisis"
                )
                followed.append(Reply(outgoing.text, outgoing.language, None, [], outgoing.sender))
        return followed

    def _choice_buttons(self, language: str, buttons: dict[str, str]) -> list[dict[str, str]]:
        return [
            {"title": self._translator.text(language, title_id), "payload": payload}
            for payload, title_id in buttons.items()
        ]

    async def _content(self, key: str, language: str, message: str | None = None) -> Reply:
        async with self._sessions() as session:
            rendered = await topic_message(session, self._translator, key, language, message)
        if rendered is None:
            return Reply(self._translator.text(language, "fallback.service_unavailable"), language)
        return Reply(rendered.text, language, rendered.topic, [])

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
            return [
                Reply(
                    self._translator.text(language, "fallback.service_unavailable"),
                    language,
                    unanswered=SERVICE_UNAVAILABLE,
                )
            ]
        await record_unanswered(
            self._sessions, inbound.conversation_id, inbound.channel, message, messages
        )
        return [self._reply(message, language) for message in messages]

    @staticmethod
    def _reply(message: BotMessage, language: str) -> Reply:
        handoff_reason = message.custom.get("handoff")
        country = message.custom.get("country")
        return Reply(
            message.text,
            language,
            message.topic,
            message.buttons,
            handoff=str(handoff_reason) if handoff_reason else None,
            country=str(country)[:8] if country else None,
            unanswered=unanswered_reason(message),
        )

    async def _conversation(self, session: AsyncSession, inbound: Inbound) -> Conversation:
        conversation = await session.get(Conversation, inbound.conversation_id)
        return conversation or await self._new_conversation(session, inbound)

    @staticmethod
    async def _new_conversation(session: AsyncSession, inbound: Inbound) -> Conversation:
        conversation = Conversation(id=inbound.conversation_id, channel=inbound.channel)
        session.add(conversation)
        await session.flush()
        return conversation

    @staticmethod
    async def _received_with_key(
        session: AsyncSession, conversation: Conversation, client_key: str | None
    ) -> tuple[int, list[Reply]] | None:
        """The message already received under this client key and the replies it got."""
        if not client_key:
            return None
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
        return received.id, [
            Reply(m.text, m.language or conversation.language or "en", m.topic, m.buttons, m.sender)
            for m in rows
        ]
