"""The NLG renders the self-check and find-help answers from the real content."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.risk_check import load_scoring
from core.settings import PROJECT_ROOT, Settings
from tests.helpers.fake_rasa import fake_rasa

SCORING = load_scoring(PROJECT_ROOT / "content")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    database = tmp_path_factory.mktemp("flows") / "app.db"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}", nlg_token="t")
    with TestClient(create_app(settings, fake_rasa())) as test_client:
        yield test_client


def nlg(client: TestClient, response: str, lang: str, slots: dict[str, Any]) -> dict[str, Any]:
    body = {
        "response": response,
        "arguments": {},
        "tracker": {
            "sender_id": "u",
            "slots": slots,
            "latest_message": {"metadata": {"lang": lang}},
        },
        "channel": {"name": "collector"},
    }
    answer = client.post("/nlg", params={"token": "t"}, json=body)
    assert answer.status_code == 200
    return answer.json()


def test_first_question_comes_with_the_introduction_and_yes_no_buttons(client: TestClient) -> None:
    first = nlg(client, f"utter_ask_{SCORING.questions[0].slot}", "ne", {})
    assert first["text"].startswith("यो तपाईंको कामको अफर वा यात्राको गोप्य जाँच हो")
    assert first["custom"] == {"topic": "risk_check"}
    assert first["buttons"] == [
        {"title": "हो", "payload": "/affirm"},
        {"title": "होइन", "payload": "/deny"},
    ]
    second = nlg(client, f"utter_ask_{SCORING.questions[1].slot}", "en", {})
    assert second["text"].startswith("Have you paid any money to an agency")


@pytest.mark.parametrize(
    ("yes", "level", "lang", "opening"),
    [
        ((), "low", "en", "Thank you. From your answers the risk looks low."),
        (("passport_kept",), "medium", "ne", "धन्यवाद। तपाईंका जवाफमा केही खतराका संकेत देखिए"),
        (("visit_visa", "via_india"), "high", "en", "Thank you for answering honestly."),
    ],
)
def test_result_names_the_level_and_the_reason_of_every_yes(
    client: TestClient, yes: tuple[str, ...], level: str, lang: str, opening: str
) -> None:
    slots = {q.slot: q.id in yes for q in SCORING.questions}
    result = nlg(client, "utter_risk_result", lang, slots)
    assert result["text"].startswith(opening)
    assert result["custom"] == {"topic": f"risk_result_{level}", "risk_level": level}
    for question in SCORING.questions:
        assert (question.reason.get(lang) in result["text"]) == (question.id in yes)
    offers_counsellor = [b["payload"] for b in result["buttons"]] == ["/affirm", "/deny"]
    assert offers_counsellor == (level != "low")


def test_accepting_after_the_result_asks_for_a_counsellor(client: TestClient) -> None:
    accepted = nlg(client, "utter_risk_accept", "en", {})
    assert accepted["custom"] == {"topic": "risk_check", "handoff": "risk_check"}


@pytest.mark.parametrize(
    ("place", "lang", "expected"),
    [
        ("Kailali", "en", "Here is what I found for Kailali."),
        ("Morang", "ne", "मोरङ का लागि यी सेवा भेटिए।"),
        ("Kathmandu", "en", "Here is what I found for Kathmandu."),
        ("Banke", "en", "Here is what I found for Banke."),
        ("Jhapa", "ne", "झापा का लागि यी सेवा भेटिए।"),
        ("Rupandehi", "en", "Here is what I found for Rupandehi."),
        ("SA", "en", "Here is what I found for Saudi Arabia."),
        ("MY", "ne", "मलेसिया का लागि यी सेवा भेटिए।"),
        ("QA", "en", "Here is what I found for Qatar."),
    ],
)
def test_find_help_lists_the_services_of_a_district_or_country(
    client: TestClient, place: str, lang: str, expected: str
) -> None:
    answer = nlg(client, "utter_find_help_results", lang, {"help_place": place})
    assert answer["text"].startswith(expected)
    assert answer["text"].count("\n• ") >= 1
    assert answer["custom"] == {"topic": "find_help"}


def test_find_help_at_a_border_point_lists_its_district_desks_first(client: TestClient) -> None:
    answer = nlg(client, "utter_find_help_results", "en", {"help_place": "belahiya_sunauli"})
    first_service = answer["text"].split("\n• ")[1]
    assert first_service.startswith("Immigration Office, Belahiya")


def test_find_help_without_a_listed_service_gives_the_national_helplines(
    client: TestClient,
) -> None:
    answer = nlg(client, "utter_find_help_results", "en", {"help_place": "Humla"})
    assert answer["text"].startswith("Sorry, I don't have a service listed for Humla yet.")
    assert "1145" in answer["text"]


def test_find_help_asks_for_the_place(client: TestClient) -> None:
    answer = nlg(client, "utter_ask_help_place", "ne", {})
    assert answer["text"].startswith("म तपाईंको नजिकको सहयोग खोजिदिन्छु।")
