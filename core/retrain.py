"""Retrain from the editor: training data from the published content, a model trained in the
background, evaluated on held-out questions, and swapped into the running Rasa only if it is
not worse than the current one.

The training data is generated into a temporary copy of nlu/ (the repository's nlu/ is never
written). The new model goes to var/retrained-models/; Rasa loads it with `PUT /model`, and
keeps answering with the old one until it has. A restart of the stack goes back to the model
of content/ (run `make content-export` to keep editors' examples for good).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.content import write_document
from core.content_store import document, published_entries
from core.i18n import N_
from core.models import utcnow
from core.nlu_data import write_nlu_data
from core.rasa_client import worker_urls
from core.risk_check import parse_scoring
from core.settings import PROJECT_ROOT
from core.training import MODELS_DIR, NLU_DIR, RASA_BIN, training_hash

log = logging.getLogger(__name__)
RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
EVALUATE_SCRIPT = PROJECT_ROOT / "scripts" / "evaluate_nlu_model.py"
HELDOUT = PROJECT_ROOT / "tests" / "eval" / "heldout.csv"
RETRAINED_DIR = PROJECT_ROOT / "var" / "retrained-models"
EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
COPY_IGNORE = shutil.ignore_patterns("models", "results", ".rasa", "__pycache__", "*.tar.gz")


@dataclass
class RetrainStatus:
    """Where a retraining is; `outcome` and `reason` are Babel message ids."""

    state: str = "idle"  # idle, preparing, training, evaluating, swapping, done, failed
    progress: int = 0
    started_by: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    current_model: str | None = None
    new_model: str | None = None
    current_accuracy: float | None = None
    new_accuracy: float | None = None
    outcome: str | None = None
    log_tail: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The status for the API."""
        return asdict(self)


RUNNING_STATES = ("preparing", "training", "evaluating", "swapping")


