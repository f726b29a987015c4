"""Retention: nothing about a person is kept longer than SAHAYATRI_RETENTION_DAYS.

The purge deletes, in the app database, messages, counsellor notes and questions in the
unanswered inbox (open or handled) older than the limit, expired sign-in sessions, and every
conversation with nothing newer left in it (its Telegram delivery address goes with it); in
Rasa's tracker store, every event older than the limit and every event of a purged
conversation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import transaction
from core.models import (
    Conversation,
    LoginSession,
    Message,
    Note,
    TelegramChat,
    UnansweredQuestion,
    utcnow,
)
from core.tracker_store import purge_tracker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purged:
    """How many rows one purge deleted (tracker_events is -1 when the store was unreachable)."""

    conversations: int
    messages: int
    notes: int
    unanswered: int
    tracker_events: int


async def purge_expired(
    sessions: async_sessionmaker[AsyncSession],
    tracker_url: str,
    retention: timedelta,
    now: datetime | None = None,
) -> Purged:
    """Delete everything older than `retention`, here and in Rasa's tracker store."""
    now = now or utcnow()
    cutoff = now - retention
    async with transaction(sessions) as session:
        old = select(Message.id).where(Message.created_at < cutoff)
        messages = await session.execute(
            delete(Message).where(
                or_(Message.created_at < cutoff, Message.reply_to.in_(old.scalar_subquery()))
            )
        )
        notes = await session.execute(delete(Note).where(Note.created_at < cutoff))
        unanswered = await session.execute(
            delete(UnansweredQuestion).where(UnansweredQuestion.created_at < cutoff)
        )
        await session.execute(delete(LoginSession).where(LoginSession.expires_at < now))
        emptied = list(
            await session.scalars(
                select(Conversation.id).where(
                    Conversation.created_at < cutoff,
                    ~exists().where(Message.conversation_id == Conversation.id),
                )
            )
        )
        for start in range(0, len(emptied), 500):
            batch = emptied[start : start + 500]
            await session.execute(
                delete(TelegramChat).where(TelegramChat.conversation_id.in_(batch))
            )
            await session.execute(delete(Conversation).where(Conversation.id.in_(batch)))
    events = await purge_tracker(tracker_url, cutoff, emptied)
    purged = Purged(len(emptied), _count(messages), _count(notes), _count(unanswered), events)
    log.info(
        "retention_purge conversations=%d messages=%d notes=%d unanswered=%d tracker_events=%d",
        purged.conversations,
        purged.messages,
        purged.notes,
        purged.unanswered,
        purged.tracker_events,
    )
    return purged


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
