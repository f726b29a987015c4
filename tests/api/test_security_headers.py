"""Security headers on every kind of response, and 413 for request bodies over the limit."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from api.app import create_app
from api.security import HTML_POLICY, NONE_POLICY
from core.settings import Settings
from tests.helpers.fake_rasa import answering, fake_rasa

# Pages that may still use inline styles: the widget demo (the widget builds its stylesheet in a
# shadow root from the host page's options) and Swagger UI (sets inline styles itself).
INLINE_STYLE_PAGES = {"/", "/docs"}
PAGES = {"/", "/console", "/privacy", "/docs", "/editor", "/admin"}


def directives(policy: str) -> dict[str, set[str]]:
    """A Content-Security-Policy as {directive: sources}."""
    parsed: dict[str, set[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = set(sources)
    return parsed


def effective(policy: dict[str, set[str]], directive: str) -> set[str]:
    """The sources a fetch directive allows: its own, or default-src's when it has none."""
    return policy.get(directive, policy.get("default-src", set()))


def plain_get_paths(app: FastAPI) -> list[str]:
    """Every GET route of the app without path parameters."""
    return sorted(
        {
            context.path
            for context in iter_route_contexts(app.routes)
            if "GET" in (getattr(context, "methods", None) or {"GET"}) and "{" not in context.path
        }
    )


def client_of(settings: Settings) -> tuple[httpx.AsyncClient, object]:
    app = create_app(settings, rasa_transport=fake_rasa(answering("greet")))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app"), app


async def test_every_kind_of_response_carries_the_headers(settings: Settings) -> None:
    client, app = client_of(settings)
    async with app.router.lifespan_context(app), client:  # type: ignore[attr-defined]
        for path in ("/privacy", "/console", "/api/widget/strings", "/widget.js", "/nope"):
            response = await client.get(path)
            assert response.headers["x-content-type-options"] == "nosniff", path
            assert response.headers["referrer-policy"] == "no-referrer", path
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        assert (await client.get("/privacy")).headers["content-security-policy"] == HTML_POLICY
        assert (await client.get("/nope")).headers["content-security-policy"] == NONE_POLICY
        console = await client.get("/console")
        assert "form-action 'self'" in console.headers["content-security-policy"], "its own kept"
        assert console.headers["cross-origin-resource-policy"] == "same-origin"
        widget = await client.get("/widget.js")
        assert widget.headers["cross-origin-resource-policy"] == "cross-origin", "embeddable"
        refused = await client.get("/console/api/queue")
        assert refused.status_code == 401 and refused.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in refused.headers


async def test_every_page_forbids_base_tags_plugins_and_foreign_forms(settings: Settings) -> None:
    client, app = client_of(settings)
    async with app.router.lifespan_context(app), client:  # type: ignore[attr-defined]
        html_pages = set()
        for path in plain_get_paths(app):  # type: ignore[arg-type]
            response = await client.get(path)
            policy = directives(response.headers["content-security-policy"])
            assert policy.get("base-uri") == {"'none'"}, path
            assert effective(policy, "object-src") == {"'none'"}, path
            assert policy.get("frame-ancestors") == {"'none'"}, path
            assert policy.get("form-action", {"missing"}) <= {"'self'", "'none'"}, path
            scripts = effective(policy, "script-src")
            assert not scripts & {"'unsafe-inline'", "'unsafe-eval'", "data:", "*"}, path
            if response.headers.get("content-type", "").startswith("text/html"):
                html_pages.add(path)
                if path not in INLINE_STYLE_PAGES:
                    assert "'unsafe-inline'" not in effective(policy, "style-src"), path
        assert html_pages >= PAGES, "the pages themselves were checked"


async def test_the_console_needs_no_inline_style(settings: Settings) -> None:
    client, app = client_of(settings)
    async with app.router.lifespan_context(app), client:  # type: ignore[attr-defined]
        page = await client.get("/console")
        assert "'unsafe-inline'" not in page.headers["content-security-policy"]
        assert not re.search(r"<style|\sstyle=", page.text), "an inline style would be blocked"
        sheets = re.findall(r"""<link rel="stylesheet" href="([^"]+)""", page.text)
        assert sheets, "the console is styled"
        for sheet in sheets:
            served = await client.get(sheet)
            assert served.status_code == 200, sheet
            assert served.headers["content-type"].startswith("text/css"), sheet
            assert "#transcript" in served.text


async def test_api_docs_come_from_the_app_itself(settings: Settings) -> None:
    client, app = client_of(settings)
    async with app.router.lifespan_context(app), client:  # type: ignore[attr-defined]
        page = await client.get("/docs")
        assert page.status_code == 200
        assert not re.search(r"""(src|href)=["']https?:""", page.text), "no CDN"
        assert "<script>" not in page.text, "no inline script"
        for asset in re.findall(r"""(?:src|href)="(/docs/[^"]+)""", page.text):
            assert (await client.get(asset)).status_code == 200, asset
        assert (await client.get("/openapi.json")).status_code == 200


async def test_bodies_over_the_limit_get_a_clear_413(settings: Settings) -> None:
    small = settings.model_copy(update={"max_body_bytes": 2048})
    client, app = client_of(small)
    async with app.router.lifespan_context(app), client:  # type: ignore[attr-defined]
        declared = await client.post("/api/messages", content=b"x" * 5000)
        assert declared.status_code == 413
        assert "too large" in declared.json()["detail"]

        async def chunks():  # no Content-Length: counted while read
            for _ in range(10):
                yield b"y" * 1000

        streamed = await client.post(
            "/api/messages", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413 and "too large" in streamed.json()["detail"]
        fine = await client.post("/api/messages", json={"text": "hello"})
        assert fine.status_code == 200, "normal messages pass"
        webhook = await client.post("/telegram/webhook", content=b"{" * 4000)
        assert webhook.status_code == 413


async def test_https_deployments_get_strict_transport_security(settings: Settings) -> None:
    client, app = client_of(settings.model_copy(update={"public_url": "https://x.example"}))
    async with app.router.lifespan_context(app), client:  # type: ignore[attr-defined]
        assert "max-age" in (await client.get("/privacy")).headers["strict-transport-security"]


async def test_numbers_no_database_can_hold_get_422_on_every_route(settings: Settings) -> None:
    client, app = client_of(settings)
    async with app.router.lifespan_context(app), client:  # type: ignore[attr-defined]
        too_big = await client.get(f"/api/conversations/{'0' * 32}/messages?after={2**64}")
        assert too_big.status_code == 422

        @app.get("/test-overflow")  # type: ignore[attr-defined]
        async def overflow() -> None:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")

        caught = await client.get("/test-overflow")
        assert caught.status_code == 422 and "too large" in caught.json()["detail"]
