"""The production shape on one machine: two app processes behind one address, two Rasa workers,
PostgreSQL and Redis. Started here (ports 28000… plus SAHAYATRI_TEST_PORT_OFFSET) unless the
whole end-to-end run already targets it (SAHAYATRI_E2E_MODE=multi, make e2e-multi)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from core.content import load_topics
from core.db import create_engine
from core.launcher import Stack, is_healthy
from core.rasa_client import worker_order
from core.settings import PROJECT_ROOT
from tests.e2e.conftest import multi_stack
from tests.helpers.console import CSRF, PASSWORD, create_account_with_cli

pytestmark = pytest.mark.e2e
CONTENT = {entry.key: entry for entry in load_topics(PROJECT_ROOT / "content")}
QUESTIONS = [
    "What is a labour permit?",
    "श्रम स्वीकृति भनेको के हो?",
    "labour permit banauna k k chahincha?",
    "How much can a manpower agency charge?",
]


@pytest.fixture(scope="module")
def multi(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    if os.environ.get("SAHAYATRI_E2E_MODE") == "multi":
        yield request.getfixturevalue("stack")
        return
    offset = int(os.environ.get("SAHAYATRI_TEST_PORT_OFFSET", "0"))
    with multi_stack(tmp_path_factory.mktemp("multi"), offset) as running:
        yield running


def own_urls(stack: Stack) -> tuple[str, str]:
    first, second = stack.app_urls[1:3]
    return first, second


async def send(base: str, conversation: str | None, message: str) -> dict:
    body = {"text": message} | ({"conversation_id": conversation} if conversation else {})
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        response = await client.post("/api/messages", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def stored_counts(stack: Stack, conversations: list[str]) -> tuple[int, int]:
    """User messages stored, and how many of them have at least one stored reply."""
    engine = create_engine(stack.settings.database_url)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "select count(*), count(*) filter (where exists (select 1 from messages r"
                        " where r.reply_to = m.id)) from messages m where m.sender = 'user'"
                        " and m.conversation_id = any(:ids)"
                    ),
                    {"ids": conversations},
                )
            ).one()
    finally:
        await engine.dispose()
    return int(row[0]), int(row[1])


def test_every_process_and_rasa_worker_is_up(multi: Stack) -> None:
    assert {"app-1", "app-2", "rasa-1", "rasa-2", "actions"} <= set(multi.processes)
    assert multi.settings.database_url.startswith("postgresql+asyncpg://")
    assert multi.env["RASA_TRACKER_URL"].startswith("postgresql://")
    assert multi.env["RASA_LOCK_STORE"] == "redis"
    for url in multi.app_urls:
        assert httpx.get(f"{url}/health", timeout=10).json()["status"] == "ok"


async def test_messages_over_both_processes_are_all_answered_and_stored(multi: Stack) -> None:
    first, second = own_urls(multi)
    opened = await asyncio.gather(*(send(first, None, q) for q in QUESTIONS))
    conversations = [body["conversation_id"] for body in opened]
    # the same people go on through the other process, and through the public address
    later = await asyncio.gather(
        *(send(second, c, "What is a labour permit?") for c in conversations),
        *(send(multi.settings.public_url, c, "helpline number?") for c in conversations),
    )
    for body in [*opened, *later]:
        assert body["replies"] and all(reply["text"] for reply in body["replies"])
    assert {body["replies"][0]["topic"] for body in later[: len(conversations)]} == {
        "labour_permit"
    }
    sent = len(opened) + len(later)
    assert await stored_counts(multi, conversations) == (sent, sent), "nothing lost"


async def test_a_handoff_claimed_on_one_process_reaches_the_user_on_the_other(
    multi: Stack,
) -> None:
    first, second = own_urls(multi)
    create_account_with_cli(multi.settings.database_url, "multicounsellor")
    asked = await send(first, None, "I want to talk to a counsellor")
    conversation = asked["conversation_id"]
    assert asked["replies"][0]["topic"] == "talk_to_counsellor"

    async with (
        httpx.AsyncClient(base_url=first, timeout=30) as user,
        httpx.AsyncClient(base_url=second, timeout=30) as console,
    ):
        await console.post(
            "/console/login",
            json={"username": "multicounsellor", "password": PASSWORD},
            headers=CSRF,
        )
        await console.post("/console/api/presence", json={"presence": "online"}, headers=CSRF)
        queue = (await console.get("/console/api/queue")).json()
        assert conversation in [item["conversation_id"] for item in queue]
        async with user.stream("GET", f"/api/conversations/{conversation}/events") as events:
            lines = (line async for line in events.aiter_lines() if line)
            assert await anext(lines) == ": connected"
            claimed = await console.post(
                f"/console/api/conversations/{conversation}/claim", headers=CSRF
            )
            assert claimed.status_code == 200
            assert await asyncio.wait_for(anext(lines), 10) == "data: message"
            await console.post(
                f"/console/api/conversations/{conversation}/reply",
                json={"text": "Namaste, I am Maya."},
                headers=CSRF,
            )
            while (await asyncio.wait_for(anext(lines), 10)) != "data: message":
                pass
        polled = (await user.get(f"/api/conversations/{conversation}/messages")).json()
    texts = [message["text"] for message in polled]
    assert CONTENT["talk_to_counsellor"].messages["counsellor_joined"].en in texts
    assert texts[-1] == "Namaste, I am Maya."
    while_held = await send(multi.settings.public_url, conversation, "thank you")
    assert while_held["replies"] == [], "the bot stays quiet while the counsellor holds the chat"


async def test_a_sender_whose_rasa_worker_is_down_is_answered_by_the_other(
    multi: Stack,
) -> None:
    first, _ = own_urls(multi)
    opened = await send(first, None, "What is a labour permit?")
    conversation = opened["conversation_id"]
    own = worker_order(conversation, 2)[0] + 1
    multi.kill(f"rasa-{own}")
    try:
        moved = await send(first, conversation, "What is a labour permit?")
        assert moved["replies"][0]["topic"] == "labour_permit"
        assert moved["replies"][0]["text"] == CONTENT["labour_permit"].answer.en, (
            "the other worker continues the same conversation (shared tracker store)"
        )
    finally:
        multi.restart(f"rasa-{own}")
        deadline = time.monotonic() + 240
        while not all(is_healthy(multi.settings, url) for url in multi.app_urls):
            assert time.monotonic() < deadline, "the worker did not come back"
            await asyncio.sleep(1)
