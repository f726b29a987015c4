"""Analytics through the real stack: the country a question names travels from Rasa's entity
extractor through the NLG callback into the database and out of the admin dashboard's CSV."""

from __future__ import annotations

import csv
import io
import shutil

import httpx
import pytest
from playwright.sync_api import sync_playwright

from core.launcher import Stack
from tests.e2e.test_widget_browser import CHROMIUM_ARGS
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


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium")
def test_the_dashboard_renders_in_chromium_under_its_strict_csp(stack: Stack) -> None:
    url = stack.settings.public_url
    create_account_with_cli(stack.settings.database_url, "viewer", role="admin")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        context = browser.new_context()
        signed_in = context.request.post(
            f"{url}/console/login",
            data={"username": "viewer", "password": PASSWORD},
            headers=CSRF,
        )
        assert signed_in.ok
        page = context.new_page()
        problems: list[str] = []
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and problems.append(message.text)
            ),
        )
        page.on("requestfailed", lambda request: problems.append(request.url))
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and not response.url.endswith("/favicon.ico")
                and problems.append(f"{response.status} {response.url}")
            ),
        )
        page.goto(f"{url}/admin?lang=en")
        page.get_by_role("button", name="Show").click()
        page.wait_for_load_state("load")
        assert page.locator("svg.chart").count() >= 1
        bar_fill = page.locator("svg.chart rect.bar").first.evaluate(
            "bar => getComputedStyle(bar).fill"
        )
        assert bar_fill == "rgb(42, 111, 151)"  # the stylesheet loaded under the CSP
        assert problems == [], problems  # no CSP violation, nothing blocked
        browser.close()
