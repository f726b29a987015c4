"""The real python-telegram-bot application against a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from api.app import create_app
from core.content import load_topics
from core.models import utcnow
from core.privacy import pseudonym
from core.settings import PROJECT_ROOT, Settings
from tests.helpers.console import CSRF, add_account, sign_in
from tests.helpers.fake_rasa import fake_rasa
from tests.helpers.fake_telegram import FakeTelegram
from tests.helpers.privacy import add_tracker_events, tracker_senders

CHAT = 5551234
SECRET = "test-pseudonym-key"
CONTENT = {entry.key: entry for entry in load_topics(PROJECT_ROOT / "content")}


def rasa_reply(body: dict[str, Any]) -> list[dict[str, Any]]:
    """A fake Rasa: a payload asks its topic; typed text about permits is labour_permit."""
    message = body["message"]
    topic = message[1:] if message.startswith("/") else "labour_permit"
    language = body["metadata"]["lang"]
    entry = CONTENT[topic]
    return [
        {
            "recipient_id": body["sender"],
            "text": entry.answer.get(language),
            "buttons": [
                {"title": CONTENT[key].title.get(language), "payload": f"/{key}"}
                for key in entry.related
            ],
        },
        {"recipient_id": body["sender"], "custom": {"topic": topic}},
    ]


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.serve()
    yield fake
    await fake.stop()


def bot_settings(settings: Settings, telegram: FakeTelegram, **extra: Any) -> Settings:
    return settings.model_copy(
        update={
            "telegram_token": SecretStr("123:TEST"),
            "telegram_api_url": telegram.url,
            "secret_key": SecretStr(SECRET),
            **{key: SecretStr(value) for key, value in extra.items()},
        }
    )


@pytest.fixture
async def bot(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[tuple[FastAPI, Any]]:
    transport = fake_rasa(rasa_reply)
    app = create_app(bot_settings(settings, telegram), rasa_transport=transport)
    async with app.router.lifespan_context(app):
        yield app, transport


def buttons_of(call) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


def db_rows(settings: Settings, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    path = settings.database_url.split("///", 1)[1]
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql, args).fetchall()


async def test_start_language_menu_topic_answer(bot, telegram: FakeTelegram) -> None:
    telegram.user_sends(CHAT, "/start")
    [welcome] = await telegram.wait_for_messages(CHAT, 1)
    assert "प्रहरी होइन" in welcome.params["text"] and "not the police" in welcome.params["text"]
    assert [data for _title, data in buttons_of(welcome)] == ["/lang_ne", "/lang_en"]

    telegram.user_taps(CHAT, "/lang_en")
    messages = await telegram.wait_for_messages(CHAT, 3)
    assert messages[1].params["text"] == CONTENT["change_language"].messages["now_english"].en
    groups = buttons_of(messages[2])
    assert ("Before you go: the legal way", "menu:legal_route") in groups

    telegram.user_taps(CHAT, "menu:legal_route")
    messages = await telegram.wait_for_messages(CHAT, 4)
    topics = buttons_of(messages[3])
    assert ("Labour permit", "/labour_permit") in topics

    telegram.user_taps(CHAT, "/labour_permit")
    messages = await telegram.wait_for_messages(CHAT, 5)
    assert messages[4].params["text"] == CONTENT["labour_permit"].answer.en
    assert buttons_of(messages[4]), "related topics come as buttons"
    assert not any("parse_mode" in m.params for m in messages), "content is sent as plain text"


async def test_typed_romanized_question_is_answered_in_nepali(bot, telegram: FakeTelegram) -> None:
    _app, transport = bot
    telegram.user_sends(CHAT, "malai labour permit kasari banaune ho?")
    [answer] = await telegram.wait_for_messages(CHAT, 1)
    assert answer.params["text"] == CONTENT["labour_permit"].answer.ne
    assert transport.received[-1]["metadata"] == {"lang": "ne", "channel": "telegram"}
    assert transport.received[-1]["sender"] == pseudonym(SECRET, "telegram", CHAT)
    assert str(CHAT) not in transport.received[-1]["sender"]


async def test_photo_and_sticker_get_a_polite_answer_and_voice_offers_a_counsellor(
    bot, telegram: FakeTelegram
) -> None:
    photo = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    telegram.user_sends_message(CHAT, photo=photo)
    telegram.user_sends_message(CHAT, voice={"file_id": "v", "file_unique_id": "w", "duration": 3})
    messages = await telegram.wait_for_messages(CHAT, 2)
    assert messages[0].params["text"] and not buttons_of(messages[0])
    assert "/talk_to_counsellor" in [data for _t, data in buttons_of(messages[1])]


async def test_group_chat_is_told_the_bot_works_only_in_private(
    bot, telegram: FakeTelegram
) -> None:
    _app, transport = bot
    telegram.user_sends(-100777, "hello everyone", chat_type="supergroup")
    [reply] = await telegram.wait_for_messages(-100777, 1)
    assert "private" in reply.params["text"]
    assert transport.received == [], "group messages never reach Rasa"


async def test_429_retry_after_is_honoured(bot, telegram: FakeTelegram) -> None:
    telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    telegram.user_sends(CHAT, "labour permit kasari?")
    began = asyncio.get_running_loop().time()
    [answer] = [c for c in await telegram.wait_for_messages(CHAT, 2) if True][-1:]
    assert asyncio.get_running_loop().time() - began >= 1
    assert answer.params["text"] == CONTENT["labour_permit"].answer.ne
    assert len(telegram.sent(CHAT)) == 2, "one refused attempt, one delivered"


async def test_403_marks_the_chat_unreachable_without_retrying(
    bot, telegram: FakeTelegram, settings: Settings
) -> None:
    telegram.user_sends(CHAT, "labour permit kasari?")
    await telegram.wait_for_messages(CHAT, 1)
    telegram.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    telegram.user_sends(CHAT, "labour permit kasari banaune?")
    await telegram.wait_until_consumed()
    await asyncio.sleep(0.3)
    assert len(telegram.sent(CHAT)) == 2, "the refused message is not retried"
    assert db_rows(settings, "select unreachable from telegram_chats") == [(1,)]


async def test_delete_my_data_asks_then_erases(
    settings: Settings, telegram: FakeTelegram, tmp_path: Path
) -> None:
    tracker_url = f"sqlite+aiosqlite:///{tmp_path / 'tracker.db'}"
    configured = bot_settings(settings, telegram).model_copy(
        update={"rasa_tracker_url": tracker_url}
    )
    app = create_app(configured, rasa_transport=fake_rasa(rasa_reply))
    conversation = pseudonym(SECRET, "telegram", CHAT)
    someone_else = pseudonym(SECRET, "telegram", CHAT + 1)
    async with app.router.lifespan_context(app):
        telegram.user_sends(CHAT, "labour permit kasari?")
        await telegram.wait_for_messages(CHAT, 1)
        await add_tracker_events(tracker_url, [(conversation, utcnow()), (someone_else, utcnow())])
        assert await tracker_senders(tracker_url) == [conversation, someone_else]
        chats = "select chat_id from telegram_chats where conversation_id = ?"
        assert db_rows(settings, chats, conversation) == [(CHAT,)]

        telegram.user_sends(CHAT, "/delete_my_data")
        messages = await telegram.wait_for_messages(CHAT, 2)
        assert [d for _t, d in buttons_of(messages[1])] == ["/confirm_delete", "/cancel_delete"]
        assert db_rows(settings, "select count(*) from messages")[0][0] > 0

        telegram.user_taps(CHAT, "/confirm_delete")
        messages = await telegram.wait_for_messages(CHAT, 3)
    assert messages[2].params["text"] == CONTENT["delete_my_data"].messages["deleted"].ne
    assert db_rows(settings, "select count(*) from messages") == [(0,)]
    assert db_rows(settings, "select count(*) from conversations") == [(0,)]
    assert db_rows(settings, chats, conversation) == [], "the delivery address is gone"
    assert await tracker_senders(tracker_url) == [someone_else], "Rasa forgot the chat"


async def test_command_descriptions_are_registered_in_both_languages(
    bot, telegram: FakeTelegram
) -> None:
    registered = {
        c.params.get("language_code"): c.params["commands"]
        for c in telegram.calls
        if c.method == "setMyCommands"
    }
    assert {"ne", "en"} <= registered.keys()
    names = {c["command"] for c in registered["en"]}
    assert names == {
        "start",
        "menu",
        "language",
        "counsellor",
        "hotlines",
        "privacy",
        "delete_my_data",
        "help",
    }
    assert registered["ne"][0]["description"] != registered["en"][0]["description"]


async def test_webhook_checks_the_secret_and_never_processes_an_update_twice(
    settings: Settings, telegram: FakeTelegram
) -> None:
    transport = fake_rasa(rasa_reply)
    app = create_app(
        bot_settings(settings, telegram, telegram_webhook_secret="hook-secret"),
        rasa_transport=transport,
    )
    update = {
        "update_id": 77,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": CHAT, "type": "private"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Sita"},
            "text": "labour permit kasari?",
        },
    }
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client,
    ):
        refused = await client.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
        )
        first = await client.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret"},
        )
        again = await client.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret"},
        )
    assert refused.status_code == 403
    assert first.status_code == again.status_code == 200
    assert len(transport.received) == 1, (
        "Telegram's redelivery of the same update is not processed again"
    )


async def test_counsellor_handoff_over_telegram(settings: Settings, telegram: FakeTelegram) -> None:
    transport = fake_rasa(rasa_reply)
    app = create_app(bot_settings(settings, telegram), rasa_transport=transport)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as console,
    ):
        await add_account(settings, "sita")
        await sign_in(console, "sita")

        telegram.user_sends(CHAT, "/counsellor")
        messages = await telegram.wait_for_messages(CHAT, 2)
        assert messages[0].params["text"] == CONTENT["talk_to_counsellor"].answer.ne
        assert "1" in messages[1].params["text"] or "१" in messages[1].params["text"], (
            "queue position"
        )
        asked_rasa = len(transport.received)

        [waiting] = (await console.get("/console/api/queue")).json()
        assert waiting["channel"] == "telegram" and waiting["reason"] == "asked"
        conversation = waiting["conversation_id"]
        claim = await console.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
        assert claim.status_code == 200
        messages = await telegram.wait_for_messages(CHAT, 3)
        assert (
            messages[2].params["text"]
            == CONTENT["talk_to_counsellor"].messages["counsellor_joined"].ne
        )

        sent = await console.post(
            f"/console/api/conversations/{conversation}/reply",
            json={"text": "Namaste, I am Sita."},
            headers=CSRF,
        )
        assert sent.status_code == 200
        messages = await telegram.wait_for_messages(CHAT, 4)
        assert messages[3].params["text"].endswith("Namaste, I am Sita.")
        assert messages[3].params["text"].startswith("👤")

        telegram.user_sends(CHAT, "mero passport agent sanga cha")
        await telegram.wait_until_consumed()
        await asyncio.sleep(0.2)
        assert len(transport.received) == asked_rasa, (
            "while a counsellor holds the chat, Rasa never sees it"
        )
        lines = (await console.get(f"/console/api/conversations/{conversation}/transcript")).json()
        assert lines[-1] == {**lines[-1], "sender": "user", "text": "mero passport agent sanga cha"}
        assert any(line["sender"] == "bot" for line in lines), "the bot's part is in the transcript"

        resolved = await console.post(
            f"/console/api/conversations/{conversation}/resolve",
            json={"closing": "Take care."},
            headers=CSRF,
        )
        assert resolved.status_code == 200
        messages = await telegram.wait_for_messages(CHAT, 6)
        assert messages[5].params["text"] == CONTENT["talk_to_counsellor"].messages["handback"].ne

        telegram.user_sends(CHAT, "labour permit kasari banaune?")
        messages = await telegram.wait_for_messages(CHAT, 7)
        assert messages[6].params["text"] == CONTENT["labour_permit"].answer.ne
        assert len(transport.received) == asked_rasa + 1

        again = await console.post(
            f"/console/api/conversations/{conversation}/resolve", json={}, headers=CSRF
        )
        assert again.status_code == 409, "resolving twice is refused clearly"


async def test_an_update_in_progress_when_the_app_stops_is_answered_after_restart(
    settings: Settings, telegram: FakeTelegram
) -> None:
    stuck = asyncio.Event()

    async def hanging_rasa(request: httpx.Request) -> httpx.Response:
        stuck.set()
        await asyncio.sleep(60)  # the app stops while Rasa is still thinking
        return httpx.Response(200, json=[])

    first = create_app(
        bot_settings(settings, telegram), rasa_transport=httpx.MockTransport(hanging_rasa)
    )
    async with first.router.lifespan_context(first):
        telegram.user_sends(CHAT, "labour permit kasari banaune?")
        await asyncio.wait_for(stuck.wait(), 10)
    assert telegram.sent(CHAT) == [], "nothing was answered before the stop"

    transport = fake_rasa(rasa_reply)
    second = create_app(bot_settings(settings, telegram), rasa_transport=transport)
    async with second.router.lifespan_context(second):
        [answer] = await telegram.wait_for_messages(CHAT, 1)
        await telegram.wait_until_consumed()
    assert answer.params["text"] == CONTENT["labour_permit"].answer.ne
    assert len(transport.received) == 1
    rows = db_rows(settings, "select count(*) from messages where sender = 'user'")
    assert rows == [(1,)], "the message was stored once"


async def test_webhook_registration_sends_the_secret_token(telegram: FakeTelegram) -> None:
    from bot.telegram_app import set_webhook

    url = await set_webhook("123:TEST", telegram.url, "https://ngo.example.org", "hook-secret")
    [call] = [c for c in telegram.calls if c.method == "setWebhook"]
    assert url == "https://ngo.example.org/telegram/webhook"
    assert call.params["url"] == url and call.params["secret_token"] == "hook-secret"
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        await set_webhook("123:TEST", telegram.url, "https://ngo.example.org", "")


async def test_an_urgent_chat_alerts_the_counsellors_group_without_the_users_words(
    settings: Settings, telegram: FakeTelegram
) -> None:
    group = -100555
    app = create_app(
        bot_settings(settings, telegram).model_copy(update={"counsellor_alert_chat_id": group}),
        rasa_transport=fake_rasa(rasa_reply),
    )
    async with app.router.lifespan_context(app):
        telegram.user_taps(CHAT, "/crisis")
        messages = await telegram.wait_for_messages(CHAT, 2)
        assert messages[0].params["text"] == CONTENT["crisis"].answer.ne, "emergency numbers first"
        [alert] = await telegram.wait_for_messages(group, 1)
    assert "🚨" in alert.params["text"]
    assert str(CHAT) not in alert.params["text"]
