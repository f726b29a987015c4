"""GET /health names what is down."""

from __future__ import annotations

from tests.helpers.fake_rasa import answering, fake_rasa


def test_health_is_ok_when_everything_answers(make_client) -> None:
    response = make_client(fake_rasa(answering("greet"))).get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


def test_health_is_503_naming_rasa_and_the_action_server_when_down(make_client) -> None:
    response = make_client(fake_rasa(down=True)).get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["rasa"] == "down"
    assert body["action_server"] == "down"
    assert "rasa" in body["down"]
    assert body["database"] == "ok"
