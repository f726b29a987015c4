"""CORS for the public chat API only, so that the widget works embedded on any NGO's site.

Only /api/ gets it, with no credentials and no custom headers: the console's
`X-Requested-With` CSRF header can therefore never be sent cross-origin.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PUBLIC_PREFIX = "/api/"
ALLOW = {
    b"access-control-allow-origin": b"*",
    b"access-control-allow-methods": b"GET, POST",
    b"access-control-allow-headers": b"content-type",
    b"access-control-max-age": b"600",
}


class PublicApiCors:
    """Answer preflights and add CORS headers on /api/ routes; leave everything else alone."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PUBLIC_PREFIX):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send(
                {"type": "http.response.start", "status": 204, "headers": list(ALLOW.items())}
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *ALLOW.items()]
            await send(message)

        await self.app(scope, receive, with_cors)
