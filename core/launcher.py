"""`make run`: train if needed, start the action server, Rasa and the app, wait until healthy,
restart a process that dies, and stop all three cleanly on Ctrl-C."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from core.settings import PROJECT_ROOT, Settings
from core.training import NLU_DIR, RASA_BIN, ensure_model

APP_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
STARTUP_SECONDS = 300


@dataclass(frozen=True)
class Service:
    """A process the launcher owns."""

    name: str
    command: list[str]
    cwd: Path


def stack_environment(settings: Settings, var: Path) -> dict[str, str]:
    """Environment shared by the three processes: fresh tokens unless the operator set them."""
    return {
        **os.environ,
        "SAHAYATRI_DATABASE_URL": settings.database_url,
        "SAHAYATRI_HOST": settings.host,
        "SAHAYATRI_PORT": str(settings.port),
        "SAHAYATRI_RASA_URL": settings.rasa_url,
        "SAHAYATRI_RASA_TOKEN": settings.rasa_token.get_secret_value() or secrets.token_urlsafe(24),
        "SAHAYATRI_NLG_TOKEN": settings.nlg_token.get_secret_value() or secrets.token_urlsafe(24),
        "SAHAYATRI_ACTION_SERVER_URL": settings.action_server_url,
        "SAHAYATRI_PUBLIC_URL": settings.public_url,
        "SAHAYATRI_SECRET_KEY": settings.secret_key.get_secret_value() or local_secret(var),
        "SAHAYATRI_TELEGRAM_TOKEN": settings.telegram_token.get_secret_value(),
        "SAHAYATRI_TELEGRAM_API_URL": settings.telegram_api_url,
        "RASA_TRACKER_DIALECT": os.environ.get("RASA_TRACKER_DIALECT", "sqlite"),
        "RASA_TRACKER_DB": os.environ.get("RASA_TRACKER_DB", str(var / "rasa-tracker.db")),
        "SAHAYATRI_RASA_TRACKER_URL": os.environ.get(
            "SAHAYATRI_RASA_TRACKER_URL", f"sqlite+aiosqlite:///{var / 'rasa-tracker.db'}"
        ),
        "SANIC_HOST": "127.0.0.1",
        "PYTHONHASHSEED": "0",
        "RASA_TELEMETRY_ENABLED": "false",  # no telemetry or error reports leave the machine
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def local_secret(var: Path) -> str:
    """The embedded default's pseudonym key: made once, kept in var/secret_key (mode 600)."""
    path = var / "secret_key"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def services(settings: Settings, model: Path, env: dict[str, str]) -> list[Service]:
    """The action server, Rasa (127.0.0.1, API behind --auth-token) and the app."""
    return [
        Service(
            "actions",
            [
                str(RASA_BIN),
                "run",
                "actions",
                "--actions",
                "actions",
                "-p",
                str(urlsplit(settings.action_server_url).port),
            ],
            NLU_DIR,
        ),
        Service(
            "rasa",
            [
                str(RASA_BIN),
                "run",
                "--enable-api",
                "--auth-token",
                env["SAHAYATRI_RASA_TOKEN"],
                "-i",
                "127.0.0.1",
                "-p",
                str(urlsplit(settings.rasa_url).port),
                "-m",
                str(model),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
            ],
            NLU_DIR,
        ),
        Service(
            "app",
            [
                str(APP_PYTHON),
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--host",
                settings.host,
                "--port",
                str(settings.port),
                "--log-level",
                "warning",
            ],
            PROJECT_ROOT,
        ),
    ]


def start(service: Service, env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
    """Start a process in its own process group, logging to <log_dir>/<name>.log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"{service.name}.log").open("ab") as log_file:
        return subprocess.Popen(
            service.command,
            cwd=service.cwd,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """Terminate every process group, then kill what is left after 15 seconds."""
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def is_healthy(settings: Settings) -> bool:
    """Whether /health answers 200."""
    try:
        return httpx.get(f"{settings.public_url}/health", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def wait_healthy(settings: Settings, processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """Poll /health until everything is up; raise if a process died or time ran out."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}; see its log")
        if is_healthy(settings):
            return
        time.sleep(1)
    raise RuntimeError(f"not healthy after {STARTUP_SECONDS} s; see the logs")


@dataclass
class Stack:
    """The running processes of one stack, and how to restart one of them."""

    settings: Settings
    wanted: list[Service]
    processes: dict[str, subprocess.Popen[bytes]]
    env: dict[str, str]
    log_dir: Path

    def restart(self, name: str) -> None:
        """Start the named process again (after it died or was stopped)."""
        service = next(s for s in self.wanted if s.name == name)
        self.processes[name] = start(service, self.env, self.log_dir)

    def kill(self, name: str) -> None:
        """Stop the named process at once (used to test failure handling)."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def busy_ports(settings: Settings) -> list[str]:
    """The addresses of the stack that something else already listens on."""
    busy = []
    for url in (settings.public_url, settings.rasa_url, settings.action_server_url):
        parts = urlsplit(url)
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((parts.hostname or "127.0.0.1", parts.port or 80))
            except OSError:
                busy.append(f"{parts.hostname}:{parts.port}")
    return busy


@contextmanager
def running_stack(settings: Settings, var: Path) -> Iterator[Stack]:
    """Train if needed, start everything, wait until healthy; stop everything on exit."""
    busy = busy_ports(settings)
    if busy:
        raise RuntimeError(
            f"{', '.join(busy)} already in use: is Sahayatri already running? Stop it first."
        )
    model, trained = ensure_model()
    print(f"[run] model {model.name} ({'trained now' if trained else 'reused: data unchanged'})")
    env = stack_environment(settings, var)
    stack = Stack(settings, services(settings, model, env), {}, env, var / "log")
    try:
        for service in stack.wanted:
            stack.processes[service.name] = start(service, env, stack.log_dir)
        wait_healthy(settings, stack.processes)
        yield stack
    finally:
        stop(stack.processes)


def supervise(stack: Stack, max_restarts: int = 5, window_seconds: float = 120) -> None:
    """Restart any process that dies (the app answers with the safe fallback meanwhile);
    give up when one keeps dying."""
    restarts: dict[str, list[float]] = {name: [] for name in stack.processes}
    while True:
        time.sleep(1)
        for name, process in list(stack.processes.items()):
            if process.poll() is None:
                continue
            now = time.monotonic()
            restarts[name] = [t for t in restarts[name] if now - t < window_seconds] + [now]
            if len(restarts[name]) > max_restarts:
                raise RuntimeError(f"{name} keeps stopping; see var/log/{name}.log")
            print(f"[run] {name} stopped; restarting it (see var/log/{name}.log)")
            time.sleep(2)
            stack.restart(name)


def main() -> int:
    """Run the whole stack in the foreground until Ctrl-C."""
    settings = Settings()
    began = time.monotonic()

    def _interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background
    try:
        with running_stack(settings, PROJECT_ROOT / "var") as stack:
            url = settings.public_url
            print(f"[run] healthy after {time.monotonic() - began:.0f} s")
            print(f"[run] widget     {url}/            (demo page; add ?lang=en for English)")
            print(
                f"[run] console    {url}/console     (create an account first: make account ACCOUNT=name ROLE=counsellor)"
            )
            print(f"[run] chat API   {url}/docs#/chat")
            print(f"[run] health     {url}/health")
            print("[run] logs in var/log/; Ctrl-C stops everything")
            supervise(stack)
    except KeyboardInterrupt:
        print("\n[run] stopped")
    except RuntimeError as error:
        print(f"[run] {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
