"""Aggregates for NGOs: what people ask, where they want to go, how the assistant and the
counsellors did, for a range of days.

Aggregates only. A person is a conversation (a widget session, a Telegram user's pseudonym),
and every group — a day, a topic, a country, a handoff reason — counts the distinct people in
it. A group with fewer than `min_group` people is suppressed: its figures become `Suppressed`
(shown "<5"), never 0, so nobody can be singled out. Days are UTC.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Conversation, Message, aware

MAX_DAYS = 731
TOP_ROWS = 30
RISK_PREFIX = "risk_result_"
RISK_LEVELS = ("low", "medium", "high")
# Conversation control, not questions: left out of the top topics.
META_TOPICS = frozenset(
    {"greet", "goodbye", "help_menu", "change_language", "delete_my_data", "out_of_scope"}
)
TAKEOVER = "takeover"  # a counsellor joined on their own: nobody waited


class PeriodError(ValueError):
    """The dates asked for are not a valid period."""


@dataclass(frozen=True)
class Period:
    """Whole UTC days from `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def parse(cls, start: str | None, end: str | None, today: date) -> Period:
        """A period from ISO dates; the last 30 days when both are missing."""
        try:
            last = date.fromisoformat(end) if end else today
            first = date.fromisoformat(start) if start else last - timedelta(days=29)
        except ValueError as error:
            raise PeriodError("dates must look like 2026-01-31") from error
        if first > last:
            raise PeriodError("the first day is after the last day")
        if (last - first).days >= MAX_DAYS:
            raise PeriodError(f"at most {MAX_DAYS} days at a time")
        return cls(first, last)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    def days(self) -> list[str]:
        """Every day of the period, ISO formatted."""
        count = (self.end - self.start).days + 1
        return [(self.start + timedelta(days=n)).isoformat() for n in range(count)]


@dataclass(frozen=True)
class Suppressed:
    """A figure left out because its group has fewer than `threshold` people ("<5"), or, when
    `secondary`, because together with a total it would give such a group away ("x")."""

    threshold: int
    secondary: bool = False

    def __str__(self) -> str:
        return "x" if self.secondary else f"<{self.threshold}"


Cell = str | int | float | Suppressed | None


@dataclass(frozen=True)
class Table:
    """One aggregate table: column ids (also the CSV header) and rows of cells."""

    key: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]

    def column(self, name: str) -> list[Cell]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class Report:
    """Every table of the dashboard for one period."""

    period: Period
    min_group: int
    tables: dict[str, Table]
    unanswered_rate: float | Suppressed | None


def hidden_with_totals(
    rows: Sequence[Sequence[Any]],
    group_of: Callable[[Sequence[Any]], Any],
    people: int,
    min_group: int,
) -> frozenset[int]:
    """Rows to hide besides the small ones, when each group's total is shown elsewhere.

    Total less the rows shown is the sum of the rows hidden; within a group whose total is
    shown, that sum must itself be a group of at least `min_group` people. So the smallest rows
    shown are hidden too until it is (a hidden group of 3 and a shown one of 6 would otherwise
    give the 3 away).
    """
    groups: dict[Any, list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(group_of(row), []).append(index)
    hide: set[int] = set()
    for members in groups.values():
        if sum(rows[i][people] for i in members) < min_group:
            continue  # the total is suppressed itself
        small = [i for i in members if rows[i][people] < min_group]
        hidden_sum = sum(rows[i][people] for i in small)
        shown = sorted((i for i in members if i not in small), key=lambda i: rows[i][people])
        while small and hidden_sum < min_group and shown:
            extra = shown.pop(0)
            hide.add(extra)
            hidden_sum += rows[extra][people]
    return frozenset(hide)


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of the values lie (linear interpolation)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


class Analytics:
    """Runs the aggregate queries for one period on one session."""

    def __init__(self, session: AsyncSession, period: Period, min_group: int) -> None:
        self._session = session
        self._period = period
        self._min = min_group

    async def report(self) -> Report:
        """All the tables of the dashboard."""
        unanswered, rate = await self.unanswered()
        tables = [
            await self.daily(),
            await self.channels_daily(),
            await self.channels(),
            await self.topics(),
            await self.countries(),
            unanswered,
            await self.handoffs(),
            await self.risk_outcomes(),
        ]
        return Report(self._period, self._min, {t.key: t for t in tables}, rate)

    async def daily(self) -> Table:
        """People and their messages per day."""
        day = self._day(Message.created_at)
        rows = await self._session.execute(
            self._user_messages(day, func.count(distinct(Message.conversation_id)), func.count())
            .group_by(day)
            .order_by(day)
        )
        return self._table("daily", ("day", "conversations", "messages"), 1, rows.all())

    async def channels_daily(self) -> Table:
        """People and their messages per day, channel and conversation language."""
        day = self._day(Message.created_at)
        language = func.coalesce(Conversation.language, "")
        rows = await self._session.execute(
            self._user_messages(
                day,
                Conversation.channel,
                language,
                func.count(distinct(Message.conversation_id)),
                func.count(),
            )
            .join(Conversation, Conversation.id == Message.conversation_id)
            .group_by(day, Conversation.channel, language)
            .order_by(day, Conversation.channel, language)
        )
        columns = ("day", "channel", "language", "conversations", "messages")
        found = rows.all()
        # The day's total is on the page: the groups hidden on a day must add up to a group.
        hide = hidden_with_totals(found, lambda row: row[0], 3, self._min)
        return self._table("channels_daily", columns, 3, found, hide)

    async def channels(self) -> Table:
        """People and their messages per channel and language over the whole period."""
        language = func.coalesce(Conversation.language, "")
        rows = await self._session.execute(
            self._user_messages(
                Conversation.channel,
                language,
                func.count(distinct(Message.conversation_id)),
                func.count(),
            )
            .join(Conversation, Conversation.id == Message.conversation_id)
            .group_by(Conversation.channel, language)
        )
        columns = ("channel", "language", "conversations", "messages")
        return self._ranked("channels", columns, 2, rows.all())

    async def topics(self) -> Table:
        """The topics people were answered with: people, and questions answered with each."""
        rows = await self._session.execute(
            self._bot_messages(
                Message.topic,
                func.count(distinct(Message.conversation_id)),
                func.count(distinct(Message.reply_to)),
            )
            .where(
                Message.topic.is_not(None),
                Message.topic.not_in(META_TOPICS),
                Message.topic.not_like(f"{RISK_PREFIX}%"),
            )
            .group_by(Message.topic)
        )
        return self._ranked("topics", ("topic", "people", "questions"), 1, rows.all())

    async def countries(self) -> Table:
        """Destination countries named in questions: people, and questions naming each."""
        rows = await self._session.execute(
            self._bot_messages(
                Message.country,
                func.count(distinct(Message.conversation_id)),
                func.count(distinct(Message.reply_to)),
            )
            .where(Message.country.is_not(None))
            .group_by(Message.country)
        )
        return self._ranked("countries", ("country", "people", "questions"), 1, rows.all())

    async def unanswered(self) -> tuple[Table, float | Suppressed | None]:
        """Questions the assistant did not answer, by reason, and their share of all answered."""
        answered = (
            await self._session.execute(
                self._bot_messages(
                    func.count(distinct(Message.reply_to)),
                    func.count(distinct(Message.conversation_id)),
                )
            )
        ).one()
        total_questions, total_people = int(answered[0]), int(answered[1])
        rows = (
            await self._session.execute(
                self._bot_messages(
                    Message.unanswered,
                    func.count(distinct(Message.conversation_id)),
                    func.count(distinct(Message.reply_to)),
                )
                .where(Message.unanswered.is_not(None))
                .group_by(Message.unanswered)
            )
        ).all()
        missed = (
            await self._session.execute(
                self._bot_messages(
                    func.count(distinct(Message.reply_to)),
                    func.count(distinct(Message.conversation_id)),
                ).where(Message.unanswered.is_not(None))
            )
        ).one()
        columns = ("reason", "people", "questions", "percent")
        shares = [
            (reason, people, questions, self._percent(questions, total_questions))
            for reason, people, questions in rows
        ]
        table = self._ranked("unanswered", columns, 1, shares)
        missed_questions, missed_people = int(missed[0]), int(missed[1])
        rate: float | Suppressed | None = None
        if total_questions:
            # Nobody missed is no group; a few people missed, or few people at all, is one.
            few = total_people < self._min or 0 < missed_people < self._min
            rate = (
                Suppressed(self._min) if few else self._percent(missed_questions, total_questions)
            )
        return table, rate

    async def handoffs(self) -> Table:
        """Handoffs to a counsellor that started in the period, by reason: how many, how many
        were taken, and the median and 90th percentile of waiting and first-response seconds."""
        result = await self._session.execute(
            select(
                Conversation.handoff_reason,
                Conversation.waiting_since,
                Conversation.claimed_at,
                Conversation.first_response_at,
            ).where(
                Conversation.waiting_since >= self._period.since,
                Conversation.waiting_since < self._period.until,
            )
        )
        by_reason: dict[str, list[tuple[Any, ...]]] = {}
        for reason, waiting_since, claimed_at, first_response_at in result.all():
            group = by_reason.setdefault(reason or "", [])
            group.append((reason, waiting_since, claimed_at, first_response_at))
        columns = (
            "reason",
            "handoffs",
            "claimed",
            "waiting_median_s",
            "waiting_p90_s",
            "first_response_median_s",
            "first_response_p90_s",
        )
        rows = [
            self._handoff_row(reason, handoffs) for reason, handoffs in sorted(by_reason.items())
        ]
        everyone = [handoff for handoffs in by_reason.values() for handoff in handoffs]
        if len(by_reason) > 1:
            total = self._handoff_row("all", everyone)
            # The counts of all reasons together, less the reasons shown, would give a hidden
            # reason's count away: hide them then (the times are no sums, they stay).
            for column in (1, 2):
                if any(isinstance(row[column], Suppressed) for row in rows):
                    total = (*total[:column], Suppressed(self._min, True), *total[column + 1 :])
            rows.append(total)
        return Table("handoffs", columns, rows)

    async def risk_outcomes(self) -> Table:
        """How many people's risk self-checks ended low, medium or high."""
        rows = await self._session.execute(
            self._bot_messages(
                Message.topic,
                func.count(distinct(Message.conversation_id)),
                func.count(distinct(Message.reply_to)),
            )
            .where(Message.topic.like(f"{RISK_PREFIX}%"))
            .group_by(Message.topic)
        )
        found = {str(topic).removeprefix(RISK_PREFIX): (p, c) for topic, p, c in rows.all()}
        ordered = [(level, *found.pop(level)) for level in RISK_LEVELS if level in found]
        ordered += [(level, *counts) for level, counts in sorted(found.items())]
        return self._table("risk", ("level", "people", "checks"), 1, ordered)

    def _handoff_row(self, reason: str, handoffs: list[tuple[Any, ...]]) -> tuple[Cell, ...]:
        """One reason's figures; each statistic is suppressed unless enough people are in it."""
        waits = [
            (aware(claimed) - aware(since)).total_seconds()
            for kind, since, claimed, _ in handoffs
            if claimed is not None and kind != TAKEOVER
        ]
        firsts = [
            (aware(first) - aware(claimed)).total_seconds()
            for _, _, claimed, first in handoffs
            if claimed is not None and first is not None
        ]
        claimed = sum(1 for handoff in handoffs if handoff[2] is not None)
        cells: list[Cell] = [reason, self._count(len(handoffs)), self._count(claimed)]
        for values in (waits, firsts):
            if len(values) < self._min:
                cells += [Suppressed(self._min), Suppressed(self._min)]
            else:
                cells += [round(statistics.median(values)), round(percentile(values, 0.9))]
        return tuple(cells)

    def _count(self, people: int) -> int | Suppressed:
        return people if people >= self._min else Suppressed(self._min)

    def _table(
        self,
        key: str,
        columns: tuple[str, ...],
        people: int,
        rows: Iterable[Sequence[Any]],
        hide: frozenset[int] = frozenset(),
    ) -> Table:
        """Columns before `people` name the group; from `people` on they are figures about its
        people, all suppressed when the group has fewer than `min_group` people, or when the
        row's index is in `hide` (secondary suppression)."""
        built: list[tuple[Cell, ...]] = []
        for index, values in enumerate(rows):
            names = tuple("" if value is None else value for value in values[:people])
            figures: tuple[Cell, ...] = tuple(values[people:])
            if values[people] < self._min:
                figures = (Suppressed(self._min),) * len(figures)
            elif index in hide:
                figures = (Suppressed(self._min, secondary=True),) * len(figures)
            built.append(names + figures)
        return Table(key, columns, built)

    def _ranked(
        self, key: str, columns: tuple[str, ...], people: int, rows: Iterable[Sequence[Any]]
    ) -> Table:
        """Most people first; suppressed groups after, by name, so their order reveals nothing."""
        rows = list(rows)
        visible = sorted(
            (r for r in rows if r[people] >= self._min),
            key=lambda r: (-r[people], [str(v) for v in r[:people]]),
        )
        hidden = sorted(
            (r for r in rows if r[people] < self._min), key=lambda r: [str(v) for v in r[:people]]
        )
        return self._table(key, columns, people, (visible + hidden)[:TOP_ROWS])

    def _user_messages(self, *columns: Any) -> Any:
        return select(*columns).where(
            Message.sender == "user",
            Message.created_at >= self._period.since,
            Message.created_at < self._period.until,
        )

    def _bot_messages(self, *columns: Any) -> Any:
        return select(*columns).where(
            Message.sender == "bot",
            Message.created_at >= self._period.since,
            Message.created_at < self._period.until,
        )

    def _day(self, column: Any) -> ColumnElement[str]:
        """The UTC day of a timestamp as YYYY-MM-DD, in the database's own dialect."""
        if self._session.get_bind().dialect.name == "postgresql":
            return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
        return func.strftime("%Y-%m-%d", column)

    @staticmethod
    def _percent(part: int, whole: int) -> float:
        return round(100 * part / whole, 1) if whole else 0.0


async def build_report(session: AsyncSession, period: Period, min_group: int) -> Report:
    """The dashboard's tables for `period`, small groups suppressed."""
    return await Analytics(session, period, min_group).report()


def csv_text(table: Table) -> str:
    """The table as CSV: column ids as header, suppressed figures as "<N"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow("" if cell is None else str(cell) for cell in row)
    return buffer.getvalue()
