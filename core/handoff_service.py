"""Handing a conversation to a counsellor and back: queue, claim, reply, resolve."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import handoff
from core.answers import topic_message
from core.broker import Broker
from core.db import transaction
from core.errors import NotFound, RasaUnavailable, SahayatriError
from core.handoff import State
from core.i18n import Translator
from core.metrics import HANDOFF_FIRST_RESPONSE_SECONDS, HANDOFF_WAITING_SECONDS
from core.models import Account, Conversation, Message, Note, aware, utcnow
from core.office_hours import OfficeHours
from core.rasa_client import RasaClient

log = logging.getLogger(__name__)
CONSOLE = "console"
COUNSELLOR_TOPIC = "talk_to_counsellor"


@dataclass(frozen=True)
class Outgoing:
    """A message the app sends on its own (not as a reply): from a counsellor or the system."""

    text: str
    language: str
    sender: str


Deliver = Callable[[str, list[Outgoing]], Awaitable[None]]


class NotHolder(SahayatriError):
    """The counsellor does not hold this conversation (never claimed, or someone else did)."""


@dataclass(frozen=True)
class QueueItem:
    """One conversation waiting for a counsellor."""

    conversation_id: str
    channel: str
    language: str | None
    urgent: bool
    reason: str | None
    topic: str | None
    waiting_since: datetime


class HandoffService:
    """The counsellor side of a conversation; channels deliver what it sends."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        rasa: RasaClient,
        broker: Broker,
        translator: Translator,
        hours: OfficeHours | None = None,
    ) -> None:
        self._sessions = sessions
        self._hours = hours
        self._rasa = rasa
        self._broker = broker
        self._translator = translator
        self.deliveries: dict[str, Deliver] = {}
        self.urgent_alerts: list[Callable[[], Awaitable[None]]] = []

    async def request(
        self, conversation_id: str, reason: str, topic: str | None, urgent: bool = False
    ) -> Outgoing:
        """Queue the conversation for a counsellor, pause Rasa, and say honestly what happens."""
        async with transaction(self._sessions) as session:
            conversation = await self._get(session, conversation_id)
            first_request = conversation.state != State.WAITING
            newly_urgent = urgent and not conversation.urgent
            conversation.state = handoff.request_counsellor(conversation.state)
            conversation.urgent = conversation.urgent or urgent
            conversation.handoff_reason = conversation.handoff_reason or reason
            conversation.handoff_topic = conversation.handoff_topic or topic
            if first_request:
                conversation.waiting_since = utcnow()
                conversation.claimed_at = conversation.first_response_at = None
                conversation.resolved_at = None
            language = conversation.language or "ne"
            anyone_online = await session.scalar(
                select(Account.id).where(Account.presence == "online", Account.role == "counsellor")
            )
            position = await self._position(session, conversation)
        await self._pause(conversation_id)
        await self._broker.publish(
            CONSOLE, {"event": "queue", "conversation_id": conversation_id, "urgent": urgent}
        )
        if newly_urgent:
            for alert in self.urgent_alerts:
                try:
                    await alert()
                except Exception:  # an alert channel failing must not stop the handoff
                    log.exception("urgent_alert_failed")
        if anyone_online:
            return await self._content(language, "queued", {"position": position})
        return await self._content(language, "nobody_online", {"when": self._when(language)})

    def _when(self, language: str) -> str:
        """When a counsellor will answer someone nobody online can help: at the start of the
        next shift when it is out of hours, otherwise as soon as one comes online."""
        now = utcnow()
        if self._hours is None or self._hours.is_open(now):
            return self._translator.text(language, "handoff.when_back_online")
        opens = self._hours.next_opening(now)
        return self._translator.text(language, "handoff.when_shift_starts", opens=opens)

    async def queue(self) -> list[QueueItem]:
        """Waiting conversations, urgent first, then longest waiting first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Conversation)
                .where(Conversation.state == State.WAITING)
                .order_by(Conversation.urgent.desc(), Conversation.waiting_since)
            )
            return [
                QueueItem(
                    c.id,
                    c.channel,
                    c.language,
                    c.urgent,
                    c.handoff_reason,
                    c.handoff_topic,
                    aware(c.waiting_since or c.created_at),
                )
                for c in rows
            ]

    async def claim(self, conversation_id: str, counsellor_id: int) -> bool:
        """Take a waiting conversation; of several counsellors claiming at once exactly one wins.

        One conditional UPDATE decides: it changes the row only while it is still waiting,
        which is atomic on SQLite and PostgreSQL alike.
        """
        async with transaction(self._sessions) as session:
            result = await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id, Conversation.state == State.WAITING)
                .values(
                    state=handoff.claim(State.WAITING),
                    counsellor_id=counsellor_id,
                    claimed_at=utcnow(),
                )
            )
            won = bool(result.rowcount == 1)  # type: ignore[attr-defined]
            conversation = await self._get(session, conversation_id)
            language = conversation.language or "ne"
        if won:
            if conversation.waiting_since and conversation.claimed_at:
                waited = aware(conversation.claimed_at) - aware(conversation.waiting_since)
                HANDOFF_WAITING_SECONDS.observe(waited.total_seconds())
            await self._broker.publish(
                CONSOLE, {"event": "claimed", "conversation_id": conversation_id}
            )
            await self._send(conversation_id, [await self._content(language, "counsellor_joined")])
        return won

    async def take_over(self, conversation_id: str, counsellor_id: int) -> bool:
        """Join a conversation the bot is handling; False when it is no longer with the bot."""
        async with transaction(self._sessions) as session:
            result = await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id, Conversation.state == State.BOT)
                .values(
                    state=handoff.take_over(State.BOT),
                    counsellor_id=counsellor_id,
                    claimed_at=utcnow(),
                    waiting_since=utcnow(),
                    first_response_at=None,
                    resolved_at=None,
                    handoff_reason="takeover",
                )
            )
            won = bool(result.rowcount == 1)  # type: ignore[attr-defined]
            language = (await self._get(session, conversation_id)).language or "ne"
        if won:
            await self._pause(conversation_id)
            await self._send(conversation_id, [await self._content(language, "counsellor_joined")])
            await self._broker.publish(
                CONSOLE, {"event": "claimed", "conversation_id": conversation_id}
            )
        return won

    async def live(self, since: timedelta) -> list[Conversation]:
        """Conversations the bot handled recently, newest first: counsellors may join them."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Conversation)
                .where(Conversation.state == State.BOT, Conversation.updated_at >= utcnow() - since)
                .order_by(Conversation.updated_at.desc())
                .limit(50)
            )
            return list(rows)

    async def reply(self, conversation_id: str, counsellor_id: int, text: str) -> None:
        """A counsellor's message, stored and delivered to the user with a person marker."""
        text = text.strip()
        if not text:
            raise SahayatriError("an empty reply is not sent")
        async with transaction(self._sessions) as session:
            conversation = await self._held(session, conversation_id, counsellor_id)
            if conversation.first_response_at is None:
                conversation.first_response_at = utcnow()
                if conversation.claimed_at:
                    answered = conversation.first_response_at - aware(conversation.claimed_at)
                    HANDOFF_FIRST_RESPONSE_SECONDS.observe(answered.total_seconds())
            language = conversation.language or "ne"
        await self._send(conversation_id, [Outgoing(text, language, "counsellor")])

    async def resolve(
        self, conversation_id: str, counsellor_id: int, closing: str | None = None
    ) -> None:
        """Close the handoff: optional closing message, Rasa resumed, the user told the bot is back."""
        async with transaction(self._sessions) as session:
            conversation = await self._held(session, conversation_id, counsellor_id)
            conversation.state = handoff.resolve(conversation.state)
            conversation.resolved_at = utcnow()
            language = conversation.language or "ne"
        outgoing = (
            [Outgoing(closing.strip(), language, "counsellor")]
            if closing and closing.strip()
            else []
        )
        outgoing.append(await self._content(language, "handback"))
        async with transaction(self._sessions) as session:
            conversation = await self._get(session, conversation_id)
            conversation.state = handoff.resume_bot(conversation.state)
            conversation.counsellor_id = None
            conversation.urgent = False
            conversation.handoff_reason = conversation.handoff_topic = None
        await self._resume(conversation_id)
        await self._send(conversation_id, outgoing)
        await self._broker.publish(
            CONSOLE, {"event": "resolved", "conversation_id": conversation_id}
        )

    async def expire_waiting(self, older_than: timedelta) -> list[str]:
        """Return to the bot everyone who waited longer than `older_than` (of shift time, when
        counsellors have set hours), and tell them so.

        Each conversation is taken by one conditional UPDATE, so that several app processes
        running this at once never send the message twice.
        """
        now = utcnow()
        cutoff = now - older_than
        if self._hours is not None:
            # Out of hours people were told when the shift starts: they keep their place until
            # then, and the waiting counts from the start of the shift.
            started = self._hours.shift_started(now)
            if started is None or started > cutoff:
                return []
        async with self._sessions() as session:
            candidates = list(
                await session.scalars(
                    select(Conversation.id).where(
                        Conversation.state == State.WAITING, Conversation.waiting_since < cutoff
                    )
                )
            )
        expired = []
        for conversation_id in candidates:
            async with transaction(self._sessions) as session:
                result = await session.execute(
                    update(Conversation)
                    .where(Conversation.id == conversation_id, Conversation.state == State.WAITING)
                    .values(state=handoff.time_out(State.WAITING), waiting_since=None, urgent=False)
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    continue
                language = (await self._get(session, conversation_id)).language or "ne"
            await self._resume(conversation_id)
            await self._send(
                conversation_id, [await self._content(language, "timeout_back_to_bot")]
            )
            await self._broker.publish(
                CONSOLE, {"event": "timeout", "conversation_id": conversation_id}
            )
            expired.append(conversation_id)
        return expired

    async def transfer(self, conversation_id: str, counsellor_id: int, to_username: str) -> None:
        """Hand a held conversation to another counsellor who is online."""
        async with transaction(self._sessions) as session:
            conversation = await self._held(session, conversation_id, counsellor_id)
            target = await session.scalar(
                select(Account).where(
                    Account.username == to_username,
                    Account.role == "counsellor",
                    Account.presence == "online",
                )
            )
            if target is None:
                raise SahayatriError(f"{to_username!r} is not an online counsellor")
            conversation.state = handoff.transfer(conversation.state)
            conversation.counsellor_id = target.id
        await self._broker.publish(
            CONSOLE, {"event": "transferred", "conversation_id": conversation_id}
        )

    async def metrics(self, conversation_id: str) -> dict[str, int | None]:
        """Seconds waited for a counsellor, to the first reply, and of handling (so far)."""
        async with self._sessions() as session:
            c = await self._get(session, conversation_id)
        now = utcnow()

        def seconds(start: datetime | None, end: datetime | None) -> int | None:
            if start is None:
                return None
            return int(((aware(end) if end else now) - aware(start)).total_seconds())

        return {
            "waiting_seconds": seconds(c.waiting_since, c.claimed_at),
            "first_response_seconds": seconds(c.claimed_at, c.first_response_at)
            if c.first_response_at
            else None,
            "handling_seconds": seconds(c.claimed_at, c.resolved_at),
        }

    async def add_note(self, conversation_id: str, counsellor_id: int, text: str) -> None:
        """Keep a private note about the person behind this conversation."""
        async with transaction(self._sessions) as session:
            await self._get(session, conversation_id)
            session.add(Note(person_id=conversation_id, author_id=counsellor_id, text=text.strip()))

    async def notes(self, conversation_id: str) -> list[Note]:
        """The notes about this person, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Note).where(Note.person_id == conversation_id).order_by(Note.id)
            )
            return list(rows)

    async def transcript(self, conversation_id: str) -> list[Message]:
        """Every message of the conversation, the bot's part included, oldest first."""
        async with self._sessions() as session:
            await self._get(session, conversation_id)
            rows = await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.id)
            )
            return list(rows)

    async def erased(self, conversation_id: str) -> None:
        """Tell every console (in every process) that the person erased this conversation, so
        that it leaves their queues and open transcripts at once."""
        await self._broker.publish(CONSOLE, {"event": "erased", "conversation_id": conversation_id})

    async def user_wrote(self, conversation_id: str) -> None:
        """Tell the console that the user wrote while waiting or talking to a counsellor."""
        await self._broker.publish(
            CONSOLE, {"event": "message", "conversation_id": conversation_id}
        )

    async def _send(self, conversation_id: str, outgoing: list[Outgoing]) -> None:
        """Store the messages, then hand them to the conversation's channel."""
        async with transaction(self._sessions) as session:
            conversation = await self._get(session, conversation_id)
            channel = conversation.channel
            session.add_all(
                Message(
                    conversation_id=conversation_id,
                    sender=o.sender,
                    text=o.text,
                    language=o.language,
                )
                for o in outgoing
            )
        await self._broker.publish(f"conversation:{conversation_id}", {"event": "message"})
        deliver = self.deliveries.get(channel)
        if deliver is not None:
            await deliver(conversation_id, outgoing)

    async def _content(
        self, language: str, message: str, values: dict[str, object] | None = None
    ) -> Outgoing:
        async with self._sessions() as session:
            rendered = await topic_message(
                session, self._translator, COUNSELLOR_TOPIC, language, message, values
            )
        text = (
            rendered.text
            if rendered
            else self._translator.text(language, "fallback.service_unavailable")
        )
        return Outgoing(text, language, "system")

    async def _position(self, session: AsyncSession, conversation: Conversation) -> int:
        waiting = await self.queue_ids(session)
        return (
            waiting.index(conversation.id) + 1 if conversation.id in waiting else len(waiting) + 1
        )

    @staticmethod
    async def queue_ids(session: AsyncSession) -> list[str]:
        """Ids of the waiting conversations in queue order."""
        rows = await session.scalars(
            select(Conversation.id)
            .where(Conversation.state == State.WAITING)
            .order_by(Conversation.urgent.desc(), Conversation.waiting_since)
        )
        return list(rows)

    async def _pause(self, conversation_id: str) -> None:
        try:
            await self._rasa.add_events(conversation_id, [{"event": "pause"}])
        except RasaUnavailable as error:  # the app's state already keeps Rasa out
            log.warning("rasa_pause_failed error=%s", error)

    async def _resume(self, conversation_id: str) -> None:
        try:
            await self._rasa.add_events(conversation_id, [{"event": "resume"}])
        except RasaUnavailable as error:
            log.warning("rasa_resume_failed error=%s", error)

    @staticmethod
    async def _get(session: AsyncSession, conversation_id: str) -> Conversation:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound(f"no conversation {conversation_id}")
        return conversation

    async def _held(
        self, session: AsyncSession, conversation_id: str, counsellor_id: int
    ) -> Conversation:
        conversation = await self._get(session, conversation_id)
        if (
            conversation.state != State.WITH_COUNSELLOR
            or conversation.counsellor_id != counsellor_id
        ):
            raise NotHolder("you do not hold this conversation")
        return conversation
