"""The real stack, started once for every end-to-end test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.launcher import Stack, running_stack
from core.settings import Settings


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Action server, Rasa with the trained model, and the app, on ports of their own."""
    var: Path = tmp_path_factory.mktemp("stack")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{var / 'app.db'}",
        port=18000,
        public_url="http://127.0.0.1:18000",
        rasa_url="http://127.0.0.1:15005",
        action_server_url="http://127.0.0.1:15055",
        rasa_timeout_seconds=5,
        rasa_tracker_url=f"sqlite+aiosqlite:///{var / 'rasa-tracker.db'}",
    )
    with running_stack(settings, var) as running:
        yield running
