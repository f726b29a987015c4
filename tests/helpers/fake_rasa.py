"""A fake Rasa for unit tests: an httpx.MockTransport that answers like Rasa's REST channel."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

Handler = Callable[[dict[str, Any]], list[dict[str, Any]]]


def answering(topic: str, text: str = "an answer") -> Handler:
    """Rasa answering every message with `text`, then the NLG's custom topic part."""
    return lambda body: [
        {"recipient_id": body["sender"], "text": text},
        {"recipient_id": body["sender"], "custom": {"topic": topic}},
    ]


def fake_rasa(handler: Handler | None = None, *, down: bool = False) -> httpx.MockTransport:
    """A transport where /webhooks/rest/webhook calls `handler`; `down` refuses every connection."""
    received: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/webhooks/rest/webhook":
            body = json.loads(request.content)
            received.append(body)
            return httpx.Response(200, json=handler(body) if handler else [])
        if request.url.path == "/status":
            return httpx.Response(200, json={"model_file": "models/test.tar.gz"})
        if request.url.path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        return httpx.Response(404)

    transport = httpx.MockTransport(handle)
    transport.received = received  # type: ignore[attr-defined]
    return transport
