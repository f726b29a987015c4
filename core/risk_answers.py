"""Nothing of the self-check's answers is kept beyond its result.

Once the result is given, the user's answers to the questions are blanked in the app's
transcript and their events are deleted from Rasa's tracker store (the result itself, with its
reasons, stays: that is what a counsellor needs and what the user was shown).
"""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import transaction
from core.models import Message
from core.risk_check import TOPIC
from core.tracker_store import forget_user_turns

LOOK_BACK = 60  # messages: more than a whole check, with a few interruptions


def answer_ids(messages: list[Message]) -> list[int]:
    """The user messages that answered a question of the latest check: walking back from the
    newest, every user message whose preceding bot message was a question of the check."""
    answers: list[int] = []
    pending: list[Message] = []
    for message in messages:  # newest first
        if message.sender == "user":
            pending.append(message)
        elif pending:
            if message.topic != TOPIC:
                break
            answers += [m.id for m in pending]
            pending = []
    return answers


async def forget_risk_answers(
    sessions: async_sessionmaker[AsyncSession], tracker_url: str, conversation_id: str
) -> int:
    """Blank the answers of the check that just ended; returns how many were blanked."""
    async with transaction(sessions) as session:
        recent = list(
            await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.id.desc())
                .limit(LOOK_BACK)
            )
        )
        ids = answer_ids(recent)
        if not ids:
            return 0
        first = min((m for m in recent if m.id in ids), key=lambda m: m.id).created_at
        await session.execute(
            update(Message).where(Message.id.in_(ids)).values(text="", payload=None)
        )
    since = first if first.tzinfo else first.replace(tzinfo=UTC)
    await forget_user_turns(tracker_url, conversation_id, since)
    return len(ids)
