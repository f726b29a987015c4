"""What the editor API sends and receives."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class TopicItem(BaseModel):
    key: str
    kind: str
    title: dict[str, str]
    published_revision_id: int | None
    pending_revision_id: int | None
    pending_status: str | None
    needs_verification: bool
    reviewed_on: dt.date | None


class RevisionOut(BaseModel):
    id: int
    topic_key: str
    status: str
    author: str
    reviewer: str | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None
    based_on_id: int | None
    note: str | None
    current: bool = False
    changed: list[str] = Field(default_factory=list)


class TopicDetail(BaseModel):
    key: str
    kind: str
    published_revision_id: int | None
    published: dict[str, Any] | None
    pending: RevisionOut | None
    pending_entry: dict[str, Any] | None


class DiffOut(BaseModel):
    revision_id: int
    against: int | None
    lines: list[str]


class StaleOut(BaseModel):
    key: str
    title: dict[str, str]
    reviewed_on: dt.date | None
    needs_verification: bool


class QuestionOut(BaseModel):
    id: int
    text: str
    script: str | None
    channel: str
    outcome: str
    created_at: dt.datetime


class ExampleIn(BaseModel):
    topic: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    second_approval_required: bool
    stale_days: int
