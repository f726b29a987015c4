"""/docs: the API documentation (Swagger UI) served from the app itself: no CDN, no inline script."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

STATIC = Path(__file__).resolve().parent / "static"
# Swagger UI sets inline styles and uses data: images; its script is a file of this app.
DOCS_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'"
)
router = APIRouter(include_in_schema=False)
assets = StaticFiles(directory=str(swagger_ui_path))


@router.get("/docs")
async def docs_page() -> FileResponse:
    """The documentation page."""
    return FileResponse(
        STATIC / "docs.html",
        media_type="text/html",
        headers={"Content-Security-Policy": DOCS_POLICY},
    )


@router.get("/docs/init.js")
async def docs_script() -> FileResponse:
    """Starts Swagger UI."""
    return FileResponse(STATIC / "init.js", media_type="text/javascript")
