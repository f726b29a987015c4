"""In a real headless Chromium against the real stack: hostile user text is shown as text in
the console (transcript, notes) and the widget; the widget's "delete my data" button erases the
conversation on the server; the privacy notice is one tap away."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import text

from core.db import create_engine
from core.language import clean_text
from core.launcher import Stack
from tests.helpers.console import CSRF, PASSWORD, create_account_with_cli

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium"),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Each would run script, load something or change the page if it were inserted as HTML.
PAYLOADS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    '<svg onload="window.__xss = 3"></svg>',
    '"><iframe src="javascript:parent.__xss = 4"></iframe>',
    '<a href="javascript:window.__xss = 5" id="evil">click me</a>',
    "<style>body{display:none}</style><b>bold?</b>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    '‮evil reversed text‬ <details open ontoggle="window.__xss = 6">',
]
INJECTED = (
    "#transcript script, #transcript img, #transcript svg, #transcript iframe, "
    "#transcript a, #transcript style, #transcript details, #notes img, #notes script"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    tab = context.new_page()
    yield tab
    context.close()


def as_stored(text: str) -> str:
    """The text as the app stores it: bidi overrides and other control characters dropped."""
    return clean_text(text, 2000)


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/console?lang=en")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login button").click()
    expect(page.locator("#work")).to_be_visible(timeout=10000)


def test_hostile_user_text_is_shown_as_text_in_the_console(page: Page, stack: Stack) -> None:
    base = stack.settings.public_url
    create_account_with_cli(stack.settings.database_url, "xsscounsellor")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    with httpx.Client(base_url=base, timeout=30) as person:
        started = person.post("/api/messages", json={"text": "I want to talk to a counsellor"})
        conversation = started.json()["conversation_id"]
        for payload in PAYLOADS:
            sent = person.post(
                "/api/messages", json={"conversation_id": conversation, "text": payload}
            )
            assert sent.status_code == 200

    sign_in(page, base, "xsscounsellor")
    for payload in PAYLOADS[:3]:  # a colleague's notes, with the same text in them
        noted = page.request.post(
            f"{base}/console/api/conversations/{conversation}/notes",
            data={"text": payload},
            headers=CSRF,
        )
        assert noted.ok
    page.locator("#queue li", has_text="talk_to_counsellor").last.locator("button.claim").click()
    expect(page.locator("#transcript .line.user")).to_have_count(1 + len(PAYLOADS), timeout=10000)
    expect(page.locator("#notes li")).to_have_count(3)

    shown = page.locator("#transcript").inner_text()
    for payload in PAYLOADS:
        assert as_stored(payload) in shown, payload
    assert page.locator(INJECTED).count() == 0, "nothing of the user's text became HTML"
    assert page.evaluate("window.__xss === undefined"), "no payload ran"
    assert page.evaluate("getComputedStyle(document.body).display") != "none"
    assert "49" not in shown, "no template was evaluated"
    assert page.locator("#notes li").all_inner_texts() == [p.strip() for p in PAYLOADS[:3]]
    assert not dialogs

    page.locator("#text").fill(PAYLOADS[1])  # a counsellor pasting the same text back
    page.locator("#reply button").click()
    told: list[str] = []
    with httpx.Client(base_url=base, timeout=30) as person:
        for _ in range(50):
            messages = person.get(f"/api/conversations/{conversation}/messages").json()
            told = [m["text"] for m in messages if m["sender"] == "counsellor"]
            if told:
                break
            page.wait_for_timeout(200)
    assert told == [PAYLOADS[1]], "stored as written (the widget shows it as text)"


def test_widget_delete_button_and_privacy_link(browser: Browser, stack: Stack) -> None:
    base = stack.settings.public_url
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{base}/?lang=en")
    page.locator("button.open").click()
    page.locator("textarea").fill("What is a labour permit?")
    page.locator("textarea").press("Enter")
    expect(page.locator(".msg.bot.typing")).to_have_count(0, timeout=15000)
    expect(page.locator(".msg.bot")).to_have_count(2)  # the welcome and the answer
    conversation = page.evaluate("sessionStorage.getItem('sahayatri:conversation')")
    assert conversation

    link = page.locator("a.privacy")
    expect(link).to_have_attribute("href", f"{base}/privacy?lang=en")
    with context.expect_page() as opened:
        link.click()
    notice = opened.value
    notice.wait_for_load_state()
    expect(notice.locator("h1")).to_be_visible()
    assert "/delete_my_data" in notice.locator("main").inner_text()
    notice.close()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button.forget").click()
    expect(page.locator(".msg.system")).to_have_count(1, timeout=10000)
    expect(page.locator(".msg.user")).to_have_count(0)
    assert page.evaluate("sessionStorage.getItem('sahayatri:conversation')") is None
    with ThreadPoolExecutor(1) as worker:  # Playwright's loop runs in this thread
        left = worker.submit(asyncio.run, rows_of(stack.settings.database_url, conversation))
    assert left.result() == 0, "nothing of the conversation is left on the server"
    context.close()


async def rows_of(database_url: str, conversation: str) -> int:
    """Rows of the conversation and its messages in the app database."""
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        count = (
            await connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM conversations WHERE id = :c)"
                    " + (SELECT count(*) FROM messages WHERE conversation_id = :c)"
                ),
                {"c": conversation},
            )
        ).scalar_one()
    await engine.dispose()
    return int(count)
