"""The counsellor console's API: sign in, presence, queue, claim, transcript, reply, resolve, live events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, StreamingResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field

from api.auth import SESSION_COOKIE, Counsellor, csrf_guard
from api.deps import ServicesDep
from core import audit
from core.accounts import SESSION_LIFETIME, log_in, log_out
from core.content_store import published_entries
from core.db import transaction
from core.errors import NotFound, SahayatriError
from core.handoff_service import CONSOLE, NotHolder
from core.i18n import N_
from core.models import Account, aware, utcnow

router = APIRouter(prefix="/console", tags=["console"], dependencies=[Depends(csrf_guard)])
KEEPALIVE_SECONDS = 15
T = TypeVar("T")


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Presence(BaseModel):
    presence: str = Field(pattern="^(online|away)$")


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class ResolveIn(BaseModel):
    closing: str | None = Field(default=None, max_length=4000)


class QueueEntry(BaseModel):
    conversation_id: str
    channel: str
    language: str | None
    urgent: bool
    reason: str | None
    topic: str | None
    waiting_seconds: int


class TranscriptLine(BaseModel):
    sender: str
    text: str
    topic: str | None
    at: datetime


CONSOLE_STRINGS = (
    N_("console.title"),
    N_("console.username"),
    N_("console.password"),
    N_("console.sign_in"),
    N_("console.sign_in_failed"),
    N_("console.online"),
    N_("console.away"),
    N_("console.queue"),
    N_("console.empty_queue"),
    N_("console.urgent"),
    N_("console.waiting_for"),
    N_("console.claim"),
    N_("console.taken"),
    N_("console.transcript"),
    N_("console.reply"),
    N_("console.send"),
    N_("console.resolve"),
    N_("console.closing"),
    N_("console.sender_user"),
    N_("console.sender_bot"),
    N_("console.sender_counsellor"),
    N_("console.sender_system"),
    N_("console.error"),
    N_("console.canned"),
    N_("console.notes"),
    N_("console.add_note"),
    N_("console.transfer_to"),
    N_("console.transfer"),
    N_("console.metrics"),
)
STATIC = Path(__file__).resolve().parent / "static"
# The styles are in console.css: the page needs no inline style, so none is allowed.
PAGE_POLICY = (
    "default-src 'self'; style-src 'self'; base-uri 'none'; object-src 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
pages = Environment(loader=FileSystemLoader(STATIC), autoescape=select_autoescape(["html"]))


@router.get("", include_in_schema=False)
async def console_page(
    services: ServicesDep, lang: Annotated[str, Query(pattern="^(ne|en)$")] = "ne"
) -> HTMLResponse:
    """The console page, in Nepali or English; the script does the rest."""
    strings = {
        message_id: services.translator.text(lang, message_id) for message_id in CONSOLE_STRINGS
    }
    html = pages.get_template("console.html").render(lang=lang, s=strings)
    return HTMLResponse(
        html, headers={"Content-Security-Policy": PAGE_POLICY, "X-Frame-Options": "DENY"}
    )


@router.get("/console.css", include_in_schema=False)
async def console_styles() -> FileResponse:
    """The console's stylesheet."""
    return FileResponse(STATIC / "console.css", media_type="text/css")


@router.get("/console.js", include_in_schema=False)
async def console_script() -> FileResponse:
    """The console's script."""
    return FileResponse(STATIC / "console.js", media_type="text/javascript")


@router.post("/login", responses={429: {"description": "too many failed attempts"}})
async def login(
    body: Credentials, request: Request, response: Response, services: ServicesDep
) -> dict[str, str]:
    """Sign in; the session lives in an HttpOnly, SameSite=Strict cookie. After ten failed
    tries in a minute from one address or for one username, sign-in waits a minute."""
    failures = services.login_failures
    keys = (f"ip:{request.client.host if request.client else 'unknown'}", f"user:{body.username}")
    if any(failures.blocked(key) for key in keys):
        raise HTTPException(
            status_code=429,
            detail="too many failed attempts; wait a minute",
            headers={"Retry-After": "60"},
        )
    async with transaction(services.sessions) as session:
        token = await log_in(session, body.username, body.password)
    if token is None:
        for key in keys:
            failures.record(key)
        raise HTTPException(status_code=401, detail="wrong username or password")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=services.settings.public_url.startswith("https://"),
    )
    return {"status": "signed in"}


@router.post("/logout")
async def logout(
    request: Request, response: Response, me: Counsellor, services: ServicesDep
) -> dict[str, str]:
    """Sign out and go away; chats this counsellor holds stay theirs until they come back."""
    async with transaction(services.sessions) as session:
        await log_out(session, request.cookies.get(SESSION_COOKIE, ""))
        account = await session.get(Account, me.id)
        assert account is not None
        account.presence = "away"
    response.delete_cookie(SESSION_COOKIE)
    return {"status": "signed out"}


@router.post("/api/presence")
async def set_presence(body: Presence, me: Counsellor, services: ServicesDep) -> dict[str, str]:
    """Go online (new chats may be assigned) or away."""
    async with transaction(services.sessions) as session:
        account = await session.get(Account, me.id)
        assert account is not None
        account.presence = body.presence
    return {"presence": body.presence}


@router.get("/api/queue")
async def queue(_me: Counsellor, services: ServicesDep) -> list[QueueEntry]:
    """Waiting conversations: urgent first, then the longest waiting."""
    now = utcnow()
    return [
        QueueEntry(
            conversation_id=item.conversation_id,
            channel=item.channel,
            language=item.language,
            urgent=item.urgent,
            reason=item.reason,
            topic=item.topic,
            waiting_seconds=int((now - item.waiting_since).total_seconds()),
        )
        for item in await services.handoffs.queue()
    ]


