"""The content editor: topics, drafts, review and publishing, history with diff and rollback,
stale answers, and the inbox of unanswered questions. Role `editor` (admins too)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.auth import SESSION_COOKIE, csrf_guard, require_role
from api.console.router import login
from api.deps import ServicesDep
from api.editor.schemas import (
    DiffOut,
    ExampleIn,
    Me,
    QuestionOut,
    RevisionOut,
    StaleOut,
    TopicDetail,
    TopicItem,
)
from api.editor.strings import EDITOR_STRINGS
from core import content_workflow as workflow
from core import unanswered
from core.accounts import account_of, log_out
from core.db import transaction
from core.errors import NotFound
from core.i18n import N_, Translator
from core.models import Account, TopicRevision
from core.retrain import Retrainer

router = APIRouter(prefix="/editor", tags=["editor"], dependencies=[Depends(csrf_guard)])
Editor = Annotated[Account, Depends(require_role("editor"))]
STATIC = Path(__file__).resolve().parent / "static"
MAX_ENTRY_BYTES = 128 * 1024
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
pages = Environment(loader=FileSystemLoader(STATIC), autoescape=select_autoescape(["html"]))
T = TypeVar("T")

router.add_api_route("/login", login, methods=["POST"], summary="Sign in (same as the console)")


async def answer_language(request: Request) -> str:
    """Nepali when the browser asks for it first, else English (for error messages)."""
    accepted = request.headers.get("accept-language", "").strip().lower()
    return "ne" if accepted.startswith("ne") else "en"


Language = Annotated[str, Depends(answer_language)]


def refused(
    translator: Translator, language: str, status: int, code: str, **values: object
) -> HTTPException:
    """An HTTP error whose detail is the message in the editor's language, with its id."""
    message = translator.text(language, code, **values)
    return HTTPException(status_code=status, detail={"code": code, "message": message})


async def act(services: Any, language: str, action: Awaitable[T]) -> T:
    """Run a workflow action, turning its errors into clear HTTP answers."""
    translator: Translator = services.translator
    try:
        return await action
    except workflow.DraftRejected as error:
        raise HTTPException(
            status_code=422,
            detail={
                "code": error.code,
                "message": translator.text(language, error.code),
                "errors": [
                    {
                        "field": problem.field,
                        "code": problem.code,
                        "message": translator.text(language, problem.code, **problem.values),
                    }
                    for problem in error.errors
                ],
            },
        ) from error
    except workflow.NotAllowed as error:
        raise refused(translator, language, 403, error.code, **error.values) from error
    except workflow.WrongState as error:
        raise refused(translator, language, 409, error.code, **error.values) from error
    except NotFound as error:
        raise refused(translator, language, 404, N_("editor.error.not_found")) from error


async def read_entry(request: Request, services: ServicesDep, language: Language) -> dict[str, Any]:
    """The edited entry from the request body: 413 when too large, 422 when not a JSON object."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ENTRY_BYTES:
        raise refused(services.translator, language, 413, N_("editor.error.too_large"))
    raw = await request.body()
    if len(raw) > MAX_ENTRY_BYTES:
        raise refused(services.translator, language, 413, N_("editor.error.too_large"))
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise refused(services.translator, language, 422, N_("editor.error.not_an_entry"))
    return data


def revision_out(revision: TopicRevision, current_id: int | None = None) -> RevisionOut:
    return RevisionOut(
        id=revision.id,
        topic_key=revision.topic_key,
        status=revision.status,
        author=revision.author,
        reviewer=revision.reviewer,
        created_at=revision.created_at,
        submitted_at=revision.submitted_at,
        published_at=revision.published_at,
        based_on_id=revision.based_on_id,
        note=revision.note,
        current=revision.id == current_id,
    )


@router.get("", include_in_schema=False)
async def editor_page(
    request: Request,
    services: ServicesDep,
    lang: Annotated[str, Query(pattern="^(ne|en)$")] = "ne",
) -> HTMLResponse:
    """The editor page, in Nepali or English; a signed-in counsellor is refused."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with services.sessions() as session:
            account = await account_of(session, token)
        if account is not None and account.role not in {"editor", "admin"}:
            raise HTTPException(status_code=403, detail="only for the editor role")
    strings = {
        message_id: services.translator.text(lang, message_id) for message_id in EDITOR_STRINGS
    }
    html = pages.get_template("editor.html").render(lang=lang, s=strings)
    return HTMLResponse(html, headers=PAGE_HEADERS)


