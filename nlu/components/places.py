"""Find destination countries, Nepal districts and border points in a message.

Plain Python (no Rasa imports) so the entity extractor and the actions share it.
Aliases come from content/places.yml; Nepali postpositions glued to a name
(मलेसियामा, जापानको, qatarma) are stripped, but only when the whole word is not
itself a name (मनामा, मस्को).
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

WORD = re.compile(r"[A-Za-z0-9\u0900-\u097F.]+")
POSTPOSITIONS = (
    "सम्म",
    "देखि",
    "बाट",
    "लाई",
    "तिर",
    "भित्र",
    "मा",
    "को",
    "का",
    "की",
    "ले",
    "मै",
    "bata",
    "dekhi",
    "samma",
    "lai",
    "ma",
    "ko",
    "ka",
    "ki",
    "le",
)
MAX_WORDS = 4
# Names that are also everyday words ("ko bara ma" = "about"): a place only before "district".
EVERYDAY_WORDS = {"bara"}
DISTRICT_WORDS = {"district", "jilla", "जिल्ला", "जिल्लामा"}


@dataclass(frozen=True)
class Place:
    """A recognised place: entity type, normalised value and where it stands in the text."""

    entity: str
    value: str
    start: int
    end: int
    text: str


def load_aliases(path: Path) -> dict[str, tuple[str, str]]:
    """alias → (entity type, normalised value) from places.yml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    aliases: dict[str, tuple[str, str]] = {}
    for country in data.get("countries") or []:
        for alias in country["aliases"]:
            aliases[alias.lower()] = ("country", country["code"])
    for district in data.get("districts") or []:
        for alias in district["aliases"] + [district["name"]["en"].lower(), district["name"]["ne"]]:
            aliases.setdefault(alias.lower(), ("district", district["name"]["en"]))
    for point in data.get("border_points") or []:
        for alias in point["aliases"]:
            aliases.setdefault(alias.lower(), ("border_point", point["id"]))
    return aliases


def _lookup(phrase: str, aliases: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    if phrase in aliases:
        return aliases[phrase]
    for suffix in POSTPOSITIONS:
        if phrase.endswith(suffix) and len(phrase) > len(suffix) + 1:
            stem = phrase[: -len(suffix)]
            if stem in aliases:
                return aliases[stem]
    return None


def find_places(text: str, aliases: dict[str, tuple[str, str]]) -> list[Place]:
    """Every place named in `text`, longest names first, without overlaps."""
    words = [(m.group().lower().strip("."), m.start(), m.end()) for m in WORD.finditer(text)]
    found: list[Place] = []
    index = 0
    while index < len(words):
        for size in range(min(MAX_WORDS, len(words) - index), 0, -1):
            span = words[index : index + size]
            phrase = " ".join(word for word, _s, _e in span)
            match = _lookup(phrase, aliases)
            following = words[index + size][0] if index + size < len(words) else ""
            if match and phrase in EVERYDAY_WORDS and following not in DISTRICT_WORDS:
                match = None
            if match:
                start, end = span[0][1], span[-1][2]
                found.append(Place(match[0], match[1], start, end, text[start:end]))
                index += size
                break
        else:
            index += 1
    return found
