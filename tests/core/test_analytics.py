"""Analytics on a real (migrated SQLite) database: aggregates, small-group suppression, dates."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.analytics import Period, PeriodError, Suppressed, build_report, csv_text
from core.db import create_engine, migrate, session_factory, transaction
from core.models import Conversation, Message

DAY = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
PERIOD = Period(date(2026, 3, 1), date(2026, 3, 31))
HIDDEN = Suppressed(5)


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """A new PostgreSQL database on 127.0.0.1, dropped afterwards."""
    user = os.environ.get("PGUSER", "postgres")
    name = f"sahayatri_analytics_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(host="127.0.0.1", port=5432, user=user, database="postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://{user}@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated database of each kind the app runs on (days are grouped in SQL per dialect)."""
    async with AsyncExitStack() as stack:
        if request.param == "postgresql":
            url = await stack.enter_async_context(fresh_postgres())
        else:
            url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
        await asyncio.to_thread(migrate, url)
        engine = create_engine(url)
        yield session_factory(engine)
        await engine.dispose()


async def ask(
    sessions: async_sessionmaker[AsyncSession],
    person: str,
    topic: str | None,
    *,
    at: datetime = DAY,
    channel: str = "widget",
    language: str = "ne",
    country: str | None = None,
    unanswered: str | None = None,
    times: int = 1,
) -> None:
    """`person` asks `times` questions, each answered with `topic`."""
    async with transaction(sessions) as session:
        if await session.get(Conversation, person) is None:
            session.add(Conversation(id=person, channel=channel, language=language, created_at=at))
        for _ in range(times):
            question = Message(conversation_id=person, sender="user", text="?", created_at=at)
            session.add(question)
            await session.flush()
            session.add(
                Message(
                    conversation_id=person,
                    sender="bot",
                    text="answer",
                    topic=topic,
                    country=country,
                    unanswered=unanswered,
                    reply_to=question.id,
                    created_at=at,
                )
            )


async def people_ask(sessions: async_sessionmaker[AsyncSession], count: int, **kwargs) -> None:
    prefix = kwargs.pop("prefix", "p")
    for n in range(count):
        await ask(sessions, f"{prefix}{n}", **kwargs)


async def report(sessions: async_sessionmaker[AsyncSession], period: Period = PERIOD, **kw):
    async with sessions() as session:
        return await build_report(session, period, kw.get("min_group", 5))


def rows(report, key: str) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in report.tables[key].rows}


async def test_five_people_are_shown_and_four_are_suppressed_not_zero(sessions) -> None:
    await people_ask(sessions, 5, topic="labour_permit", country="QA", prefix="q")
    await people_ask(sessions, 4, topic="visit_visa_risk", country="MY", prefix="m")
    result = await report(sessions)
    assert rows(result, "topics") == {"labour_permit": (5, 5), "visit_visa_risk": (HIDDEN, HIDDEN)}
    assert rows(result, "countries") == {"QA": (5, 5), "MY": (HIDDEN, HIDDEN)}
    assert "MY,<5,<5" in csv_text(result.tables["countries"])
    assert ",0" not in csv_text(result.tables["countries"])


async def test_people_are_counted_not_messages(sessions) -> None:
    # Two people asking twenty times are still two people: suppressed.
    await people_ask(sessions, 2, topic="passport", country="AE", times=10)
    result = await report(sessions)
    assert rows(result, "topics")["passport"] == (HIDDEN, HIDDEN)
    assert rows(result, "countries")["AE"] == (HIDDEN, HIDDEN)
    assert rows(result, "daily")["2026-03-10"] == (HIDDEN, HIDDEN)


async def test_activity_per_day_channel_and_language(sessions) -> None:
    await people_ask(sessions, 5, topic="passport", channel="telegram", language="en", times=2)
    await people_ask(sessions, 3, topic="passport", channel="widget", prefix="w")
    result = await report(sessions)
    assert rows(result, "daily") == {"2026-03-10": (8, 13)}
    by_channel = {row[:3]: row[3:] for row in result.tables["channels_daily"].rows}
    # With the day's total shown, 8 - 5 would give the three on the widget away: both hidden.
    both_hidden = (Suppressed(5, secondary=True),) * 2
    assert by_channel == {
        ("2026-03-10", "telegram", "en"): both_hidden,
        ("2026-03-10", "widget", "ne"): (HIDDEN, HIDDEN),
    }
    assert result.tables["channels"].rows[0] == ("telegram", "en", 5, 10)


async def test_the_date_filter_keeps_only_the_days_asked_for(sessions) -> None:
    await people_ask(sessions, 5, topic="passport", at=DAY)
    await people_ask(sessions, 6, topic="insurance", at=DAY + timedelta(days=30), prefix="a")
    march_10 = await report(sessions, Period(date(2026, 3, 10), date(2026, 3, 10)))
    assert rows(march_10, "topics") == {"passport": (5, 5)}
    april = await report(sessions, Period(date(2026, 4, 1), date(2026, 4, 30)))
    assert rows(april, "topics") == {"insurance": (6, 6)}
    assert rows(april, "daily") == {"2026-04-09": (6, 6)}
    nothing = await report(sessions, Period(date(2026, 3, 11), date(2026, 4, 8)))
    assert nothing.tables["topics"].rows == [] and nothing.unanswered_rate is None


