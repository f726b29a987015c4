"""Pseudonyms: a keyed hash stands for a channel's user id wherever the id is not needed."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(secret: str, channel: str, external_id: str | int) -> str:
    """A stable id for one person on one channel that cannot be reversed without the key."""
    if not secret:
        raise ValueError("a secret key is required for pseudonyms (SAHAYATRI_SECRET_KEY)")
    digest = hmac.new(secret.encode(), f"{channel}:{external_id}".encode(), hashlib.sha256)
    return f"{channel[:2]}{digest.hexdigest()[:30]}"
