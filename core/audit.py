"""The audit log: who viewed or exported which conversation, and when (never its words).

Every place that shows a person's conversation to staff calls `record`; admins read the log
through `entries` (GET /admin/audit).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import transaction
from core.models import Account, AuditEntry

VIEW_TRANSCRIPT = "view_transcript"
VIEW_NOTES = "view_notes"
EXPORT = "export"


async def record(
    sessions: async_sessionmaker[AsyncSession], account: Account, conversation_id: str, action: str
) -> None:
    """Write one line: this account did `action` to this conversation, now."""
    async with transaction(sessions) as session:
        session.add(
            AuditEntry(
                account_id=account.id,
                username=account.username,
                conversation_id=conversation_id,
                action=action,
            )
        )


async def entries(
    sessions: async_sessionmaker[AsyncSession],
    conversation_id: str | None = None,
    username: str | None = None,
    before: datetime | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """The newest lines first, optionally of one conversation or one account."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if conversation_id:
        query = query.where(AuditEntry.conversation_id == conversation_id)
    if username:
        query = query.where(AuditEntry.username == username)
    if before:
        query = query.where(AuditEntry.at < before)
    async with sessions() as session:
        return list(await session.scalars(query))
