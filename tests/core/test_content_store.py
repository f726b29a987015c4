"""The live store: lossless import and export, revisions."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from core.content import load_document, load_topics
from core.content_store import export_content, import_content
from core.db import create_engine, migrate, session_factory, transaction
from core.models import TopicRevision
from core.settings import PROJECT_ROOT

DOCUMENTS = ("hotlines", "services", "places", "menu")


def run_round_trip(database_url: str, source: Path, target: Path) -> tuple[int, int, int]:
    async def go() -> tuple[int, int, int]:
        engine = create_engine(database_url)
        sessions = session_factory(engine)
        async with transaction(sessions) as session:
            first = await import_content(session, source)
        async with transaction(sessions) as session:
            second = await import_content(session, source)
        async with transaction(sessions) as session:
            await export_content(session, target)
            revisions = await session.scalar(select(func.count()).select_from(TopicRevision))
        await engine.dispose()
        return first, second, revisions or 0

    migrate(database_url)
    return asyncio.run(go())


def test_import_then_export_gives_back_the_same_content(tmp_path: Path) -> None:
    source = PROJECT_ROOT / "content"
    target = tmp_path / "exported"
    first, second, revisions = run_round_trip(
        f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", source, target
    )
    topics = load_topics(source)
    assert first == len(topics) == revisions
    assert second == 0, "importing unchanged content must not add revisions"
    assert load_topics(target) == topics
    for name in DOCUMENTS:
        assert load_document(target, name) == load_document(source, name)
