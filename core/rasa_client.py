"""The only module that speaks to Rasa and the action server (REST webhook, HTTP API, health)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from core.errors import RasaUnavailable
from core.metrics import RASA_SECONDS


@dataclass(frozen=True)
class BotMessage:
    """One message Rasa produced, with the content topic the NLG endpoint reported."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    topic: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)


def merge_custom(raw: list[dict[str, Any]]) -> list[BotMessage]:
    """Rasa's REST channel sends a response's `custom` part as a separate message after its text;
    put each back on the text it belongs to."""
    messages: list[BotMessage] = []
    for item in raw:
        raw_custom = item.get("custom")
        custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
        if "text" not in item and custom and messages:
            previous = messages[-1]
            messages[-1] = BotMessage(
                previous.text,
                previous.buttons,
                custom.get("topic", previous.topic),
                {**previous.custom, **custom},
            )
            continue
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in item.get("buttons") or []
        ]
        messages.append(
            BotMessage(str(item.get("text") or ""), buttons, custom.get("topic"), custom)
        )
    return [m for m in messages if m.text]


class RasaClient:
    """Async client of the Rasa server and the action server."""

    def __init__(
        self,
        rasa_url: str,
        token: str,
        action_server_url: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        self._action_server_url = action_server_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=rasa_url.rstrip("/"), timeout=timeout, transport=transport
        )

    async def close(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def send(self, sender: str, message: str, metadata: dict[str, str]) -> list[BotMessage]:
        """Send a user message; raise RasaUnavailable when Rasa is down, slow, or says nothing."""
        try:
            with RASA_SECONDS.time():
                response = await self._http.post(
                    "/webhooks/rest/webhook",
                    json={"sender": sender, "message": message, "metadata": metadata},
                )
            response.raise_for_status()
            raw = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
        messages = merge_custom(raw if isinstance(raw, list) else [])
        if not messages:
            raise RasaUnavailable("Rasa answered with no message (NLG or action failure)")
        return messages

    async def add_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Append events (pause, resume, ...) to a conversation's tracker."""
        try:
            response = await self._http.post(
                f"/conversations/{sender}/tracker/events",
                params={"token": self._token},
                json=events,
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error

    async def status(self) -> dict[str, Any]:
        """Rasa's /status (the loaded model); raise RasaUnavailable when unreachable."""
        try:
            response = await self._http.get("/status", params={"token": self._token}, timeout=3)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
        return data if isinstance(data, dict) else {}

    async def action_server_ok(self) -> bool:
        """Whether the action server answers its health check."""
        try:
            response = await self._http.get(f"{self._action_server_url}/health", timeout=3)
        except httpx.HTTPError:
            return False
        return response.status_code == 200
