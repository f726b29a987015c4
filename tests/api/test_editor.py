"""The content editor API on the real content and a real database: the publish workflow, second
approval, history, diff, rollback, who may do what, bad input, and the unanswered inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from api.app import create_app
from core.settings import Settings
from tests.helpers.console import CSRF, add_account, sign_in
from tests.helpers.fake_rasa import fake_rasa

NEW_ANSWER = (
    "Passports: apply online first, then visit the office. Call 1145 if someone keeps yours."
)


def out_of_scope_or_clarify(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Rasa that does not understand: a clarifying question for 'visa', out of scope otherwise."""
    sender = body["sender"]
    if "visa" in body["message"]:
        return [{"recipient_id": sender, "text": "Did you mean…?", "custom": {"clarify": True}}]
    return [
        {"recipient_id": sender, "text": "I can only help with migration."},
        {"recipient_id": sender, "custom": {"topic": "out_of_scope"}},
    ]


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, rasa_transport=fake_rasa(out_of_scope_or_clarify))
    async with app.router.lifespan_context(app):
        yield httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")


def client_like(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """A second browser on the same app (its own cookies)."""
    return httpx.AsyncClient(transport=client._transport, base_url="http://app")


async def editor(client: httpx.AsyncClient, settings: Settings, name: str, role: str = "editor"):
    await add_account(settings, name, role=role)
    await sign_in(client, name, online=False)


async def live_answer(client: httpx.AsyncClient, key: str = "passport", lang: str = "en") -> str:
    """What a user gets now: the NLG endpoint Rasa calls for every answer."""
    body = {
        "response": f"utter_{key}",
        "arguments": {},
        "tracker": {"sender_id": "u", "slots": {}, "latest_message": {"metadata": {"lang": lang}}},
    }
    response = await client.post("/nlg", params={"token": "nlg-test-token"}, json=body)
    assert response.status_code == 200
    return str(response.json()["text"])


async def published(client: httpx.AsyncClient, key: str = "passport") -> dict[str, Any]:
    return (await client.get(f"/editor/api/topics/{key}")).json()["published"]


def edited(entry: dict[str, Any], **answer: str) -> dict[str, Any]:
    return {**entry, "answer": {**entry["answer"], **answer}}


async def save(client: httpx.AsyncClient, entry: dict[str, Any], key: str = "passport"):
    return await client.post(f"/editor/api/topics/{key}/drafts", json=entry, headers=CSRF)


async def act(client: httpx.AsyncClient, revision: int, verb: str) -> httpx.Response:
    return await client.post(f"/editor/api/revisions/{revision}/{verb}", headers=CSRF)


async def publish(client: httpx.AsyncClient, entry: dict[str, Any]) -> int:
    saved = await save(client, entry)
    assert saved.status_code == 201, saved.text
    revision = saved.json()["id"]
    assert (await act(client, revision, "submit")).status_code == 200
    approved = await act(client, revision, "approve")
    assert approved.status_code == 200, approved.text
    return int(revision)


async def test_a_draft_is_invisible_until_approved_then_the_next_answer_uses_it(
    settings: Settings,
) -> None:
    async with running(settings) as client:
        await editor(client, settings, "esha")
        before = await live_answer(client)
        original = await published(client)
        saved = await save(client, edited(original, en=NEW_ANSWER))
        assert saved.status_code == 201
        revision = saved.json()["id"]
        assert saved.json()["status"] == "draft"
        assert await live_answer(client) == before
        assert (await act(client, revision, "approve")).status_code == 409  # not in review yet
        assert (await act(client, revision, "submit")).json()["status"] == "review"
        assert await live_answer(client) == before
        approved = (await act(client, revision, "approve")).json()
        assert approved["status"] == "published" and approved["reviewer"] == "esha"
        assert await live_answer(client) == NEW_ANSWER
        assert await live_answer(client, lang="ne") == original["answer"]["ne"]
        history = (await client.get("/editor/api/topics/passport/history")).json()
        assert history[0]["id"] == revision and history[0]["current"]
        assert history[0]["author"] == "esha" and history[0]["changed"] == ["answer.en"]
        found = (await client.get("/editor/api/topics", params={"q": "apply online first"})).json()
        assert [t["key"] for t in found] == ["passport"]


async def test_with_second_approval_the_author_cannot_publish_alone(settings: Settings) -> None:
    settings.editor_require_second_approval = True
    async with running(settings) as author, client_like(author) as second:
        await editor(author, settings, "esha")
        await editor(second, settings, "ram")
        original = await published(author)
        revision = (await save(author, edited(original, en=NEW_ANSWER))).json()["id"]
        await act(author, revision, "submit")
        own = await act(author, revision, "approve")
        assert own.status_code == 403
        assert "another editor" in own.json()["detail"]["message"].lower()
        assert await live_answer(author) == original["answer"]["en"]
        other = await act(second, revision, "approve")
        assert other.status_code == 200 and other.json()["reviewer"] == "ram"
        assert await live_answer(author) == NEW_ANSWER


async def test_rollback_publishes_an_old_revision_again_as_a_new_one(settings: Settings) -> None:
    async with running(settings) as client:
        await editor(client, settings, "esha")
        original = await published(client)
        first_id = (await client.get("/editor/api/topics/passport")).json()["published_revision_id"]
        await publish(client, edited(original, en=NEW_ANSWER))
        assert await live_answer(client) == NEW_ANSWER
        rolled = await act(client, first_id, "rollback")
        assert rolled.status_code == 200
        assert rolled.json()["note"] == "rollback" and rolled.json()["based_on_id"] == first_id
        assert await live_answer(client) == original["answer"]["en"]
        history = (await client.get("/editor/api/topics/passport/history")).json()
        assert len(history) == 3 and history[0]["current"] and history[0]["id"] != first_id
        again = await act(client, history[0]["id"], "rollback")
        assert again.status_code == 409  # already what users see


async def test_diff_shows_the_changed_lines_between_two_revisions(settings: Settings) -> None:
    async with running(settings) as client:
        await editor(client, settings, "esha")
        original = await published(client)
        revision = (await save(client, edited(original, en=NEW_ANSWER))).json()["id"]
        lines = (await client.get(f"/editor/api/revisions/{revision}/diff")).json()["lines"]
        assert f"+  en: '{NEW_ANSWER}'" in lines
        assert any(line.startswith("-  en: |-") for line in lines)
        assert not any(line.startswith(("+  ne", "-  ne")) for line in lines)


EDITOR_GETS = [
    "/editor/api/me",
    "/editor/api/topics",
    "/editor/api/topics/passport",
    "/editor/api/topics/passport/history",
    "/editor/api/revisions/1/diff",
    "/editor/api/stale",
    "/editor/api/inbox",
    "/editor/api/retrain",
]
EDITOR_POSTS = [
    "/editor/api/topics/passport/drafts",
    "/editor/api/revisions/1/submit",
    "/editor/api/revisions/1/approve",
    "/editor/api/revisions/1/rollback",
    "/editor/api/inbox/1/example",
    "/editor/api/inbox/1/dismiss",
    "/editor/api/retrain",
    "/editor/logout",
]


async def test_a_counsellor_gets_403_on_every_editor_route(settings: Settings) -> None:
    async with running(settings) as client:
        await add_account(settings, "sita", role="counsellor")
        await sign_in(client, "sita", online=False)
        for path in EDITOR_GETS:
            assert (await client.get(path)).status_code == 403, path
        for path in EDITOR_POSTS:
            body = {"topic": "passport"} if path.endswith("example") else {}
            assert (await client.post(path, json=body, headers=CSRF)).status_code == 403, path
        assert (await client.get("/editor")).status_code == 403


async def test_anonymous_users_get_401_and_never_see_drafts(settings: Settings) -> None:
    async with running(settings) as client, client_like(client) as anonymous:
        await editor(client, settings, "esha")
        original = await published(client)
        secret = "DRAFT-NOT-FOR-USERS"
        await save(client, edited(original, en=secret))
        for path in EDITOR_GETS:
            response = await anonymous.get(path)
            assert response.status_code == 401, path
            assert secret not in response.text
        for path in EDITOR_POSTS:
            assert (await anonymous.post(path, json={}, headers=CSRF)).status_code == 401, path
        page = await anonymous.get("/editor")
        assert page.status_code == 200 and secret not in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "unsafe-inline" not in page.headers["content-security-policy"]
        assert secret not in await live_answer(anonymous)


async def test_admins_may_edit_and_the_csrf_header_is_required(settings: Settings) -> None:
    async with running(settings) as client:
        await editor(client, settings, "anita", role="admin")
        original = await published(client)
        no_header = await client.post("/editor/api/topics/passport/drafts", json=original)
        assert no_header.status_code == 403
        assert (await save(client, original)).status_code == 201


def broken_entries(original: dict[str, Any]) -> list[tuple[str, dict[str, Any], str, str]]:
    """(case, entry, field, words the message must contain)."""
    return [
        ("empty answer", edited(original, en="   "), "answer.en", "empty"),
        ("too long", edited(original, ne="क" * 5000), "answer.ne", "too long"),
        (
            "placeholders differ",
            edited(original, en="Hello {name}", ne="नमस्ते"),
            "answer",
            "placeholders",
        ),
        (
            "broken placeholder",
            edited(original, en="Hello {name", ne="नमस्ते {name"),
            "answer",
            "bracket",
        ),
        ("unknown phone", edited(original, en="Call 9800000001 now"), "answer.en", "9800000001"),
        ("bad URL", edited(original, en="See http://nodot now"), "answer.en", "http://nodot"),
        ("no source", {**original, "sources": []}, "sources", "source"),
        ("unknown related", {**original, "related": ["nope"]}, "related", "nope"),
        (
            "too few examples",
            {**original, "examples": {**original["examples"], "en": ["one"]}},
            "examples.en",
            "at least",
        ),
        ("unknown field", {**original, "colour": "red"}, "colour", "not valid"),
    ]


async def test_bad_input_gets_a_clear_message_per_field_and_nothing_published_changes(
    settings: Settings,
) -> None:
    async with running(settings) as client:
        await editor(client, settings, "esha")
        original = await published(client)
        before = await live_answer(client)
        revisions = len((await client.get("/editor/api/topics/passport/history")).json())
        for case, entry, field, words in broken_entries(original):
            response = await save(client, entry)
            assert response.status_code == 422, case
            detail = response.json()["detail"]
            assert "published version has not changed" in detail["message"]
            problems = {p["field"]: p["message"] for p in detail["errors"]}
            assert field in problems, (case, problems)
            assert words.lower() in problems[field].lower(), (case, problems)
        huge = await save(client, edited(original, en="x" * 1_000_000))
        assert huge.status_code == 413
        assert "too large" in huge.text
        not_json = await client.post(
            "/editor/api/topics/passport/drafts", content=b"[1, 2]", headers=CSRF
        )
        assert not_json.status_code == 422
        assert await live_answer(client) == before
        assert await published(client) == original
        assert len((await client.get("/editor/api/topics/passport/history")).json()) == revisions


async def test_errors_come_in_nepali_when_the_browser_asks_for_nepali(settings: Settings) -> None:
    async with running(settings) as client:
        await editor(client, settings, "esha")
        original = await published(client)
        response = await client.post(
            "/editor/api/topics/passport/drafts",
            json=edited(original, en=""),
            headers={**CSRF, "Accept-Language": "ne"},
        )
        problems = {p["field"]: p["message"] for p in response.json()["detail"]["errors"]}
        assert problems["answer.en"] == "यो खाली हुनु हुँदैन।"


async def test_script_tags_are_stored_and_served_as_plain_text(settings: Settings) -> None:
    async with running(settings) as client:
        await editor(client, settings, "esha")
        original = await published(client)
        hostile = "<script>alert(1)</script> <img src=x onerror=alert(2)> Call 1145."
        revision = await publish(client, edited(original, en=hostile))
        detail = await client.get("/editor/api/topics/passport")
        assert detail.json()["published"]["answer"]["en"] == hostile
        assert await live_answer(client) == hostile
        history = (await client.get("/editor/api/topics/passport/history")).json()
        before = history[1]["id"]
        diff = await client.get(
            f"/editor/api/revisions/{revision}/diff", params={"against": before}
        )
        assert f"+  en: {hostile}" in diff.json()["lines"]
        for response in (detail, diff):  # never served as something a browser would render
            assert response.headers["content-type"] == "application/json"
            assert response.headers["x-content-type-options"] == "nosniff"


async def test_unanswered_questions_arrive_redacted_and_become_examples_or_are_dismissed(
    settings: Settings,
) -> None:
    async with running(settings) as client:
        await editor(client, settings, "esha")
        await client.post("/api/messages", json={"text": "my number is 9841234567, weather?"})
        await client.post("/api/messages", json={"text": "visa for dubai cook job"})
        await client.post("/api/messages", json={"payload": "/greet"})
        inbox = (await client.get("/editor/api/inbox")).json()
        assert [q["outcome"] for q in inbox] == ["clarify", "out_of_scope"]
        assert "9841234567" not in inbox[1]["text"] and "[number]" in inbox[1]["text"]
        added = await client.post(
            f"/editor/api/inbox/{inbox[0]['id']}/example",
            json={"topic": "job_offer_check"},
            headers=CSRF,
        )
        assert added.status_code == 200, added.text
        draft = (await client.get("/editor/api/topics/job_offer_check")).json()
        assert draft["pending"]["status"] == "draft"
        assert "visa for dubai cook job" in draft["pending_entry"]["examples"]["en"]
        assert "visa for dubai cook job" not in draft["published"]["examples"]["en"]
        dismissed = await client.post(f"/editor/api/inbox/{inbox[1]['id']}/dismiss", headers=CSRF)
        assert dismissed.status_code == 200
        assert (await client.get("/editor/api/inbox")).json() == []
        again = await client.post(f"/editor/api/inbox/{inbox[1]['id']}/dismiss", headers=CSRF)
        assert again.status_code == 409


async def test_stale_lists_answers_reviewed_long_ago_and_flagged_ones(settings: Settings) -> None:
    async with running(settings) as client:
        await editor(client, settings, "esha")
        topics = (await client.get("/editor/api/topics")).json()
        flagged = {t["key"] for t in topics if t["needs_verification"]}
        assert flagged and "passport" not in flagged
        assert {item["key"] for item in (await client.get("/editor/api/stale")).json()} == flagged
        await publish(client, {**(await published(client)), "reviewed_on": "2020-01-01"})
        stale = (await client.get("/editor/api/stale")).json()
        assert stale[0]["key"] == "passport" and stale[0]["reviewed_on"] == "2020-01-01"
        assert {item["key"] for item in stale} == flagged | {"passport"}
