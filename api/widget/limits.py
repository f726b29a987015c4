"""Request limits of the public chat API: per IP and per conversation, in a sliding minute."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from fastapi import HTTPException


class SlidingWindow:
    """At most `limit` events per key in the last `seconds`."""

    def __init__(self, limit: int, seconds: float = 60.0) -> None:
        self._limit = limit
        self._seconds = seconds
        self._events: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        now = time.monotonic()
        events = self._events[key]
        while events and now - events[0] > self._seconds:
            events.popleft()
        return events

    def blocked(self, key: str) -> bool:
        """Whether `key` reached the limit in the window."""
        return len(self._recent(key)) >= self._limit

    def record(self, key: str) -> None:
        """Count one event for `key`."""
        self._recent(key).append(time.monotonic())

    def allow(self, key: str) -> bool:
        """Record one event for `key` unless it is over the limit."""
        if self.blocked(key):
            return False
        self.record(key)
        return True


class ChatLimits:
    """The two limits every sent message passes."""

    def __init__(self, per_ip: int, per_conversation: int) -> None:
        self._ip = SlidingWindow(per_ip)
        self._conversation = SlidingWindow(per_conversation)

    def check(self, ip: str, conversation_id: str | None) -> None:
        """Raise 429 when this IP or conversation sent too much in the last minute."""
        if not self._ip.allow(ip) or (
            conversation_id is not None and not self._conversation.allow(conversation_id)
        ):
            raise HTTPException(
                status_code=429,
                detail="too many messages; please wait a minute",
                headers={"Retry-After": "60"},
            )
