"""Retrain from the editor against the real stack: a published example question is trained in the
background, the new model is scored on the held-out questions against the running one, and it
replaces the running model only if it is not worse (about five minutes on two cores)."""

from __future__ import annotations

import time

import httpx
import pytest

from core.launcher import Stack
from core.rasa_client import worker_urls
from tests.helpers.console import CSRF, PASSWORD, create_account_with_cli

pytestmark = pytest.mark.e2e
NEW_EXAMPLE = "can my cousin send money home through a bank in qatar"


def sign_in(client: httpx.Client, stack: Stack) -> None:
    create_account_with_cli(stack.settings.database_url, "rita", role="editor")
    login = client.post(
        "/editor/login", json={"username": "rita", "password": PASSWORD}, headers=CSRF
    )
    assert login.status_code == 200


def running_model(stack: Stack) -> str:
    """The model every Rasa worker runs (one worker, or several in the multi mode)."""
    token = stack.env["SAHAYATRI_RASA_TOKEN"]
    models = {
        str(httpx.get(f"{url}/status", params={"token": token}, timeout=30).json()["model_file"])
        for url in worker_urls(stack.settings.rasa_url)
    }
    assert len(models) == 1, f"the workers run different models: {models}"
    return models.pop()


def test_retrain_trains_evaluates_and_swaps_only_a_model_that_is_not_worse(stack: Stack) -> None:
    with httpx.Client(base_url=stack.settings.public_url, timeout=60) as client:
        sign_in(client, stack)
        topic = client.get("/editor/api/topics/remittance").json()
        entry = topic["pending_entry"] or topic["published"]
        entry["examples"]["en"].append(NEW_EXAMPLE)
        revision = client.post("/editor/api/topics/remittance/drafts", json=entry, headers=CSRF)
        assert revision.status_code == 201, revision.text
        client.post(f"/editor/api/revisions/{revision.json()['id']}/submit", headers=CSRF)
        approved = client.post(
            f"/editor/api/revisions/{revision.json()['id']}/approve", headers=CSRF
        )
        assert approved.status_code == 200
        before = running_model(stack)

        started = client.post("/editor/api/retrain", headers=CSRF)
        assert started.status_code == 202
        assert client.post("/editor/api/retrain", headers=CSRF).status_code == 409
        seen_progress = set()
        deadline = time.monotonic() + 20 * 60
        status = started.json()
        while status["state"] not in {"done", "failed"}:
            assert time.monotonic() < deadline, status
            time.sleep(3)
            status = client.get("/editor/api/retrain").json()
            seen_progress.add(status["progress"])

        assert status["state"] == "done", status
        assert status["progress"] == 100 and min(seen_progress) < 100  # progress was shown
        assert status["current_accuracy"] is not None and status["new_accuracy"] is not None
        assert str(status["current_accuracy"] * 100)[:2] in status["message"].replace(",", "")
        if status["new_accuracy"] >= status["current_accuracy"]:
            assert status["outcome"] == "editor.retrain.swapped"
            assert running_model(stack) != before
            assert running_model(stack).endswith(status["new_model"])
        else:
            assert status["outcome"] == "editor.retrain.kept"
            assert running_model(stack) == before
        reply = httpx.post(
            f"{stack.settings.public_url}/api/messages", json={"text": NEW_EXAMPLE}, timeout=30
        ).json()["replies"][0]
        assert reply["text"], "the stack answers after the swap"
