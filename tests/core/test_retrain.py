"""Retrain without Rasa: the training data is really prepared from the store, while `rasa train`,
the held-out evaluation and the running Rasa workers are fakes. A worse model is never swapped
in, a model that is not worse is loaded into every worker, a failed training changes nothing."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from core.content_store import import_content
from core.db import create_engine, migrate, session_factory, transaction
from core.retrain import Retrainer, RetrainStatus
from core.settings import Settings
from tests.helpers.console import CSRF, add_account, sign_in
from tests.helpers.content_repo import build, entry
from tests.helpers.fake_rasa import fake_rasa

WORKERS = ("http://rasa-a:5005", "http://rasa-b:5005")
CURRENT_MODEL = "sahayatri-current.tar.gz"

FAKE_RASA_TRAIN = """\
import sys
from pathlib import Path

args = sys.argv[1:]
assert args[0] == "train" and Path("data", "nlu.yml").is_file(), "not in the prepared nlu/ copy"
print("Epochs:  40%|####      | 40/100", flush=True)
print("Epochs: 100%|##########| 100/100", flush=True)
if FAIL:
    print("InvalidDomain: intent 'passport' is not in the domain", flush=True)
    sys.exit(1)
out, name = args[args.index("--out") + 1], args[args.index("--fixed-model-name") + 1]
Path(out, name + ".tar.gz").write_bytes(b"a model")
"""

FAKE_EVALUATE = """\
import json
import sys

_heldout, current, new = sys.argv[1:]
print("Evaluating 2 models on the held-out questions", flush=True)
print(json.dumps({current: {"accuracy": CURRENT}, new: {"accuracy": NEW}}), flush=True)
"""


class FakeWorkers:
    """Rasa workers: `GET /status` names the loaded model, `PUT /model` loads another."""

    def __init__(self, loaded: str) -> None:
        self.loaded = dict.fromkeys(WORKERS, loaded)
        self.puts: list[tuple[str, str]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        worker = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        assert request.url.params["token"] == "rasa-token"
        if request.method == "GET" and request.url.path == "/status":
            return httpx.Response(200, json={"model_file": self.loaded[worker]})
        if request.method == "PUT" and request.url.path == "/model":
            model = json.loads(request.content)["model_file"]
            self.puts.append((worker, model))
            self.loaded[worker] = model
            return httpx.Response(204)
        return httpx.Response(404)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A store holding a small published content repository."""
    content, _contract, _nlu = build(tmp_path / "repo", [entry("passport"), entry("insurance")])
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    await asyncio.to_thread(migrate, url)
    engine = create_engine(url)
    factory = session_factory(engine)
    async with transaction(factory) as session:
        await import_content(session, content)
    yield factory
    await engine.dispose()


def fake_rasa_tools(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    current: float = 0.9,
    new: float = 0.9,
    train_fails: bool = False,
) -> Path:
    """Point retraining at a fake `rasa train` and a fake evaluation script with these scores;
    return the folder of the model the workers run now."""
    tools = tmp_path / "tools"
    tools.mkdir()
    rasa = tools / "rasa"
    rasa.write_text(f"#!{sys.executable}\nFAIL = {train_fails}\n{FAKE_RASA_TRAIN}")
    rasa.chmod(0o755)
    evaluate = tools / "evaluate.py"
    evaluate.write_text(f"CURRENT, NEW = {current}, {new}\n{FAKE_EVALUATE}")
    startup_models = tmp_path / "nlu-models"
    startup_models.mkdir()
    (startup_models / CURRENT_MODEL).write_bytes(b"the running model")
    monkeypatch.setattr("core.retrain.RASA_BIN", rasa)
    monkeypatch.setattr("core.retrain.RASA_PYTHON", Path(sys.executable))
    monkeypatch.setattr("core.retrain.EVALUATE_SCRIPT", evaluate)
    monkeypatch.setattr("core.retrain.MODELS_DIR", startup_models)
    return startup_models


