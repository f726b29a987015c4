"""Request and response bodies of the chat API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SendMessage(BaseModel):
    """A message from the person chatting."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{32}$", description="Omit to start a new conversation."
    )
    text: str = Field(default="", max_length=5000)
    payload: str | None = Field(
        default=None, max_length=64, description="A button's payload, e.g. /labour_permit."
    )
    language: str | None = Field(
        default=None,
        pattern="^(ne|en)$",
        description="The widget's language: used when a message itself does not tell.",
    )
    client_key: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
        description="Idempotency key: the same key is never processed twice.",
    )


class Button(BaseModel):
    """A quick reply."""

    title: str
    payload: str


class ReplyOut(BaseModel):
    """One message to show."""

    text: str
    language: str
    topic: str | None
    buttons: list[Button]
    sender: str


class Replies(BaseModel):
    """The answer to a message."""

    conversation_id: str
    replies: list[ReplyOut]


class StoredMessage(BaseModel):
    """A message of the conversation as stored."""

    id: int
    sender: str
    text: str
    topic: str | None
    language: str | None


class Deleted(BaseModel):
    """The answer to "delete my data": done, said in the user's language."""

    deleted: bool
    text: str
    language: str
