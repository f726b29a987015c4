"""The editor's workflow over the live store: draft → review → published, history, diff, rollback.

Every save is a new `TopicRevision`; nothing an editor wrote is overwritten. A topic has at
most one pending revision (draft or in review): saving again supersedes the older one.
Publishing moves `Topic.published_revision_id`, which the NLG endpoint reads on every
message, so an approved answer reaches users on their next message.

WorkflowError (a SahayatriError; `code` is a Babel message id)
├── NotAllowed      the deployment needs a second editor, or the action is not this editor's
├── WrongState      the revision is not in a state the action applies to
└── DraftRejected   the entry breaks content rules; `errors` says which field and why
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.content import TopicEntry, dump_yaml
from core.content_check import known_phone_numbers
from core.content_store import document, published_entries
from core.draft_rules import FieldError, StoreFacts, check_draft, normal_example
from core.errors import NotFound, SahayatriError
from core.i18n import N_
from core.models import Topic, TopicRevision, utcnow

PENDING = ("draft", "review")


class WorkflowError(SahayatriError):
    """A refused editor action; `code` names the message to show."""

    def __init__(self, code: str, values: dict[str, object] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.values = values or {}


class NotAllowed(WorkflowError):
    """This editor may not do this (e.g. approve their own revision when two are needed)."""


class WrongState(WorkflowError):
    """The revision is not in the state the action needs."""


class DraftRejected(WorkflowError):
    """The entry breaks content rules."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(N_("editor.error.draft_rejected"))
        self.errors = errors


@dataclass(frozen=True)
class TopicState:
    """A topic as the editor lists it."""

    key: str
    kind: str
    published: TopicEntry | None
    published_revision_id: int | None
    pending: TopicRevision | None


async def store_facts(session: AsyncSession) -> StoreFacts:
    """What the draft rules check an entry against: topic keys, known numbers, examples."""
    keys = frozenset((await session.scalars(select(Topic.key))).all())
    numbers = known_phone_numbers(
        await document(session, "hotlines"), await document(session, "services")
    )
    examples: dict[str, str] = {}
    for entry in await published_entries(session):
        for texts in entry.examples.by_script().values():
            for text in texts:
                examples.setdefault(normal_example(text), entry.key)
    return StoreFacts(keys, frozenset(numbers), examples)


async def _topic(session: AsyncSession, key: str) -> Topic:
    topic = await session.get(Topic, key)
    if topic is None:
        raise NotFound(f"no topic {key!r}")
    return topic


async def _revision(session: AsyncSession, revision_id: int) -> TopicRevision:
    revision = await session.get(TopicRevision, revision_id)
    if revision is None:
        raise NotFound(f"no revision {revision_id}")
    return revision


async def pending_revision(session: AsyncSession, key: str) -> TopicRevision | None:
    """The topic's draft or revision in review, if any."""
    return await session.scalar(
        select(TopicRevision)
        .where(TopicRevision.topic_key == key, TopicRevision.status.in_(PENDING))
        .order_by(TopicRevision.id.desc())
        .limit(1)
    )


async def topic_states(session: AsyncSession) -> list[TopicState]:
    """Every topic with its published entry and pending revision, sorted by key."""
    published = {entry.key: entry for entry in await published_entries(session)}
    newest_pending = (
        select(func.max(TopicRevision.id))
        .where(TopicRevision.status.in_(PENDING))
        .group_by(TopicRevision.topic_key)
    )
    pending = {
        revision.topic_key: revision
        for revision in await session.scalars(
            select(TopicRevision).where(TopicRevision.id.in_(newest_pending))
        )
    }
    topics = await session.scalars(select(Topic).order_by(Topic.key))
    return [
        TopicState(
            topic.key,
            topic.kind,
            published.get(topic.key),
            topic.published_revision_id,
            pending.get(topic.key),
        )
        for topic in topics
    ]


def matches(state: TopicState, query: str) -> bool:
    """Whether a topic's key, titles or answers (published or pending) contain `query`."""
    needle = query.casefold().strip()
    if not needle:
        return True
    texts = [state.key]
    entries: list[Any] = [state.published, state.pending and state.pending.entry]
    for entry in entries:
        if isinstance(entry, TopicEntry):
            entry = entry.to_file_data()
        if isinstance(entry, dict):
            for field in ("title", "answer"):
                texts += [str(value) for value in (entry.get(field) or {}).values()]
    return any(needle in text.casefold() for text in texts)


async def save_draft(
    session: AsyncSession, key: str, data: dict[str, Any], author: str
) -> TopicRevision:
    """Validate and save an edited entry as the topic's new draft (key and kind stay the topic's)."""
    topic = await _topic(session, key)
    entry, errors = check_draft(
        {**data, "key": key, "kind": topic.kind}, await store_facts(session)
    )
    if entry is None:
        raise DraftRejected(errors)
    previous = await pending_revision(session, key)
    if previous is not None:
        previous.status = "superseded"
    revision = TopicRevision(
        topic_key=key,
        entry=entry.to_file_data(),
        status="draft",
        author=author,
        based_on_id=previous.id if previous is not None else topic.published_revision_id,
    )
    session.add(revision)
    await session.flush()
    return revision


