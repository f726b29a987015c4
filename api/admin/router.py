"""The admin dashboard: aggregate analytics as server-rendered SVG charts and tables, date
filters, and CSV export per table. Admins only; aggregates only, small groups suppressed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.admin import labels
from api.admin.charts import Chart, columns, horizontal
from api.auth import current_account
from api.deps import ServicesDep
from core.analytics import Cell, Period, PeriodError, Report, build_report, csv_text
from core.i18n import LANGUAGES, N_, format_value
from core.models import utcnow

router = APIRouter(prefix="/admin", tags=["admin"])
HERE = Path(__file__).resolve().parent
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
pages = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "j2"])
)
# Each table: its title, and which figure its chart shows (none for the long per-day listing).
SECTIONS: dict[str, tuple[str, str | None]] = {
    "daily": (N_("admin.daily"), "conversations"),
    "channels": (N_("admin.channels"), "conversations"),
    "topics": (N_("admin.topics"), "people"),
    "countries": (N_("admin.countries"), "people"),
    "unanswered": (N_("admin.unanswered"), "people"),
    "handoffs": (N_("admin.handoffs"), "handoffs"),
    "risk": (N_("admin.risk"), "people"),
    "channels_daily": (N_("admin.channels_daily"), None),
}
FromDate = Annotated[str | None, Query(alias="from", max_length=32)]
ToDate = Annotated[str | None, Query(alias="to", max_length=32)]
Lang = Annotated[str, Query(max_length=8)]


@dataclass(frozen=True)
class Section:
    """One table of the page, ready to render."""

    key: str
    title: str
    chart: Chart | None
    chart_kind: str
    headers: list[str]
    rows: list[list[str]]


async def refusal(request: Request, services: ServicesDep, language: str) -> HTMLResponse | None:
    """A polite page for anyone but a signed-in admin (401 / 403); None lets the admin in."""
    try:
        account = await current_account(request, services)
    except HTTPException:
        return message_page(services, language, 401, "admin.sign_in_first")
    if account.role != "admin":
        return message_page(services, language, 403, "admin.admins_only")
    return None


def message_page(
    services: ServicesDep, language: str, status: int, message_id: str
) -> HTMLResponse:
    text = services.translator.text
    html = pages.get_template("message.html").render(
        lang=language,
        title=text(language, N_("admin.title")),
        message=text(language, message_id),
        link=text(language, N_("admin.to_console")),
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def chosen_language(lang: str) -> str:
    return lang if lang in LANGUAGES else "ne"


async def report_for(services: ServicesDep, start: str | None, end: str | None) -> Report:
    """Raises PeriodError for dates that make no period."""
    period = Period.parse(start, end, utcnow().date())
    async with services.sessions() as session:
        return await build_report(session, period, services.settings.analytics_min_group)


@router.get("", include_in_schema=False)
async def dashboard(
    request: Request,
    services: ServicesDep,
    start: FromDate = None,
    end: ToDate = None,
    lang: Lang = "ne",
) -> HTMLResponse:
    """The dashboard for a period (the last 30 days by default)."""
    language = chosen_language(lang)
    refused = await refusal(request, services, language)
    if refused is not None:
        return refused
    text = services.translator.text
    try:
        report: Report | None = await report_for(services, start, end)
    except PeriodError:
        report = None
    names = await labels.Labels.load(services, language)
    sections = [section(report, key, names, language) for key in SECTIONS] if report else []
    html = pages.get_template("dashboard.html").render(
        lang=language,
        t=lambda message_id, **values: text(language, message_id, **values),
        report=report,
        start=report.period.start.isoformat() if report else (start or ""),
        end=report.period.end.isoformat() if report else (end or ""),
        sections=sections,
        rate=names.cell(report.unanswered_rate, "percent") if report else "",
        min_group=format_value(language, services.settings.analytics_min_group),
        today=utcnow().date().isoformat(),
    )
    return HTMLResponse(html, status_code=200 if report else 400, headers=PAGE_HEADERS)


@router.get("/export/{table}.csv", include_in_schema=False)
async def export(
    request: Request,
    services: ServicesDep,
    table: str,
    start: FromDate = None,
    end: ToDate = None,
    lang: Lang = "ne",
) -> Response:
    """One table as CSV (aggregates only, small groups as "<N")."""
    language = chosen_language(lang)
    refused = await refusal(request, services, language)
    if refused is not None:
        return refused
    if table not in SECTIONS:
        return message_page(services, language, 404, "admin.no_such_table")
    try:
        report = await report_for(services, start, end)
    except PeriodError:
        return message_page(services, language, 400, "admin.error_dates")
    period = report.period
    filename = f"sahayatri-{table}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        csv_text(report.tables[table]),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/admin.css", include_in_schema=False)
async def stylesheet() -> FileResponse:
    """The dashboard's styles (a file, so that the CSP needs no inline styles)."""
    return FileResponse(HERE / "static" / "admin.css", media_type="text/css")


def section(report: Report, key: str, names: labels.Labels, language: str) -> Section:
    """A table with its chart, every cell as the language writes it."""
    title_id, figure = SECTIONS[key]
    table = report.tables[key]
    chart: Chart | None = None
    kind = "bars"
    if figure == "conversations" and key == "daily":
        values: dict[str, Cell] = {
            str(row[0]): row[1]
            for row in table.rows  # day → conversations
        }
        chart = columns(report.period.days(), values, names.figure)
        kind = "columns"
    elif figure is not None:
        shown = [row for row in table.rows if row[0] != "all"]
        chart = horizontal(
            [names.group(table, row) for row in shown],
            [row[table.columns.index(figure)] for row in shown],
            names.figure,
        )
    rows = [
        [names.cell(cell, column) for column, cell in zip(table.columns, row, strict=True)]
        for row in table.rows
    ]
    return Section(
        key,
        names.text(title_id),
        chart if table.rows else None,
        kind,
        [names.column(column) for column in table.columns],
        rows,
    )
