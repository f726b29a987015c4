"""The content editor in a real headless Chromium against the real stack: an edit published in the
browser is what the next chat message gets, and content is shown as text, never run as HTML."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from core.launcher import Stack
from tests.helpers.console import CSRF, PASSWORD, create_account_with_cli

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium"),
]
NEW_ANSWER = (
    "Passports (edited in the browser): book online at https://emrtds.nepalpassport.gov.np, "
    "then go to the office with your citizenship. Never give your passport to a broker."
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> Call 1145.'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def editor_account(stack: Stack) -> str:
    create_account_with_cli(stack.settings.database_url, "eddie", role="editor")
    return "eddie"


@pytest.fixture
def page(browser: Browser, stack: Stack, editor_account: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(f"{stack.settings.public_url}/editor?lang=en")
    tab.locator("#username").fill(editor_account)
    tab.locator("#password").fill(PASSWORD)
    tab.locator("#login button[type=submit]").click()
    expect(tab.locator("#topic-list")).to_contain_text("passport", timeout=15000)
    yield tab
    context.close()


def ask(stack: Stack, text: str) -> dict:
    response = httpx.post(
        f"{stack.settings.public_url}/api/messages", json={"text": text}, timeout=30
    )
    assert response.status_code == 200
    return response.json()["replies"][0]


def restore_published(stack: Stack, key: str, revision_id: int) -> None:
    """Put the seed answer back for the other end-to-end tests (by rolling back)."""
    with httpx.Client(base_url=stack.settings.public_url, timeout=30) as client:
        client.post("/editor/login", json={"username": "eddie", "password": PASSWORD}, headers=CSRF)
        current = client.get(f"/editor/api/topics/{key}").json()["published_revision_id"]
        if current != revision_id:
            response = client.post(f"/editor/api/revisions/{revision_id}/rollback", headers=CSRF)
            assert response.status_code == 200, response.text


def test_an_edit_published_in_the_browser_answers_the_next_message(
    page: Page, stack: Stack
) -> None:
    before = ask(stack, "How do I apply for an e-passport?")
    assert before["topic"] == "passport" and before["text"] != NEW_ANSWER
    page.locator('#topic-list button[data-key="passport"]').click()
    expect(page.locator("#answer-en")).to_have_value(before["text"])
    original_revision = page.evaluate(
        "fetch('/editor/api/topics/passport').then(r => r.json()).then(d => d.published_revision_id)"
    )
    try:
        page.locator("#answer-en").fill(NEW_ANSWER)
        expect(page.locator("#preview-en .telegram .bubble")).to_have_text(NEW_ANSWER)
        expect(page.locator("#preview-en .widget .bubble")).to_have_text(NEW_ANSWER)
        page.locator("#save").click()
        expect(page.locator("#status")).to_contain_text("saved")
        assert ask(stack, "How do I apply for an e-passport?")["text"] == before["text"]
        page.locator("#submit").click()
        expect(page.locator("#status")).to_contain_text("Sent for review")
        page.locator("#approve").click()
        expect(page.locator("#status")).to_contain_text("Published")

        after = ask(stack, "How do I apply for an e-passport?")
        assert after["topic"] == "passport"
        assert after["text"] == NEW_ANSWER
        expect(page.locator("#history li.current")).to_contain_text("eddie")
    finally:
        restore_published(stack, "passport", original_revision)
    assert ask(stack, "How do I apply for an e-passport?")["text"] == before["text"]


def test_markup_in_a_draft_is_shown_as_text_in_the_preview(page: Page) -> None:
    page.locator('#topic-list button[data-key="remittance"]').click()
    expect(page.locator("#answer-en")).not_to_have_value("")
    page.locator("#answer-en").fill(HOSTILE)
    for preview in ("#preview-en .telegram .bubble", "#preview-en .widget .bubble"):
        expect(page.locator(preview)).to_have_text(HOSTILE)
        assert page.locator(f"{preview} img, {preview} script").count() == 0
    page.locator("#save").click()
    expect(page.locator("#status")).to_contain_text("saved")
    page.reload()
    expect(page.locator("#topic-list")).to_contain_text("remittance", timeout=15000)
    page.locator('#topic-list button[data-key="remittance"]').click()
    expect(page.locator("#answer-en")).to_have_value(HOSTILE)
    expect(page.locator("#preview-en .widget .bubble")).to_have_text(HOSTILE)
    expect(page.locator("#preview-en .widget .bubble a")).to_have_attribute("href", "tel:1145")
    assert page.evaluate("window.__xss") is None


def test_a_question_the_assistant_could_not_answer_reaches_the_inbox_redacted(
    page: Page, stack: Stack
) -> None:
    asked = ask(stack, "tell me a joke about cricket, my number is 9841234567")
    assert asked["topic"] in {None, "out_of_scope"}, asked
    page.locator("nav [data-view=inbox-view]").click()
    question = page.locator("#inbox-list li", has_text="tell me a joke about cricket")
    expect(question).to_contain_text("[number]")
    expect(question).not_to_contain_text("9841234567")
    question.get_by_role("button", name="Dismiss").click()
    expect(page.locator("#inbox-list")).not_to_contain_text("tell me a joke about cricket")
