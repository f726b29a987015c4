"""The settings every unit test starts from."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings


def sqlite_settings(database: Path) -> Settings:
    """The tests' settings, on the SQLite database `database`."""
    return Settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        nlg_token="nlg-test-token",
        rasa_token="rasa-test-token",
        rasa_timeout_seconds=2,
        rasa_tracker_url="",
        counsellor_hours="",  # the same answers at any hour; tests of shift hours set their own
    )
