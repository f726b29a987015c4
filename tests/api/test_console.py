"""The console API: who may do what, race-safe claims, and clear results for bad requests."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from core.i18n import format_value
from core.settings import Settings
from tests.helpers.console import CSRF, PASSWORD, add_account, sign_in
from tests.helpers.fake_rasa import fake_rasa


def counsellor_rasa(body: dict) -> list[dict]:
    topic = "talk_to_counsellor" if "counsellor" in body["message"] else "labour_permit"
    return [
        {"recipient_id": body["sender"], "text": f"answer {topic}"},
        {"recipient_id": body["sender"], "custom": {"topic": topic}},
    ]


async def started(settings: Settings) -> tuple[FastAPI, AsyncIterator[None]]:
    app = create_app(settings, rasa_transport=fake_rasa(counsellor_rasa))
    return app, app.router.lifespan_context(app)


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")


async def ask_for_counsellor(client: httpx.AsyncClient) -> str:
    body = (await client.post("/api/messages", json={"text": "I want a counsellor"})).json()
    assert body["replies"][0]["topic"] == "talk_to_counsellor"
    return body["conversation_id"]


async def test_anonymous_and_wrong_roles_are_refused(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as anonymous, client_of(app) as editor:
        assert (await anonymous.get("/console/api/queue")).status_code == 401
        assert (
            await anonymous.post("/console/api/conversations/x/claim", headers=CSRF)
        ).status_code == 401
        await add_account(settings, "esha", role="editor")
        await sign_in(editor, "esha", online=False)
        assert (await editor.get("/console/api/queue")).status_code == 403


async def test_wrong_password_and_missing_csrf_header_are_refused(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as client:
        await add_account(settings, "sita")
        wrong = await client.post(
            "/console/login", json={"username": "sita", "password": "nope"}, headers=CSRF
        )
        assert wrong.status_code == 401
        await sign_in(client, "sita")
        conversation = await ask_for_counsellor(client)
        no_header = await client.post(f"/console/api/conversations/{conversation}/claim")
        assert no_header.status_code == 403


async def test_the_user_waits_in_the_queue_and_the_bot_stays_silent(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as client:
        await add_account(settings, "sita")
        await sign_in(client, "sita")
        conversation = await ask_for_counsellor(client)
        later = await client.post(
            "/api/messages", json={"conversation_id": conversation, "text": "hello?"}
        )
        assert later.json()["replies"] == []
        assert [
            item["conversation_id"] for item in (await client.get("/console/api/queue")).json()
        ] == [conversation]


async def test_nobody_online_is_said_honestly(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as client:
        body = (await client.post("/api/messages", json={"text": "counsellor please"})).json()
        texts = [r["text"] for r in body["replies"]]
        assert any("1145" in text and "100" in text for text in texts[1:])
        assert any("as soon as a counsellor is back online" in text for text in texts)


@pytest.mark.parametrize(
    ("language", "asked", "shift_day"),
    [
        ("en", "counsellor please", "Sunday"),
        ("ne", "ma counsellor sanga kura garna chahanchu", "आइतबार"),
    ],
    ids=["en", "ne-Latn"],
)
async def test_out_of_hours_the_user_is_told_when_the_next_shift_starts(
    settings: Settings, language: str, asked: str, shift_day: str
) -> None:
    """The only shift day is two days from now (never today, at any hour): the answer names
    that day and the shift's start, in the user's language."""
    nepal = ZoneInfo("Asia/Kathmandu")
    shift = datetime.now(nepal).date() + timedelta(days=2)
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[shift.weekday()]
    closed = settings.model_copy(update={"counsellor_hours": f"{day} 09:30-16:00"})
    expected = format_value(language, datetime.combine(shift, time(9, 30), nepal))
    assert shift_day in format_value(language, datetime(2026, 12, 6, 9, 30, tzinfo=nepal))
    app, lifespan = await started(closed)
    async with lifespan, client_of(app) as client:
        await add_account(closed, "sita")
        await sign_in(client, "sita", online=False)  # away: out of hours nobody is on shift
        body = (await client.post("/api/messages", json={"text": asked})).json()
        texts = [r["text"] for r in body["replies"]]
        assert any(expected in text and "1145" in text for text in texts), texts
        queue = (await client.get("/console/api/queue")).json()
        assert [item["conversation_id"] for item in queue] == [body["conversation_id"]]


async def test_replying_or_resolving_a_chat_you_do_not_hold_is_refused(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as sita, client_of(app) as ram:
        await add_account(settings, "sita")
        await add_account(settings, "ram")
        await sign_in(sita, "sita")
        await sign_in(ram, "ram")
        conversation = await ask_for_counsellor(sita)
        not_claimed = await ram.post(
            f"/console/api/conversations/{conversation}/reply", json={"text": "hi"}, headers=CSRF
        )
        assert not_claimed.status_code == 409
        assert (
            await sita.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
        ).status_code == 200
        assert (
            await ram.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
        ).status_code == 409
        assert (
            await ram.post(
                f"/console/api/conversations/{conversation}/resolve", json={}, headers=CSRF
            )
        ).status_code == 409
        empty = await sita.post(
            f"/console/api/conversations/{conversation}/reply", json={"text": ""}, headers=CSRF
        )
        assert empty.status_code == 422


async def test_counsellor_reply_reaches_a_polling_widget(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as client:
        await add_account(settings, "sita")
        await sign_in(client, "sita")
        conversation = await ask_for_counsellor(client)
        await client.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
        await client.post(
            f"/console/api/conversations/{conversation}/reply",
            json={"text": "I am here."},
            headers=CSRF,
        )
        received = (await client.get(f"/api/conversations/{conversation}/messages")).json()
        assert received[-1]["sender"] == "counsellor" and received[-1]["text"] == "I am here."
        after = (
            await client.get(
                f"/api/conversations/{conversation}/messages", params={"after": received[-1]["id"]}
            )
        ).json()
        assert after == []


async def test_user_deleting_their_data_during_a_handoff(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as client:
        await add_account(settings, "sita")
        await sign_in(client, "sita")
        conversation = await ask_for_counsellor(client)
        await client.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
        deleted = await client.post(
            "/api/messages", json={"conversation_id": conversation, "payload": "/confirm_delete"}
        )
        assert deleted.status_code == 200
        assert (
            await client.get(f"/console/api/conversations/{conversation}/transcript")
        ).status_code == 404
        gone = await client.post(
            f"/console/api/conversations/{conversation}/reply", json={"text": "hi"}, headers=CSRF
        )
        assert gone.status_code == 404


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database on 127.0.0.1, dropped afterwards."""
    name = f"sahayatri_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(
        host="127.0.0.1", port=5432, user=os.environ.get("PGUSER", "postgres"), database="postgres"
    )
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://{os.environ.get('PGUSER', 'postgres')}@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def test_claim_race_on_postgresql_has_exactly_one_winner(
    settings: Settings, postgres_url: str, tmp_path: Path
) -> None:
    pg_settings = settings.model_copy(update={"database_url": postgres_url})
    app, lifespan = await started(pg_settings)
    async with lifespan:
        names = [f"counsellor{i}" for i in range(12)]
        clients = [client_of(app) for _ in names]
        for name, client in zip(names, clients, strict=True):
            await add_account(pg_settings, name)
            await sign_in(client, name)
        conversation = await ask_for_counsellor(clients[0])
        results = await asyncio.gather(
            *(
                c.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
                for c in clients
            )
        )
        assert sorted(r.status_code for r in results) == [200] + [409] * 11
        for client in clients:
            await client.aclose()


