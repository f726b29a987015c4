"""Databases for the privacy tests: throwaway PostgreSQL databases and Rasa's tracker table."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg
from sqlalchemy import text

from core.db import create_engine

PG_USER = os.environ.get("PGUSER", "postgres")
# The table exactly as Rasa 3.6's SQLTrackerStore creates it (rasa/core/tracker_store.py).
RASA_EVENTS = """
CREATE TABLE IF NOT EXISTS events (
    id {serial} PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)
"""


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database on 127.0.0.1 (SQLAlchemy async URL), dropped afterwards."""
    name = f"sahayatri_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(host="127.0.0.1", port=5432, user=PG_USER, database="postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://{PG_USER}@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def add_tracker_events(tracker_url: str, events: list[tuple[str, datetime]]) -> None:
    """Create Rasa's events table if needed and add one user event per (sender, time)."""
    engine = create_engine(tracker_url)
    serial = "SERIAL" if tracker_url.startswith("postgresql") else "INTEGER"
    async with engine.begin() as connection:
        await connection.execute(text(RASA_EVENTS.format(serial=serial)))
        for sender, moment in events:
            await connection.execute(
                text(
                    "INSERT INTO events (sender_id, type_name, timestamp, data)"
                    " VALUES (:sender, 'user', :at, '{}')"
                ),
                {"sender": sender, "at": moment.timestamp()},
            )
    await engine.dispose()


async def tracker_senders(tracker_url: str) -> list[str]:
    """The sender id of every event left in the tracker store, in order."""
    engine = create_engine(tracker_url)
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT sender_id FROM events ORDER BY id"))
        senders = [row[0] for row in rows]
    await engine.dispose()
    return senders
