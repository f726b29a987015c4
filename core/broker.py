"""Publish/subscribe between the parts of the app (console live updates, widget live messages).

In-process by default; with REDIS_URL set, Redis pub/sub, so that several app processes
behind one address see each other's events.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any, Protocol

import redis.asyncio as redis

QUEUE_LIMIT = 100


class Broker(Protocol):
    """What the app needs of a broker."""

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        """Send an event to every subscriber of the channel, in any process."""

    def subscribe(self, channel: str) -> Any:
        """An async context manager giving a queue of the channel's events."""


class LocalBroker:
    """Fan out events on named channels to every current subscriber in this process."""

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


class RedisBroker:
    """Redis pub/sub: every app process connected to the same Redis sees every event."""

    def __init__(self, url: str) -> None:
        self._redis = redis.from_url(url, decode_responses=True)

    async def close(self) -> None:
        """Release the connections."""
        await self._redis.aclose()

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        """Publish the event as JSON on the channel."""
        await self._redis.publish(f"sahayatri:{channel}", json.dumps(event))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue fed by a Redis subscription while the context is open."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(f"sahayatri:{channel}")

        async def pump() -> None:
            async for message in pubsub.listen():
                if message.get("type") == "message" and queue.qsize() < QUEUE_LIMIT:
                    queue.put_nowait(json.loads(message["data"]))

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
            await pubsub.aclose()  # type: ignore[no-untyped-call]


def create_broker(redis_url: str) -> LocalBroker | RedisBroker:
    """Redis when a URL is configured, else in-process."""
    return RedisBroker(redis_url) if redis_url else LocalBroker()