async def test_meta_topics_are_not_top_topics(sessions) -> None:
    await people_ask(sessions, 5, topic="greet")
    assert (await report(sessions)).tables["topics"].rows == []


async def test_unanswered_rate_and_reasons(sessions) -> None:
    await people_ask(sessions, 10, topic="passport", prefix="ok")
    await people_ask(sessions, 5, topic=None, unanswered="clarify", prefix="c")
    await people_ask(sessions, 5, topic="out_of_scope", unanswered="out_of_scope", prefix="o")
    result = await report(sessions)
    assert result.unanswered_rate == 50.0
    assert rows(result, "unanswered") == {"clarify": (5, 5, 25.0), "out_of_scope": (5, 5, 25.0)}


async def test_a_rate_from_four_people_is_suppressed(sessions) -> None:
    await people_ask(sessions, 10, topic="passport", prefix="ok")
    await people_ask(sessions, 4, topic=None, unanswered="service_unavailable", prefix="s")
    result = await report(sessions)
    assert result.unanswered_rate == HIDDEN
    assert rows(result, "unanswered") == {"service_unavailable": (HIDDEN, HIDDEN, HIDDEN)}


async def test_risk_outcomes_by_level(sessions) -> None:
    await people_ask(sessions, 6, topic="risk_result_high", prefix="h")
    await people_ask(sessions, 4, topic="risk_result_low", prefix="l")
    result = await report(sessions)
    assert rows(result, "risk") == {"low": (HIDDEN, HIDDEN), "high": (6, 6)}
    assert "risk_result_high" not in rows(result, "topics")


async def handoff(sessions, person: str, reason: str, waited: int, first: int | None) -> None:
    since = DAY
    async with transaction(sessions) as session:
        session.add(
            Conversation(
                id=person,
                channel="widget",
                handoff_reason=reason,
                waiting_since=since,
                claimed_at=since + timedelta(seconds=waited),
                first_response_at=None
                if first is None
                else since + timedelta(seconds=waited + first),
            )
        )


async def test_handoff_waiting_and_first_response_median_and_p90(sessions) -> None:
    for n, waited in enumerate([60, 120, 180, 240, 300, 600]):
        await handoff(sessions, f"a{n}", "asked", waited, first=30 * (n + 1))
    for n in range(4):
        await handoff(sessions, f"c{n}", "crisis", 10, first=5)
    result = await report(sessions)
    table = rows(result, "handoffs")
    assert table["asked"] == (6, 6, 210, 450, 105, 165)
    assert table["crisis"] == (HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN)
    # All reasons together less "asked" would give the four crisis handoffs away.
    assert table["all"][:3] == (Suppressed(5, True), Suppressed(5, True), 90)


async def test_the_total_of_all_reasons_is_shown_when_no_reason_is_hidden(sessions) -> None:
    for n in range(5):
        await handoff(sessions, f"a{n}", "asked", 60, first=10)
        await handoff(sessions, f"c{n}", "crisis", 10, first=5)
    assert rows(await report(sessions), "handoffs")["all"][:2] == (10, 10)


async def test_a_day_total_cannot_give_a_small_channel_away(sessions) -> None:
    await people_ask(sessions, 6, topic="passport", channel="telegram", language="en", prefix="t")
    await people_ask(sessions, 5, topic="passport", channel="web", language="ne", prefix="n")
    await people_ask(sessions, 3, topic="passport", channel="web", language="en", prefix="e")
    result = await report(sessions)
    assert rows(result, "daily") == {"2026-03-10": (14, 14)}
    by_channel = {row[1:3]: row[3:] for row in result.tables["channels_daily"].rows}
    hidden = Suppressed(5, secondary=True)
    assert by_channel == {
        ("telegram", "en"): (6, 6),
        ("web", "ne"): (hidden, hidden),  # else 14 - 6 - 5 = the 3 on web in English
        ("web", "en"): (HIDDEN, HIDDEN),
    }
    assert "web,ne,x,x" in csv_text(result.tables["channels_daily"])


async def test_five_answered_of_ten_handoffs_shows_the_times_four_does_not(sessions) -> None:
    for n in range(10):
        await handoff(sessions, f"a{n}", "asked", 60, first=60 if n < 4 else None)
    assert rows(await report(sessions), "handoffs")["asked"][4:] == (HIDDEN, HIDDEN)


def test_periods_are_checked() -> None:
    today = date(2026, 5, 31)
    assert Period.parse(None, None, today) == Period(date(2026, 5, 2), today)
    assert Period.parse("2026-01-01", "2026-01-31", today).days()[-1] == "2026-01-31"
    for start, end in [("2026-02-01", "2026-01-01"), ("yesterday", None), ("2020-01-01", None)]:
        with pytest.raises(PeriodError):
            Period.parse(start, end, today)
