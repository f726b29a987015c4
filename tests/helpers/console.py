"""Signing in to the console in tests."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from core.accounts import create_account
from core.db import create_engine, session_factory, transaction
from core.settings import PROJECT_ROOT, Settings

CSRF = {"X-Requested-With": "sahayatri"}
PASSWORD = "correct horse battery staple"


async def add_account(settings: Settings, username: str, role: str = "counsellor") -> None:
    """Create an account from async code."""
    engine = create_engine(settings.database_url)
    async with transaction(session_factory(engine)) as session:
        await create_account(session, username, username.title(), role, PASSWORD)
    await engine.dispose()


async def sign_in(client: httpx.AsyncClient, username: str, online: bool = True) -> None:
    """Log in (the cookie stays on the client) and go online."""
    response = await client.post(
        "/console/login", json={"username": username, "password": PASSWORD}, headers=CSRF
    )
    assert response.status_code == 200, response.text
    if online:
        await client.post("/console/api/presence", json={"presence": "online"}, headers=CSRF)


def create_account_with_cli(database_url: str, username: str, role: str = "counsellor") -> None:
    """Create an account the way an operator does (`python -m core.cli create-account`)."""
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli",
            "create-account",
            "--username",
            username,
            "--role",
            role,
        ],
        input=PASSWORD + "\n",
        env={**os.environ, "SAHAYATRI_DATABASE_URL": database_url},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stdout + created.stderr
