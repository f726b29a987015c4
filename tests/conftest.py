"""Shared fixtures: settings on a fresh SQLite database, and the app with a fake Rasa."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import PROJECT_ROOT, Settings
from tests.helpers.settings import sqlite_settings

CONTRACT = PROJECT_ROOT.parent / "shared" / "topics.yml"


@pytest.fixture(scope="session")
def started_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database as the app leaves it at its first start (migrated, content imported), made
    once per run by the app itself: each test starts from a copy instead of paying the
    migrations and the import again (about 1.2 s per test)."""
    database = tmp_path_factory.mktemp("started") / "app.db"
    app = create_app(sqlite_settings(database))

    async def start_and_stop() -> None:
        async with app.router.lifespan_context(app):
            pass

    asyncio.run(start_and_stop())
    return database


@pytest.fixture
def settings(tmp_path: Path, started_database: Path) -> Settings:
    """Settings on a database of its own, as the app leaves it at its first start."""
    shutil.copy(started_database, tmp_path / "app.db")
    return sqlite_settings(tmp_path / "app.db")


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
