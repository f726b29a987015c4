"""Build the Rasa training data and the topic part of the domain from content entries.

The generated files are committed so that reviewers see the training data; the
content check fails when they are out of date (`make nlu-data` rewrites them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.content import TopicEntry, dump_yaml

GENERATED_NOTE = "# Generated from content/ by `make nlu-data`; edit the content, not this file.\n"
PLACEHOLDER_TEXT = "(rendered by the NLG endpoint from content)"


def response_name(key: str) -> str:
    """The Rasa response that answers topic `key`."""
    return f"utter_{key}"


def topic_of_response(name: str) -> str | None:
    """The topic key a response name answers, or None for other responses."""
    return name.removeprefix("utter_") if name.startswith("utter_") else None


def clean_example(text: str) -> str:
    """One example as a single line."""
    return " ".join(text.split())


def domain_document(entries: Sequence[TopicEntry]) -> dict[str, object]:
    """Intents and placeholder responses for every topic key."""
    return {
        "version": "3.1",
        "intents": [entry.key for entry in entries],
        "responses": {response_name(e.key): [{"text": PLACEHOLDER_TEXT}] for e in entries},
    }


def nlu_document(entries: Sequence[TopicEntry]) -> str:
    """Training examples of every topic in all three scripts, as Rasa NLU YAML."""
    lines = ['version: "3.1"', "nlu:"]
    for entry in entries:
        examples = [
            clean_example(text)
            for texts in entry.examples.by_script().values()
            for text in texts
            if text.strip()
        ]
        if not examples:
            continue
        lines.append(f"  - intent: {entry.key}")
        lines.append("    examples: |")
        lines.extend(f"      - {text}" for text in dict.fromkeys(examples))
    return "\n".join(lines) + "\n"


def rules_document(entries: Sequence[TopicEntry]) -> dict[str, object]:
    """One rule per topic: its intent is answered with its response."""
    return {
        "version": "3.1",
        "rules": [
            {
                "rule": f"answer {entry.key}",
                "steps": [{"intent": entry.key}, {"action": response_name(entry.key)}],
            }
            for entry in entries
        ],
    }


def test_stories_document(entries: Sequence[TopicEntry]) -> dict[str, object]:
    """A test story per topic and script: its first example is answered with its response."""
    stories = []
    for entry in entries:
        for script, texts in entry.examples.by_script().items():
            if texts:
                stories.append(
                    {
                        "story": f"{entry.key} asked in {script}",
                        "steps": [
                            {"user": clean_example(texts[0]), "intent": entry.key},
                            {"action": response_name(entry.key)},
                        ],
                    }
                )
    return {"version": "3.1", "stories": stories}


def generated_files(entries: Sequence[TopicEntry]) -> dict[str, str]:
    """Relative path under nlu/ → file text (topics in key order, so the text is stable)."""
    entries = sorted(entries, key=lambda entry: entry.key)
    return {
        "domain/topics.yml": GENERATED_NOTE + dump_yaml(domain_document(entries)),
        "data/nlu.yml": GENERATED_NOTE + nlu_document(entries),
        "data/topic_rules.yml": GENERATED_NOTE + dump_yaml(rules_document(entries)),
        "tests/test_stories.yml": GENERATED_NOTE + dump_yaml(test_stories_document(entries)),
    }


def write_nlu_data(entries: Sequence[TopicEntry], nlu_dir: Path) -> list[Path]:
    """Write the generated files; returns the ones whose text changed."""
    changed = []
    for relative, text in generated_files(entries).items():
        path = nlu_dir / relative
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def stale_nlu_files(entries: Sequence[TopicEntry], nlu_dir: Path) -> list[str]:
    """Generated files that differ from what the content would generate."""
    return [
        relative
        for relative, text in generated_files(entries).items()
        if not (nlu_dir / relative).exists()
        or (nlu_dir / relative).read_text(encoding="utf-8") != text
    ]
