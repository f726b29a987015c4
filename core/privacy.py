"""Pseudonyms (a keyed hash stands for a channel's user id wherever the id is not needed) and
the privacy notice every channel shows."""

from __future__ import annotations

import hashlib
import hmac

from core.i18n import N_, Translator


def pseudonym(secret: str, channel: str, external_id: str | int) -> str:
    """A stable id for one person on one channel that cannot be reversed without the key."""
    if not secret:
        raise ValueError("a secret key is required for pseudonyms (SAHAYATRI_SECRET_KEY)")
    digest = hmac.new(secret.encode(), f"{channel}:{external_id}".encode(), hashlib.sha256)
    return f"{channel[:2]}{digest.hexdigest()[:30]}"


PRIVACY_SECTIONS = (
    N_("privacy.stored"),
    N_("privacy.retention"),
    N_("privacy.who"),
    N_("privacy.delete"),
)


def privacy_notice(translator: Translator, language: str, retention_days: int) -> list[str]:
    """The privacy notice as paragraphs: what is kept, how long, who sees it, how to delete it.
    One text for every channel (Telegram /privacy, the /privacy page the widget links to)."""
    return [translator.text(language, "privacy.title")] + [
        translator.text(language, section, days=retention_days) for section in PRIVACY_SECTIONS
    ]
