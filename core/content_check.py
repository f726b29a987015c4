"""The content check: every rule a content repository must satisfy before it reaches users."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from core.content import (
    EXAMPLE_SCRIPTS,
    Localized,
    TopicEntry,
    load_document,
    load_topics,
    read_yaml,
)
from core.errors import ContentError
from core.nlu_data import stale_nlu_files
from core.risk_check import LEVELS, RiskScoring, load_scoring
from core.risk_check import TOPIC as RISK_TOPIC

MAX_ANSWER_CHARS = 1200
MIN_EXAMPLES = {"info": 15, "flow": 10, "meta": 10}
PHONE_FIELD = re.compile(r"^\+?[0-9][0-9 -]{1,18}[0-9]$")
URL_IN_TEXT = re.compile(r"https?://[^\s)\]]+")
LONG_NUMBER_IN_TEXT = re.compile(r"(?<![\d,.])\+?\d[\d -]{5,}\d(?![\d,])")


def placeholders(text: str) -> set[str]:
    """The `{name}` placeholders of a text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def url_is_well_formed(url: str) -> bool:
    """An absolute http(s) URL with a dotted host."""
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and "." in parts.netloc and " " not in url


def digits(number: str) -> str:
    """Only the digits of a phone number."""
    return re.sub(r"\D", "", number)


def localized_texts(entry: TopicEntry) -> Iterable[tuple[str, Localized]]:
    """Every bilingual text of an entry with its name."""
    yield "answer", entry.answer
    for name, message in entry.messages.items():
        yield f"messages.{name}", message


def check_entry(entry: TopicEntry, known_keys: set[str], known_numbers: set[str]) -> list[str]:
    """The rules one entry must satisfy on its own."""
    problems: list[str] = []
    where = entry.key
    for name, text in localized_texts(entry):
        try:
            if placeholders(text.en) != placeholders(text.ne):
                problems.append(
                    f"{where}: {name}: placeholders differ between languages "
                    f"(en {sorted(placeholders(text.en))}, ne {sorted(placeholders(text.ne))})"
                )
        except ValueError as error:
            problems.append(f"{where}: {name}: broken placeholder: {error}")
        for language in ("en", "ne"):
            value = text.get(language)
            if not value.strip():
                problems.append(f"{where}: {name}.{language} is empty")
            if name == "answer" and len(value) > MAX_ANSWER_CHARS:
                problems.append(
                    f"{where}: answer.{language} has {len(value)} characters "
                    f"(at most {MAX_ANSWER_CHARS}, about two phone screens)"
                )
            for url in URL_IN_TEXT.findall(value):
                if not url_is_well_formed(url.rstrip(".,;")):
                    problems.append(f"{where}: {name}.{language}: malformed URL {url!r}")
            for number in LONG_NUMBER_IN_TEXT.findall(value):
                if digits(number) not in known_numbers:
                    problems.append(
                        f"{where}: {name}.{language}: phone-like number {number!r} is not in "
                        "hotlines.yml or services.yml"
                    )
    if not entry.sources:
        problems.append(f"{where}: no source")
    for source in entry.sources:
        if source.url and not url_is_well_formed(source.url):
            problems.append(f"{where}: malformed source URL {source.url!r}")
    for related in entry.related:
        if related not in known_keys:
            problems.append(f"{where}: related topic {related!r} does not exist")
    scripts = entry.examples.by_script()
    for script in EXAMPLE_SCRIPTS:
        if len(scripts[script]) < MIN_EXAMPLES[entry.kind]:
            problems.append(
                f"{where}: {len(scripts[script])} {script} examples "
                f"(a {entry.kind} topic needs at least {MIN_EXAMPLES[entry.kind]})"
            )
    return problems


def check_hotlines(hotlines: dict[str, Any]) -> list[str]:
    """Every hotline has a well-formed number, both names and a source."""
    problems = []
    for item in hotlines.get("hotlines") or []:
        ident = item.get("id", "?")
        if not PHONE_FIELD.match(str(item.get("number", ""))):
            problems.append(f"hotlines: {ident}: malformed number {item.get('number')!r}")
        if not (item.get("name") or {}).get("en") or not (item.get("name") or {}).get("ne"):
            problems.append(f"hotlines: {ident}: needs a name in en and ne")
        if not item.get("sources"):
            problems.append(f"hotlines: {ident}: no source")
    return problems


