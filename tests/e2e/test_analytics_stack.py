"""Analytics through the real stack: the country a question names travels from Rasa's entity
extractor through the NLG callback into the database and out of the admin dashboard's CSV."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from core.launcher import Stack
from tests.helpers.console import CSRF, PASSWORD, create_account_with_cli

pytestmark = pytest.mark.e2e
QUESTION = "How do I get a labour permit for a job in Qatar?"


def test_countries_asked_about_reach_the_dashboard_and_small_groups_do_not(stack: Stack) -> None:
    url = stack.settings.public_url
    for _ in range(5):
        reply = httpx.post(f"{url}/api/messages", json={"text": QUESTION}, timeout=30)
        assert reply.status_code == 200 and reply.json()["replies"][0]["topic"]
    for _ in range(2):
        httpx.post(f"{url}/api/messages", json={"text": "Is Malaysia safe to work?"}, timeout=30)

    create_account_with_cli(stack.settings.database_url, "analyst", role="admin")
    with httpx.Client(base_url=url, timeout=30) as admin:
        signed_in = admin.post(
            "/console/login", json={"username": "analyst", "password": PASSWORD}, headers=CSRF
        )
        assert signed_in.status_code == 200
        countries = admin.get("/admin/export/countries.csv")
        assert countries.status_code == 200
        rows = {row["country"]: row for row in csv.DictReader(io.StringIO(countries.text))}
        assert int(rows["QA"]["people"]) >= 5
        assert rows["MY"]["people"] == "<5"
        page = admin.get("/admin", params={"lang": "en"})
        assert page.status_code == 200 and "Qatar" in page.text

    metrics = httpx.get(f"{url}/metrics", timeout=10).text
    assert "sahayatri_rasa_call_seconds_count" in metrics
    assert "sahayatri_nlg_seconds_count" in metrics