def retrainer(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, workers: FakeWorkers
) -> Retrainer:
    return Retrainer(
        sessions,
        ",".join(WORKERS),
        "rasa-token",
        heldout=tmp_path / "heldout.csv",
        models_dir=tmp_path / "retrained",
        transport=httpx.MockTransport(workers.handle),
    )


async def ended(retrainer: Retrainer) -> RetrainStatus:
    """Wait for the retraining under way to end; its status as any app process reads it."""
    for _ in range(600):
        if not retrainer.running:
            return retrainer.current()
        await asyncio.sleep(0.05)
    raise AssertionError(f"retraining did not finish: {retrainer.status}")


async def finished(retrainer: Retrainer) -> RetrainStatus:
    """Start a retraining and wait for it to end."""
    assert retrainer.start("esha")
    return await ended(retrainer)


async def test_a_worse_model_is_not_swapped_in_and_the_status_has_both_scores(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_rasa_tools(tmp_path, monkeypatch, current=0.913, new=0.725)
    workers = FakeWorkers(CURRENT_MODEL)
    status = await finished(retrainer(sessions, tmp_path, workers))
    assert (status.state, status.outcome) == ("done", "editor.retrain.kept")
    assert (status.current_accuracy, status.new_accuracy) == (0.913, 0.725)
    assert status.current_model == CURRENT_MODEL
    assert status.new_model and status.new_model != CURRENT_MODEL
    assert (tmp_path / "retrained" / status.new_model).is_file()  # trained, just not used
    assert workers.puts == []
    assert set(workers.loaded.values()) == {CURRENT_MODEL}
    other_process = retrainer(sessions, tmp_path, workers).current()
    assert (other_process.outcome, other_process.new_accuracy) == ("editor.retrain.kept", 0.725)


@pytest.mark.parametrize("new", [0.913, 0.95], ids=["as-good", "better"])
async def test_a_model_not_worse_is_loaded_into_every_worker(
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    new: float,
) -> None:
    fake_rasa_tools(tmp_path, monkeypatch, current=0.913, new=new)
    workers = FakeWorkers(CURRENT_MODEL)
    status = await finished(retrainer(sessions, tmp_path, workers))
    assert (status.state, status.outcome, status.progress) == (
        "done",
        "editor.retrain.swapped",
        100,
    )
    assert (status.current_accuracy, status.new_accuracy) == (0.913, new)
    assert status.new_model
    model = str(tmp_path / "retrained" / status.new_model)
    assert workers.puts == [(worker, model) for worker in WORKERS]


async def test_a_failed_training_keeps_the_current_model_and_shows_the_log(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_rasa_tools(tmp_path, monkeypatch, train_fails=True)
    workers = FakeWorkers(CURRENT_MODEL)
    status = await finished(retrainer(sessions, tmp_path, workers))
    assert (status.state, status.outcome) == ("failed", "editor.retrain.failed")
    assert "InvalidDomain: intent 'passport' is not in the domain" in status.log_tail
    assert status.log_tail[-1] == "RuntimeError: train exited with 1"
    assert status.new_accuracy is None and status.finished_at is not None
    assert workers.puts == []
    assert set(workers.loaded.values()) == {CURRENT_MODEL}
    assert list((tmp_path / "retrained").glob("*.tar.gz")) == []


async def test_the_editor_is_told_why_the_model_was_kept_with_both_percentages(
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> None:
    fake_rasa_tools(tmp_path, monkeypatch, current=0.913, new=0.725)
    app = create_app(settings, rasa_transport=fake_rasa())
    app.state.retrainer = retrainer(sessions, tmp_path, FakeWorkers(CURRENT_MODEL))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client,
    ):
        await add_account(settings, "esha", role="editor")
        await sign_in(client, "esha", online=False)
        started = await client.post("/editor/api/retrain", params={"lang": "en"}, headers=CSRF)
        assert started.status_code == 202, started.text
        await ended(app.state.retrainer)
        body = (await client.get("/editor/api/retrain", params={"lang": "en"})).json()
    assert body["outcome"] == "editor.retrain.kept"
    assert "current model was kept" in body["message"]
    assert "72.5%" in body["message"] and "91.3%" in body["message"]
