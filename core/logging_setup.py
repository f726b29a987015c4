"""Structured logs of the app process: one JSON object per line, with the request id, and every
message passed through `core.redaction.redact` so that no phone, passport or citizenship number
reaches a log file. The code never logs what people wrote; the redaction catches what slips
through (a number in a URL, in an error message).

Fields: time (UTC, ISO 8601), level, logger, event (the redacted message), request_id ("-"
outside a request) and, for errors, exception (redacted traceback).
"""

from __future__ import annotations

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from core.redaction import redact

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
# uvicorn's loggers keep their own handlers unless they are replaced too.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


class RedactingFilter(logging.Filter):
    """Replace each record's message and arguments by their redacted, formatted text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format
            message = f"{record.msg} {record.args}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
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
        "loggers": {name: dict(handler) for name in SERVER_LOGGERS},
    }


def configure_logging(level: str) -> None:
    """Send every log record of this process, uvicorn's included, through the JSON handler."""
    logging.config.dictConfig(log_config(level))
