"""`make run`: train if needed, start the action server, Rasa and the app, wait until healthy,
restart a process that dies, and stop all three cleanly on Ctrl-C.

`make run-multi` (`--multi`): the production shape on one machine — PostgreSQL for the app and
Rasa's tracker store, Redis for the app's broker and Rasa's lock store, two Rasa workers and two
app processes sharing one listening address."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]
import httpx
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from core.rasa_client import worker_urls
from core.settings import PROJECT_ROOT, Settings
from core.training import NLU_DIR, RASA_BIN, ensure_model

APP_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
STARTUP_SECONDS = 300
PGUSER = os.environ.get("PGUSER", "postgres")
MULTI_DEFAULTS = {
    "database_url": f"postgresql+asyncpg://{PGUSER}@127.0.0.1:5432/sahayatri_multi",
    "rasa_tracker_url": f"postgresql+asyncpg://{PGUSER}@127.0.0.1:5432/sahayatri_multi_rasa",
    "redis_url": "redis://127.0.0.1:6379/0",
    "rasa_url": "http://127.0.0.1:5005,http://127.0.0.1:5006",
}


@dataclass(frozen=True)
class Service:
    """A process the launcher owns."""

    name: str
    command: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)  # on top of the stack's environment
    pass_fds: tuple[int, ...] = ()
    ready_url: str = ""  # the next process starts once this one answers here


def rasa_tracker_url(app_url: str) -> str:
    """The app's async URL of Rasa's tracker database, as Rasa (sync drivers) connects to it."""
    url = make_url(app_url)
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=False)


def lock_store_environment(redis_url: str) -> dict[str, str]:
    """Rasa's lock store: in memory for one worker, Redis (database 1) when Redis is configured,
    so that several workers never process the same conversation at once."""
    parts = urlsplit(redis_url)
    return {
        "RASA_LOCK_STORE": "redis" if redis_url else "in_memory",
        "RASA_LOCK_STORE_HOST": parts.hostname or "127.0.0.1",
        "RASA_LOCK_STORE_PORT": str(parts.port or 6379),
        "RASA_LOCK_STORE_PASSWORD": parts.password or "",
        "RASA_LOCK_STORE_DB": "1",
    }


def settings_environment(settings: Settings) -> dict[str, str]:
    """Every setting as the SAHAYATRI_* variable the child processes read it from, so that
    settings made in code (tests, the benchmark) reach them too."""
    env = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None:
            continue
        env[f"SAHAYATRI_{name.upper()}"] = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )
    return env


def stack_environment(settings: Settings, var: Path) -> dict[str, str]:
    """Environment shared by the processes: fresh tokens unless the operator set them."""
    tracker = settings.rasa_tracker_url
    if not tracker or tracker == Settings.model_fields["rasa_tracker_url"].default:
        tracker = f"sqlite+aiosqlite:///{var / 'rasa-tracker.db'}"  # next to the stack's var/
    return {
        **os.environ,
        **settings_environment(settings),
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
        "SAHAYATRI_RASA_TRACKER_URL": tracker,
        "SAHAYATRI_REDIS_URL": settings.redis_url,
        # Rasa reads these in nlu/endpoints.yml: the same tracker database the app erases from.
        "RASA_TRACKER_URL": rasa_tracker_url(tracker),
        "RASA_TRACKER_DIALECT": make_url(tracker).get_backend_name(),
        "RASA_TRACKER_DB": make_url(tracker).database or "",
        **lock_store_environment(settings.redis_url),
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


def rasa_service(name: str, url: str, model: Path, env: dict[str, str]) -> Service:
    """One Rasa worker on 127.0.0.1, its HTTP API behind --auth-token."""
    return Service(
        name,
        [
            str(RASA_BIN),
            "run",
            "--enable-api",
            # One argument: a random token may begin with "-", which argparse takes for an option.
            f"--auth-token={env['SAHAYATRI_RASA_TOKEN']}",
            "-i",
            "127.0.0.1",
            "-p",
            str(urlsplit(url).port),
            "-m",
            str(model),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
        ],
        NLU_DIR,
    )


def app_services(settings: Settings, shared_fd: int | None, count: int) -> list[Service]:
    """The app: one uvicorn process, or `count` processes on the shared socket `shared_fd`,
    the n-th also on port+n. Only the first long-polls Telegram (a bot has one poller); the
    first must be up (schema migrated, content seeded) before the others start."""
    if shared_fd is None:
        command = [str(APP_PYTHON), "-m", "uvicorn", "api.app:create_app", "--factory"]
        options = ["--host", settings.host, "--port", str(settings.port), "--log-level", "warning"]
        return [Service("app", command + options, PROJECT_ROOT)]
    return [
        Service(
            f"app-{n}",
            [
                str(APP_PYTHON),
                "-m",
                "core.serve",
                "--fd",
                str(shared_fd),
                "--host",
                settings.host,
                "--port",
                str(settings.port + n),
            ],
            PROJECT_ROOT,
            env={"SAHAYATRI_TELEGRAM_POLLING": "true" if n == 1 else "false"},
            pass_fds=(shared_fd,),
            ready_url=f"http://{settings.host}:{settings.port + n}/health" if n == 1 else "",
        )
        for n in range(1, count + 1)
    ]


def services(
    settings: Settings,
    model: Path,
    env: dict[str, str],
    shared_fd: int | None = None,
    app_processes: int = 1,
) -> list[Service]:
    """The action server, the Rasa worker(s) and the app process(es)."""
    workers = worker_urls(settings.rasa_url)
    actions_port = str(urlsplit(settings.action_server_url).port)
    return [
        Service(
            "actions",
            [str(RASA_BIN), "run", "actions", "--actions", "actions", "-p", actions_port],
            NLU_DIR,
        ),
        *(
            rasa_service("rasa" if len(workers) == 1 else f"rasa-{n}", url, model, env)
            for n, url in enumerate(workers, start=1)
        ),
        *app_services(settings, shared_fd, app_processes),
    ]


def app_urls(settings: Settings, app_processes: int) -> list[str]:
    """Where each app process answers: the public address, and each process's own port."""
    own = [f"http://{settings.host}:{settings.port + n}" for n in range(1, app_processes + 1)]
    return [settings.public_url, *(own if app_processes > 1 else [])]


