"""Structured logs of the app process: one JSON object per line, with the request id, and every
message passed through `core.redaction.redact` so that no phone, passport or citizenship number
reaches a log file. The code never logs what people wrote; the redaction catches what slips
through (a number in a URL, in an error message). Secrets are hidden the same way: a `token=`
(or `secret=`, `password=`, `key=`) value in a URL, a Telegram bot token (in its API URLs as
`/bot<id>:<secret>/`) and a password in a connection URL. httpx and httpcore, which log every
request's URL at INFO (Rasa's `?token=`), log only warnings.

Fields: time (UTC, ISO 8601), level, logger, event (the redacted message), request_id ("-"
outside a request) and, for errors, exception (redacted traceback).
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from core.redaction import redact

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
# uvicorn's loggers keep their own handlers unless they are replaced too.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
# HTTP clients that log each request's URL, secrets included, at INFO.
QUIET_LOGGERS = ("httpx", "httpcore")
HIDDEN = "[secret]"
_QUERY_SECRET = re.compile(r"(?i)((?:[\w-]*token|secret|password|passwd|[\w-]*key)=)[^&\s'\"<>#]+")
_BOT_TOKEN = re.compile(r"\b\d{3,}:[A-Za-z0-9_-]{20,}|(?<=/bot)\d+:[^/\s'\"?#]+")
_URL_PASSWORD = re.compile(r"(://[^/:@\s'\"]*:)[^@/\s'\"]+(?=@)")


def hide_secrets(text: str) -> str:
    """`text` with tokens, secret query values and URL passwords replaced by a marker."""
    text = _URL_PASSWORD.sub(rf"\g<1>{HIDDEN}", text)
    text = _BOT_TOKEN.sub(HIDDEN, text)
    return _QUERY_SECRET.sub(rf"\g<1>{HIDDEN}", text)


def scrub(text: str) -> str:
    """What a log line may say: no secret, no personal number."""
    return redact(hide_secrets(text))


class RedactingFilter(logging.Filter):
    """Replace each record's message and arguments by their redacted, formatted text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format
            message = f"{record.msg} {record.args}"
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the HTTP request it belongs to."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def log_config(level: str) -> dict[str, Any]:
    """The `logging.config.dictConfig` of the app process (also valid as uvicorn's log_config)."""
    level = level.upper()
    handler = {"handlers": ["json"], "level": level, "propagate": False}
    quiet = level if logging.getLevelName(level) > logging.WARNING else "WARNING"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact": {"()": RedactingFilter},
            "request_id": {"()": RequestIdFilter},
        },
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"handlers": ["json"], "level": level},
        "loggers": {
            **{name: dict(handler) for name in SERVER_LOGGERS},
            **{name: {"level": quiet} for name in QUIET_LOGGERS},
        },
    }


def configure_logging(level: str) -> None:
    """Send every log record of this process, uvicorn's included, through the JSON handler."""
    logging.config.dictConfig(log_config(level))
