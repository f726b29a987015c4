"""Place names in three scripts, with Nepali postpositions, normalised (nlu/components/places.py)."""

from __future__ import annotations

import sys

import pytest

from core.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "nlu"))
from components.places import find_places, load_aliases

ALIASES = load_aliases(PROJECT_ROOT / "content" / "places.yml")


def places(text: str) -> list[tuple[str, str]]:
    return [(p.entity, p.value) for p in find_places(text, ALIASES)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("malai malaysia jana k k chahincha", [("country", "MY")]),
        ("मलेसियामा काम गर्न के चाहिन्छ", [("country", "MY")]),
        ("japan ko visa kasari", [("country", "JP")]),
        ("जापानको भिसा", [("country", "JP")]),
        ("qatarma kaam garne", [("country", "QA")]),
        ("I work in Dubai", [("country", "AE")]),
        ("saudi arab jane ho", [("country", "SA")]),
        ("मनामा जाने", [("country", "BH")]),
        ("kailali ma sahayog garne sanstha", [("district", "Kailali")]),
        ("कैलालीमा संस्था", [("district", "Kailali")]),
        ("Nepalgunj ma help desk", [("district", "Banke")]),
        ("birgunj border ma transit home", [("border_point", "birgunj_raxaul")]),
        ("kathmandu bata dubai", [("district", "Kathmandu"), ("country", "AE")]),
    ],
)
def test_finds_and_normalises_places(text: str, expected: list[tuple[str, str]]) -> None:
    assert places(text) == expected


@pytest.mark.parametrize("text", ["ko bara ma sodhna", "woman worker rights", "hello", ""])
def test_everyday_words_are_not_places(text: str) -> None:
    assert places(text) == []


def test_bara_is_a_district_when_called_one() -> None:
    assert places("bara jilla ma sahayog") == [("district", "Bara")]
