"""The content repository: the schema of a topic entry, and reading and writing `content/`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ContentError

LANGUAGES = ("en", "ne")
EXAMPLE_SCRIPTS = ("en", "ne", "ne-Latn")
DOCUMENTS = ("hotlines", "services", "places", "menu", "risk_scoring")


class Localized(BaseModel):
    """A text in both answer languages."""

    model_config = ConfigDict(extra="forbid")

    en: str = Field(min_length=1, max_length=4000)
    ne: str = Field(min_length=1, max_length=4000)

    def get(self, language: str) -> str:
        """The text in `language`, English for anything but Nepali."""
        return self.ne if language == "ne" else self.en


class Source(BaseModel):
    """Where a fact comes from: a URL or a named document."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    url: str | None = None


class Examples(BaseModel):
    """Example questions per input script."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    en: list[str] = Field(default_factory=list)
    ne: list[str] = Field(default_factory=list)
    ne_latn: list[str] = Field(default_factory=list, alias="ne-Latn")

    def by_script(self) -> dict[str, list[str]]:
        """The examples keyed by script name as written in the files."""
        return {"en": self.en, "ne": self.ne, "ne-Latn": self.ne_latn}


class TopicEntry(BaseModel):
    """One topic of ../shared/topics.yml with everything the assistant says for it."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["info", "flow", "meta"]
    title: Localized
    answer: Localized
    messages: dict[str, Localized] = Field(default_factory=dict)
    related: list[str] = Field(default_factory=list, max_length=6)
    examples: Examples = Field(default_factory=Examples)
    sources: list[Source] = Field(default_factory=list)
    reviewed_on: dt.date | None = None
    needs_verification: bool = False

    def to_file_data(self) -> dict[str, Any]:
        """The entry as it is written to its YAML file."""
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=False)


def topic_path(content_dir: Path, key: str) -> Path:
    """Where the entry of `key` lives."""
    return content_dir / "topics" / f"{key}.yml"


def read_yaml(path: Path) -> Any:
    """Parse one YAML file, naming the file in the error."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path}: cannot read: {error}") from error


def parse_topic(data: Any, origin: str) -> TopicEntry:
    """Validate raw data as a topic entry, naming `origin` in the error."""
    try:
        return TopicEntry.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise ContentError(f"{origin}: {problems}") from error


def load_topics(content_dir: Path) -> list[TopicEntry]:
    """Every topic entry under `content_dir/topics`, sorted by key."""
    paths = sorted((content_dir / "topics").glob("*.yml"))
    return [parse_topic(read_yaml(path), str(path)) for path in paths]


def load_document(content_dir: Path, name: str) -> dict[str, Any]:
    """One structured content file (hotlines, services, places, menu)."""
    data = read_yaml(content_dir / f"{name}.yml")
    if not isinstance(data, dict):
        raise ContentError(f"{content_dir / name}.yml: expected a mapping at the top")
    return data


def dump_yaml(data: Any) -> str:
    """YAML the way the content files are written: block style, Unicode kept, long lines kept."""

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)


def write_topic(content_dir: Path, entry: TopicEntry) -> None:
    """Write one entry to its file."""
    path = topic_path(content_dir, entry.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_yaml(entry.to_file_data()), encoding="utf-8")


def write_document(content_dir: Path, name: str, data: dict[str, Any]) -> None:
    """Write one structured content file."""
    (content_dir / f"{name}.yml").write_text(dump_yaml(data), encoding="utf-8")