def shared_listener(host: str, port: int) -> socket.socket:
    """The one listening socket every app process accepts on (inherited by the children)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


async def _ensure_database(url: str, fresh: bool) -> None:
    parts = make_url(url)
    admin = await asyncpg.connect(
        host=parts.host or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or PGUSER,
        password=parts.password,
        database="postgres",
    )
    try:
        name = parts.database or ""
        if fresh:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def ensure_database(url: str, fresh: bool = False) -> None:
    """Create a PostgreSQL database named in `url` unless it exists (drop it first if `fresh`);
    SQLite files are created by the app itself."""
    if make_url(url).get_backend_name() == "postgresql":
        asyncio.run(_ensure_database(url, fresh))


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database the tests or the benchmark made."""

    async def drop() -> None:
        parts = make_url(url)
        admin = await asyncpg.connect(
            host=parts.host or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or PGUSER,
            password=parts.password,
            database="postgres",
        )
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{parts.database}" WITH (FORCE)')
        finally:
            await admin.close()

    if make_url(url).get_backend_name() == "postgresql":
        asyncio.run(drop())


def multi_settings(**overrides: object) -> Settings:
    """Settings of the production shape: MULTI_DEFAULTS unless the environment or `overrides`
    say otherwise."""
    defaults = {
        key: value
        for key, value in MULTI_DEFAULTS.items()
        if f"SAHAYATRI_{key.upper()}" not in os.environ
        and not (key == "redis_url" and "REDIS_URL" in os.environ)
    }
    return Settings(**{**defaults, **overrides})  # type: ignore[arg-type]


