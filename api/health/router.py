"""GET /health: the state of the app, database, Rasa, action server and model."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from starlette.responses import Response

from api.deps import ServicesDep
from core.errors import RasaUnavailable
from core.handoff import State
from core.metrics import HANDOFF_QUEUE
from core.models import Conversation

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health(services: ServicesDep) -> JSONResponse:
    """200 with every component ok, 503 naming the components that are down."""
    report: dict[str, Any] = {"app": "ok"}
    try:
        async with services.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception as error:  # any driver error means the database is down
        report["database"] = f"down: {type(error).__name__}"
    try:
        status = await services.rasa.status()
        report["rasa"] = "ok"
        model = status.get("model_file")
        report["model"] = {"status": "ok" if model else "down", "file": model}
    except RasaUnavailable:
        report["rasa"] = "down"
        report["model"] = {"status": "unknown", "file": None}
    report["action_server"] = "ok" if await services.rasa.action_server_ok() else "down"
    down = [name for name in ("database", "rasa", "action_server") if report[name] != "ok"] + (
        ["model"] if report["model"]["status"] != "ok" else []
    )
    report["status"] = "ok" if not down else "down"
    report["down"] = down
    return JSONResponse(report, status_code=200 if not down else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics(services: ServicesDep) -> Response:
    """Prometheus metrics; the queue length is read from the database, so every process
    reports the same, current figure."""
    async with services.sessions() as session:
        waiting = await session.execute(
            select(Conversation.urgent, func.count())
            .where(Conversation.state == State.WAITING)
            .group_by(Conversation.urgent)
        )
        counts = {bool(urgent): count for urgent, count in waiting.all()}
    for urgent in (False, True):
        HANDOFF_QUEUE.labels(str(urgent).lower()).set(counts.get(urgent, 0))
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