@router.get("/editor.js", include_in_schema=False)
async def editor_script() -> FileResponse:
    """The editor's script."""
    return FileResponse(STATIC / "editor.js", media_type="text/javascript")


@router.get("/editor.css", include_in_schema=False)
async def editor_style() -> FileResponse:
    """The editor's style sheet."""
    return FileResponse(STATIC / "editor.css", media_type="text/css")


@router.post("/logout")
async def logout(
    request: Request, response: Response, _me: Editor, services: ServicesDep
) -> dict[str, str]:
    """Sign out."""
    async with transaction(services.sessions) as session:
        await log_out(session, request.cookies.get(SESSION_COOKIE, ""))
    response.delete_cookie(SESSION_COOKIE)
    return {"status": "signed out"}


@router.get("/api/me")
async def me(account: Editor, services: ServicesDep) -> Me:
    """Who is signed in, and how this deployment publishes."""
    return Me(
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        second_approval_required=services.settings.editor_require_second_approval,
        stale_days=services.settings.editor_stale_days,
    )


@router.get("/api/topics")
async def topics(
    _me: Editor, services: ServicesDep, q: Annotated[str, Query(max_length=200)] = ""
) -> list[TopicItem]:
    """Every topic (or those whose key, title or answer contains `q`) with its pending work."""
    async with services.sessions() as session:
        states = await workflow.topic_states(session)
    return [
        TopicItem(
            key=state.key,
            kind=state.kind,
            title={"en": state.published.title.en, "ne": state.published.title.ne}
            if state.published
            else {"en": state.key, "ne": state.key},
            published_revision_id=state.published_revision_id,
            pending_revision_id=state.pending.id if state.pending else None,
            pending_status=state.pending.status if state.pending else None,
            needs_verification=bool(state.published and state.published.needs_verification),
            reviewed_on=state.published.reviewed_on if state.published else None,
        )
        for state in states
        if workflow.matches(state, q)
    ]


@router.get("/api/topics/{key}")
async def topic(key: str, _me: Editor, services: ServicesDep, language: Language) -> TopicDetail:
    """A topic's published entry and its pending draft or revision in review."""
    async with services.sessions() as session:
        states = {state.key: state for state in await workflow.topic_states(session)}
    state = states.get(key)
    if state is None:
        raise refused(services.translator, language, 404, N_("editor.error.not_found"))
    return TopicDetail(
        key=state.key,
        kind=state.kind,
        published_revision_id=state.published_revision_id,
        published=state.published.to_file_data() if state.published else None,
        pending=revision_out(state.pending) if state.pending else None,
        pending_entry=state.pending.entry if state.pending else None,
    )


@router.post("/api/topics/{key}/drafts", status_code=201)
async def save_draft(
    key: str,
    me: Editor,
    services: ServicesDep,
    language: Language,
    entry: Annotated[dict[str, Any], Depends(read_entry)],
) -> RevisionOut:
    """Save the edited entry as the topic's draft, after every content rule (422 names the field)."""
    async with transaction(services.sessions) as session:
        revision = await act(
            services, language, workflow.save_draft(session, key, entry, me.username)
        )
        return revision_out(revision)


@router.post("/api/revisions/{revision_id}/submit")
async def submit(
    revision_id: int, _me: Editor, services: ServicesDep, language: Language
) -> RevisionOut:
    """Ask for review."""
    async with transaction(services.sessions) as session:
        return revision_out(await act(services, language, workflow.submit(session, revision_id)))


@router.post("/api/revisions/{revision_id}/approve")
async def approve(
    revision_id: int, me: Editor, services: ServicesDep, language: Language
) -> RevisionOut:
    """Approve and publish: users get it with their next message."""
    second = services.settings.editor_require_second_approval
    async with transaction(services.sessions) as session:
        revision = await act(
            services, language, workflow.approve(session, revision_id, me.username, second)
        )
        return revision_out(revision, revision.id)


@router.post("/api/revisions/{revision_id}/rollback")
async def rollback(
    revision_id: int, me: Editor, services: ServicesDep, language: Language
) -> RevisionOut:
    """Publish an earlier published revision again, as a new revision."""
    async with transaction(services.sessions) as session:
        revision = await act(
            services, language, workflow.rollback(session, revision_id, me.username)
        )
        return revision_out(revision, revision.id)


