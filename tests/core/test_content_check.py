"""Each rule of the content check fails on a crafted bad repository."""

from __future__ import annotations

from pathlib import Path

import yaml

from core.content_check import check_repository
from core.settings import PROJECT_ROOT
from tests.conftest import CONTRACT
from tests.helpers.content_repo import build, entry


def problems_of(tmp_path: Path, entries: list[dict], mutate=None) -> list[str]:
    content, contract, nlu = build(tmp_path, entries)
    if mutate:
        mutate(content, contract, nlu)
    return check_repository(content, contract, nlu)


def test_a_valid_repository_passes(tmp_path: Path) -> None:
    assert problems_of(tmp_path, [entry("passport"), entry("greet", "meta")]) == []


def test_the_real_content_repository_passes() -> None:
    assert check_repository(PROJECT_ROOT / "content", CONTRACT, PROJECT_ROOT / "nlu") == []


def test_schema_violation_is_reported(tmp_path: Path) -> None:
    def break_schema(content: Path, *_: Path) -> None:
        path = content / "topics" / "passport.yml"
        data = yaml.safe_load(path.read_text())
        del data["answer"]["ne"]
        path.write_text(yaml.safe_dump(data, allow_unicode=True))

    problems = problems_of(tmp_path, [entry("passport")], break_schema)
    assert any("answer.ne" in p for p in problems)


def test_missing_contract_key_is_reported(tmp_path: Path) -> None:
    def add_key(_content: Path, contract: Path, _nlu: Path) -> None:
        data = yaml.safe_load(contract.read_text())
        data["topics"].append({"key": "insurance", "kind": "info"})
        contract.write_text(yaml.safe_dump(data))

    problems = problems_of(tmp_path, [entry("passport")], add_key)
    assert any("insurance: in topics.yml but has no content entry" in p for p in problems)


def test_placeholders_must_match_across_languages(tmp_path: Path) -> None:
    bad = entry("passport", answer={"en": "Hello {name}", "ne": "नमस्ते {naam}"})
    assert any("placeholders differ" in p for p in problems_of(tmp_path, [bad]))


def test_broken_placeholder_is_reported(tmp_path: Path) -> None:
    bad = entry("passport", answer={"en": "Hello {name", "ne": "नमस्ते {name"})
    assert any("broken placeholder" in p for p in problems_of(tmp_path, [bad]))


def test_malformed_url_and_unknown_long_phone_number_are_reported(tmp_path: Path) -> None:
    bad = entry(
        "passport",
        answer={"en": "See https://nodots and call 98412 34567.", "ne": "हेर्नुहोस्।"},
        sources=[{"title": "x", "url": "ftp:/broken"}],
    )
    problems = problems_of(tmp_path, [bad])
    assert any("malformed URL 'https://nodots" in p for p in problems)
    assert any("phone-like number" in p for p in problems)
    assert any("malformed source URL" in p for p in problems)


def test_malformed_hotline_number_is_reported(tmp_path: Path) -> None:
    def break_hotline(content: Path, *_: Path) -> None:
        (content / "hotlines.yml").write_text(
            yaml.safe_dump(
                {
                    "hotlines": [
                        {
                            "id": "x",
                            "number": "11-AB",
                            "name": {"en": "a", "ne": "b"},
                            "sources": [{"title": "s"}],
                        }
                    ]
                }
            )
        )

    assert any(
        "malformed number" in p for p in problems_of(tmp_path, [entry("passport")], break_hotline)
    )


def test_every_answer_needs_a_source(tmp_path: Path) -> None:
    assert any("no source" in p for p in problems_of(tmp_path, [entry("passport", sources=[])]))


def test_too_few_examples_and_duplicates_across_topics_are_reported(tmp_path: Path) -> None:
    few = entry("passport")
    few["examples"]["ne-Latn"] = few["examples"]["ne-Latn"][:3]
    twin = entry("insurance")
    twin["examples"]["en"][0] = "English question 0 about passport"
    problems = problems_of(tmp_path, [few, twin])
    assert any("3 ne-Latn examples" in p for p in problems)
    assert any("is also under" in p for p in problems)


