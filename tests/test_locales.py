"""Interface-string catalogs: complete in both languages, and every id the code uses exists."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from core.settings import PROJECT_ROOT

LANGUAGES = ("en", "ne")
USED_ID = re.compile(r"""(?:\.text\(\s*[\w.]+,\s*|N_\()["']([a-z_]+\.[a-z_.]+)["']""")


def catalog(language: str) -> dict[str, str]:
    path = PROJECT_ROOT / "locales" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id}


def used_ids() -> set[str]:
    found: set[str] = set()
    for folder in ("core", "api", "bot"):
        for path in Path(PROJECT_ROOT / folder).rglob("*.py"):
            found |= set(USED_ID.findall(path.read_text(encoding="utf-8")))
    return found


def test_both_catalogs_have_the_same_ids_all_translated() -> None:
    english, nepali = catalog("en"), catalog("ne")
    assert english.keys() == nepali.keys()
    assert all(english.values()) and all(nepali.values())


def test_every_id_used_in_code_is_in_the_catalogs() -> None:
    ids = used_ids()
    assert "fallback.service_unavailable" in ids
    assert ids <= catalog("en").keys()


def test_safe_reply_names_the_police_and_womens_helpline_in_both_languages() -> None:
    for language in LANGUAGES:
        text = catalog(language)["fallback.service_unavailable"]
        assert "100" in text and "1145" in text