async def test_a_chat_nobody_claims_goes_back_to_the_bot_after_the_timeout(
    settings: Settings,
) -> None:
    from datetime import timedelta

    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as client:
        conversation = await ask_for_counsellor(client)
        handoffs = app.state.services.handoffs
        assert await handoffs.expire_waiting(timedelta(minutes=30)) == []
        assert await handoffs.expire_waiting(timedelta(seconds=0)) == [conversation]
        assert await handoffs.expire_waiting(timedelta(seconds=0)) == [], "never twice"
        told = (await client.get(f"/api/conversations/{conversation}/messages")).json()
        assert "ended after a long pause" in told[-1]["text"]
        answered = await client.post(
            "/api/messages", json={"conversation_id": conversation, "text": "labour permit?"}
        )
        assert answered.json()["replies"][0]["topic"] == "labour_permit", "the bot answers again"


async def test_out_of_hours_a_waiting_chat_keeps_its_place_until_the_shift_has_run(
    settings: Settings,
) -> None:
    """Told "from Sunday 09:30", the person is not sent back to the bot overnight; once the
    shift has run for the timeout, the chat times out as usual."""
    nepal = ZoneInfo("Asia/Kathmandu")
    tomorrow = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[
        (datetime.now(nepal).weekday() + 1) % 7
    ]
    closed = settings.model_copy(update={"counsellor_hours": f"{tomorrow} 09:00-17:00"})
    app, lifespan = await started(closed)
    async with lifespan, client_of(app) as client:
        conversation = await ask_for_counsellor(client)
        assert await app.state.services.handoffs.expire_waiting(timedelta(seconds=0)) == []
    # The same database, now in a shift that runs all day: the wait counts from its start.
    always = closed.model_copy(update={"counsellor_hours": "mon-sun 00:00-23:59"})
    shift = always.office_hours()
    shift_began = shift.shift_started(datetime.now(nepal)) if shift else None
    if shift_began is None:
        return  # the last minute before midnight: no shift to count from
    app, lifespan = await started(always)
    async with lifespan:
        handoffs = app.state.services.handoffs
        running = datetime.now(nepal) - shift_began
        assert await handoffs.expire_waiting(running + timedelta(minutes=1)) == []
        assert await handoffs.expire_waiting(timedelta(seconds=0)) == [conversation]


