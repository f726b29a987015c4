"""A small valid content repository in a temporary folder, for tests that break one rule at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from core.content import TopicEntry, write_topic
from core.nlu_data import write_nlu_data
from core.risk_check import load_scoring
from core.settings import PROJECT_ROOT


def entry(key: str, kind: str = "info", **changes: Any) -> dict[str, Any]:
    """A valid entry with enough examples; `changes` replace top-level fields."""
    count = 15 if kind == "info" else 10
    data: dict[str, Any] = {
        "key": key,
        "kind": kind,
        "title": {"en": f"Title {key}", "ne": f"शीर्षक {key}"},
        "answer": {"en": f"Answer about {key}. Call 1145.", "ne": f"{key} बारे जवाफ। 1145 मा फोन।"},
        "related": [],
        "examples": {
            "en": [f"english question {i} about {key}" for i in range(count)],
            "ne": [f"{key} बारे प्रश्न {i}" for i in range(count)],
            "ne-Latn": [f"{key} bare prashna {i}" for i in range(count)],
        },
        "sources": [
            {"title": "Foreign Employment Act 2064", "url": "https://lawcommission.gov.np/x"}
        ],
        "reviewed_on": "2026-11-21",
        "needs_verification": False,
    }
    data.update(changes)
    return data


def build(root: Path, entries: list[dict[str, Any]]) -> tuple[Path, Path, Path]:
    """Write content/, a matching contract and generated nlu/ files; return the three paths."""
    content, nlu = root / "content", root / "nlu"
    for data in entries:
        write_topic(content, TopicEntry.model_validate(data))
    (content / "hotlines.yml").write_text(
        yaml.safe_dump(
            {
                "hotlines": [
                    {
                        "id": "women",
                        "name": {"en": "Women", "ne": "महिला"},
                        "number": "1145",
                        "sources": [{"title": "NWC"}],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    (content / "services.yml").write_text("services: []\n", encoding="utf-8")
    (content / "places.yml").write_text("countries: []\n", encoding="utf-8")
    (content / "menu.yml").write_text(
        yaml.safe_dump({"groups": [{"id": "all", "topics": [e["key"] for e in entries]}]}),
        encoding="utf-8",
    )
    scoring = (PROJECT_ROOT / "content" / "risk_scoring.yml").read_text(encoding="utf-8")
    (content / "risk_scoring.yml").write_text(scoring, encoding="utf-8")
    contract = root / "topics.yml"
    contract.write_text(
        yaml.safe_dump({"topics": [{"key": e["key"], "kind": e["kind"]} for e in entries]}),
        encoding="utf-8",
    )
    write_nlu_data([TopicEntry.model_validate(e) for e in entries], load_scoring(content), nlu)
    return content, contract, nlu
