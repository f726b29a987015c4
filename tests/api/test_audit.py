"""The audit log: every view of a transcript or of notes is written down; only admins read it."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from api.app import create_app
from core.settings import Settings
from tests.helpers.console import CSRF, add_account, sign_in
from tests.helpers.fake_rasa import fake_rasa


def counsellor_rasa(body: dict) -> list[dict]:
    return [
        {"recipient_id": body["sender"], "text": "answer"},
        {"recipient_id": body["sender"], "custom": {"topic": "talk_to_counsellor"}},
    ]


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")


async def test_views_are_audited_and_only_admins_read_the_log(settings: Settings) -> None:
    app = create_app(settings, rasa_transport=fake_rasa(counsellor_rasa))
    async with (
        app.router.lifespan_context(app),
        client_of(app) as person,
        client_of(app) as sita,
        client_of(app) as boss,
    ):
        await add_account(settings, "sita")
        await add_account(settings, "boss", role="admin")
        await sign_in(sita, "sita")
        await sign_in(boss, "boss", online=False)
        sent = await person.post("/api/messages", json={"text": "secret words, a counsellor"})
        conversation = sent.json()["conversation_id"]
        await sita.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
        assert (
            await sita.get(f"/console/api/conversations/{conversation}/transcript")
        ).status_code == 200
        assert (
            await sita.get(f"/console/api/conversations/{conversation}/notes")
        ).status_code == 200
        missing = await sita.get(f"/console/api/conversations/{'0' * 32}/transcript")
        assert missing.status_code == 404

        assert (await sita.get("/admin/audit")).status_code == 403
        assert (await person.get("/admin/audit")).status_code == 401
        log = await boss.get("/admin/audit")
        assert log.status_code == 200
        lines = log.json()
        assert [(line["username"], line["conversation_id"], line["action"]) for line in lines] == [
            ("sita", conversation, "view_notes"),
            ("sita", conversation, "view_transcript"),
        ], "newest first; a view of nothing is not logged"
        assert "secret" not in log.text, "the log never holds what was said"
        one = await boss.get("/admin/audit", params={"conversation_id": "x" * 32})
        assert one.json() == []
        assert (await boss.get("/admin/audit", params={"limit": 0})).status_code == 422