async def test_urgent_chats_come_first_then_the_longest_waiting(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as client:
        await add_account(settings, "sita")
        await sign_in(client, "sita")
        first = await ask_for_counsellor(client)
        second = await ask_for_counsellor(client)
        handoffs = app.state.services.handoffs
        crisis = await ask_for_counsellor(client)
        await handoffs.request(crisis, "crisis", "crisis", urgent=True)
        queue = (await client.get("/console/api/queue")).json()
        assert [item["conversation_id"] for item in queue] == [crisis, first, second]
        assert [item["urgent"] for item in queue] == [True, False, False]


async def test_transfer_notes_canned_replies_and_metrics(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as sita, client_of(app) as ram:
        await add_account(settings, "sita")
        await add_account(settings, "ram")
        await sign_in(sita, "sita")
        conversation = await ask_for_counsellor(sita)
        assert (
            await sita.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
        ).status_code == 200

        offline = await sita.post(
            f"/console/api/conversations/{conversation}/transfer", json={"to": "ram"}, headers=CSRF
        )
        assert offline.status_code == 422, "only an online counsellor can take over"
        await sign_in(ram, "ram")
        moved = await sita.post(
            f"/console/api/conversations/{conversation}/transfer", json={"to": "ram"}, headers=CSRF
        )
        assert moved.status_code == 200
        assert (
            await sita.post(
                f"/console/api/conversations/{conversation}/reply", json={"text": "x"}, headers=CSRF
            )
        ).status_code == 409
        assert (
            await ram.post(
                f"/console/api/conversations/{conversation}/reply",
                json={"text": "Ram here."},
                headers=CSRF,
            )
        ).status_code == 200

        await ram.post(
            f"/console/api/conversations/{conversation}/notes",
            json={"text": "Agent keeps her passport."},
            headers=CSRF,
        )
        notes = (await sita.get(f"/console/api/conversations/{conversation}/notes")).json()
        assert [n["text"] for n in notes] == ["Agent keeps her passport."]
        user_view = (await sita.get(f"/api/conversations/{conversation}/messages")).json()
        assert all("passport" not in m["text"] for m in user_view), "notes never reach the person"

        metrics = (await ram.get(f"/console/api/conversations/{conversation}/metrics")).json()
        assert metrics["waiting_seconds"] >= 0 and metrics["first_response_seconds"] >= 0
        assert metrics["handling_seconds"] >= metrics["first_response_seconds"]

        canned = (await ram.get("/console/api/canned", params={"lang": "ne"})).json()
        passport = next(c for c in canned if c["key"] == "passport")
        assert passport["title"] == "राहदानी" and passport["text"]

        await sita.post(
            "/api/messages", json={"conversation_id": conversation, "payload": "/confirm_delete"}
        )
        assert (await sita.get(f"/console/api/conversations/{conversation}/notes")).json() == [], (
            "deleting erases notes too"
        )


async def test_a_counsellor_who_logs_out_mid_chat_loses_nothing(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as sita:
        await add_account(settings, "sita")
        await sign_in(sita, "sita")
        conversation = await ask_for_counsellor(sita)
        await sita.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
        assert (await sita.post("/console/logout", headers=CSRF)).status_code == 200
        assert (
            await sita.post(
                f"/console/api/conversations/{conversation}/reply",
                json={"text": "hi"},
                headers=CSRF,
            )
        ).status_code == 401
        waiting_user = await sita.post(
            "/api/messages", json={"conversation_id": conversation, "text": "hello?"}
        )
        assert waiting_user.json()["replies"] == [], "the bot stays out while the chat is held"
        await sign_in(sita, "sita")
        lines = (await sita.get(f"/console/api/conversations/{conversation}/transcript")).json()
        assert lines[-1]["text"] == "hello?"
        assert (
            await sita.post(
                f"/console/api/conversations/{conversation}/reply",
                json={"text": "back"},
                headers=CSRF,
            )
        ).status_code == 200


async def test_a_counsellor_can_take_over_a_live_bot_conversation(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as client:
        await add_account(settings, "sita")
        await sign_in(client, "sita")
        conversation = (await client.post("/api/messages", json={"text": "labour permit?"})).json()[
            "conversation_id"
        ]
        live = (await client.get("/console/api/live")).json()
        assert [entry["conversation_id"] for entry in live] == [conversation]
        assert (
            await client.post(f"/console/api/conversations/{conversation}/takeover", headers=CSRF)
        ).status_code == 200
        assert (
            await client.post(f"/console/api/conversations/{conversation}/takeover", headers=CSRF)
        ).status_code == 409
        quiet = await client.post(
            "/api/messages", json={"conversation_id": conversation, "text": "labour permit?"}
        )
        assert quiet.json()["replies"] == [], "the bot stops answering once a counsellor joined"
        assert (
            await client.post(
                f"/console/api/conversations/{conversation}/reply",
                json={"text": "Hi"},
                headers=CSRF,
            )
        ).status_code == 200


async def test_password_guessing_is_slowed_down(settings: Settings) -> None:
    app, lifespan = await started(settings)
    async with lifespan, client_of(app) as client:
        await add_account(settings, "sita")
        codes = [
            (
                await client.post(
                    "/console/login",
                    json={"username": "sita", "password": f"guess{i}"},
                    headers=CSRF,
                )
            ).status_code
            for i in range(11)
        ]
        assert codes == [401] * 10 + [429]
        right = await client.post(
            "/console/login", json={"username": "sita", "password": PASSWORD}, headers=CSRF
        )
        assert right.status_code == 429, "even the right password waits out the minute"
