"""The load generator's people: the same scripts in both phases, all three scripts, button taps
and handoffs; and its figures."""

from __future__ import annotations

import importlib.util
import random
import sys
from types import ModuleType

from core.settings import PROJECT_ROOT


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", PROJECT_ROOT / "scripts" / "bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_people_mix_languages_taps_and_handoffs_reproducibly() -> None:
    module = bench()
    questions = module.read_questions()
    scripts = [module.person_script(random.Random(f"9-{n}-0"), questions, 0.1) for n in range(300)]
    again = [module.person_script(random.Random(f"9-{n}-0"), questions, 0.1) for n in range(300)]
    assert scripts == again, "both phases replay exactly the same people"
    steps = [step for script in scripts for step in script]
    assert {step.lang for step in steps if step.kind == "ask"} == {"en", "ne", "ne-Latn"}
    assert any(step.kind == "tap" for step in steps)
    handoffs = sum(1 for script in scripts if script[-1].kind == "handoff")
    assert 10 < handoffs < 60


def test_summary_figures() -> None:
    module = bench()
    tally = module.Tally(
        latencies_by_kind={"ask": [float(n) for n in range(1, 101)]}, messages=100, seconds=10
    )
    tally.error("ReadTimeout")
    figures = tally.summary()
    assert (figures["p50_ms"], figures["p95_ms"], figures["p99_ms"]) == (50.5, 96.0, 100.0)
    assert figures["throughput"] == 10.0 and figures["errors"] == 1
    assert module.ratio(130.0, 100.0) == 1.3
