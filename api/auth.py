"""Signing in to the console and editor: session cookie, CSRF header, role checks as dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from api.deps import ServicesDep
from core.accounts import account_of
from core.models import Account

SESSION_COOKIE = "sahayatri_session"
CSRF_HEADER = "X-Requested-With"
CSRF_VALUE = "sahayatri"
ROLE_RANK = {"counsellor": 1, "editor": 1, "admin": 2}


async def current_account(request: Request, services: ServicesDep) -> Account:
    """The signed-in account, or 401."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with services.sessions() as session:
            account = await account_of(session, token)
        if account is not None:
            return account
    raise HTTPException(status_code=401, detail="sign in first")


def require_role(role: str) -> Callable[..., Awaitable[Account]]:
    """A dependency that lets in only `role` (and admins)."""

    async def check(account: Annotated[Account, Depends(current_account)]) -> Account:
        if account.role != role and account.role != "admin":
            raise HTTPException(status_code=403, detail=f"only for the {role} role")
        return account

    return check


async def csrf_guard(
    request: Request, requested_with: Annotated[str, Header(alias=CSRF_HEADER)] = ""
) -> None:
    """State-changing requests must carry a custom header, which no other site can make a
    browser send without CORS (and the app allows no cross-origin requests)."""
    if request.method not in {"GET", "HEAD", "OPTIONS"} and requested_with != CSRF_VALUE:
        raise HTTPException(status_code=403, detail=f"missing {CSRF_HEADER} header")


Counsellor = Annotated[Account, Depends(require_role("counsellor"))]
