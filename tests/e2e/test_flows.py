"""The risk self-check and find help near me, through the real Rasa form and action server."""

from __future__ import annotations

import httpx
import pytest

from core.content import load_topics
from core.launcher import Stack
from core.risk_check import load_scoring
from core.settings import PROJECT_ROOT
from tests.e2e.conftest import query
from tests.helpers.console import CSRF, PASSWORD, create_account_with_cli

pytestmark = pytest.mark.e2e
SCORING = load_scoring(PROJECT_ROOT / "content")
RISK = next(e for e in load_topics(PROJECT_ROOT / "content") if e.key == "risk_check")
HIGH_RISK = ("visit_visa", "via_india")


def send(stack: Stack, conversation: str | None, **body: str) -> tuple[list[dict], str]:
    if conversation:
        body["conversation_id"] = conversation
    response = httpx.post(f"{stack.settings.public_url}/api/messages", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["replies"], response.json()["conversation_id"]


def app_rows(stack: Stack, conversation: str) -> list[tuple[str, str, str | None]]:
    return query(
        stack.settings.database_url,
        "select sender, text, topic from messages where conversation_id = :c order by id",
        c=conversation,
    )


def tracker_user_texts(stack: Stack, conversation: str) -> list[str]:
    rows = query(
        stack.env["SAHAYATRI_RASA_TRACKER_URL"],
        "select data from events where sender_id = :c and type_name = 'user'",
        c=conversation,
    )
    return [row[0] for row in rows]


def test_high_risk_check_gives_reasons_forgets_answers_and_queues_on_yes(stack: Stack) -> None:
    replies, conversation = send(stack, None, text="can you check if my job offer is risky?")
    [first] = replies
    assert first["topic"] == "risk_check"
    assert first["text"] == RISK.answer.en
    assert [b["payload"] for b in first["buttons"]] == ["/affirm", "/deny"]

    for number, question in enumerate(SCORING.questions):
        yes = question.id in HIGH_RISK
        # Buttons and typed answers both count.
        answer = [{"payload": "/affirm" if yes else "/deny"}, {"text": "yes" if yes else "no"}]
        replies, _ = send(stack, conversation, **answer[number % 2])
        if number + 1 < len(SCORING.questions):
            [asked] = replies
            next_question = SCORING.questions[number + 1]
            assert asked["text"] == RISK.messages[next_question.message].en
    [result] = replies
    assert result["topic"] == "risk_result_high"
    for question in SCORING.questions:
        assert (question.reason.en in result["text"]) == (question.id in HIGH_RISK)

    # Nothing of the answers is kept beyond the result: blank in the app, gone from Rasa.
    user_texts = [text for sender, text, _ in app_rows(stack, conversation) if sender == "user"]
    assert user_texts == ["can you check if my job offer is risky?"] + [""] * len(SCORING.questions)
    tracked = tracker_user_texts(stack, conversation)
    assert not any('"yes"' in data or '"no"' in data or "/affirm" in data for data in tracked)

    # "yes" to the offer: a counsellor is asked for, with the self-check as the reason.
    replies, _ = send(stack, conversation, text="yes")
    assert replies[0]["topic"] == "risk_check"
    create_account_with_cli(stack.settings.database_url, "risk_counsellor")
    with httpx.Client(base_url=stack.settings.public_url, headers=CSRF, timeout=30) as console:
        login = {"username": "risk_counsellor", "password": PASSWORD}
        assert console.post("/console/login", json=login).status_code == 200
        queue = console.get("/console/api/queue").json()
    [item] = [item for item in queue if item["conversation_id"] == conversation]
    assert item["reason"] == "risk_check"


@pytest.mark.parametrize("answer", ["छैन", "haina", "hoina"])
def test_typed_nepali_answers_move_the_check_on_in_nepali(stack: Stack, answer: str) -> None:
    [first], conversation = send(stack, None, text="जोखिम जाँच गरौं")
    assert first["text"] == RISK.answer.ne
    [second], _ = send(stack, conversation, text=answer)
    assert second["text"] == RISK.messages[SCORING.questions[1].message].ne


def test_another_question_in_the_middle_leaves_the_check(stack: Stack) -> None:
    _, conversation = send(stack, None, text="i want to do the risk check")
    [answer], _ = send(stack, conversation, text="What is a labour permit?")
    assert answer["topic"] == "labour_permit"
    [after], _ = send(stack, conversation, text="yes")
    assert after["topic"] == "help_menu", "the check is over: a yes is no longer an answer"
    # A new check starts from the first question, with nothing left from the old one.
    [again], _ = send(stack, conversation, text="check my risk")
    assert again["text"] == RISK.answer.en


def test_find_help_with_the_place_in_the_question(stack: Stack) -> None:
    [answer], _ = send(stack, None, text="any ngo near me in jhapa")
    assert answer["topic"] == "find_help"
    assert answer["text"].startswith("Here is what I found for Jhapa.")


def test_find_help_asks_for_the_place_then_answers(stack: Stack) -> None:
    [asked], conversation = send(stack, None, text="नजिकै सहयोग गर्ने संस्था कहाँ छ?")
    assert asked["topic"] == "find_help"
    assert asked["text"].startswith("म तपाईंको नजिकको सहयोग खोजिदिन्छु।")
    [found], _ = send(stack, conversation, text="कैलाली")
    assert found["topic"] == "find_help"
    assert found["text"].startswith("कैलाली का लागि यी सेवा भेटिए।")
