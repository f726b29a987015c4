"""/metrics after real traffic: latency histograms, Rasa and NLG failures, the handoff queue and
handoff times."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from core.settings import Settings
from tests.helpers.console import CSRF, add_account, sign_in
from tests.helpers.fake_rasa import fake_rasa


def rasa(body: dict) -> list[dict]:
    """Counsellor requests go to the queue, "silence" gets no answer (an NLG failure in Rasa)."""
    if body["message"] == "silence":
        return []
    topic = "talk_to_counsellor" if "counsellor" in body["message"] else "passport"
    return [
        {"recipient_id": body["sender"], "text": "answer"},
        {"recipient_id": body["sender"], "custom": {"topic": topic}},
    ]


async def samples(client: httpx.AsyncClient) -> dict[tuple[str, tuple], float]:
    """Every sample on /metrics by name and labels."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def grew(before: dict, after: dict, name: str, labels: tuple = ()) -> float:
    return after.get((name, labels), 0.0) - before.get((name, labels), 0.0)


async def test_metrics_show_latency_failures_queue_and_handoff_times(settings: Settings) -> None:
    app = create_app(settings, rasa_transport=fake_rasa(rasa))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://app") as client,
    ):
        before = await samples(client)
        assert ("sahayatri_handoff_queue_length", (("urgent", "false"),)) in before

        await client.post("/api/messages", json={"text": "passport please"})
        await client.post("/api/messages", json={"text": "silence"})
        unknown = {"response": "utter_no_such_topic", "tracker": {}}
        await client.post("/nlg", params={"token": "nlg-test-token"}, json=unknown)
        await add_account(settings, "sita")
        await sign_in(client, "sita")
        asked = await client.post("/api/messages", json={"text": "a counsellor please"})
        conversation = asked.json()["conversation_id"]

        waiting = await samples(client)
        assert waiting[("sahayatri_handoff_queue_length", (("urgent", "false"),))] == 1.0

        await client.post(f"/console/api/conversations/{conversation}/claim", headers=CSRF)
        await client.post(
            f"/console/api/conversations/{conversation}/reply",
            json={"text": "Namaste, I am Sita."},
            headers=CSRF,
        )
        after = await samples(client)

    web = (("channel", "web"),)
    assert grew(before, after, "sahayatri_message_handling_seconds_count", web) == 3
    assert grew(before, after, "sahayatri_rasa_call_seconds_count") == 3
    assert grew(before, after, "sahayatri_rasa_failures_total") == 1
    assert grew(before, after, "sahayatri_nlg_seconds_count") == 1
    assert grew(before, after, "sahayatri_nlg_failures_total") == 1
    assert grew(before, after, "sahayatri_handoff_waiting_seconds_count") == 1
    assert grew(before, after, "sahayatri_handoff_first_response_seconds_count") == 1
    assert after[("sahayatri_handoff_queue_length", (("urgent", "false"),))] == 0.0
    bucket = (("le", "+Inf"),)
    assert grew(before, after, "sahayatri_rasa_call_seconds_bucket", bucket) == 3
