"""The real stack, started once for every end-to-end test module, with Telegram pointed at a
fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from core.launcher import Stack, running_stack
from core.settings import Settings
from tests.helpers.fake_telegram import FakeTelegram

T = TypeVar("T")


class ThreadedTelegram:
    """The fake Bot API server on its own event loop thread, driven from synchronous tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.fake: FakeTelegram | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.call(self._start())

    async def _start(self) -> None:
        self.fake = FakeTelegram()
        await self.fake.serve()

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def do(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Call a plain method of the fake on its loop."""

        async def run() -> Any:
            return function(*args, **kwargs)

        return self.call(run())

    def stop(self) -> None:
        """Shut the server down, then its loop and thread."""
        assert self.fake is not None
        self.call(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="session")
def telegram() -> Iterator[ThreadedTelegram]:
    threaded = ThreadedTelegram()
    yield threaded
    threaded.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, telegram: ThreadedTelegram) -> Iterator[Stack]:
    """Action server, Rasa with the trained model, and the app (with Telegram), on ports of their own."""
    var: Path = tmp_path_factory.mktemp("stack")
    assert telegram.fake is not None
    # SAHAYATRI_TEST_PORT_OFFSET lets several checkouts run their end-to-end tests at once.
    offset = int(os.environ.get("SAHAYATRI_TEST_PORT_OFFSET", "0"))
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{var / 'app.db'}",
        port=18000 + offset,
        public_url=f"http://127.0.0.1:{18000 + offset}",
        rasa_url=f"http://127.0.0.1:{15005 + offset}",
        action_server_url=f"http://127.0.0.1:{15055 + offset}",
        rasa_timeout_seconds=5,
        rasa_tracker_url=f"sqlite+aiosqlite:///{var / 'rasa-tracker.db'}",
        telegram_token="123:E2E",
        telegram_api_url=telegram.fake.url,
    )
    with running_stack(settings, var) as running:
        yield running
