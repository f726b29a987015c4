"""The one error hierarchy of Sahayatri.

SahayatriError
├── RasaUnavailable      Rasa did not answer in time, answered with an error, or said nothing
├── ContentError         a content file or entry breaks the schema or a content rule
└── NotFound             a conversation, topic or revision that does not exist
"""

from __future__ import annotations


class SahayatriError(Exception):
    """Base class of every error the app raises on purpose."""


class RasaUnavailable(SahayatriError):
    """Rasa could not produce a reply; the user gets the safe fallback instead."""


class ContentError(SahayatriError):
    """Content that breaks the schema or a content rule."""


class NotFound(SahayatriError):
    """A record that does not exist."""
