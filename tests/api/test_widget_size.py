"""Everything the widget loads stays small for cheap phones on slow data."""

from __future__ import annotations

import gzip

from api.widget.templates import STATIC

BUDGET_BYTES = 25 * 1024


def test_widget_is_under_25_kb_gzipped() -> None:
    # The widget loads exactly one file; its strings come as a small JSON response.
    size = len(gzip.compress((STATIC / "widget.js").read_bytes(), compresslevel=9))
    assert size <= BUDGET_BYTES, f"widget.js is {size} bytes gzipped (budget {BUDGET_BYTES})"


def test_widget_strings_and_demo_page(make_client) -> None:
    from tests.helpers.fake_rasa import fake_rasa

    client = make_client(fake_rasa())
    strings = client.get("/api/widget/strings", params={"lang": "ne"}).json()
    assert strings["widget.send"] == "पठाउने"
    assert len(gzip.compress(client.get("/api/widget/strings").content)) < 2048
    page = client.get("/", params={"lang": "en"})
    assert '<script src="/widget.js"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/widget.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/api/widget/strings", params={"lang": "fr"}).status_code == 422


def test_public_api_allows_cross_origin_but_the_console_does_not(make_client) -> None:
    from tests.helpers.fake_rasa import fake_rasa

    client = make_client(fake_rasa())
    preflight = client.options(
        "/api/messages",
        headers={"Origin": "https://ngo.example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "x-requested-with" not in preflight.headers["access-control-allow-headers"].lower()
    console = client.options(
        "/console/api/queue",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in console.headers


def test_too_many_messages_get_a_clear_429(make_client, settings) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.helpers.fake_rasa import answering, fake_rasa

    limited = settings.model_copy(update={"messages_per_minute_per_conversation": 3})
    with TestClient(create_app(limited, rasa_transport=fake_rasa(answering("greet")))) as client:
        first = client.post("/api/messages", json={"text": "hi"}).json()
        codes = [
            client.post(
                "/api/messages", json={"text": "hi", "conversation_id": first["conversation_id"]}
            ).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        other = client.post("/api/messages", json={"text": "hi"})
        assert other.status_code == 200, "other people keep being answered"
