"""Retention: the purge deletes old conversations and old questions of the unanswered inbox from
the app database, and old events from Rasa's tracker store (SQLite and PostgreSQL), keeps newer
ones, and runs from the command line too."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import create_engine, migrate, session_factory, transaction
from core.models import Conversation, Message, Note, TelegramChat, UnansweredQuestion, utcnow
from core.retention import purge_expired
from core.settings import PROJECT_ROOT
from tests.helpers.privacy import add_tracker_events, postgres_database, tracker_senders

OLD, MIXED, NEW = "a" * 32, "b" * 32, "c" * 32


@pytest.fixture(params=["sqlite", "postgresql"])
async def databases(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, str]]:
    """(app database URL, tracker store URL), both migrated/created and empty."""
    if request.param == "sqlite":
        app_url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
        tracker_url = f"sqlite+aiosqlite:///{tmp_path / 'tracker.db'}"
        await asyncio.to_thread(migrate, app_url)
        yield app_url, tracker_url
        return
    async with postgres_database() as app_url, postgres_database() as tracker_url:
        await asyncio.to_thread(migrate, app_url)
        yield app_url, tracker_url


async def seed(app_url: str, tracker_url: str) -> None:
    """An old conversation, one with old and new messages, and a new one; Rasa events alike."""
    now = utcnow()
    old = now - timedelta(days=100)
    engine = create_engine(app_url)
    async with transaction(session_factory(engine)) as session:
        for conversation_id, created in ((OLD, old), (MIXED, old), (NEW, now)):
            session.add(Conversation(id=conversation_id, channel="telegram", created_at=created))
        await session.flush()
        session.add(TelegramChat(conversation_id=OLD, chat_id=42))
        session.add(Note(person_id=OLD, text="old note", created_at=old))
        session.add(Note(person_id=NEW, text="new note", created_at=now))
        for text, status, created in (
            ("old open question", "open", old),
            ("old dismissed question", "dismissed", old),
            ("new question", "open", now),
        ):
            session.add(
                UnansweredQuestion(
                    text=text, channel="web", outcome="fallback", status=status, created_at=created
                )
            )
        for conversation_id, created in ((OLD, old), (MIXED, old), (MIXED, now), (NEW, now)):
            asked = Message(
                conversation_id=conversation_id, sender="user", text="q", created_at=created
            )
            session.add(asked)
            await session.flush()
            # The reply lands a moment later: still belongs with its question.
            session.add(
                Message(
                    conversation_id=conversation_id,
                    sender="bot",
                    text="a",
                    reply_to=asked.id,
                    created_at=created + timedelta(seconds=1),
                )
            )
    await engine.dispose()
    await add_tracker_events(tracker_url, [(OLD, old), (MIXED, old), (MIXED, now), (NEW, now)])


async def test_the_purge_deletes_old_rows_and_tracker_events_and_keeps_newer(
    databases: tuple[str, str],
) -> None:
    app_url, tracker_url = databases
    await seed(app_url, tracker_url)
    engine = create_engine(app_url)
    sessions = session_factory(engine)

    purged = await purge_expired(sessions, tracker_url, timedelta(days=90))

    assert (purged.conversations, purged.messages, purged.notes) == (1, 4, 1)
    assert purged.tracker_events == 2
    assert purged.unanswered == 2
    async with sessions() as session:
        assert set(await session.scalars(select(Conversation.id))) == {MIXED, NEW}
        left = list(
            await session.execute(
                select(Message.conversation_id, func.count()).group_by(Message.conversation_id)
            )
        )
        assert dict(left) == {MIXED: 2, NEW: 2}, "only the old question and its answer went"
        assert list(await session.scalars(select(Note.text))) == ["new note"]
        assert await session.scalar(select(func.count()).select_from(TelegramChat)) == 0
        inbox = list(await session.scalars(select(UnansweredQuestion.text)))
        assert inbox == ["new question"], "old questions go from the inbox, open or handled"
    assert await tracker_senders(tracker_url) == [MIXED, NEW]
    again = await purge_expired(sessions, tracker_url, timedelta(days=90))
    assert (again.conversations, again.messages, again.notes, again.unanswered) == (0, 0, 0, 0)
    assert again.tracker_events == 0
    await engine.dispose()


async def test_a_tracker_store_without_events_does_not_stop_the_app_purge(tmp_path: Path) -> None:
    app_url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    await asyncio.to_thread(migrate, app_url)
    tracker_url = f"sqlite+aiosqlite:///{tmp_path / 'tracker.db'}"
    await seed(app_url, tracker_url)
    engine = create_engine(app_url)
    # Rasa never started: its database has no events table yet.
    missing = f"sqlite+aiosqlite:///{tmp_path / 'empty-tracker.db'}"
    purged = await purge_expired(session_factory(engine), missing, timedelta(days=90))
    assert purged.conversations == 1 and purged.tracker_events == -1
    await engine.dispose()


async def test_make_purge_command_line(tmp_path: Path) -> None:
    app_url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    tracker_url = f"sqlite+aiosqlite:///{tmp_path / 'tracker.db'}"
    await asyncio.to_thread(migrate, app_url)
    await seed(app_url, tracker_url)
    env = {
        **os.environ,
        "SAHAYATRI_DATABASE_URL": app_url,
        "SAHAYATRI_RASA_TRACKER_URL": tracker_url,
        "SAHAYATRI_RETENTION_DAYS": "90",
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "core.cli", "purge"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (
        "1 conversation(s), 4 message(s), 1 note(s), 2 unanswered question(s), 2 Rasa event(s)"
        in done.stdout
    )
    assert await tracker_senders(tracker_url) == [MIXED, NEW]
