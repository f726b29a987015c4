"""The chat API the web widget uses: send a message, get the replies."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServicesDep
from api.widget.schemas import Button, Replies, ReplyOut, SendMessage
from core.conversation import Inbound, new_conversation_id

router = APIRouter(prefix="/api", tags=["chat"])


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
