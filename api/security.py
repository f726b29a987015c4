"""Hardening for every route: security headers on every response, a size limit on every body.

Pages that set their own Content-Security-Policy (console, widget demo, editor) keep it; every
other HTML page gets a strict one, every other response (JSON, scripts) one that allows nothing.
Nothing may be framed. The widget's script and the public chat API stay loadable from other
sites (cross-origin resource policy); everything else is same-origin.
"""

from __future__ import annotations

import json

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTML_POLICY = (
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
    "object-src 'none'; frame-ancestors 'none'"
)
NONE_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
CROSS_ORIGIN_PATHS = ("/api/", "/widget.js")


class BodyTooLarge(HTTPException):
    """The request body passed the limit (an HTTPException, so the app answers 413 itself when
    the body is read inside a route)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=too_large(limit))


def too_large(limit: int) -> str:
    """The 413 answer's detail."""
    return f"the request is too large: at most {limit} bytes"


class SecurityHeaders:
    """Adds the headers, and answers 413 (JSON) to a body larger than `max_body_bytes`."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, https: bool = False) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await self._too_large(scope, send)
            return
        path: str = scope["path"]
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                self._add_headers(path, MutableHeaders(scope=message))
            await send(message)

        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        try:
            await self.app(scope, counted, with_headers)
        except BodyTooLarge:
            if not started:
                await self._too_large(scope, send)

    def _add_headers(self, path: str, headers: MutableHeaders) -> None:
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        if "content-security-policy" not in headers:
            html = headers.get("content-type", "").startswith("text/html")
            headers["Content-Security-Policy"] = HTML_POLICY if html else NONE_POLICY
        cross_origin = path.startswith(CROSS_ORIGIN_PATHS)
        headers.setdefault(
            "Cross-Origin-Resource-Policy", "cross-origin" if cross_origin else "same-origin"
        )
        if self.https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")

    async def _too_large(self, scope: Scope, send: Send) -> None:
        body = json.dumps({"detail": too_large(self.max_body_bytes)}).encode()
        start: Message = {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
        self._add_headers(scope["path"], MutableHeaders(scope=start))
        await send(start)
        await send({"type": "http.response.body", "body": body})


async def number_too_large(_request: Request, _error: Exception) -> JSONResponse:
    """A number in the request that no database column can hold (an id past 2^63) is the
    client's mistake: 422, never a 500, on whatever route it reaches the database."""
    return JSONResponse(status_code=422, content={"detail": "a number in the request is too large"})
