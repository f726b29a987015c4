"""The NLG endpoint renders answers from the live content store."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings
from tests.helpers.content_repo import build, entry
from tests.helpers.fake_rasa import fake_rasa
from tests.helpers.settings import sqlite_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """An empty database: the app imports this module's own content at its first start."""
    return sqlite_settings(tmp_path / "app.db")


@pytest.fixture
def client(tmp_path: Path, settings: Settings):
    content, _contract, _nlu = build(
        tmp_path,
        [
            entry(
                "passport", related=["insurance"], messages={"ask": {"en": "Which?", "ne": "कुन?"}}
            ),
            entry("insurance"),
            entry("visa", answer={"en": "Visa answer, in English only.", "ne": " "}),
            entry("remittance", answer={"en": " ", "ne": "रेमिट्यान्स जवाफ, नेपालीमा मात्र।"}),
        ],
    )
    app = create_app(settings.model_copy(update={"content_dir": content}), fake_rasa())
    with TestClient(app) as test_client:
        yield test_client


def nlg_body(response: str, lang: str | None, **extra) -> dict:
    metadata = {"lang": lang} if lang else {}
    return {
        "response": response,
        "id": None,
        "arguments": extra.get("arguments", {}),
        "tracker": {"sender_id": "u1", "slots": {}, "latest_message": {"metadata": metadata}},
        "channel": {"name": "collector"},
    }


def post(client: TestClient, body: dict, token: str = "nlg-test-token"):
    return client.post("/nlg", params={"token": token}, json=body)


@pytest.mark.parametrize(
    ("lang", "text", "button"),
    [
        ("en", "Answer about passport. Call 1145.", "Title insurance"),
        ("ne", "passport बारे जवाफ। 1145 मा फोन।", "शीर्षक insurance"),
    ],
)
def test_answer_in_the_conversation_language_with_related_buttons_and_topic(
    client: TestClient, lang: str, text: str, button: str
) -> None:
    body = post(client, nlg_body("utter_passport", lang)).json()
    assert body["text"] == text
    assert body["buttons"] == [{"title": button, "payload": "/insurance"}]
    assert body["custom"] == {"topic": "passport"}


NOTES = {
    "en": "(This answer is not available in English yet, so here it is in Nepali.)",
    "ne": "(यो जवाफ अहिले नेपालीमा उपलब्ध छैन, त्यसैले अङ्ग्रेजीमा दिइएको छ।)",
}


@pytest.mark.parametrize(
    ("key", "lang", "other_text"),
    [
        ("visa", "ne", "Visa answer, in English only."),
        ("remittance", "en", "रेमिट्यान्स जवाफ, नेपालीमा मात्र।"),
    ],
)
def test_an_answer_missing_in_the_conversation_language_comes_in_the_other_with_a_note(
    client: TestClient, key: str, lang: str, other_text: str
) -> None:
    text = post(client, nlg_body(f"utter_{key}", lang)).json()["text"]
    note, _, answer = text.partition("\n\n")
    assert answer == other_text
    assert note == NOTES[lang], "the note speaks the conversation's language"


def test_named_message_of_a_topic_is_rendered(client: TestClient) -> None:
    body = post(client, nlg_body("utter_passport", "ne", arguments={"message": "ask"})).json()
    assert body["text"] == "कुन?"


def test_unknown_response_still_gets_a_text(client: TestClient) -> None:
    body = post(client, nlg_body("utter_nowhere", "en")).json()
    assert "100" in body["text"] and "1145" in body["text"]


def test_clarify_offers_the_likely_topics_as_buttons(client: TestClient) -> None:
    body = post(
        client, nlg_body("utter_clarify", "en", arguments={"topics": ["passport", "insurance"]})
    ).json()
    assert [b["payload"] for b in body["buttons"]] == ["/passport", "/insurance"]


def test_wrong_token_is_refused(client: TestClient) -> None:
    assert post(client, nlg_body("utter_passport", "en"), token="wrong").status_code == 401


def test_an_edit_in_the_store_shows_on_the_next_request(
    client: TestClient, settings: Settings
) -> None:
    import asyncio

    from core.content import TopicEntry
    from core.content_store import publish
    from core.db import create_engine, session_factory, transaction

    async def edit() -> None:
        engine = create_engine(settings.database_url)
        async with transaction(session_factory(engine)) as session:
            changed = entry("passport", answer={"en": "New passport text", "ne": "नयाँ"})
            await publish(session, TopicEntry.model_validate(changed), author="editor")
        await engine.dispose()

    asyncio.run(edit())
    assert post(client, nlg_body("utter_passport", "en")).json()["text"] == "New passport text"
