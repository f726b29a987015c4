"""What a real app process does at start that a test app must not: freeze what start-up built,
so that the collector's full passes (each one stalls every request) skip it."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from core.settings import PROJECT_ROOT
from tests.helpers.fake_rasa import fake_rasa

PROBE = """
import asyncio, gc
from api.app import create_app

async def main():
    app = create_app()
    async with app.router.lifespan_context(app):
        print(gc.get_freeze_count())

asyncio.run(main())
"""


def test_the_process_entry_point_freezes_what_start_up_built(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SAHAYATRI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'app.db'}",
        "SAHAYATRI_RASA_TRACKER_URL": "",
        "SAHAYATRI_REDIS_URL": "",
        "SAHAYATRI_TELEGRAM_TOKEN": "",
    }
    started = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert int(started.stdout.strip().splitlines()[-1]) > 50_000


def test_an_app_built_with_settings_freezes_nothing(
    make_client: Callable[[httpx.AsyncBaseTransport], TestClient],
) -> None:
    before = gc.get_freeze_count()
    make_client(fake_rasa())
    assert gc.get_freeze_count() == before
