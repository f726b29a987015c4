"""Score trained Rasa models on an evaluation CSV (text,lang,expected) by intent; runs in .venv-rasa.

    cd nlu && ../.venv-rasa/bin/python ../scripts/evaluate_nlu_model.py heldout.csv model.tar.gz [...]

Prints one JSON object as the last line: model path → {accuracy, correct, total, per_script}.
Run it from an nlu/ folder: the models name its custom components (components.*).
Every model is scored the same way (the intent Rasa's NLU picks), so two models compare fairly.
"""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import os
import sys
from collections import defaultdict


def rows(path: str) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [(r["text"], r["lang"], r["expected"]) for r in csv.DictReader(handle)]


def score(model: str, questions: list[tuple[str, str, str]]) -> dict[str, object]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)

    async def parse_all() -> list[str]:
        return [(await agent.parse_message(text))["intent"]["name"] for text, _l, _e in questions]

    predicted = asyncio.run(parse_all())
    per_script: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    correct = 0
    for (_text, lang, expected), name in zip(questions, predicted, strict=True):
        hit = int(name == expected)
        correct += hit
        per_script[lang][0] += hit
        per_script[lang][1] += 1
    return {
        "accuracy": round(correct / len(questions), 4) if questions else 0.0,
        "correct": correct,
        "total": len(questions),
        "per_script": {lang: round(c / t, 4) for lang, (c, t) in per_script.items()},
    }


def main() -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    sys.path.insert(0, os.getcwd())  # the custom components of the nlu/ folder
    logging.disable(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # one line of JSON out, not a debug line per question
    questions = rows(sys.argv[1])
    results = {model: score(model, questions) for model in sys.argv[2:]}
    print("\n" + json.dumps(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
