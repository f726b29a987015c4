"""GET /admin/audit: admins read who viewed or exported which conversation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.auth import csrf_guard, require_role
from api.deps import ServicesDep
from core.audit import entries
from core.models import Account

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(csrf_guard)])
Admin = Annotated[Account, Depends(require_role("admin"))]


class AuditLine(BaseModel):
    """One line of the audit log."""

    at: datetime
    username: str
    conversation_id: str
    action: str


@router.get("/audit")
async def audit_log(
    _admin: Admin,
    services: ServicesDep,
    conversation_id: Annotated[str | None, Query(max_length=64)] = None,
    username: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditLine]:
    """The newest entries first; filter by conversation or by account."""
    return [
        AuditLine(at=e.at, username=e.username, conversation_id=e.conversation_id, action=e.action)
        for e in await entries(services.sessions, conversation_id, username, limit=limit)
    ]
