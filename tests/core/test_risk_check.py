"""The self-check scores from the content's weights and thresholds, never from code."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.content_check import check_repository
from core.risk_check import load_scoring, parse_scoring, score
from core.settings import PROJECT_ROOT
from tests.helpers.content_repo import build, entry

SCORING = load_scoring(PROJECT_ROOT / "content")


def answers(*yes: str) -> dict[str, bool]:
    """Slot values: the named questions answered yes, every other one no."""
    return {q.slot: q.id in yes for q in SCORING.questions}


def test_no_warning_sign_is_low() -> None:
    result = score(SCORING, answers())
    assert (result.level, result.score, result.reasons) == ("low", 0, [])


def test_one_strong_sign_is_medium_with_its_reason() -> None:
    result = score(SCORING, answers("passport_kept"))
    assert result.level == "medium"
    assert [q.id for q in result.reasons] == ["passport_kept"]


def test_visit_visa_and_lying_at_immigration_is_high() -> None:
    result = score(SCORING, answers("visit_visa", "lie_immigration"))
    assert result.level == "high"
    assert {q.id for q in result.reasons} == {"visit_visa", "lie_immigration"}


def test_unanswered_questions_count_as_no() -> None:
    assert score(SCORING, {"risk_passport_kept": None}).level == "low"


def test_a_counsellor_changing_a_weight_changes_the_level() -> None:
    data = yaml.safe_load((PROJECT_ROOT / "content" / "risk_scoring.yml").read_text())
    assert score(parse_scoring(data), answers("no_receipt")).level == "low"
    next(q for q in data["questions"] if q["id"] == "no_receipt")["weight"] = 5
    assert score(parse_scoring(data), answers("no_receipt")).level == "high"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["thresholds"].update(high=1),  # high not above medium
        lambda d: d["questions"].append(dict(d["questions"][0])),  # duplicate id
        lambda d: d["questions"][0].update(weight=-1),
    ],
)
def test_inconsistent_scoring_is_refused(change) -> None:
    data = yaml.safe_load((PROJECT_ROOT / "content" / "risk_scoring.yml").read_text())
    change(data)
    with pytest.raises(ValueError):
        parse_scoring(data)


def test_content_check_names_a_question_without_its_text(tmp_path: Path) -> None:
    topic = entry("risk_check", kind="flow", messages={"result_low": {"en": "x", "ne": "x"}})
    content, contract, nlu = build(tmp_path, [topic])
    problems = check_repository(content, contract, nlu)
    assert "risk_check: no message 'q_visit_visa' (risk_scoring.yml needs it)" in problems
    assert "risk_check: no message 'result_high' (risk_scoring.yml needs it)" in problems
