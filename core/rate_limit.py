"""Counting events per key in a sliding window: the rate limits of the chat API and the bot."""

from __future__ import annotations

import time
from collections import deque


class SlidingWindow:
    """At most `limit` events per key in the last `seconds`; keys with no recent event are
    forgotten, so memory stays proportional to the people active in the window."""

    def __init__(self, limit: int, seconds: float = 60.0) -> None:
        self._limit = limit
        self._seconds = seconds
        self._events: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> int:
        """How many events `key` had in the window (older ones are dropped)."""
        events = self._events.get(key)
        if events is None:
            return 0
        now = time.monotonic()
        while events and now - events[0] > self._seconds:
            events.popleft()
        if not events:
            del self._events[key]
        return len(events)

    def blocked(self, key: str) -> bool:
        """Whether `key` reached the limit in the window."""
        return self._recent(key) >= self._limit

    def record(self, key: str) -> None:
        """Count one event for `key`."""
        self._recent(key)
        self._events.setdefault(key, deque()).append(time.monotonic())

    def allow(self, key: str) -> bool:
        """Record one event for `key` unless it is over the limit."""
        if self.blocked(key):
            return False
        self.record(key)
        return True
