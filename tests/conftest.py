"""Shared fixtures: settings on a fresh SQLite database, and the app with a fake Rasa."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import PROJECT_ROOT, Settings

CONTRACT = PROJECT_ROOT.parent / "shared" / "topics.yml"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on an empty SQLite database in a temporary folder."""
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'app.db'}",
        nlg_token="nlg-test-token",
        rasa_token="rasa-test-token",
        rasa_timeout_seconds=2,
        rasa_tracker_url="",
        counsellor_hours="",  # the same answers at any hour; tests of shift hours set their own
    )


@pytest.fixture
def make_client(settings: Settings) -> Iterator[Callable[[httpx.AsyncBaseTransport], TestClient]]:
    """Build a TestClient of the app whose Rasa is the given transport."""
    clients: list[TestClient] = []

    def build(transport: httpx.AsyncBaseTransport) -> TestClient:
        client = TestClient(create_app(settings, rasa_transport=transport))
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)
