"""The widget in a real headless Chromium (Debian's /usr/bin/chromium) against the real stack."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from core.content import load_topics
from core.launcher import Stack
from core.settings import PROJECT_ROOT
from tests.helpers.console import CSRF, PASSWORD, create_account_with_cli

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium"),
]
CONTENT = {entry.key: entry for entry in load_topics(PROJECT_ROOT / "content")}
SHOTS = PROJECT_ROOT / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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
    context = browser.new_context(viewport={"width": 360, "height": 740})
    # Nothing but the app may be reached; the quick-exit target is answered locally.
    context.route(
        "https://www.wikipedia.org/**",
        lambda route: route.fulfill(body="<h1>Wikipedia</h1>", content_type="text/html"),
    )
    tab = context.new_page()
    yield tab
    context.close()


def open_widget(page: Page, stack: Stack, lang: str) -> None:
    page.goto(f"{stack.settings.public_url}/?lang={lang}")
    page.locator("button.open").click()
    expect(page.locator(".panel")).to_be_visible()


def send(page: Page, text: str) -> None:
    page.locator("textarea").fill(text)
    page.locator("textarea").press("Enter")


def first_line(text: str) -> str:
    return text.split("\n")[0]


def test_question_answer_buttons_and_language_switch(page: Page, stack: Stack) -> None:
    open_widget(page, stack, "en")
    send(page, "What is a labour permit?")
    answer = page.locator(".msg.bot", has_text=first_line(CONTENT["labour_permit"].answer.en))
    expect(answer).to_be_visible(timeout=15000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "widget-en.png"))

    button = page.locator(".choices button").first
    title = button.inner_text()
    button.click()
    expect(page.locator(".msg.user", has_text=title)).to_be_visible()
    expect(page.locator(".msg.bot")).to_have_count(3, timeout=15000)

    page.locator("header button.lang").click()
    expect(
        page.locator(
            ".msg.bot", has_text=first_line(CONTENT["change_language"].messages["now_nepali"].ne)
        )
    ).to_be_visible(timeout=15000)
    expect(page.locator("header button.lang")).to_have_text("English")
    send(page, "श्रम स्वीकृति भनेको के हो?")
    expect(
        page.locator(".msg.bot", has_text=first_line(CONTENT["labour_permit"].answer.ne))
    ).to_be_visible(timeout=15000)
    page.screenshot(path=str(SHOTS / "widget-ne.png"))

    send(page, "हेल्पलाइन नम्बरहरू दिनुहोस्")
    expect(page.locator(".msg.bot a[href='tel:1145']").first).to_be_visible(timeout=15000)


def test_counsellor_reply_arrives_live(page: Page, stack: Stack) -> None:
    settings = stack.settings
    create_account_with_cli(settings.database_url, "browsercounsellor")
    open_widget(page, stack, "en")
    page.locator(".actions button.counsel").click()
    expect(
        page.locator(".msg.bot", has_text=first_line(CONTENT["talk_to_counsellor"].answer.en))
    ).to_be_visible(timeout=15000)

    with httpx.Client(base_url=settings.public_url) as console:
        console.post(
            "/console/login",
            json={"username": "browsercounsellor", "password": PASSWORD},
            headers=CSRF,
        )
        console.post("/console/api/presence", json={"presence": "online"}, headers=CSRF)
        waiting = console.get("/console/api/queue").json()
        conversation = waiting[-1]["conversation_id"]
        assert (
            console.post(
                f"/console/api/conversations/{conversation}/claim", headers=CSRF
            ).status_code
            == 200
        )
        console.post(
            f"/console/api/conversations/{conversation}/reply",
            json={"text": "Namaste, I am here to help."},
            headers=CSRF,
        )
    expect(page.locator(".msg.counsellor", has_text="Namaste, I am here to help.")).to_be_visible(
        timeout=15000
    )


def test_offline_messages_wait_and_are_sent_once_when_back(page: Page, stack: Stack) -> None:
    open_widget(page, stack, "en")
    page.context.set_offline(True)
    send(page, "How do I check a manpower agency?")
    expect(page.locator(".msg.user.pending")).to_have_count(1)
    page.wait_for_timeout(1500)
    expect(
        page.locator(".msg.bot", has_text=first_line(CONTENT["verify_agency"].answer.en))
    ).to_have_count(0)
    page.context.set_offline(False)
    expect(
        page.locator(".msg.bot", has_text=first_line(CONTENT["verify_agency"].answer.en))
    ).to_have_count(1, timeout=15000)
    expect(page.locator(".msg.user.pending")).to_have_count(0)
    page.wait_for_timeout(6000)  # the retry timer fires again: nothing is sent twice
    expect(page.locator(".msg.user")).to_have_count(1)
    expect(
        page.locator(".msg.bot", has_text=first_line(CONTENT["verify_agency"].answer.en))
    ).to_have_count(1)


def test_quick_exit_clears_the_widget_state(page: Page, stack: Stack) -> None:
    open_widget(page, stack, "en")
    send(page, "hello")
    expect(page.locator(".msg.bot")).to_have_count(2, timeout=15000)
    assert page.evaluate("Object.keys(sessionStorage).some(k => k.startsWith('sahayatri:'))")
    page.locator("header button.exit").click()
    page.wait_for_url("https://www.wikipedia.org/**")
    page.goto(f"{stack.settings.public_url}/?lang=en")
    assert not page.evaluate("Object.keys(sessionStorage).some(k => k.startsWith('sahayatri:'))")
    page.locator("button.open").click()
    expect(page.locator(".msg")).to_have_count(1)  # only the welcome: the old chat is gone


def test_widget_is_styled_under_a_policy_without_inline_styles(page: Page, stack: Stack) -> None:
    """The demo page allows no 'unsafe-inline' style; the widget's constructed stylesheet still
    applies (its colour), and the browser reports no blocked style."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto(f"{stack.settings.public_url}/?lang=en")
    assert response is not None
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    button = page.locator("button.open")
    expect(button).to_be_visible()
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(181, 18, 46)"
    assert button.evaluate("b => getComputedStyle(b).position") == "fixed"
    body_width = page.evaluate("getComputedStyle(document.body).maxWidth")
    assert body_width == "640px", "the demo page's own style (allowed by its hash) applies"
    button.click()
    expect(page.locator(".panel")).to_be_visible()
    assert violations == []


