"""How the dashboard names things in the reader's language: columns, channels, reasons, topic
titles (from the live content) and countries (from the places document)."""

from __future__ import annotations

from typing import Any

from api.deps import Services
from core.analytics import Cell, Suppressed, Table
from core.content_store import document, published_entries
from core.i18n import N_, format_value

COLUMN_IDS = {
    "day": N_("admin.col.day"),
    "channel": N_("admin.col.channel"),
    "language": N_("admin.col.language"),
    "conversations": N_("admin.col.conversations"),
    "messages": N_("admin.col.messages"),
    "topic": N_("admin.col.topic"),
    "people": N_("admin.col.people"),
    "questions": N_("admin.col.questions"),
    "country": N_("admin.col.country"),
    "reason": N_("admin.col.reason"),
    "percent": N_("admin.col.percent"),
    "handoffs": N_("admin.col.handoffs"),
    "claimed": N_("admin.col.claimed"),
    "waiting_median_s": N_("admin.col.waiting_median_s"),
    "waiting_p90_s": N_("admin.col.waiting_p90_s"),
    "first_response_median_s": N_("admin.col.first_response_median_s"),
    "first_response_p90_s": N_("admin.col.first_response_p90_s"),
    "level": N_("admin.col.level"),
    "checks": N_("admin.col.checks"),
}
VALUE_IDS = {
    "web": N_("admin.value.web"),
    "telegram": N_("admin.value.telegram"),
    "ne": N_("admin.value.ne"),
    "en": N_("admin.value.en"),
    "": N_("admin.value.unknown"),
    "clarify": N_("admin.value.clarify"),
    "out_of_scope": N_("admin.value.out_of_scope"),
    "service_unavailable": N_("admin.value.service_unavailable"),
    "asked": N_("admin.value.asked"),
    "crisis": N_("admin.value.crisis"),
    "not_understood": N_("admin.value.not_understood"),
    "takeover": N_("admin.value.takeover"),
    "risk_check": N_("admin.value.risk_check"),
    "all": N_("admin.value.all"),
    "low": N_("admin.value.low"),
    "medium": N_("admin.value.medium"),
    "high": N_("admin.value.high"),
}
NAMED_COLUMNS = {"channel", "language", "reason", "level"}
GROUP_COLUMNS = ("day", "channel", "language", "topic", "country", "reason", "level")


class Labels:
    """Names for one page in one language."""

    def __init__(
        self,
        services: Services,
        language: str,
        topics: dict[str, str],
        countries: dict[str, str],
    ) -> None:
        self._translator = services.translator
        self._language = language
        self._topics = topics
        self._countries = countries

    @classmethod
    async def load(cls, services: Services, language: str) -> Labels:
        """Topic titles and country names from the live content store."""
        async with services.sessions() as session:
            entries = await published_entries(session)
            places = await document(session, "places")
        topics = {entry.key: entry.title.get(language) for entry in entries}
        countries = {
            str(country.get("code")): localized(country.get("name"), language)
            for country in places.get("countries") or []
            if isinstance(country, dict)
        }
        return cls(services, language, topics, countries)

    def text(self, message_id: str, **values: object) -> str:
        return self._translator.text(self._language, message_id, **values)

    def column(self, column: str) -> str:
        return self.text(COLUMN_IDS[column]) if column in COLUMN_IDS else column

    def figure(self, cell: Cell) -> str:
        """A number as the language writes it; a suppressed one as "<N"."""
        if isinstance(cell, Suppressed):
            return "x" if cell.secondary else "<" + format_value(self._language, cell.threshold)
        if cell is None or cell == "":
            return "–"
        return format_value(self._language, cell)

    def cell(self, cell: Cell, column: str) -> str:
        """Any cell of a table."""
        if isinstance(cell, str) and column not in ("day",):
            return self.name(cell, column)
        if column == "percent" and isinstance(cell, int | float):
            return self.figure(cell) + " %"
        return self.figure(cell) if not isinstance(cell, str) else cell

    def name(self, value: str, column: str) -> str:
        if column == "topic":
            return self._topics.get(value, value)
        if column == "country":
            return self._countries.get(value, value)
        if column in NAMED_COLUMNS and value in VALUE_IDS:
            return self.text(VALUE_IDS[value])
        return value

    def group(self, table: Table, row: tuple[Cell, ...]) -> str:
        """The chart label of a row: its grouping cells, named."""
        parts = [
            self.cell(cell, column)
            for column, cell in zip(table.columns, row, strict=True)
            if column in GROUP_COLUMNS
        ]
        return " · ".join(parts)


def localized(value: Any, language: str) -> str:
    """A {en, ne} mapping's text in `language`, or the value itself."""
    if isinstance(value, dict):
        return str(value.get(language) or value.get("en") or "")
    return str(value or "")
