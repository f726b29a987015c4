"""Train the Rasa model when its inputs changed; reuse the cached model otherwise."""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
from pathlib import Path

from core.settings import PROJECT_ROOT

NLU_DIR = PROJECT_ROOT / "nlu"
MODELS_DIR = NLU_DIR / "models"
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
TRAINING_INPUTS = ("config.yml", "domain", "data", "components")


def training_hash(nlu_dir: Path = NLU_DIR) -> str:
    """A hash of everything that decides the model: config, domain, data and custom components."""
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        root = nlu_dir / name
        paths = (
            sorted(p for p in root.rglob("*") if p.suffix in {".yml", ".py"})
            if root.is_dir()
            else [root]
        )
        for path in paths:
            digest.update(str(path.relative_to(nlu_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(nlu_dir: Path = NLU_DIR, models_dir: Path = MODELS_DIR) -> Path:
    """Where the model for the current training data is (or will be)."""
    return models_dir / f"sahayatri-{training_hash(nlu_dir)}.tar.gz"


def ensure_model(nlu_dir: Path = NLU_DIR, models_dir: Path = MODELS_DIR) -> tuple[Path, bool]:
    """The model for the current data, training it first if needed; returns (path, trained)."""
    target = model_path(nlu_dir, models_dir)
    if target.exists():
        return target, False
    models_dir.mkdir(parents=True, exist_ok=True)
    # One training at a time: a second caller waits, then finds the model already there.
    with (models_dir / ".training.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target, False
        train(nlu_dir, models_dir, target)
    return target, True


def train(nlu_dir: Path, models_dir: Path, target: Path) -> None:
    """Run `rasa train` into `target` with the settings that make it deterministic."""
    # Determinism: seeds are in config.yml; the hash seed must be fixed before Python starts.
    env = {
        **os.environ,
        "PYTHONHASHSEED": "0",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    subprocess.run(
        [
            str(RASA_BIN),
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain",
            "--data",
            "data",
            "--out",
            str(models_dir),
            "--fixed-model-name",
            target.name.removesuffix(".tar.gz"),
        ],
        cwd=nlu_dir,
        env=env,
        check=True,
    )
