"""Same training data → same predictions (seeds in nlu/config.yml, PYTHONHASHSEED=0)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from core.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def test_training_twice_gives_identical_predictions() -> None:
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv-rasa" / "bin" / "python"), "scripts/determinism_check.py"],
        cwd=PROJECT_ROOT / "nlu",
        env={
            **os.environ,
            "PYTHONHASHSEED": "0",
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary == {"deterministic": True, "probes": 7}, result.stderr[-2000:]