class LiveEntry(BaseModel):
    conversation_id: str
    channel: str
    language: str | None
    minutes_ago: int


@router.get("/api/live")
async def live(_me: Counsellor, services: ServicesDep) -> list[LiveEntry]:
    """Conversations the assistant handled in the last 30 minutes."""
    now = utcnow()
    return [
        LiveEntry(
            conversation_id=c.id,
            channel=c.channel,
            language=c.language,
            minutes_ago=int((now - aware(c.updated_at)).total_seconds() // 60),
        )
        for c in await services.handoffs.live(timedelta(minutes=30))
    ]


@router.post("/api/conversations/{conversation_id}/takeover")
async def take_over(conversation_id: str, me: Counsellor, services: ServicesDep) -> dict[str, bool]:
    """Join a conversation the assistant is handling; 409 when that is no longer so."""
    won = await _act(services.handoffs.take_over(conversation_id, me.id))
    if not won:
        raise HTTPException(status_code=409, detail="this chat is not with the assistant any more")
    return {"taken": True}


@router.post("/api/conversations/{conversation_id}/claim")
async def claim(conversation_id: str, me: Counsellor, services: ServicesDep) -> dict[str, bool]:
    """Take a waiting conversation; 409 when someone else was faster."""
    won = await _act(services.handoffs.claim(conversation_id, me.id))
    if not won:
        raise HTTPException(status_code=409, detail="another counsellor already took this chat")
    return {"claimed": True}


@router.get("/api/conversations/{conversation_id}/transcript")
async def transcript(
    conversation_id: str, me: Counsellor, services: ServicesDep
) -> list[TranscriptLine]:
    """The whole conversation, the bot's answers included (written to the audit log)."""
    messages = await _act(services.handoffs.transcript(conversation_id))
    await audit.record(services.sessions, me, conversation_id, audit.VIEW_TRANSCRIPT)
    return [
        TranscriptLine(sender=m.sender, text=m.text, topic=m.topic, at=m.created_at)
        for m in messages
    ]


@router.post("/api/conversations/{conversation_id}/reply")
async def reply(
    conversation_id: str, body: ReplyIn, me: Counsellor, services: ServicesDep
) -> dict[str, bool]:
    """Write to the user; only the counsellor holding the chat may."""
    await _act(services.handoffs.reply(conversation_id, me.id, body.text))
    return {"sent": True}


@router.post("/api/conversations/{conversation_id}/resolve")
async def resolve(
    conversation_id: str, body: ResolveIn, me: Counsellor, services: ServicesDep
) -> dict[str, bool]:
    """Close the chat and hand it back to the assistant."""
    await _act(services.handoffs.resolve(conversation_id, me.id, body.closing))
    return {"resolved": True}


class TransferIn(BaseModel):
    to: str = Field(min_length=1, max_length=64)


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class NoteOut(BaseModel):
    text: str
    at: datetime


class Canned(BaseModel):
    key: str
    title: str
    text: str


@router.post("/api/conversations/{conversation_id}/transfer")
async def transfer(
    conversation_id: str, body: TransferIn, me: Counsellor, services: ServicesDep
) -> dict[str, bool]:
    """Pass the chat to another counsellor who is online."""
    await _act(services.handoffs.transfer(conversation_id, me.id, body.to))
    return {"transferred": True}


@router.get("/api/conversations/{conversation_id}/metrics")
async def metrics(
    conversation_id: str, _me: Counsellor, services: ServicesDep
) -> dict[str, int | None]:
    """Waiting time, first-response time and handling time of this handoff, in seconds."""
    return await _act(services.handoffs.metrics(conversation_id))


@router.get("/api/conversations/{conversation_id}/notes")
async def notes(conversation_id: str, me: Counsellor, services: ServicesDep) -> list[NoteOut]:
    """Private notes about this person from earlier conversations too (written to the audit log)."""
    found = await services.handoffs.notes(conversation_id)
    await audit.record(services.sessions, me, conversation_id, audit.VIEW_NOTES)
    return [NoteOut(text=n.text, at=n.created_at) for n in found]


@router.post("/api/conversations/{conversation_id}/notes")
async def add_note(
    conversation_id: str, body: NoteIn, me: Counsellor, services: ServicesDep
) -> dict[str, bool]:
    """Keep a private note (never shown to the person)."""
    await _act(services.handoffs.add_note(conversation_id, me.id, body.text))
    return {"saved": True}


@router.get("/api/canned")
async def canned(
    _me: Counsellor, services: ServicesDep, lang: Annotated[str, Query(pattern="^(ne|en)$")] = "ne"
) -> list[Canned]:
    """Answers from the content repository to send as they are or edited."""
    async with services.sessions() as session:
        entries = await published_entries(session)
    return [
        Canned(key=e.key, title=e.title.get(lang), text=e.answer.get(lang))
        for e in entries
        if e.kind == "info"
    ]


@router.get("/api/events")
async def events(_me: Counsellor, services: ServicesDep) -> StreamingResponse:
    """Server-sent events: queue changes and new user messages, for live updates."""

    async def stream() -> AsyncIterator[str]:
        async with services.broker.subscribe(CONSOLE) as inbox:
            yield ": connected\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(inbox.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                yield f"data: {json.dumps(event)}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")


async def _act(action: Awaitable[T]) -> T:
    """Run a handoff action, turning its errors into clear HTTP answers."""
    try:
        return await action
    except NotHolder as error:
        raise HTTPException(status_code=409, detail=str(error)) from error
    except NotFound as error:
        raise HTTPException(status_code=404, detail=str(error)) from error
    except SahayatriError as error:
        raise HTTPException(status_code=422, detail=str(error)) from error
