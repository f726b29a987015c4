"""Counsellor handoff through the real stack, the user on Telegram (fake Bot API server)."""

from __future__ import annotations

import httpx
import pytest

from core.content import load_topics
from core.launcher import Stack
from core.rasa_client import worker_urls
from core.settings import PROJECT_ROOT
from tests.e2e.conftest import ThreadedTelegram
from tests.helpers.console import CSRF, PASSWORD, create_account_with_cli

pytestmark = pytest.mark.e2e
CONTENT = {entry.key: entry for entry in load_topics(PROJECT_ROOT / "content")}
CHAT = 777001


def texts(telegram: ThreadedTelegram, count: int) -> list[str]:
    assert telegram.fake is not None
    calls = telegram.call(telegram.fake.wait_for_messages(CHAT, count, seconds=30))
    return [call.params["text"] for call in calls]


def rasa_paused(stack: Stack, conversation: str) -> bool:
    """Whether Rasa's own tracker of the conversation is paused (the safety net of a handoff)."""
    tracker = httpx.get(
        f"{worker_urls(stack.settings.rasa_url)[0]}/conversations/{conversation}/tracker",
        params={"token": stack.env["SAHAYATRI_RASA_TOKEN"], "include_events": "NONE"},
        timeout=30,
    )
    return bool(tracker.json()["paused"])


def test_telegram_user_counsellor_and_back_to_the_bot(
    stack: Stack, telegram: ThreadedTelegram
) -> None:
    fake = telegram.fake
    assert fake is not None
    create_account_with_cli(stack.settings.database_url, "tgcounsellor")

    telegram.do(fake.user_sends, CHAT, "I want to talk to a counsellor")
    first = texts(telegram, 2)
    assert first[0] == CONTENT["talk_to_counsellor"].answer.en

    with httpx.Client(base_url=stack.settings.public_url, timeout=30) as console:
        console.post(
            "/console/login", json={"username": "tgcounsellor", "password": PASSWORD}, headers=CSRF
        )
        console.post("/console/api/presence", json={"presence": "online"}, headers=CSRF)
        [waiting] = [
            item
            for item in console.get("/console/api/queue").json()
            if item["channel"] == "telegram"
        ]
        conversation = waiting["conversation_id"]
        assert rasa_paused(stack, conversation), "Rasa is paused while a counsellor is awaited"
        assert (
            console.post(
                f"/console/api/conversations/{conversation}/claim", headers=CSRF
            ).status_code
            == 200
        )
        assert (
            texts(telegram, 3)[2] == CONTENT["talk_to_counsellor"].messages["counsellor_joined"].en
        )

        console.post(
            f"/console/api/conversations/{conversation}/reply",
            json={"text": "Hello, I am Maya."},
            headers=CSRF,
        )
        reply = texts(telegram, 4)[3]
        assert reply.startswith("👤") and reply.endswith("Hello, I am Maya.")

        telegram.do(fake.user_sends, CHAT, "What is a labour permit?")
        telegram.call(fake.wait_until_consumed(seconds=30))
        lines = console.get(f"/console/api/conversations/{conversation}/transcript").json()
        assert lines[-1]["sender"] == "user" and lines[-1]["text"] == "What is a labour permit?"
        assert len(fake.sent(CHAT)) == 4, (
            "while the counsellor holds the chat, the bot does not answer"
        )

        console.post(f"/console/api/conversations/{conversation}/resolve", json={}, headers=CSRF)
        assert texts(telegram, 5)[4] == CONTENT["talk_to_counsellor"].messages["handback"].en
        assert not rasa_paused(stack, conversation), "Rasa is resumed when the chat is handed back"

    telegram.do(fake.user_sends, CHAT, "What is a labour permit?")
    assert texts(telegram, 6)[5] == CONTENT["labour_permit"].answer.en, (
        "the real Rasa answers again"
    )
