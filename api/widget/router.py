"""The chat API the web widget uses: send a message, get the replies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from api.deps import ServicesDep
from api.widget.schemas import Button, Replies, ReplyOut, SendMessage, StoredMessage
from core.conversation import Inbound, new_conversation_id
from core.models import Message

router = APIRouter(prefix="/api", tags=["chat"])


@router.get("/conversations/{conversation_id}/messages")
async def messages_since(
    conversation_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    services: ServicesDep,
    after: Annotated[int, Query(ge=0)] = 0,
) -> list[StoredMessage]:
    """Messages not from the user after message id `after`: how counsellor replies reach a
    widget that polls (the live channel comes with the widget)."""
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Message)
            .where(
                Message.conversation_id == conversation_id,
                Message.id > after,
                Message.sender != "user",
            )
            .order_by(Message.id)
            .limit(100)
        )
        return [
            StoredMessage(id=m.id, sender=m.sender, text=m.text, topic=m.topic, language=m.language)
            for m in rows
        ]


@router.post("/messages")
async def send_message(body: SendMessage, services: ServicesDep) -> Replies:
    """Send one message and receive the assistant's replies."""
    conversation_id = body.conversation_id or new_conversation_id()
    replies = await services.conversations.handle(
        Inbound(
            conversation_id=conversation_id,
            channel="web",
            text=body.text,
            payload=body.payload,
            client_key=body.client_key,
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
