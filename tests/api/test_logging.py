"""The app process as the launcher starts it (uvicorn, factory): JSON log lines with the request
id, and no phone number even when a request carries one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from core.settings import PROJECT_ROOT

PHONE = "9841234567"


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