def check_services(services: dict[str, Any]) -> list[str]:
    """Every service has a well-formed phone (or none) and URL (or none), and a source."""
    problems = []
    for item in services.get("services") or []:
        ident = item.get("id", "?")
        phone = item.get("phone")
        if phone is not None and not PHONE_FIELD.match(str(phone)):
            problems.append(f"services: {ident}: malformed phone {phone!r}")
        url = item.get("url")
        if url is not None and not url_is_well_formed(str(url)):
            problems.append(f"services: {ident}: malformed URL {url!r}")
        if not item.get("sources"):
            problems.append(f"services: {ident}: no source")
    return problems


def known_phone_numbers(hotlines: dict[str, Any], services: dict[str, Any]) -> set[str]:
    """Digits of every number the structured data vouches for."""
    numbers = {digits(str(h.get("number", ""))) for h in hotlines.get("hotlines") or []}
    numbers |= {digits(str(s["phone"])) for s in services.get("services") or [] if s.get("phone")}
    return numbers | {n.removeprefix("977") for n in numbers if n.startswith("977")}


def duplicate_examples(entries: list[TopicEntry]) -> list[str]:
    """Examples that stand under two topics (Rasa would learn a contradiction)."""
    owner: dict[str, str] = {}
    problems = []
    for entry in entries:
        for texts in entry.examples.by_script().values():
            for text in texts:
                normal = " ".join(text.lower().split())
                if owner.setdefault(normal, entry.key) != entry.key:
                    problems.append(f"{entry.key}: example {text!r} is also under {owner[normal]}")
    return problems


def check_scoring(scoring: RiskScoring, topic: TopicEntry | None) -> list[str]:
    """Every question of the self-check has its text, and every result level its message."""
    if topic is None:
        return []
    wanted = [q.message for q in scoring.questions] + [f"result_{lvl}" for lvl in LEVELS]
    problems = [
        f"{RISK_TOPIC}: no message {name!r} (risk_scoring.yml needs it)"
        for name in wanted
        if name not in topic.messages
    ]
    for question in scoring.questions:
        for language in ("en", "ne"):
            if not question.reason.get(language).strip():
                problems.append(f"risk_scoring: {question.id}: reason.{language} is empty")
    return problems


def contract_topics(contract_path: Path) -> dict[str, str]:
    """Topic key → kind, from ../shared/topics.yml."""
    data = read_yaml(contract_path)
    return {item["key"]: item["kind"] for item in data["topics"]}


def check_repository(content_dir: Path, contract_path: Path, nlu_dir: Path) -> list[str]:
    """Every rule over the whole repository; an empty list means it may be published."""
    try:
        entries = load_topics(content_dir)
        hotlines = load_document(content_dir, "hotlines")
        services = load_document(content_dir, "services")
        menu = load_document(content_dir, "menu")
        contract = contract_topics(contract_path)
        scoring = load_scoring(content_dir)
    except ContentError as error:
        return [str(error)]
    except ValidationError as error:
        return [f"risk_scoring: {error}"]
    problems: list[str] = []
    by_key = {entry.key: entry for entry in entries}
    for path in sorted((content_dir / "topics").glob("*.yml")):
        if path.stem not in by_key:
            problems.append(f"{path.name}: file name does not match its key")
    for key, kind in contract.items():
        if key not in by_key:
            problems.append(f"{key}: in topics.yml but has no content entry")
        elif by_key[key].kind != kind:
            problems.append(f"{key}: kind {by_key[key].kind!r} but topics.yml says {kind!r}")
    for key in by_key.keys() - contract.keys():
        problems.append(f"{key}: content entry for a key that topics.yml does not have")
    numbers = known_phone_numbers(hotlines, services)
    for entry in entries:
        problems += check_entry(entry, set(by_key), numbers)
    problems += duplicate_examples(entries)
    problems += check_hotlines(hotlines)
    problems += check_services(services)
    for group in menu.get("groups") or []:
        for key in group.get("topics") or []:
            if key not in by_key:
                problems.append(f"menu: group {group.get('id')!r} names unknown topic {key!r}")
    problems += check_scoring(scoring, by_key.get(RISK_TOPIC))
    for relative in stale_nlu_files(entries, scoring, nlu_dir):
        problems.append(f"nlu/{relative} is out of date with content/: run `make nlu-data`")
    return problems
