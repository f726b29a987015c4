"""The app process as the launcher starts it (uvicorn, factory): JSON log lines with the request
id, no phone number even when a request carries one, and no secret (Rasa's token, the Telegram
bot token) even though the HTTP clients put them in URLs."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from telegram import Bot

from api.app import create_app
from core.logging_setup import QUIET_LOGGERS, SERVER_LOGGERS, log_config
from core.settings import PROJECT_ROOT, Settings
from tests.helpers.fake_rasa import answering, fake_rasa

PHONE = "9841234567"
RASA_TOKEN = "rasa-secret-0f3a9c"
BOT_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the app exited"
        try:
            httpx.get(f"{url}/metrics", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError("the app did not start")


def test_log_lines_are_json_with_the_request_id_and_without_the_number(tmp_path: Path) -> None:
    port, rasa_port = free_port(), free_port()  # nothing listens on rasa_port: Rasa is down
    log_file = tmp_path / "app.log"
    env = {
        **os.environ,
        "SAHAYATRI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'app.db'}",
        "SAHAYATRI_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "SAHAYATRI_ACTION_SERVER_URL": f"http://127.0.0.1:{rasa_port}",
        "SAHAYATRI_RASA_TRACKER_URL": "",
        "SAHAYATRI_TELEGRAM_TOKEN": "",
        "SAHAYATRI_LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log_file.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url, process)
            headers = {"X-Request-ID": "req-phone-1"}
            reply = httpx.post(
                f"{url}/api/messages",
                json={"text": f"my number is {PHONE}, call me"},
                headers=headers,
                timeout=30,
            )
            assert reply.status_code == 200
            assert reply.headers["x-request-id"] == "req-phone-1"
            missing = httpx.get(f"{url}/api/conversations/{PHONE}/messages", timeout=10)
            made_up = missing.headers["x-request-id"]
            forged = httpx.get(f"{url}/health", headers={"X-Request-ID": "a b {}"}, timeout=10)
            assert forged.headers["x-request-id"] != "a b {}"
        finally:
            process.terminate()
            process.wait(timeout=30)

    text = log_file.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines, "the app logged nothing"
    assert all({"time", "level", "logger", "event", "request_id"} <= set(line) for line in lines)
    assert PHONE not in text
    first = [line for line in lines if line["request_id"] == "req-phone-1"]
    assert any(line["event"].startswith("rasa_unavailable") for line in first)  # Rasa is down
    assert any("POST /api/messages" in line["event"] for line in first)  # uvicorn's access line
    second = [line for line in lines if line["request_id"] == made_up]
    assert any("/api/conversations/[number]/messages" in line["event"] for line in second)
    assert "call me" not in text  # what people write is never logged


@pytest.fixture
def app_logs() -> Iterator[Callable[[str], io.StringIO]]:
    """Configure logging as the app process does (`log_config`), writing to a buffer; the
    logging setup of the test run is put back afterwards."""
    root = logging.getLogger()
    names = (*SERVER_LOGGERS, *QUIET_LOGGERS, "telegram")
    saved = [(root, root.handlers[:], root.level, root.propagate)]
    saved += [
        (logger, logger.handlers[:], logger.level, logger.propagate)
        for logger in map(logging.getLogger, names)
    ]

    def configure(level: str) -> io.StringIO:
        buffer = io.StringIO()
        config = log_config(level)
        config["handlers"]["json"]["stream"] = buffer
        logging.config.dictConfig(config)
        return buffer

    yield configure
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_rasa_token_never_reaches_the_log(
    app_logs: Callable[[str], io.StringIO], settings: Settings, level: str
) -> None:
    logs = app_logs(level)
    configured = settings.model_copy(update={"rasa_token": SecretStr(RASA_TOKEN)})
    transport = fake_rasa(answering("talk_to_counsellor"))  # tracker events answer 404
    app = create_app(configured, rasa_transport=transport)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")
    async with app.router.lifespan_context(app), client:
        assert (await client.get("/health")).json()["rasa"] == "ok"  # GET /status?token=…
        asked = await client.post("/api/messages", json={"text": "I want a counsellor"})
        assert asked.status_code == 200
    text = logs.getvalue()
    assert RASA_TOKEN not in text
    # The pause Rasa refused (404) is logged with the URL it went to, the token hidden.
    failed = [json.loads(line) for line in text.splitlines() if "rasa_pause_failed" in line]
    assert failed and "token=[secret]" in failed[0]["event"], text
    assert "HTTP Request:" not in text, "httpx does not log each request's URL"


async def test_telegram_bot_token_never_reaches_the_log(
    app_logs: Callable[[str], io.StringIO],
) -> None:
    logs = app_logs("DEBUG")
    Bot(BOT_TOKEN, base_url="http://127.0.0.1:9/bot")  # logs its API URL at DEBUG; no request
    text = logs.getvalue()
    assert "Set Bot API URL" in text
    assert BOT_TOKEN not in text and BOT_TOKEN.split(":")[1] not in text
    assert "/bot[secret]" in text


@pytest.mark.parametrize(
    ("logger", "message", "secret"),
    [
        ("uvicorn.access", '127.0.0.1:5 - "POST /nlg?token=nlg-s3cret HTTP/1.1" 200', "nlg-s3cret"),
        ("telegram.ext", f"GET https://api.telegram.org/bot{BOT_TOKEN}/getMe", BOT_TOKEN[11:]),
        ("core.tracker_store", "postgresql://rasa:pg-s3cret@db:5432/rasa", "pg-s3cret"),
        ("core.x", "POST /hook?a=1&secret_token=abc-123&b=2", "abc-123"),
    ],
)
def test_secrets_in_any_log_line_are_hidden(
    app_logs: Callable[[str], io.StringIO], logger: str, message: str, secret: str
) -> None:
    logs = app_logs("INFO")
    logging.getLogger(logger).warning(message)
    text = logs.getvalue()
    assert "[secret]" in text
    assert secret not in text
