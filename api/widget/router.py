"""The chat API the web widget uses: send a message, get the replies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from api.deps import ServicesDep
from api.widget.schemas import Button, Deleted, Replies, ReplyOut, SendMessage, StoredMessage
from core.conversation import Inbound, new_conversation_id
from core.models import Message

router = APIRouter(prefix="/api", tags=["chat"])
KEEPALIVE_SECONDS = 20
MAX_ID = 2**63 - 1  # the largest id a database stores


@router.get("/conversations/{conversation_id}/messages")
async def messages_since(
    conversation_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    services: ServicesDep,
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[StoredMessage]:
    """Messages that were not replies, after message id `after`: how a counsellor's messages
    (and the system's notes about the handoff) reach a widget that polls."""
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Message)
            .where(
                Message.conversation_id == conversation_id,
                Message.id > after,
                Message.sender != "user",
                Message.reply_to.is_(None),  # replies came back with the message they answer
            )
            .order_by(Message.id)
            .limit(100)
        )
        return [
            StoredMessage(id=m.id, sender=m.sender, text=m.text, topic=m.topic, language=m.language)
            for m in rows
        ]


@router.get("/conversations/{conversation_id}/events")
async def conversation_events(
    conversation_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], services: ServicesDep
) -> StreamingResponse:
    """Server-sent events: a ping whenever a message arrives that was not a reply (a counsellor
    wrote), so the widget fetches it at once instead of waiting for its next poll."""

    async def stream() -> AsyncIterator[str]:
        async with services.broker.subscribe(f"conversation:{conversation_id}") as inbox:
            yield ": connected\n\n"
            while True:
                try:
                    await asyncio.wait_for(inbox.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                yield "data: message\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")


@router.post(
    "/conversations/{conversation_id}/delete",
    responses={429: {"description": "too many requests"}},
)
async def delete_conversation(
    conversation_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    request: Request,
    services: ServicesDep,
    lang: Annotated[str | None, Query(pattern="^(ne|en)$")] = None,
) -> Deleted:
    """The widget's "delete my data" button: erase this conversation everywhere (app database,
    notes, Rasa's tracker store, every console's queue) and confirm it in the user's language.
    Deleting what is already gone answers the same."""
    services.chat_limits.check(
        request.client.host if request.client else "unknown",
        None,
        services.translator.text(lang or "ne", "error.too_many_messages"),
    )
    reply = await services.conversations.forget(conversation_id, lang)
    return Deleted(deleted=True, text=reply.text, language=reply.language)


@router.post("/messages", responses={429: {"description": "too many messages"}})
async def send_message(body: SendMessage, request: Request, services: ServicesDep) -> Replies:
    """Send one message and receive the assistant's replies."""
    client = request.client.host if request.client else "unknown"
    language = body.language or services.settings.default_language
    services.chat_limits.check(
        client,
        body.conversation_id,
        services.translator.text(language, "error.too_many_messages"),
    )
    conversation_id = body.conversation_id or new_conversation_id()
    replies = await services.conversations.handle(
        Inbound(
            conversation_id=conversation_id,
            channel="web",
            text=body.text,
            payload=body.payload,
            client_key=body.client_key,
            language_hint=body.language,
        )
    )
    return Replies(
        conversation_id=conversation_id,
        replies=[
            ReplyOut(
                text=r.text,
                language=r.language,
                topic=r.topic,
                buttons=[Button(**b) for b in r.buttons],
                sender=r.sender,
            )
            for r in replies
        ],
    )
