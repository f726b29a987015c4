"""The live content store in the database: published topic revisions and structured documents."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.content import (
    DOCUMENTS,
    TopicEntry,
    load_document,
    load_topics,
    parse_topic,
    write_document,
    write_topic,
)
from core.models import ContentDocument, Topic, TopicRevision

# A revision is never changed once written (an edit or a rollback writes a new one), so each
# process keeps the revisions it has read, parsed: the NLG, called for every answer, then asks
# the database only which revision of each topic is published, and an edit published by any
# process still shows on the next message. A revision is known by its id and creation time, so
# two databases used by one process (tests) never mix.
_revisions: dict[tuple[int, datetime], TopicEntry] = {}
MAX_KEPT_REVISIONS = 2000


async def published_entries_of(session: AsyncSession, keys: list[str]) -> dict[str, TopicEntry]:
    """The published version of each topic in `keys` that has one, in one query (plus one
    for revisions this process has not read yet)."""
    if not keys:
        return {}
    rows = await session.execute(
        select(Topic.key, TopicRevision.id, TopicRevision.created_at)
        .join(TopicRevision, Topic.published_revision_id == TopicRevision.id)
        .where(Topic.key.in_(keys))
    )
    published = {key: (revision_id, created) for key, revision_id, created in rows}
    unread = {stamp[0]: stamp for stamp in published.values() if stamp not in _revisions}
    if unread:
        if len(_revisions) + len(unread) > MAX_KEPT_REVISIONS:
            _revisions.clear()
        entries = await session.execute(
            select(TopicRevision.id, TopicRevision.entry).where(TopicRevision.id.in_(unread))
        )
        for revision_id, data in entries:
            stamp = unread[revision_id]
            _revisions[stamp] = parse_topic(data, f"database revision {revision_id}")
    return {key: _revisions[stamp] for key, stamp in published.items() if stamp in _revisions}


async def published_entry(session: AsyncSession, key: str) -> TopicEntry | None:
    """The published version of topic `key`, or None when there is none."""
    return (await published_entries_of(session, [key])).get(key)


async def published_entries(session: AsyncSession) -> list[TopicEntry]:
    """Every published topic, sorted by key."""
    rows = await session.execute(
        select(TopicRevision.entry)
        .join(Topic, Topic.published_revision_id == TopicRevision.id)
        .order_by(Topic.key)
    )
    return [parse_topic(data, "database topic") for data in rows.scalars()]


async def publish(session: AsyncSession, entry: TopicEntry, author: str) -> bool:
    """Save `entry` as a new published revision unless it equals the published one."""
    topic = await session.get(Topic, entry.key)
    data = entry.to_file_data()
    if topic is None:
        topic = Topic(key=entry.key, kind=entry.kind)
        session.add(topic)
        await session.flush()
    elif topic.published_revision_id is not None:
        current = await session.get(TopicRevision, topic.published_revision_id)
        if current is not None and current.entry == data:
            return False
    revision = TopicRevision(topic_key=entry.key, entry=data, status="published", author=author)
    session.add(revision)
    await session.flush()
    topic.kind = entry.kind
    topic.published_revision_id = revision.id
    return True


async def document(session: AsyncSession, name: str) -> dict[str, Any]:
    """A structured document (hotlines, services, places, menu); empty when absent."""
    row = await session.get(ContentDocument, name)
    return {} if row is None else row.data


async def store_is_empty(session: AsyncSession) -> bool:
    """Whether no topic has been imported yet."""
    count = await session.scalar(select(func.count()).select_from(Topic))
    return not count


async def import_content(session: AsyncSession, content_dir: Path, author: str = "import") -> int:
    """Publish every entry and document of `content_dir`; returns how many topics changed."""
    changed = 0
    for entry in load_topics(content_dir):
        changed += await publish(session, entry, author)
    for name in DOCUMENTS:
        data = load_document(content_dir, name)
        row = await session.get(ContentDocument, name)
        if row is None:
            session.add(ContentDocument(name=name, data=data))
        elif row.data != data:
            row.data = data
    return changed


async def export_content(session: AsyncSession, content_dir: Path) -> int:
    """Write the published store back to `content_dir`; returns how many topics were written."""
    entries = await published_entries(session)
    for entry in entries:
        write_topic(content_dir, entry)
    for name in DOCUMENTS:
        data = await document(session, name)
        if data:
            write_document(content_dir, name, data)
    return len(entries)
