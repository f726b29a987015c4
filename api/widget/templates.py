"""The demo page at / and the widget script, served from the app's own origin."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.deps import ServicesDep
from core.i18n import N_

STATIC = Path(__file__).resolve().parent / "static"
# The widget adopts a constructed stylesheet in its shadow root, so the demo page that embeds it
# allows no inline style but its own (by hash), like every other page; scripts stay 'self' only.
DEMO_STYLE = re.findall(r"<style>(.*?)</style>", (STATIC / "demo.html").read_text("utf-8"), re.S)
DEMO_STYLE_HASH = base64.b64encode(hashlib.sha256("".join(DEMO_STYLE).encode()).digest()).decode()
PAGE_POLICY = (
    f"default-src 'self'; style-src 'self' 'sha256-{DEMO_STYLE_HASH}'; img-src 'self' data:; "
    "base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'"
)
WIDGET_STRINGS = (
    N_("widget.title"),
    N_("widget.open"),
    N_("widget.close"),
    N_("widget.placeholder"),
    N_("widget.send"),
    N_("widget.pending"),
    N_("widget.typing"),
    N_("widget.counsellor"),
    N_("widget.language"),
    N_("widget.quick_exit"),
    N_("widget.welcome"),
    N_("widget.error"),
    N_("widget.counsellor_label"),
    N_("widget.delete"),
    N_("widget.delete_confirm"),
    N_("widget.deleted"),
    N_("widget.privacy"),
)
Language = Annotated[str, Query(pattern="^(ne|en)$")]

router = APIRouter(tags=["chat"])
pages = Environment(loader=FileSystemLoader(STATIC), autoescape=select_autoescape(["html"]))


@router.get("/", include_in_schema=False)
async def demo_page(services: ServicesDep, lang: Language = "ne") -> HTMLResponse:
    """A page that embeds the widget with one script tag, and says what it is."""
    text = services.translator.text
    html = pages.get_template("demo.html").render(
        lang=lang, heading=text(lang, "demo.heading"), body=text(lang, "demo.body")
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": PAGE_POLICY})


@router.get("/widget.js", include_in_schema=False)
async def widget_script() -> FileResponse:
    """The whole widget: one file, cached for an hour."""
    return FileResponse(
        STATIC / "widget.js",
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/api/widget/strings")
async def widget_strings(services: ServicesDep, lang: Language = "ne") -> dict[str, str]:
    """The widget's interface strings in one language."""
    return {message_id: services.translator.text(lang, message_id) for message_id in WIDGET_STRINGS}
