"""A fake Telegram Bot API server on 127.0.0.1 for driving the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Sahayatri", "username": "sahayatri_test_bot"}


@dataclass
class Call:
    """One Bot API request the bot made."""

    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    """Queue updates for getUpdates, record every call, and fail chosen calls on purpose."""

    calls: list[Call] = field(default_factory=list)
    updates: deque[dict[str, Any]] = field(default_factory=deque)
    failures: dict[str, deque[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""
    _stop: Any = None

    # --- what tests call -----------------------------------------------------------------
    def user_sends(self, chat_id: int, text: str, chat_type: str = "private") -> int:
        """Queue a text message (a command when it starts with /) from a user."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": chat_type},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ram"},
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._queue({"message": message})

    def user_sends_message(self, chat_id: int, **content: Any) -> int:
        """Queue a non-text message (photo, voice, sticker, location, ...)."""
        message = {
            "message_id": next(self._message_ids),
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ram"},
            **content,
        }
        return self._queue({"message": message})

    def user_taps(self, chat_id: int, data: str) -> int:
        """Queue a tap on an inline button with this callback data."""
        return self._queue(
            {
                "callback_query": {
                    "id": str(next(self._ids)),
                    "from": {"id": chat_id, "is_bot": False, "first_name": "Ram"},
                    "chat_instance": "1",
                    "data": data,
                    "message": {
                        "message_id": next(self._message_ids),
                        "date": 1_700_000_000,
                        "chat": {"id": chat_id, "type": "private"},
                        "text": "(menu)",
                    },
                }
            }
        )

    def fail_next(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """Make the next call of `method` answer with an error (429 with retry_after, 403, ...)."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures.setdefault(method, deque()).append((status, body))

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """sendMessage calls, optionally to one chat."""
        return [
            c
            for c in self.calls
            if c.method == "sendMessage"
            and (chat_id is None or int(c.params["chat_id"]) == chat_id)
        ]

    async def wait_for_messages(self, chat_id: int, count: int, seconds: float = 10) -> list[Call]:
        """Wait until the bot sent at least `count` messages to `chat_id`."""
        deadline = asyncio.get_running_loop().time() + seconds
        while len(self.sent(chat_id)) < count:
            if asyncio.get_running_loop().time() > deadline:
                texts = [c.params.get("text") for c in self.sent(chat_id)]
                raise AssertionError(f"expected {count} messages, got {texts}")
            await asyncio.sleep(0.02)
        return self.sent(chat_id)

    async def wait_until_consumed(self, seconds: float = 10) -> None:
        """Wait until the bot fetched every queued update."""
        deadline = asyncio.get_running_loop().time() + seconds
        while self.updates:
            assert asyncio.get_running_loop().time() < deadline, "updates were not fetched"
            await asyncio.sleep(0.02)

    # --- the server ----------------------------------------------------------------------
    def _queue(self, payload: dict[str, Any]) -> int:
        update_id = next(self._ids)
        self.updates.append({"update_id": update_id, **payload})
        self._new_update.set()
        return update_id

    async def _handle(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        raw = (await request.body()).decode()
        params: dict[str, Any] = {}
        for key, value in parse_qsl(raw, keep_blank_values=True):
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        self.calls.append(Call(method, params))
        queued = self.failures.get(method)
        if queued:
            status, body = queued.popleft()
            return JSONResponse(body, status_code=status)
        return JSONResponse({"ok": True, "result": await self._result(method, params)})

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            while self.updates and self.updates[0]["update_id"] < offset:
                self.updates.popleft()
            if not self.updates:
                self._new_update.clear()
                try:
                    await asyncio.wait_for(self._new_update.wait(), timeout=0.3)
                except TimeoutError:
                    return []
            # Telegram keeps an update until a later offset confirms it: hand out one at a time.
            return [self.updates[0]] if self.updates else []
        if method == "sendMessage":
            return {
                "message_id": next(self._message_ids),
                "date": 1_700_000_000,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return True

    async def serve(self) -> tuple[uvicorn.Server, asyncio.Task[None]]:
        """Start listening on a free loopback port."""
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        app = Starlette(
            routes=[Route("/bot{token}/{method}", self._handle, methods=["POST", "GET"])]
        )
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"

        async def stop() -> None:
            server.should_exit = True
            await task
            sock.close()

        self._stop = stop
        return server, task

    async def stop(self) -> None:
        """Shut the server down and release its socket."""
        if self._stop is not None:
            await self._stop()
