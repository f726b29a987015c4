"""The risk self-check: questions, weights and thresholds from content, scored here.

Rasa's form `risk_check_form` asks one yes/no slot per question (`risk_<id>`); the NLG endpoint
asks each question and renders the result from the same scoring document, so a counsellor's
change of a weight or a threshold is live on the next check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.content import Localized, load_document

FORM = "risk_check_form"
TOPIC = "risk_check"
SLOT_PREFIX = "risk_"
Level = Literal["low", "medium", "high"]
LEVELS: tuple[Level, ...] = ("low", "medium", "high")


class Question(BaseModel):
    """One yes/no question; its text is the `q_<id>` message of the risk_check topic."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    weight: int = Field(ge=0, le=10)
    reason: Localized

    @property
    def slot(self) -> str:
        """The Rasa slot that holds the answer."""
        return f"{SLOT_PREFIX}{self.id}"

    @property
    def message(self) -> str:
        """The name of the topic message that asks it."""
        return f"q_{self.id}"


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    medium: int = Field(ge=1)
    high: int = Field(ge=1)


class RiskScoring(BaseModel):
    """content/risk_scoring.yml."""

    model_config = ConfigDict(extra="forbid")

    thresholds: Thresholds
    questions: list[Question] = Field(min_length=1, max_length=15)

    @model_validator(mode="after")
    def _consistent(self) -> RiskScoring:
        if self.thresholds.high <= self.thresholds.medium:
            raise ValueError("thresholds.high must be above thresholds.medium")
        ids = [question.id for question in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must be unique")
        return self

    @property
    def slots(self) -> list[str]:
        return [question.slot for question in self.questions]


class RiskResult(BaseModel):
    level: Level
    score: int
    reasons: list[Question]


def parse_scoring(data: Any) -> RiskScoring:
    """Validate the scoring document (raises pydantic's ValidationError)."""
    return RiskScoring.model_validate(data)


def load_scoring(content_dir: Path) -> RiskScoring:
    """The scoring document of a content directory."""
    return parse_scoring(load_document(content_dir, "risk_scoring"))


def score(scoring: RiskScoring, answers: dict[str, Any]) -> RiskResult:
    """The level and the questions answered "yes", from slot values (True = yes)."""
    yes = [question for question in scoring.questions if answers.get(question.slot) is True]
    total = sum(question.weight for question in yes)
    level: Level = (
        "high"
        if total >= scoring.thresholds.high
        else "medium"
        if total >= scoring.thresholds.medium
        else "low"
    )
    return RiskResult(level=level, score=total, reasons=yes)


def result_topic(level: str) -> str:
    """The topic key a result message is stored under (analytics counts outcomes by it)."""
    return f"risk_result_{level}"


def is_result_topic(topic: str | None) -> bool:
    """Whether a message carries a self-check result."""
    return bool(topic) and str(topic).startswith("risk_result_")
