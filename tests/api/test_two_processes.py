"""Two app processes behind one address share live events through Redis pub/sub."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest
import redis

from core.settings import PROJECT_ROOT
from tests.helpers.console import CSRF, PASSWORD, create_account_with_cli

REDIS_URL = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def two_apps(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.fail("Redis must run on 127.0.0.1:6379 (the env's start command is in .ci/run)")
    database = tmp_path / "shared.db"
    env = {
        **os.environ,
        "SAHAYATRI_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "SAHAYATRI_REDIS_URL": REDIS_URL,
        "SAHAYATRI_RASA_URL": f"http://127.0.0.1:{free_port()}",  # no Rasa: not needed here
        "SAHAYATRI_RASA_TRACKER_URL": "",
    }
    ports = [free_port(), free_port()]
    processes = []
    for port in ports:
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "api.app:create_app",
                    "--factory",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                cwd=PROJECT_ROOT,
                env=env,
            )
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/widget/strings", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "app process did not start"
                time.sleep(0.2)
    create_account_with_cli(env["SAHAYATRI_DATABASE_URL"], "twin")
    try:
        yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}", database
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


async def test_a_message_on_one_process_reaches_the_console_on_the_other(
    two_apps: tuple[str, str, Path],
) -> None:
    console_url, user_url, database = two_apps
    async with httpx.AsyncClient(base_url=user_url, timeout=10) as user:
        conversation = (await user.post("/api/messages", json={"text": "hello"})).json()[
            "conversation_id"
        ]
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute(
            "update conversations set state = 'waiting' where id = ?", (conversation,)
        )

    async with httpx.AsyncClient(base_url=console_url, timeout=10) as console:
        await console.post(
            "/console/login", json={"username": "twin", "password": PASSWORD}, headers=CSRF
        )
        async with console.stream("GET", "/console/api/events") as events:
            lines = (line async for line in events.aiter_lines() if line)
            assert await anext(lines) == ": connected"
            async with httpx.AsyncClient(base_url=user_url, timeout=10) as user:
                sent = await user.post(
                    "/api/messages",
                    json={"conversation_id": conversation, "text": "are you there?"},
                )
                assert sent.json()["replies"] == []
            event = await asyncio.wait_for(anext(lines), 10)
    assert event.startswith("data: ") and conversation in event
