"""Erasing from Rasa's tracker store (Rasa's HTTP API cannot delete): one person, or old events."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.exc import SQLAlchemyError

from core.db import create_engine

log = logging.getLogger(__name__)
BATCH = 500


async def erase_tracker(tracker_url: str, sender_id: str) -> bool:
    """Delete every Rasa event of `sender_id`; False when the store could not be reached."""
    return await _delete(
        tracker_url, "DELETE FROM events WHERE sender_id = :sender", {"sender": sender_id}
    )


async def purge_tracker(tracker_url: str, before: datetime, sender_ids: Sequence[str] = ()) -> int:
    """Delete Rasa events older than `before` and every event of `sender_ids`; the count, or -1
    when the store could not be reached (the next purge tries again)."""
    if not tracker_url:
        return 0
    engine = create_engine(tracker_url)
    deleted = 0
    try:
        async with engine.begin() as connection:
            result = await connection.execute(
                text("DELETE FROM events WHERE timestamp < :before"),
                {"before": before.timestamp()},
            )
            deleted += result.rowcount or 0
            for start in range(0, len(sender_ids), BATCH):
                result = await connection.execute(
                    text("DELETE FROM events WHERE sender_id IN :senders").bindparams(
                        bindparam("senders", expanding=True)
                    ),
                    {"senders": list(sender_ids[start : start + BATCH])},
                )
                deleted += result.rowcount or 0
    except (SQLAlchemyError, OSError) as error:
        log.error("rasa_tracker_purge_failed error=%s", type(error).__name__)
        return -1
    finally:
        await engine.dispose()
    return deleted


async def forget_user_turns(tracker_url: str, sender_id: str, since: datetime) -> bool:
    """Delete `sender_id`'s user messages and slot values recorded since `since` (the answers
    of a finished self-check); False when the store could not be reached."""
    return await _delete(
        tracker_url,
        "DELETE FROM events WHERE sender_id = :sender AND timestamp >= :since "
        "AND type_name IN ('user', 'slot')",
        {"sender": sender_id, "since": since.timestamp()},
    )


async def _delete(tracker_url: str, statement: str, values: dict[str, object]) -> bool:
    """Run one DELETE on the tracker store; False when there is none or it cannot be reached."""
    if not tracker_url:
        return False
    engine = create_engine(tracker_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement), values)
    except (SQLAlchemyError, OSError) as error:
        log.error("rasa_tracker_delete_failed error=%s", type(error).__name__)
        return False
    finally:
        await engine.dispose()
    return True
