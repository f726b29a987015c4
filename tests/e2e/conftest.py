"""The real stack, started once for every end-to-end test module, with Telegram pointed at a
fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

from core.launcher import (
    PGUSER,
    Stack,
    drop_database,
    ensure_database,
    multi_settings,
    running_stack,
)
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
    """Action server, Rasa with the trained model, and the app (with Telegram), on ports of their own.

    SAHAYATRI_E2E_MODE=multi (make e2e-multi): the production shape instead — two app processes
    sharing one address, two Rasa workers, PostgreSQL (fresh databases) and Redis."""
    var: Path = tmp_path_factory.mktemp("stack")
    assert telegram.fake is not None
    # SAHAYATRI_TEST_PORT_OFFSET lets several checkouts run their end-to-end tests at once.
    offset = int(os.environ.get("SAHAYATRI_TEST_PORT_OFFSET", "0"))
    if os.environ.get("SAHAYATRI_E2E_MODE") == "multi":
        with multi_stack(var, offset, telegram.fake.url) as running:
            yield running
        return
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


@contextmanager
def multi_stack(var: Path, offset: int, telegram_url: str | None = None) -> Iterator[Stack]:
    """Two app processes on 127.0.0.1:28000 (each also on 28001/28002), Rasa workers on
    25005/25006, the action server on 25055 (all moved by the offset), fresh PostgreSQL
    databases for the app and Rasa's tracker store (dropped afterwards), Redis; Telegram pointed
    at `telegram_url` when given."""
    database = f"postgresql+asyncpg://{PGUSER}@127.0.0.1:5432/sahayatri_e2e_multi_{offset}"
    settings = multi_settings(
        database_url=database,
        rasa_tracker_url=f"{database}_rasa",
        redis_url=os.environ.get("SAHAYATRI_REDIS_URL", "redis://127.0.0.1:6379/0"),
        port=28000 + offset,
        public_url=f"http://127.0.0.1:{28000 + offset}",
        rasa_url=f"http://127.0.0.1:{25005 + offset},http://127.0.0.1:{25006 + offset}",
        action_server_url=f"http://127.0.0.1:{25055 + offset}",
        rasa_timeout_seconds=10,
        telegram_token="123:E2E" if telegram_url else "",
        telegram_api_url=telegram_url or "http://127.0.0.1:9",
    )
    for url in (settings.database_url, settings.rasa_tracker_url):
        ensure_database(url, fresh=True)
    try:
        with running_stack(settings, var, app_processes=2) as running:
            yield running
    finally:
        for url in (settings.database_url, settings.rasa_tracker_url):
            drop_database(url)


def query(database_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of a query on one of the stack's databases (SQLite or PostgreSQL, whatever the mode)."""
    from sqlalchemy import text

    from core.db import create_engine

    async def run() -> list[tuple[Any, ...]]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                result = await connection.execute(text(sql), params)
                return [tuple(row) for row in result]
        finally:
            await engine.dispose()

    return asyncio.run(run())
