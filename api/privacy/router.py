"""GET /privacy: the privacy notice as a plain page (the widget links to it), in Nepali or English."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.deps import ServicesDep
from core.privacy import privacy_notice

STATIC = Path(__file__).resolve().parent / "static"
pages = Environment(loader=FileSystemLoader(STATIC), autoescape=select_autoescape(["html"]))
router = APIRouter(tags=["privacy"])


@router.get("/privacy", include_in_schema=False)
async def privacy_page(
    services: ServicesDep, lang: Annotated[str, Query(pattern="^(ne|en)$")] = "ne"
) -> HTMLResponse:
    """What is kept, for how long, who sees it and how to delete it; no script, no style."""
    title, *paragraphs = privacy_notice(services.translator, lang, services.settings.retention_days)
    other = "en" if lang == "ne" else "ne"
    html = pages.get_template("privacy.html").render(
        lang=lang,
        title=title,
        paragraphs=paragraphs,
        other=other,
        other_language=services.translator.text(lang, "privacy.other_language"),
    )
    return HTMLResponse(html)
