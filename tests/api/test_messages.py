"""The chat API and the conversation path, with a fake Rasa."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers.fake_rasa import answering, fake_rasa


def test_reply_carries_the_topic_reported_by_the_nlg_part(make_client) -> None:
    client = make_client(fake_rasa(answering("labour_permit", "A labour permit is...")))
    response = client.post("/api/messages", json={"text": "What is a labour permit?"})
    assert response.status_code == 200
    reply = response.json()["replies"][0]
    assert reply == {
        "text": "A labour permit is...",
        "language": "en",
        "topic": "labour_permit",
        "buttons": [],
        "sender": "bot",
    }


def test_language_and_channel_are_sent_to_rasa_as_metadata(make_client) -> None:
    transport = fake_rasa(answering("labour_permit"))
    client = make_client(transport)
    client.post("/api/messages", json={"text": "labour permit kasari banaune ho?"})
    client.post("/api/messages", json={"text": "श्रम स्वीकृति भनेको के हो?"})
    client.post("/api/messages", json={"text": "How do I get a labour permit?"})
    languages = [body["metadata"]["lang"] for body in transport.received]
    assert languages == ["ne", "ne", "en"]
    assert {body["metadata"]["channel"] for body in transport.received} == {"web"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("What is a labour permit?", ["Sorry", "100", "1145"]),
        ("श्रम स्वीकृति भनेको के हो?", ["माफ", "100", "1145"]),
    ],
)
@pytest.mark.parametrize("failure", ["down", "empty", "timeout"])
def test_rasa_failure_gets_the_safe_reply_in_the_users_language(
    make_client, text: str, words: list[str], failure: str
) -> None:
    def timeout(_body):
        raise httpx.ReadTimeout("too slow")

    transport = {
        "down": fake_rasa(down=True),
        "empty": fake_rasa(lambda body: []),
        "timeout": fake_rasa(timeout),
    }[failure]
    client = make_client(transport)
    response = client.post("/api/messages", json={"text": text})
    assert response.status_code == 200
    reply = response.json()["replies"][0]
    for word in words:
        assert word in reply["text"]
    assert reply["topic"] is None


def test_inbound_message_is_kept_when_rasa_is_down(make_client, settings) -> None:
    import sqlite3

    client = make_client(fake_rasa(down=True))
    body = client.post("/api/messages", json={"text": "Is my agency licensed?"}).json()
    path = settings.database_url.split("///", 1)[1]
    rows = (
        sqlite3.connect(path)
        .execute(
            "select sender, text from messages where conversation_id = ? order by id",
            (body["conversation_id"],),
        )
        .fetchall()
    )
    assert rows[0] == ("user", "Is my agency licensed?")
    assert rows[1][0] == "bot"


def test_same_client_key_is_answered_once(make_client) -> None:
    transport = fake_rasa(answering("passport"))
    client = make_client(transport)
    first = client.post("/api/messages", json={"text": "passport", "client_key": "key-0001"}).json()
    again = client.post(
        "/api/messages",
        json={
            "text": "passport",
            "client_key": "key-0001",
            "conversation_id": first["conversation_id"],
        },
    ).json()
    assert len(transport.received) == 1
    assert again["replies"] == first["replies"]


@pytest.mark.parametrize("text", ["", "   ", "\u200b\u200b", "\x00\x01"])
def test_empty_text_gets_a_polite_answer_without_rasa(make_client, text: str) -> None:
    transport = fake_rasa(answering("greet"))
    client = make_client(transport)
    reply = client.post("/api/messages", json={"text": text}).json()["replies"][0]
    assert reply["text"]
    assert transport.received == []


def test_oversized_or_malformed_requests_get_clear_json_errors(make_client) -> None:
    client = make_client(fake_rasa(answering("greet")))
    assert client.post("/api/messages", json={"text": "x" * 5001}).status_code == 422
    assert client.post("/api/messages", json={"text": 5}).status_code == 422
    assert client.post("/api/messages", json={"conversation_id": "../etc"}).status_code == 422
    bad = client.post(
        "/api/messages", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 422
