"""The real stack — trained Rasa model, action server, app — driven over HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from core.content import load_topics
from core.launcher import Stack, is_healthy
from core.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e
TOPICS = {entry.key: entry for entry in load_topics(PROJECT_ROOT / "content")}
ANSWERS = {key: entry.answer for key, entry in TOPICS.items()}
ANSWERS_MESSAGES = {name: text.en for name, text in TOPICS["delete_my_data"].messages.items()}


def ask(stack: Stack, text: str, conversation_id: str | None = None) -> dict:
    body = {"text": text} | ({"conversation_id": conversation_id} if conversation_id else {})
    response = httpx.post(f"{stack.settings.public_url}/api/messages", json=body, timeout=30)
    assert response.status_code == 200
    return response.json()


def wait_until_healthy(stack: Stack, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not is_healthy(stack.settings):
        assert time.monotonic() < deadline, "stack did not recover"
        time.sleep(1)


def test_health_reports_every_component_ok(stack: Stack) -> None:
    body = httpx.get(f"{stack.settings.public_url}/health").json()
    assert body["status"] == "ok"
    assert body["rasa"] == body["action_server"] == body["database"] == "ok"
    assert body["model"]["file"]


def test_english_question_gets_the_english_labour_permit_answer(stack: Stack) -> None:
    reply = ask(stack, "What is a labour permit?")["replies"][0]
    assert reply["topic"] == "labour_permit"
    assert reply["language"] == "en"
    assert reply["text"] == ANSWERS["labour_permit"].en
    assert reply["buttons"], "related topics come as buttons"


def test_nepali_question_gets_the_nepali_labour_permit_answer(stack: Stack) -> None:
    reply = ask(stack, "श्रम स्वीकृति भनेको के हो?")["replies"][0]
    assert reply["topic"] == "labour_permit"
    assert reply["text"] == ANSWERS["labour_permit"].ne


def test_button_payload_asks_its_topic(stack: Stack) -> None:
    first = ask(stack, "What is a labour permit?")
    button = first["replies"][0]["buttons"][0]
    response = httpx.post(
        f"{stack.settings.public_url}/api/messages",
        json={"conversation_id": first["conversation_id"], "payload": button["payload"]},
        timeout=30,
    ).json()
    assert response["replies"][0]["topic"] == button["payload"].removeprefix("/")


def test_killing_rasa_gives_the_safe_reply_and_restarting_it_recovers(stack: Stack) -> None:
    stack.kill("rasa")
    reply = ask(stack, "What is a labour permit?")["replies"][0]
    assert "100" in reply["text"] and "1145" in reply["text"]
    health = httpx.get(f"{stack.settings.public_url}/health")
    assert health.status_code == 503
    assert "rasa" in health.json()["down"]

    stack.restart("rasa")
    wait_until_healthy(stack)
    reply = ask(stack, "What is a labour permit?")["replies"][0]
    assert reply["topic"] == "labour_permit"


def test_romanized_nepali_question_is_answered_in_nepali(stack: Stack) -> None:
    reply = ask(stack, "labour permit banauna k k chahincha?")["replies"][0]
    assert reply["topic"] == "labour_permit"
    assert reply["text"] == ANSWERS["labour_permit"].ne


def test_someone_in_danger_gets_the_emergency_numbers_first(stack: Stack) -> None:
    reply = ask(stack, "malai kothama thunera rakheko cha, kutcha, bachau")["replies"][0]
    assert reply["topic"] == "crisis"
    assert reply["text"].startswith(ANSWERS["crisis"].ne.split("\n")[0])
    assert "100" in reply["text"] and "1145" in reply["text"]


def test_a_named_language_choice_persists(stack: Stack) -> None:
    first = ask(stack, "English please")
    assert first["replies"][0]["topic"] == "change_language"
    reply = ask(stack, "श्रम स्वीकृति भनेको के हो?", first["conversation_id"])["replies"][0]
    assert reply["language"] == "en"
    assert reply["text"] == ANSWERS["labour_permit"].en


@pytest.mark.parametrize(
    "text",
    [
        "😀",
        "?!?!...",
        "\u200b\u200c\u200d",
        "x" * 5000,
        "मलाई qatar jana कति paisa लाग्छ",
        "Как дела? 你好 مرحبا",
        "श्रम\u200dस्वीकृति\u200b कसरी?",
    ],
)
def test_odd_input_gets_a_reply_never_an_error(stack: Stack, text: str) -> None:
    replies = ask(stack, text)["replies"]
    assert replies and all(r["text"] for r in replies)


def test_two_misunderstandings_in_a_row_offer_a_counsellor(stack: Stack) -> None:
    first = httpx.post(
        f"{stack.settings.public_url}/api/messages",
        json={"payload": "/nlu_fallback", "language": "en"},
        timeout=30,
    ).json()
    [clarify] = first["replies"]
    assert clarify["topic"] is None and "not sure" in clarify["text"]
    second = httpx.post(
        f"{stack.settings.public_url}/api/messages",
        json={"payload": "/nlu_fallback", "conversation_id": first["conversation_id"]},
        timeout=30,
    ).json()
    texts = [reply["text"] for reply in second["replies"]]
    assert "counsellor" in texts[0] and "1145" in texts[0]
    assert len(texts) == 2, "the conversation is queued for a counsellor and the user is told"


def test_delete_my_data_erases_the_app_rows_and_the_rasa_tracker(stack: Stack) -> None:
    import asyncio

    from sqlalchemy import text

    from core.db import create_engine

    conversation = ask(stack, "What is a labour permit?")["conversation_id"]

    async def count_events() -> int:
        engine = create_engine(stack.env["SAHAYATRI_RASA_TRACKER_URL"])  # SQLite or PostgreSQL
        try:
            async with engine.connect() as connection:
                found = await connection.scalar(
                    text("select count(*) from events where sender_id = :s"), {"s": conversation}
                )
        finally:
            await engine.dispose()
        return int(found or 0)

    def events() -> int:
        return asyncio.run(count_events())

    assert events() > 0
    asked = ask(stack, "delete my data", conversation)["replies"][0]
    assert asked["topic"] == "delete_my_data"
    assert [b["payload"] for b in asked["buttons"]] == ["/confirm_delete", "/cancel_delete"]
    done = httpx.post(
        f"{stack.settings.public_url}/api/messages",
        json={"conversation_id": conversation, "payload": "/confirm_delete"},
        timeout=30,
    ).json()
    assert done["replies"][0]["text"] == ANSWERS_MESSAGES["deleted"]
    assert events() == 0