async def submit(session: AsyncSession, revision_id: int) -> TopicRevision:
    """Ask for review: a draft becomes a revision in review."""
    revision = await _revision(session, revision_id)
    if revision.status != "draft":
        raise WrongState(N_("editor.error.not_a_draft"))
    revision.status = "review"
    revision.submitted_at = utcnow()
    return revision


async def approve(
    session: AsyncSession, revision_id: int, reviewer: str, require_second_approval: bool
) -> TopicRevision:
    """Publish a revision in review; when the deployment says so, only another editor may."""
    revision = await _revision(session, revision_id)
    if revision.status != "review":
        raise WrongState(N_("editor.error.not_in_review"))
    if require_second_approval and revision.author == reviewer:
        raise NotAllowed(N_("editor.error.second_approval"))
    entry, errors = check_draft(revision.entry, await store_facts(session))
    if entry is None:
        raise DraftRejected(errors)
    return await _publish(session, revision, reviewer)


async def rollback(session: AsyncSession, revision_id: int, editor: str) -> TopicRevision:
    """Publish the entry of an earlier published revision again, as a new revision."""
    old = await _revision(session, revision_id)
    if old.published_at is None and old.status != "published":
        raise WrongState(N_("editor.error.never_published"))
    topic = await _topic(session, old.topic_key)
    if topic.published_revision_id == old.id:
        raise WrongState(N_("editor.error.already_current"))
    entry, errors = check_draft(old.entry, await store_facts(session))
    if entry is None:
        raise DraftRejected(errors)
    revision = TopicRevision(
        topic_key=old.topic_key,
        entry=dict(old.entry),
        status="review",
        author=editor,
        based_on_id=old.id,
        note="rollback",
        submitted_at=utcnow(),
    )
    session.add(revision)
    await session.flush()
    return await _publish(session, revision, editor)


async def _publish(session: AsyncSession, revision: TopicRevision, reviewer: str) -> TopicRevision:
    topic = await _topic(session, revision.topic_key)
    revision.status = "published"
    revision.reviewer = reviewer
    revision.published_at = utcnow()
    topic.published_revision_id = revision.id
    await session.flush()
    return revision


async def history(session: AsyncSession, key: str) -> list[TopicRevision]:
    """Every revision of a topic, newest first."""
    await _topic(session, key)
    rows = await session.scalars(
        select(TopicRevision)
        .where(TopicRevision.topic_key == key)
        .order_by(TopicRevision.id.desc())
    )
    return list(rows)


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """Which fields differ (`answer.en`, `examples.ne`, `sources`...), in file order."""
    if before is None:
        return sorted(after)
    changed = []
    for name, value in after.items():
        old = before.get(name)
        if isinstance(value, dict) and isinstance(old, dict) and name != "messages":
            changed += [f"{name}.{part}" for part in value if value.get(part) != old.get(part)]
        elif value != old:
            changed.append(name)
    return changed


async def revision_changes(session: AsyncSession, revision: TopicRevision) -> list[str]:
    """What this revision changed against the one it was based on."""
    base = await session.get(TopicRevision, revision.based_on_id) if revision.based_on_id else None
    return changed_fields(base.entry if base else None, revision.entry)


def entry_diff(before: dict[str, Any], after: dict[str, Any], names: tuple[str, str]) -> list[str]:
    """A unified diff of two entries as their YAML files would read."""
    return list(
        difflib.unified_diff(
            dump_yaml(before).splitlines(),
            dump_yaml(after).splitlines(),
            fromfile=names[0],
            tofile=names[1],
            lineterm="",
            n=2,
        )
    )


async def diff(session: AsyncSession, revision_id: int, against: int | None) -> list[str]:
    """The diff from revision `against` (default: the published one) to `revision_id`."""
    revision = await _revision(session, revision_id)
    if against is None:
        topic = await _topic(session, revision.topic_key)
        against = topic.published_revision_id
    base = await _revision(session, against) if against is not None else None
    return entry_diff(
        base.entry if base else {},
        revision.entry,
        (f"#{base.id}" if base else "-", f"#{revision.id}"),
    )


@dataclass(frozen=True)
class StaleTopic:
    """A published answer that needs a fresh look."""

    key: str
    title: dict[str, str]
    reviewed_on: dt.date | None
    needs_verification: bool


async def stale_topics(session: AsyncSession, today: dt.date, days: int) -> list[StaleTopic]:
    """Published answers never reviewed, reviewed more than `days` ago, or flagged for
    verification; oldest first."""
    limit = today - dt.timedelta(days=days)
    stale = [
        StaleTopic(
            entry.key,
            {"en": entry.title.en, "ne": entry.title.ne},
            entry.reviewed_on,
            entry.needs_verification,
        )
        for entry in await published_entries(session)
        if entry.needs_verification or entry.reviewed_on is None or entry.reviewed_on < limit
    ]
    return sorted(stale, key=lambda item: (item.reviewed_on or dt.date.min, item.key))
