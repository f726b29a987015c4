"""The admin dashboard through the app: who may see it, charts and CSV, no small group shown."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from api.app import create_app
from core.settings import Settings
from tests.helpers.console import add_account, sign_in
from tests.helpers.fake_rasa import fake_rasa

QUESTIONS = {"permit": ("labour_permit", "QA"), "visa": ("visit_visa_risk", "MY")}


def rasa_with_countries(body: dict) -> list[dict]:
    """Like Rasa with the app's NLG: the topic and the country the question named in `custom`."""
    topic, country = QUESTIONS.get(body["message"].split()[0], ("out_of_scope", None))
    custom = {"topic": topic, **({"country": country} if country else {})}
    return [
        {"recipient_id": body["sender"], "text": f"answer {topic}"},
        {"recipient_id": body["sender"], "custom": custom},
    ]


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, rasa_transport=fake_rasa(rasa_with_countries))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            yield client


async def people_ask(client: httpx.AsyncClient, people: int, text: str) -> None:
    """`people` new conversations, each asking `text` twice."""
    for _ in range(people):
        first = await client.post("/api/messages", json={"text": text})
        conversation = first.json()["conversation_id"]
        await client.post("/api/messages", json={"text": text, "conversation_id": conversation})


async def as_admin(settings: Settings, client: httpx.AsyncClient) -> None:
    await add_account(settings, "asha", role="admin")
    await sign_in(client, "asha", online=False)


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_admin_sees_charts_with_the_group_of_four_suppressed(settings: Settings) -> None:
    async with running(settings) as client:
        await people_ask(client, 5, "permit please")
        await people_ask(client, 4, "visa question")
        await as_admin(settings, client)
        page = await client.get("/admin", params={"lang": "en"})
        assert page.status_code == 200
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "unsafe-inline" not in policy
        html = page.text
        assert html.count("<svg") >= 4
        assert "Qatar" in html and "Malaysia" in html  # names from the places document
        assert "&lt;5" in html  # the four people asking about visit visas
        assert "/admin/export/countries.csv" in html
        stylesheet = await client.get("/admin/admin.css")
        assert stylesheet.status_code == 200 and stylesheet.headers["content-type"].startswith(
            "text/css"
        )


async def test_the_nepali_dashboard_writes_nepali_digits(settings: Settings) -> None:
    async with running(settings) as client:
        await people_ask(client, 5, "permit please")
        await as_admin(settings, client)
        page = await client.get("/admin")
        assert page.status_code == 200
        assert "सहयात्री तथ्याङ्क" in page.text and "<५" in page.text.replace("&lt;", "<")


async def test_csv_has_aggregates_only_and_no_group_under_the_threshold(
    settings: Settings,
) -> None:
    async with running(settings) as client:
        await people_ask(client, 5, "permit please")
        await people_ask(client, 4, "visa question")
        await as_admin(settings, client)
        countries = csv_rows(await client.get("/admin/export/countries.csv"))
        assert countries == [
            {"country": "QA", "people": "5", "questions": "10"},
            {"country": "MY", "people": "<5", "questions": "<5"},
        ]
        for table in ("daily", "channels", "channels_daily", "topics", "unanswered", "risk"):
            response = await client.get(f"/admin/export/{table}.csv")
            assert "attachment" in response.headers["content-disposition"]
            for row in csv_rows(response):
                for column in ("people", "conversations"):
                    if column in row:
                        assert row[column] in ("<5", "x") or int(row[column]) >= 5, (table, row)
        topics = csv_rows(await client.get("/admin/export/topics.csv"))
        assert {"topic": "labour_permit", "people": "5", "questions": "10"} in topics
        assert all(set(row) == {"topic", "people", "questions"} for row in topics)


async def test_the_date_filter_applies_to_page_and_csv(settings: Settings) -> None:
    async with running(settings) as client:
        await people_ask(client, 5, "permit please")
        await as_admin(settings, client)
        old = {"from": "2020-01-01", "to": "2020-01-31"}
        assert csv_rows(await client.get("/admin/export/topics.csv", params=old)) == []
        page = await client.get("/admin", params={**old, "lang": "en"})
        assert page.status_code == 200 and "No data for this period." in page.text
        assert 'value="2020-01-01"' in page.text


@pytest.mark.parametrize(
    "params", [{"from": "2026-02-01", "to": "2026-01-01"}, {"from": "not a date"}]
)
async def test_bad_dates_get_a_polite_answer(settings: Settings, params: dict) -> None:
    async with running(settings) as client:
        await as_admin(settings, client)
        page = await client.get("/admin", params={**params, "lang": "en"})
        assert page.status_code == 400
        assert "Please choose a valid period" in page.text
        export = await client.get("/admin/export/topics.csv", params=params)
        assert export.status_code == 400 and "<html" in export.text
        assert (await client.get("/admin/export/secrets.csv")).status_code == 404


async def test_anonymous_is_asked_to_sign_in_and_other_roles_are_refused(
    settings: Settings,
) -> None:
    async with running(settings) as client:
        for path in ("/admin", "/admin/export/topics.csv"):
            response = await client.get(path, params={"lang": "en"})
            assert response.status_code == 401
            assert "Please sign in first" in response.text
        for role in ("counsellor", "editor"):
            await add_account(settings, role, role=role)
            await sign_in(client, role, online=False)
            for path in ("/admin", "/admin/export/topics.csv"):
                response = await client.get(path, params={"lang": "en"})
                assert response.status_code == 403, (role, path)
                assert "only for administrators" in response.text
                assert "text/csv" not in response.headers["content-type"]


async def test_the_nlg_reports_the_country_the_question_named(settings: Settings) -> None:
    async with running(settings) as client:
        body = {
            "response": "utter_labour_permit",
            "arguments": {},
            "channel": {"name": "rest"},
            "tracker": {
                "latest_message": {
                    "metadata": {"lang": "en"},
                    "entities": [
                        {"entity": "district", "value": "Jhapa"},
                        {"entity": "country", "value": "QA"},
                    ],
                }
            },
        }
        answer = await client.post("/nlg", params={"token": "nlg-test-token"}, json=body)
        assert answer.status_code == 200
        assert answer.json()["custom"] == {"topic": "labour_permit", "country": "QA"}
