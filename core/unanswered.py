"""The inbox of questions the assistant could not answer, for editors to learn from.

A user message whose answer was a clarifying question, the "not understood" fallback or the
out-of-scope reply is kept here with its personal numbers redacted before it is stored.
An editor adds it as an example question to a topic (a new draft of that topic) or dismisses it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.content_store import published_entry
from core.content_workflow import WrongState, pending_revision, save_draft
from core.db import transaction
from core.errors import NotFound
from core.i18n import N_
from core.language import detect_script
from core.models import TopicRevision, UnansweredQuestion
from core.rasa_client import BotMessage
from core.redaction import redact

log = logging.getLogger(__name__)
OUT_OF_SCOPE = "out_of_scope"
MAX_STORED_CHARS = 500


def outcome_of(messages: Sequence[BotMessage]) -> str | None:
    """`fallback`, `clarify` or `out_of_scope` when the answer shows the question was not
    understood; None when it was answered."""
    for message in messages:
        if message.custom.get("clarify"):
            return "fallback" if message.custom.get("handoff") else "clarify"
        if message.topic == OUT_OF_SCOPE:
            return OUT_OF_SCOPE
    return None


async def record_unanswered(
    sessions: async_sessionmaker[AsyncSession],
    conversation_id: str,
    channel: str,
    text: str,
    messages: Sequence[BotMessage],
) -> None:
    """Keep a not-understood user message (redacted) in the inbox; never fails the reply."""
    outcome = outcome_of(messages)
    if outcome is None or not text.strip() or text.startswith("/"):
        return
    try:
        async with transaction(sessions) as session:
            session.add(
                UnansweredQuestion(
                    text=redact(text)[:MAX_STORED_CHARS],
                    script=detect_script(text),
                    channel=channel,
                    outcome=outcome,
                    conversation_id=conversation_id,
                )
            )
    except Exception:  # the user's answer matters more than the inbox; the log has the cause
        log.exception("unanswered_record_failed")


async def open_questions(session: AsyncSession, limit: int = 200) -> list[UnansweredQuestion]:
    """Questions no editor has handled yet, newest first."""
    rows = await session.scalars(
        select(UnansweredQuestion)
        .where(UnansweredQuestion.status == "open")
        .order_by(UnansweredQuestion.id.desc())
        .limit(limit)
    )
    return list(rows)


async def _open_question(session: AsyncSession, question_id: int) -> UnansweredQuestion:
    question = await session.get(UnansweredQuestion, question_id)
    if question is None:
        raise NotFound(f"no question {question_id}")
    if question.status != "open":
        raise WrongState(N_("editor.error.already_handled"))
    return question


async def add_as_example(
    session: AsyncSession, question_id: int, key: str, editor: str
) -> TopicRevision:
    """Add the question to `key`'s examples in its script, as a new draft of that topic."""
    question = await _open_question(session, question_id)
    pending = await pending_revision(session, key)
    if pending is not None:
        data = dict(pending.entry)
    else:
        entry = await published_entry(session, key)
        if entry is None:
            raise NotFound(f"no topic {key!r}")
        data = entry.to_file_data()
    script = question.script or "en"
    examples = {name: list(texts) for name, texts in (data.get("examples") or {}).items()}
    examples.setdefault(script, [])
    if question.text not in examples[script]:
        examples[script].append(question.text)
    revision = await save_draft(session, key, {**data, "examples": examples}, editor)
    question.status, question.topic_key, question.handled_by = "added", key, editor
    return revision


async def dismiss(session: AsyncSession, question_id: int, editor: str) -> None:
    """Take a question off the inbox without using it."""
    question = await _open_question(session, question_id)
    question.status, question.handled_by = "dismissed", editor