def test_stale_training_data_is_an_orphan_problem(tmp_path: Path) -> None:
    def edit_training(_content: Path, _contract: Path, nlu: Path) -> None:
        path = nlu / "data" / "nlu.yml"
        path.write_text(path.read_text() + "  - intent: orphan\n    examples: |\n      - x\n")

    problems = problems_of(tmp_path, [entry("passport")], edit_training)
    assert any("nlu/data/nlu.yml is out of date" in p for p in problems)


def test_overlong_answer_and_unknown_related_topic_are_reported(tmp_path: Path) -> None:
    bad = entry("passport", answer={"en": "x" * 1300, "ne": "क"}, related=["nowhere"])
    problems = problems_of(tmp_path, [bad])
    assert any("1300 characters" in p for p in problems)
    assert any("related topic 'nowhere'" in p for p in problems)


def test_content_entry_without_a_contract_key_is_reported(tmp_path: Path) -> None:
    def drop_key(_content: Path, contract: Path, _nlu: Path) -> None:
        data = yaml.safe_load(contract.read_text())
        data["topics"] = [t for t in data["topics"] if t["key"] != "insurance"]
        contract.write_text(yaml.safe_dump(data))

    problems = problems_of(tmp_path, [entry("passport"), entry("insurance")], drop_key)
    assert problems == ["insurance: content entry for a key that topics.yml does not have"]


def test_kind_differing_from_the_contract_is_reported(tmp_path: Path) -> None:
    def change_kind(_content: Path, contract: Path, _nlu: Path) -> None:
        data = yaml.safe_load(contract.read_text())
        data["topics"][0]["kind"] = "flow"
        contract.write_text(yaml.safe_dump(data))

    problems = problems_of(tmp_path, [entry("passport")], change_kind)
    assert problems == ["passport: kind 'info' but topics.yml says 'flow'"]


def test_file_name_not_matching_its_key_is_reported(tmp_path: Path) -> None:
    def rename(content: Path, *_: Path) -> None:
        (content / "topics" / "passport.yml").rename(content / "topics" / "pasport.yml")

    problems = problems_of(tmp_path, [entry("passport")], rename)
    assert problems == ["pasport.yml: file name does not match its key"]


def test_malformed_service_phone_and_url_and_missing_source_are_reported(tmp_path: Path) -> None:
    def break_services(content: Path, *_: Path) -> None:
        services = [
            {"id": "embassy", "phone": "call us", "url": "www.no-scheme", "sources": []},
            {"id": "ok", "phone": "+977 1 4000000", "url": "https://x.gov.np", "sources": [{}]},
        ]
        (content / "services.yml").write_text(yaml.safe_dump({"services": services}))

    problems = problems_of(tmp_path, [entry("passport")], break_services)
    assert problems == [
        "services: embassy: malformed phone 'call us'",
        "services: embassy: malformed URL 'www.no-scheme'",
        "services: embassy: no source",
    ]


def test_hotline_without_both_names_or_a_source_is_reported(tmp_path: Path) -> None:
    def break_hotline(content: Path, *_: Path) -> None:
        data = yaml.safe_load((content / "hotlines.yml").read_text())
        data["hotlines"].append({"id": "police", "number": "100", "name": {"en": "Police"}})
        (content / "hotlines.yml").write_text(yaml.safe_dump(data))

    problems = problems_of(tmp_path, [entry("passport")], break_hotline)
    assert problems == [
        "hotlines: police: needs a name in en and ne",
        "hotlines: police: no source",
    ]


def test_menu_naming_an_unknown_topic_is_reported(tmp_path: Path) -> None:
    def add_to_menu(content: Path, *_: Path) -> None:
        data = yaml.safe_load((content / "menu.yml").read_text())
        data["groups"][0]["topics"].append("lottery")
        (content / "menu.yml").write_text(yaml.safe_dump(data))

    problems = problems_of(tmp_path, [entry("passport")], add_to_menu)
    assert problems == ["menu: group 'all' names unknown topic 'lottery'"]


def test_text_of_only_spaces_counts_as_empty(tmp_path: Path) -> None:
    bad = entry("passport", answer={"en": "Answer about passport.", "ne": "  "})
    assert problems_of(tmp_path, [bad]) == ["passport: answer.ne is empty"]
