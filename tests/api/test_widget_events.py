"""The widget's live channel: a server-sent event as soon as a counsellor writes."""

from __future__ import annotations

import asyncio
import socket

import httpx
import uvicorn

from api.app import create_app
from core.settings import Settings
from tests.helpers.console import CSRF, add_account, sign_in
from tests.helpers.fake_rasa import answering, fake_rasa


async def test_counsellor_reply_is_pushed_to_the_widget(settings: Settings) -> None:
    app = create_app(settings, rasa_transport=fake_rasa(answering("talk_to_counsellor")))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            await add_account(settings, "sita")
            await sign_in(client, "sita")
            conversation = (await client.post("/api/messages", json={"text": "counsellor"})).json()[
                "conversation_id"
            ]
            await client.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
            async with client.stream("GET", f"/api/conversations/{conversation}/events") as events:
                lines = (line async for line in events.aiter_lines() if line)
                assert await anext(lines) == ": connected"
                await client.post(
                    f"/console/api/conversations/{conversation}/reply",
                    json={"text": "hello"},
                    headers=CSRF,
                )
                assert await asyncio.wait_for(anext(lines), 5) == "data: message"
    finally:
        server.should_exit = True
        await task
