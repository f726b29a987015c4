"""The rules an edited topic entry must pass before it is saved, one clear error per field.

They are the content check's rules (core/content_check.py) applied to one entry against the
live store, reported as `FieldError`s whose `code` is a Babel message id (`editor.error.*`),
so that the editor can say in Nepali or English exactly which field is wrong and why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from core.content import EXAMPLE_SCRIPTS, TopicEntry
from core.content_check import (
    LONG_NUMBER_IN_TEXT,
    MAX_ANSWER_CHARS,
    MIN_EXAMPLES,
    URL_IN_TEXT,
    digits,
    localized_texts,
    placeholders,
    url_is_well_formed,
)
from core.i18n import N_

MAX_TITLE_CHARS = 120
MAX_MESSAGE_CHARS = 2000
MAX_EXAMPLE_CHARS = 300
MAX_EXAMPLES_PER_SCRIPT = 400


@dataclass(frozen=True)
class FieldError:
    """One broken rule: the field (dotted path, e.g. `answer.ne`), a message id and its values."""

    field: str
    code: str
    values: dict[str, object] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class StoreFacts:
    """What the rules need to know about the rest of the store."""

    topic_keys: frozenset[str]
    phone_numbers: frozenset[str]
    examples_elsewhere: dict[str, str]  # normalised example → topic key that has it


def normal_example(text: str) -> str:
    """An example as the duplicate rule compares it."""
    return " ".join(text.lower().split())


def _localized_raw(data: dict[str, Any]) -> Iterable[tuple[str, Any, int]]:
    """Every bilingual field of the raw data with its name and length limit."""
    yield "title", data.get("title"), MAX_TITLE_CHARS
    yield "answer", data.get("answer"), MAX_ANSWER_CHARS
    messages = data.get("messages")
    if isinstance(messages, dict):
        for name, value in messages.items():
            yield f"messages.{name}", value, MAX_MESSAGE_CHARS


def _text_limits(data: dict[str, Any]) -> list[FieldError]:
    """Empty and over-long texts, checked before the schema so that each gets its own message."""
    errors = []
    for name, value, limit in _localized_raw(data):
        for language in ("en", "ne"):
            text = value.get(language) if isinstance(value, dict) else None
            where = f"{name}.{language}"
            if not isinstance(text, str) or not text.strip():
                errors.append(FieldError(where, N_("editor.error.empty")))
            elif len(text) > limit:
                errors.append(
                    FieldError(
                        where, N_("editor.error.too_long"), {"count": len(text), "limit": limit}
                    )
                )
    examples = data.get("examples")
    if isinstance(examples, dict):
        for script, texts in examples.items():
            if not isinstance(texts, list):
                continue
            if len(texts) > MAX_EXAMPLES_PER_SCRIPT:
                errors.append(
                    FieldError(
                        f"examples.{script}",
                        N_("editor.error.too_many_examples"),
                        {"limit": MAX_EXAMPLES_PER_SCRIPT},
                    )
                )
            for text in texts:
                if isinstance(text, str) and len(text) > MAX_EXAMPLE_CHARS:
                    errors.append(
                        FieldError(
                            f"examples.{script}",
                            N_("editor.error.example_too_long"),
                            {"limit": MAX_EXAMPLE_CHARS},
                        )
                    )
                    break
    return errors


def _schema(data: dict[str, Any]) -> tuple[TopicEntry | None, list[FieldError]]:
    """The entry, or what breaks the schema (unknown fields, wrong types, bad dates)."""
    try:
        return TopicEntry.model_validate(data), []
    except ValidationError as error:
        return None, [
            FieldError(
                ".".join(str(part) for part in problem["loc"]) or "entry",
                N_("editor.error.invalid"),
            )
            for problem in error.errors()
        ]


def _text_rules(entry: TopicEntry, facts: StoreFacts) -> list[FieldError]:
    """Placeholders, URLs and phone numbers in every bilingual text."""
    errors: list[FieldError] = []
    for name, text in localized_texts(entry):
        try:
            if placeholders(text.en) != placeholders(text.ne):
                errors.append(
                    FieldError(
                        name,
                        N_("editor.error.placeholders_differ"),
                        {
                            "en": ", ".join(sorted(placeholders(text.en))) or "–",
                            "ne": ", ".join(sorted(placeholders(text.ne))) or "–",
                        },
                    )
                )
        except ValueError:
            errors.append(FieldError(name, N_("editor.error.broken_placeholder")))
        for language in ("en", "ne"):
            value = text.get(language)
            for url in URL_IN_TEXT.findall(value):
                if not url_is_well_formed(url.rstrip(".,;")):
                    errors.append(
                        FieldError(f"{name}.{language}", N_("editor.error.bad_url"), {"url": url})
                    )
            for number in LONG_NUMBER_IN_TEXT.findall(value):
                if digits(number) not in facts.phone_numbers:
                    errors.append(
                        FieldError(
                            f"{name}.{language}",
                            N_("editor.error.unknown_number"),
                            {"number": number.strip()},
                        )
                    )
    return errors


def _entry_rules(entry: TopicEntry, facts: StoreFacts) -> list[FieldError]:
    """Sources, related topics and examples."""
    errors: list[FieldError] = []
    if not entry.sources:
        errors.append(FieldError("sources", N_("editor.error.no_source")))
    for source in entry.sources:
        if source.url and not url_is_well_formed(source.url):
            errors.append(FieldError("sources", N_("editor.error.bad_url"), {"url": source.url}))
    for related in entry.related:
        if related not in facts.topic_keys or related == entry.key:
            errors.append(FieldError("related", N_("editor.error.unknown_topic"), {"key": related}))
    scripts = entry.examples.by_script()
    for script in EXAMPLE_SCRIPTS:
        texts = [text for text in scripts[script] if text.strip()]
        if len(texts) < MIN_EXAMPLES[entry.kind]:
            errors.append(
                FieldError(
                    f"examples.{script}",
                    N_("editor.error.few_examples"),
                    {"count": len(texts), "minimum": MIN_EXAMPLES[entry.kind]},
                )
            )
        for text in texts:
            owner = facts.examples_elsewhere.get(normal_example(text))
            if owner and owner != entry.key:
                errors.append(
                    FieldError(
                        f"examples.{script}",
                        N_("editor.error.duplicate_example"),
                        {"example": text, "key": owner},
                    )
                )
    return errors


def check_draft(
    data: dict[str, Any], facts: StoreFacts
) -> tuple[TopicEntry | None, list[FieldError]]:
    """Validate an edited entry; returns the entry when every rule holds, else the errors."""
    errors = _text_limits(data)
    entry, schema_errors = _schema(data)
    reported = {error.field for error in errors}
    errors += [error for error in schema_errors if error.field not in reported]
    if entry is None:
        return None, errors
    errors += _text_rules(entry, facts) + _entry_rules(entry, facts)
    return (entry, []) if not errors else (None, errors)
