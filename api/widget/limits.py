"""Request limits of the public chat API: per IP and per conversation, in a sliding minute."""

from __future__ import annotations

from fastapi import HTTPException

from core.rate_limit import SlidingWindow

__all__ = ["ChatLimits", "SlidingWindow"]


class ChatLimits:
    """The two limits every sent message passes."""

    def __init__(self, per_ip: int, per_conversation: int) -> None:
        self._ip = SlidingWindow(per_ip)
        self._conversation = SlidingWindow(per_conversation)

    def check(
        self,
        ip: str,
        conversation_id: str | None,
        detail: str = "too many messages; please wait a minute",
    ) -> None:
        """Raise 429 (with `detail`, the polite text in the user's language) when this IP or
        conversation sent too much in the last minute."""
        if not self._ip.allow(ip) or (
            conversation_id is not None and not self._conversation.allow(conversation_id)
        ):
            raise HTTPException(
                status_code=429,
                detail=detail,
                headers={"Retry-After": "60"},
            )