def start(service: Service, env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
    """Start a process in its own process group, logging to <log_dir>/<name>.log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"{service.name}.log").open("ab") as log_file:
        return subprocess.Popen(
            service.command,
            cwd=service.cwd,
            env={**env, **service.env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=service.pass_fds,
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


def is_healthy(settings: Settings, url: str | None = None) -> bool:
    """Whether /health answers 200 (at the public address unless `url` names one process)."""
    try:
        return httpx.get(f"{url or settings.public_url}/health", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def answers(url: str) -> bool:
    """Whether something answers HTTP at `url` (whatever the status)."""
    try:
        httpx.get(url, timeout=3)
    except httpx.HTTPError:
        return False
    return True


def check_alive(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """Raise naming the first process that exited."""
    for name, process in processes.items():
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}; see its log")


def wait_healthy(
    settings: Settings, processes: dict[str, subprocess.Popen[bytes]], urls: list[str] | None = None
) -> None:
    """Poll /health (of every URL in `urls`) until everything is up; raise if a process died or
    time ran out."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        check_alive(processes)
        if all(is_healthy(settings, url) for url in urls or [settings.public_url]):
            return
        time.sleep(1)
    raise RuntimeError(f"not healthy after {STARTUP_SECONDS} s; see the logs")


def wait_answering(url: str, processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """Wait until `url` answers HTTP at all; raise if a process died or time ran out."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while not answers(url):
        check_alive(processes)
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not answering after {STARTUP_SECONDS} s; see the logs")
        time.sleep(0.5)


@dataclass
class Stack:
    """The running processes of one stack, and how to restart one of them."""

    settings: Settings
    wanted: list[Service]
    processes: dict[str, subprocess.Popen[bytes]]
    env: dict[str, str]
    log_dir: Path
    app_urls: list[str] = field(default_factory=list)  # public address first, then each process

    def named(self, name: str) -> list[Service]:
        """The services called `name`, or the group `name-1`, `name-2`... (several workers)."""
        return [s for s in self.wanted if s.name == name or s.name.rsplit("-", 1)[0] == name]

    def restart(self, name: str) -> None:
        """Start the named process (or group) again, after it died or was stopped."""
        for service in self.named(name):
            self.processes[service.name] = start(service, self.env, self.log_dir)

    def kill(self, name: str) -> None:
        """Stop the named process (or group) at once (used to test failure handling)."""
        for service in self.named(name):
            process = self.processes[service.name]
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def busy_ports(settings: Settings, app_processes: int = 1) -> list[str]:
    """The addresses of the stack that something else already listens on."""
    busy = []
    urls = [
        *app_urls(settings, app_processes),
        *worker_urls(settings.rasa_url),
        settings.action_server_url,
    ]
    for url in urls:
        parts = urlsplit(url)
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((parts.hostname or "127.0.0.1", parts.port or 80))
            except OSError:
                busy.append(f"{parts.hostname}:{parts.port}")
    return busy


@contextmanager
def running_stack(settings: Settings, var: Path, app_processes: int = 1) -> Iterator[Stack]:
    """Train if needed, start everything, wait until healthy; stop everything on exit.
    With `app_processes` > 1, that many app processes share the public address."""
    busy = busy_ports(settings, app_processes)
    if busy:
        raise RuntimeError(
            f"{', '.join(busy)} already in use: is Sahayatri already running? Stop it first."
        )
    model, trained = ensure_model()
    print(f"[run] model {model.name} ({'trained now' if trained else 'reused: data unchanged'})")
    env = stack_environment(settings, var)
    listener = shared_listener(settings.host, settings.port) if app_processes > 1 else None
    fd = listener.fileno() if listener is not None else None
    wanted = services(settings, model, env, fd, app_processes)
    stack = Stack(settings, wanted, {}, env, var / "log", app_urls(settings, app_processes))
    try:
        for service in stack.wanted:
            stack.processes[service.name] = start(service, env, stack.log_dir)
            if service.ready_url:
                wait_answering(service.ready_url, stack.processes)
        wait_healthy(settings, stack.processes, stack.app_urls)
        yield stack
    finally:
        stop(stack.processes)
        if listener is not None:
            listener.close()


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


def main(argv: list[str] | None = None) -> int:
    """Run the whole stack in the foreground until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Start Sahayatri on this machine.")
    parser.add_argument(
        "--multi",
        action="store_true",
        help="two app processes and two Rasa workers, PostgreSQL and Redis (make run-multi)",
    )
    args = parser.parse_args(argv)
    settings = multi_settings() if args.multi else Settings()
    app_processes = 2 if args.multi else 1
    began = time.monotonic()

    def _interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background
    try:
        if args.multi:
            ensure_database(settings.database_url)
            ensure_database(settings.rasa_tracker_url)
        with running_stack(settings, PROJECT_ROOT / "var", app_processes) as stack:
            url = settings.public_url
            print(f"[run] healthy after {time.monotonic() - began:.0f} s")
            if args.multi:
                print(f"[run] processes  {', '.join(sorted(stack.processes))}")
                print(f"[run] each app   {', '.join(stack.app_urls[1:])}")
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
    except (RuntimeError, OSError) as error:
        print(f"[run] {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
