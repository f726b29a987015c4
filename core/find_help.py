"""Find help near me: services and helplines for a district, border point or country.

The place comes from the NLU's PlaceExtractor (an entity value: a district's English name, a
border point id or an ISO country code); everything else is the services directory, the
helplines and the places list of the content store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_SERVICES = 6


@dataclass(frozen=True)
class Place:
    """A recognised place: the entity type, its value and its names in both languages."""

    kind: str
    value: str
    name: dict[str, str]


def find_place(places: dict[str, Any], value: str) -> Place | None:
    """The place with this entity value, looked up in places.yml's three lists."""
    for country in places.get("countries") or []:
        if country.get("code") == value:
            return Place("country", value, country["name"])
    for district in places.get("districts") or []:
        if district["name"]["en"] == value:
            return Place("district", value, district["name"])
    for point in places.get("border_points") or []:
        if point.get("id") == value:
            return Place("border_point", value, point["name"])
    return None


def district_of(places: dict[str, Any], place: Place) -> str | None:
    """The Nepal district a district or border point lies in."""
    if place.kind == "district":
        return place.value
    for point in places.get("border_points") or []:
        if point.get("id") == place.value:
            return str(point.get("district") or "") or None
    return None


def services_for(
    place: Place, places: dict[str, Any], services: dict[str, Any], hotlines: dict[str, Any]
) -> list[dict[str, Any]]:
    """Directory entries for `place`: a district's (border desks first) or a country's,
    followed for a country by its helplines; at most MAX_SERVICES."""
    entries = list(services.get("services") or [])
    if place.kind == "country":
        found = [s for s in entries if s.get("country") == place.value and not s.get("district")]
        found += [
            {"organisation": h["name"], "phone": h.get("number"), "hours": h.get("hours")}
            for h in hotlines.get("hotlines") or []
            if h.get("country") == place.value and place.value != "NP"
        ]
    else:
        district = district_of(places, place)
        found = [s for s in entries if district and s.get("district") == district]
        if place.kind == "border_point":
            found.sort(key=lambda s: s.get("border_point") is None)
    return found[:MAX_SERVICES]


def localized(value: Any, language: str) -> str:
    """A {en, ne} mapping in `language` (the other when empty), or a plain value as text."""
    if isinstance(value, dict):
        return str(value.get(language) or value.get("en") or value.get("ne") or "")
    return "" if value is None else str(value)
