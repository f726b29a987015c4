"""The only module that speaks to Rasa and the action server (REST webhook, HTTP API, health)."""

from __future__ import annotations

import zlib
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


def worker_urls(rasa_url: str) -> list[str]:
    """The Rasa workers named in a setting: one URL, or several separated by commas."""
    urls = [url.strip().rstrip("/") for url in rasa_url.split(",") if url.strip()]
    return urls or ["http://127.0.0.1:5005"]


def worker_order(sender: str, worker_count: int) -> list[int]:
    """The workers to try for a sender, its own first: the same sender always goes to the same
    worker (a stable hash, not Python's salted one), the next ones only when it is down."""
    first = zlib.crc32(sender.encode()) % worker_count
    return [(first + step) % worker_count for step in range(worker_count)]


class RasaClient:
    """Async client of the Rasa server (one or several workers) and the action server.

    With several workers, each sender sticks to one of them, so its turns are processed in
    order by one process; when that worker cannot be reached at all (connection refused), the
    next one takes the message. The workers share the tracker store and Rasa's Redis lock
    store, so a conversation that moved is continued, never processed twice at once. A worker
    that is only slow is not bypassed: the message may already be in its hands.
    """

    def __init__(
        self,
        rasa_url: str,
        token: str,
        action_server_url: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        self._workers = worker_urls(rasa_url)
        self._action_server_url = action_server_url.rstrip("/")
        self._http = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    @property
    def workers(self) -> list[str]:
        """The Rasa workers' base URLs."""
        return list(self._workers)

    async def close(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def _post(self, sender: str, path: str, **kwargs: Any) -> httpx.Response:
        """POST to the sender's worker, or to the next one when it refuses the connection."""
        order = worker_order(sender, len(self._workers))
        for attempt, index in enumerate(order):
            try:
                return await self._http.post(f"{self._workers[index]}{path}", **kwargs)
            except httpx.ConnectError:
                if attempt == len(order) - 1:
                    raise
        raise AssertionError("unreachable: the loop returns or raises")

    async def send(self, sender: str, message: str, metadata: dict[str, str]) -> list[BotMessage]:
        """Send a user message; raise RasaUnavailable when Rasa is down, slow, or says nothing."""
        try:
            with RASA_SECONDS.time():
                response = await self._post(
                    sender,
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
            response = await self._post(
                sender,
                f"/conversations/{sender}/tracker/events",
                # Rasa answers with the whole tracker unless told not to; nothing here reads it.
                params={"token": self._token, "include_events": "NONE"},
                json=events,
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error

    async def status(self) -> dict[str, Any]:
        """Rasa's /status (the loaded model) from every worker; raise RasaUnavailable when any
        worker is unreachable, naming it."""
        statuses = []
        for worker in self._workers:
            try:
                response = await self._http.get(
                    f"{worker}/status", params={"token": self._token}, timeout=3
                )
                response.raise_for_status()
                data = response.json()
            except (httpx.HTTPError, ValueError) as error:
                raise RasaUnavailable(f"{worker}: {type(error).__name__}: {error}") from error
            statuses.append(data if isinstance(data, dict) else {})
        return statuses[0]

    async def action_server_ok(self) -> bool:
        """Whether the action server answers its health check."""
        try:
            response = await self._http.get(f"{self._action_server_url}/health", timeout=3)
        except httpx.HTTPError:
            return False
        return response.status_code == 200