class Retrainer:
    """One retraining at a time on the machine (a lock file), run as a background task of the
    app process that started it; its status is kept in a file so that every app process
    (several may serve the editor) shows the same progress."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        rasa_url: str,
        rasa_token: str,
        heldout: Path = HELDOUT,
        models_dir: Path = RETRAINED_DIR,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._sessions = sessions
        self._workers = worker_urls(rasa_url)
        self._token = rasa_token
        self._heldout = heldout
        self._models_dir = models_dir
        self._transport = transport  # None: the network; tests pass a fake Rasa
        self._task: asyncio.Task[None] | None = None
        self._lock: IO[str] | None = None
        self._status_file = models_dir / "status.json"
        self.status = RetrainStatus()

    @property
    def running(self) -> bool:
        """Whether a retraining is under way."""
        return self._task is not None and not self._task.done()

    def start(self, editor: str) -> bool:
        """Start retraining in the background; False when one is already running anywhere."""
        if self.running or not self._take_lock():
            return False
        self.status = RetrainStatus(state="preparing", started_by=editor, started_at=utcnow())
        self._save()
        self._task = asyncio.create_task(self._run())
        return True

    def current(self) -> RetrainStatus:
        """The latest retraining's status, whichever app process runs or ran it."""
        if self.running or not self._status_file.exists():
            return self.status
        try:
            data = json.loads(self._status_file.read_text(encoding="utf-8"))
            status = RetrainStatus(**data)
        except (OSError, ValueError, TypeError):
            return self.status
        if status.state in RUNNING_STATES and self._take_lock():
            # Nobody holds the lock: the process that ran it stopped midway.
            self._release_lock()
            status.state, status.outcome = "failed", N_("editor.retrain.cancelled")
        return status

    def _take_lock(self) -> bool:
        self._models_dir.mkdir(parents=True, exist_ok=True)
        handle = (self._models_dir / ".retrain.lock").open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._lock = handle
        return True

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock
            self._lock = None

    def _save(self) -> None:
        self._status_file.write_text(json.dumps(self.status.as_dict(), default=str), "utf-8")

    async def _save_while_running(self) -> None:
        while True:
            await asyncio.sleep(2)
            await asyncio.to_thread(self._save)

    async def _run(self) -> None:
        saver = asyncio.create_task(self._save_while_running())
        try:
            await self._work()
        finally:
            saver.cancel()
            self._save()
            self._release_lock()

    async def _work(self) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="sahayatri-retrain-") as work:
                nlu = Path(work) / "nlu"
                await self._prepare(nlu)
                model = await self._train(nlu)
                await self._evaluate_and_swap(model, nlu)
        except asyncio.CancelledError:
            self._finish("failed", N_("editor.retrain.cancelled"))
            raise
        except Exception as error:  # shown to the editor; the log has the cause
            log.exception("retrain_failed")
            self.status.log_tail.append(f"{type(error).__name__}: {error}")
            self._finish("failed", N_("editor.retrain.failed"))

    def _finish(self, state: str, outcome: str) -> None:
        self.status.state, self.status.outcome = state, outcome
        self.status.finished_at = utcnow()
        if state == "done":
            self.status.progress = 100

    async def _prepare(self, nlu: Path) -> None:
        """Copy nlu/ and write the training data of the published content into the copy."""
        async with self._sessions() as session:
            entries = await published_entries(session)
            scoring = parse_scoring(await document(session, "risk_scoring"))
            places = await document(session, "places")
        await asyncio.to_thread(shutil.copytree, NLU_DIR, nlu, ignore=COPY_IGNORE)
        await asyncio.to_thread(write_nlu_data, entries, scoring, nlu)
        # The place extractor reads ../content/places.yml next to nlu/ when a model is loaded.
        await asyncio.to_thread((nlu.parent / "content").mkdir)
        await asyncio.to_thread(write_document, nlu.parent / "content", "places", places)
        self.status.progress = 5

    async def _train(self, nlu: Path) -> Path:
        """`rasa train` in the copy, progress from its epoch bars; one training per machine."""
        self.status.state = "training"
        self._models_dir.mkdir(parents=True, exist_ok=True)
        name = f"sahayatri-{training_hash(nlu)}"
        target = self._models_dir / f"{name}.tar.gz"
        for trained in (MODELS_DIR / f"{name}.tar.gz", target):
            if trained.exists():  # the same training data was trained before: same model
                self.status.progress = 80
                return trained
        MODELS_DIR.mkdir(parents=True, exist_ok=True)
        with (MODELS_DIR / ".training.lock").open("w") as lock:
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            command = [
                str(RASA_BIN), "train", "--config", "config.yml", "--domain", "domain",
                "--data", "data", "--out", str(self._models_dir), "--fixed-model-name", name,
            ]  # fmt: skip
            await self._run_process(command, nlu, self._training_progress)
        if not target.exists():
            raise RuntimeError("rasa train produced no model")
        return target

    def _training_progress(self, line: str) -> None:
        match = EPOCHS.search(line)
        if match:  # several components train in turn; keep the bar moving forward only
            self.status.progress = max(self.status.progress, 5 + int(match.group(1)) * 75 // 100)

    async def _run_process(
        self, command: list[str], cwd: Path, on_line: Callable[[str], None]
    ) -> str:
        env = {
            "PYTHONHASHSEED": "0",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false",
        }
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            env={**os.environ, **env},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert process.stdout is not None
        output: list[str] = []
        try:
            buffer = b""
            while chunk := await process.stdout.read(4096):
                buffer += chunk
                *lines, buffer = re.split(rb"[\r\n]", buffer)
                for raw in lines:
                    line = raw.decode("utf-8", "replace").strip()
                    if line:
                        output.append(line)
                        on_line(line)
            code = await process.wait()
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            raise
        self.status.log_tail = output[-5:]
        if code != 0:
            raise RuntimeError(f"{command[1]} exited with {code}")
        return "\n".join(output)

    async def _current_model(self) -> Path:
        """The model the running Rasa answers with (it reports only the file name)."""
        async with httpx.AsyncClient(timeout=10, transport=self._transport) as client:
            response = await client.get(f"{self._workers[0]}/status", params={"token": self._token})
        response.raise_for_status()
        name = Path(str(response.json()["model_file"]))
        for candidate in (name, MODELS_DIR / name.name, self._models_dir / name.name):
            if candidate.is_file():
                return candidate
        raise RuntimeError(f"cannot find the running model {name}")

    async def _evaluate_and_swap(self, new_model: Path, nlu: Path) -> None:
        """Score both models on the held-out questions; load the new one only if not worse."""
        self.status.state, self.status.progress = "evaluating", 80
        current = await self._current_model()
        self.status.current_model, self.status.new_model = current.name, new_model.name
        if current.name == new_model.name:
            self._finish("done", N_("editor.retrain.unchanged"))
            return
        models = [str(current), str(new_model)]
        command = [str(RASA_PYTHON), str(EVALUATE_SCRIPT), str(self._heldout), *models]
        output = await self._run_process(command, nlu, lambda _line: None)
        scores = json.loads(next(line for line in reversed(output.splitlines()) if line[:1] == "{"))
        self.status.current_accuracy = scores[models[0]]["accuracy"]
        self.status.new_accuracy = scores[models[1]]["accuracy"]
        self.status.progress = 95
        if self.status.new_accuracy < self.status.current_accuracy:
            self._finish("done", N_("editor.retrain.kept"))
        else:
            self.status.state = "swapping"
            await self._swap(new_model)
            self._finish("done", N_("editor.retrain.swapped"))

    async def _swap(self, model: Path) -> None:
        """Every Rasa worker loads the new model; each answers with the old one until then."""
        async with httpx.AsyncClient(timeout=600, transport=self._transport) as client:
            for worker in self._workers:
                response = await client.put(
                    f"{worker}/model",
                    params={"token": self._token},
                    json={"model_file": str(model)},
                )
                response.raise_for_status()
