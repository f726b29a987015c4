"""Publish/subscribe between the parts of the app (console live updates, widget live messages).

In-process by default; several app processes need the Redis broker (not built yet).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

QUEUE_LIMIT = 100


class Broker:
    """Fan out events on named channels to every current subscriber."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        """Send `event` to the channel's subscribers; a subscriber that fell behind loses it."""
        for queue in list(self._subscribers.get(channel, ())):
            if queue.qsize() < QUEUE_LIMIT:
                queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue that receives the channel's events while the context is open."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subscribers[channel].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[channel].discard(queue)
