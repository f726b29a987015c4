"""Erasing a person's conversation from Rasa's tracker store (Rasa's HTTP API cannot delete)."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.db import create_engine

log = logging.getLogger(__name__)


async def erase_tracker(tracker_url: str, sender_id: str) -> bool:
    """Delete every Rasa event of `sender_id`; False when the store could not be reached."""
    if not tracker_url:
        return False
    engine = create_engine(tracker_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id}
            )
    except SQLAlchemyError as error:
        log.error("rasa_tracker_erase_failed error=%s", type(error).__name__)
        return False
    finally:
        await engine.dispose()
    return True