@router.get("/api/topics/{key}/history")
async def history(
    key: str, _me: Editor, services: ServicesDep, language: Language
) -> list[RevisionOut]:
    """Every revision, newest first: who changed which fields, when, and who approved it."""
    async with services.sessions() as session:
        revisions = await act(services, language, workflow.history(session, key))
        current = await workflow.topic_states(session)
        current_id = next((s.published_revision_id for s in current if s.key == key), None)
        out = []
        for revision in revisions:
            item = revision_out(revision, current_id)
            item.changed = await workflow.revision_changes(session, revision)
            out.append(item)
    return out


@router.get("/api/revisions/{revision_id}/diff")
async def diff(
    revision_id: int,
    _me: Editor,
    services: ServicesDep,
    language: Language,
    against: int | None = None,
) -> DiffOut:
    """What changed from revision `against` (default: the published one) to this one."""
    async with services.sessions() as session:
        lines = await act(services, language, workflow.diff(session, revision_id, against))
    return DiffOut(revision_id=revision_id, against=against, lines=lines)


@router.get("/api/stale")
async def stale(_me: Editor, services: ServicesDep) -> list[StaleOut]:
    """Published answers not reviewed for the configured number of days, or flagged."""
    async with services.sessions() as session:
        items = await workflow.stale_topics(
            session, dt.datetime.now(dt.UTC).date(), services.settings.editor_stale_days
        )
    return [
        StaleOut(
            key=item.key,
            title=item.title,
            reviewed_on=item.reviewed_on,
            needs_verification=item.needs_verification,
        )
        for item in items
    ]


@router.get("/api/inbox")
async def inbox(_me: Editor, services: ServicesDep) -> list[QuestionOut]:
    """Questions the assistant could not answer (personal numbers already redacted)."""
    async with services.sessions() as session:
        questions = await unanswered.open_questions(session)
    return [
        QuestionOut(
            id=q.id,
            text=q.text,
            script=q.script,
            channel=q.channel,
            outcome=q.outcome,
            created_at=q.created_at,
        )
        for q in questions
    ]


@router.post("/api/inbox/{question_id}/example")
async def add_example(
    question_id: int, body: ExampleIn, me: Editor, services: ServicesDep, language: Language
) -> RevisionOut:
    """Add the question as an example of a topic; it becomes that topic's new draft."""
    async with transaction(services.sessions) as session:
        revision = await act(
            services,
            language,
            unanswered.add_as_example(session, question_id, body.topic, me.username),
        )
        return revision_out(revision)


@router.post("/api/inbox/{question_id}/dismiss")
async def dismiss(
    question_id: int, me: Editor, services: ServicesDep, language: Language
) -> dict[str, bool]:
    """Take a question off the inbox."""
    async with transaction(services.sessions) as session:
        await act(services, language, unanswered.dismiss(session, question_id, me.username))
    return {"dismissed": True}


async def get_retrainer(request: Request, services: ServicesDep) -> Retrainer:
    """The process's retrainer, made on first use."""
    state = request.app.state
    if getattr(state, "retrainer", None) is None:
        settings = services.settings
        state.retrainer = Retrainer(
            services.sessions, settings.rasa_url, settings.rasa_token.get_secret_value()
        )
    retrainer: Retrainer = state.retrainer
    return retrainer


RetrainerDep = Annotated[Retrainer, Depends(get_retrainer)]


def percent(value: float | None) -> float | str:
    return "–" if value is None else round(value * 100, 1)


@router.get("/api/retrain")
async def retrain_status(
    _me: Editor, retrainer: RetrainerDep, services: ServicesDep, language: Language
) -> dict[str, Any]:
    """Progress of the latest retraining, and what came of it."""
    current = retrainer.current()
    status = current.as_dict()
    if current.outcome:
        status["message"] = services.translator.text(
            language,
            current.outcome,
            new=percent(current.new_accuracy),
            old=percent(current.current_accuracy),
        )
    return status


@router.post("/api/retrain", status_code=202)
async def retrain(
    me: Editor, retrainer: RetrainerDep, services: ServicesDep, language: Language
) -> dict[str, Any]:
    """Train on the published content in the background; the model is swapped in only if it
    is not worse on the held-out questions."""
    if not retrainer.start(me.username):
        raise refused(services.translator, language, 409, N_("editor.retrain.busy"))
    return retrainer.status.as_dict()
