"""The first admin: created once from the command line, never with a default password;
session cookies are HttpOnly, SameSite=Strict, and Secure behind HTTPS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import PROJECT_ROOT, Settings
from tests.helpers.console import CSRF, PASSWORD, create_account_with_cli
from tests.helpers.fake_rasa import fake_rasa


def bootstrap(database_url: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "SAHAYATRI_ADMIN_PASSWORD"}
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "bootstrap-admin", "--username", "root"],
        input=stdin,
        env={**clean, "SAHAYATRI_DATABASE_URL": database_url, **env},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_bootstrap_admin_once_and_never_without_a_real_password(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    no_password = bootstrap(url, stdin="\n")
    assert no_password.returncode == 1 and "12 characters" in no_password.stdout
    short = bootstrap(url, SAHAYATRI_ADMIN_PASSWORD="admin")
    assert short.returncode == 1, "no short or default password"
    created = bootstrap(url, SAHAYATRI_ADMIN_PASSWORD=PASSWORD)
    assert created.returncode == 0, created.stdout + created.stderr
    again = bootstrap(url, stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "already exists" in again.stdout


def test_an_admin_made_another_way_also_blocks_the_bootstrap(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    create_account_with_cli(url, "first", role="admin")
    assert bootstrap(url, stdin=PASSWORD + "\n").returncode == 1


def signed_in_cookie(settings: Settings, public_url: str) -> str:
    create_account_with_cli(settings.database_url, "sita")
    app = create_app(settings.model_copy(update={"public_url": public_url}), fake_rasa())
    with TestClient(app, base_url=public_url) as client:
        response = client.post(
            "/console/login", json={"username": "sita", "password": PASSWORD}, headers=CSRF
        )
        assert response.status_code == 200
        return response.headers["set-cookie"].lower()


def test_session_cookie_is_httponly_strict_and_secure_behind_https(settings: Settings) -> None:
    cookie = signed_in_cookie(settings, "https://sahayatri.example.org")
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    assert "max-age=43200" in cookie, "a session ends after 12 hours"


def test_session_cookie_without_https_is_still_httponly_and_strict(settings: Settings) -> None:
    cookie = signed_in_cookie(settings, "http://127.0.0.1:8000")
    assert "httponly" in cookie and "samesite=strict" in cookie
