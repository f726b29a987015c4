"""Privacy: the notice on every channel, and "delete my data" erasing a person everywhere
(app database, notes, Rasa's tracker store, the consoles' queue), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text

from api.app import create_app
from api.widget.templates import STATIC as WIDGET_STATIC
from core.content import load_topics
from core.db import create_engine, migrate
from core.models import utcnow
from core.settings import PROJECT_ROOT, Settings
from tests.helpers.console import CSRF, add_account, sign_in
from tests.helpers.fake_rasa import fake_rasa
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.privacy import add_tracker_events, postgres_database, tracker_senders

DELETED = load_topics(PROJECT_ROOT / "content")
DELETED_TEXT = {e.key: e for e in DELETED}["delete_my_data"].messages["deleted"]
OTHER = "f" * 32


def counsellor_rasa(body: dict) -> list[dict]:
    topic = "talk_to_counsellor" if "counsellor" in body["message"] else "labour_permit"
    if "cricket" in body["message"]:
        topic = "out_of_scope"  # not understood: kept (redacted) in the editors' inbox
    return [
        {"recipient_id": body["sender"], "text": f"answer {topic}"},
        {"recipient_id": body["sender"], "custom": {"topic": topic}},
    ]


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")


async def count_rows(database_url: str, conversation_id: str) -> dict[str, int]:
    """Rows about one web conversation left in every table that holds them (a web conversation
    has no Telegram delivery address: the Telegram test checks that one goes)."""
    engine = create_engine(database_url)
    queries = {
        "conversations": "SELECT count(*) FROM conversations WHERE id = :c",
        "messages": "SELECT count(*) FROM messages WHERE conversation_id = :c",
        "notes": "SELECT count(*) FROM notes WHERE person_id = :c",
        "unanswered": "SELECT count(*) FROM unanswered_questions WHERE conversation_id = :c",
    }
    async with engine.connect() as connection:
        counts = {
            table: int((await connection.execute(text(sql), {"c": conversation_id})).scalar_one())
            for table, sql in queries.items()
        }
    await engine.dispose()
    return counts


def test_privacy_page_in_both_languages_says_how_long_and_how_to_delete(make_client) -> None:
    client = make_client(fake_rasa())
    english = client.get("/privacy", params={"lang": "en"})
    assert english.status_code == 200
    assert "90 days" in english.text and "/delete_my_data" in english.text
    assert "<script" not in english.text and "http" not in english.text.split("<body>")[1]
    nepali = client.get("/privacy")
    assert "९० दिन" in nepali.text and 'lang="ne"' in nepali.text
    assert client.get("/privacy", params={"lang": "fr"}).status_code == 422
    widget = (WIDGET_STATIC / "widget.js").read_text()
    assert '"/privacy?lang="' in widget, "the widget links to the notice"
    strings = client.get("/api/widget/strings", params={"lang": "en"}).json()
    assert strings["widget.privacy"] and strings["widget.delete"]


async def test_telegram_privacy_command_sends_the_same_notice(settings: Settings) -> None:
    telegram = FakeTelegram()
    await telegram.serve()
    bot_settings = settings.model_copy(
        update={
            "telegram_token": SecretStr("123:TEST"),
            "telegram_api_url": telegram.url,
            "secret_key": SecretStr("test-key"),
            "retention_days": 30,
        }
    )
    app = create_app(bot_settings, rasa_transport=fake_rasa())
    try:
        async with app.router.lifespan_context(app):
            telegram.user_sends(77, "/privacy")
            [notice] = await telegram.wait_for_messages(77, 1)
    finally:
        await telegram.stop()
    assert "३० दिन" in notice.params["text"] and "/delete_my_data" in notice.params["text"]
    assert "parse_mode" not in notice.params


async def erase_everywhere(settings: Settings, tracker_url: str, by_button: bool) -> None:
    """A person talks, waits for a counsellor who writes a note, then deletes their data."""
    await add_account(settings, "sita")
    app = create_app(
        settings.model_copy(update={"rasa_tracker_url": tracker_url}),
        rasa_transport=fake_rasa(counsellor_rasa),
    )
    async with app.router.lifespan_context(app), client_of(app) as person, client_of(app) as sita:
        await sign_in(sita, "sita")
        first = (await person.post("/api/messages", json={"text": "labour permit?"})).json()
        conversation = first["conversation_id"]
        await person.post(
            "/api/messages",
            json={"conversation_id": conversation, "text": "who won the cricket? call 9841234567"},
        )
        await person.post(
            "/api/messages", json={"conversation_id": conversation, "text": "a counsellor please"}
        )
        await sita.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
        await sita.post(
            f"/console/api/conversations/{conversation}/notes", json={"text": "x"}, headers=CSRF
        )
        await add_tracker_events(tracker_url, [(conversation, utcnow()), (OTHER, utcnow())])
        before = await count_rows(settings.database_url, conversation)
        assert before["messages"] >= 4 and before["notes"] == 1 and before["unanswered"] == 1

        broker = app.state.services.broker
        async with broker.subscribe("console") as console_events:
            if by_button:
                answer = await person.post(
                    f"/api/conversations/{conversation}/delete", params={"lang": "en"}
                )
                assert answer.status_code == 200
                assert answer.json() == {
                    "deleted": True,
                    "text": DELETED_TEXT.en,
                    "language": "en",
                }
            else:
                answer = await person.post(
                    "/api/messages",
                    json={"conversation_id": conversation, "payload": "/confirm_delete"},
                )
                assert answer.json()["replies"][0]["text"] == DELETED_TEXT.en
            event = await asyncio.wait_for(console_events.get(), 5)
        assert event == {"event": "erased", "conversation_id": conversation}

        assert await count_rows(settings.database_url, conversation) == {
            "conversations": 0,
            "messages": 0,
            "notes": 0,
            "unanswered": 0,
        }
        assert await tracker_senders(tracker_url) == [OTHER], "only other people's events stay"
        assert (await sita.get("/console/api/queue")).json() == []
        assert (
            await sita.get(f"/console/api/conversations/{conversation}/transcript")
        ).status_code == 404
        again = await person.post(f"/api/conversations/{conversation}/delete")
        assert again.status_code == 200, "deleting twice answers the same"


async def test_widget_delete_button_erases_everywhere_and_says_so(
    settings: Settings, tmp_path: Path
) -> None:
    await asyncio.to_thread(migrate, settings.database_url)
    await erase_everywhere(
        settings, f"sqlite+aiosqlite:///{tmp_path / 'tracker.db'}", by_button=True
    )


@pytest.mark.parametrize("by_button", [True, False], ids=["widget-button", "confirm-payload"])
async def test_delete_my_data_on_postgresql(settings: Settings, by_button: bool) -> None:
    async with postgres_database() as app_url, postgres_database() as tracker_url:
        pg = settings.model_copy(update={"database_url": app_url})
        await asyncio.to_thread(migrate, app_url)
        await erase_everywhere(pg, tracker_url, by_button)


async def test_delete_refuses_a_malformed_id(make_client) -> None:
    client = make_client(fake_rasa())
    assert client.post("/api/conversations/not-an-id/delete").status_code == 422