def test_widget_makes_no_third_party_requests(page: Page, stack: Stack) -> None:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    open_widget(page, stack, "en")
    send(page, "What is a labour permit?")
    expect(page.locator(".msg.bot")).to_have_count(2, timeout=15000)
    assert hosts == {stack.settings.public_url.split("/")[2]}


def test_widget_user_and_console_counsellor_in_two_browser_contexts(
    browser: Browser, page: Page, stack: Stack
) -> None:
    create_account_with_cli(stack.settings.database_url, "consolecounsellor")
    open_widget(page, stack, "en")
    send(page, "I want to talk to a counsellor please")
    expect(
        page.locator(".msg.bot", has_text=first_line(CONTENT["talk_to_counsellor"].answer.en))
    ).to_be_visible(timeout=15000)
    xss = "<img src=x onerror=\"document.title='pwned'\">"
    send(page, xss)

    console_context = browser.new_context(viewport={"width": 1024, "height": 800})
    console = console_context.new_page()
    console.goto(f"{stack.settings.public_url}/console?lang=en")
    console.locator("#username").fill("consolecounsellor")
    console.locator("#password").fill(PASSWORD)
    console.locator("#login button").click()
    expect(console.locator("#queue li").first).to_be_visible(timeout=10000)
    console.locator("#queue li", has_text="talk_to_counsellor").last.locator("button.claim").click()
    expect(console.locator("#transcript .line.bot").first).to_be_visible(timeout=10000)
    expect(console.locator("#transcript .line.user", has_text=xss)).to_be_visible()
    assert console.locator("#transcript img").count() == 0, (
        "user text is shown as text, never as HTML"
    )
    assert console.title() != "pwned"

    console.locator("#text").fill("Namaste, this is Maya from the NGO.")
    console.locator("#reply button").click()
    expect(
        page.locator(".msg.counsellor", has_text="Namaste, this is Maya from the NGO.")
    ).to_be_visible(timeout=15000)

    send(page, "thank you, my passport is with the agent")
    expect(
        console.locator("#transcript .line.user", has_text="my passport is with the agent")
    ).to_be_visible(timeout=15000)

    console.locator("#resolve").click()
    expect(
        page.locator(
            ".msg", has_text=first_line(CONTENT["talk_to_counsellor"].messages["handback"].en)
        )
    ).to_be_visible(timeout=15000)
    send(page, "What is a labour permit?")
    expect(
        page.locator(".msg.bot", has_text=first_line(CONTENT["labour_permit"].answer.en))
    ).to_be_visible(timeout=15000)
    console_context.close()
