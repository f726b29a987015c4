"""Accounts of counsellors, editors and admins; argon2 password hashes; login sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import SahayatriError
from core.models import Account, LoginSession, aware, utcnow

ROLES = ("counsellor", "editor", "admin")
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_CHARS = 12
_hasher = PasswordHasher()


class AccountError(SahayatriError):
    """A refused account operation (bad role, weak password, taken username)."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_account(
    session: AsyncSession, username: str, display_name: str, role: str, password: str
) -> Account:
    """A new account; there is no default password, and short ones are refused."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    if await session.scalar(select(Account).where(Account.username == username)):
        raise AccountError(f"the username {username!r} is taken")
    account = Account(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=_hasher.hash(password),
    )
    session.add(account)
    await session.flush()
    return account


async def log_in(session: AsyncSession, username: str, password: str) -> str | None:
    """A new session token for correct credentials, else None (the same for unknown users)."""
    account = await session.scalar(select(Account).where(Account.username == username))
    try:
        if account is None:
            _hasher.hash(password)  # spend the same time, so usernames cannot be probed
            return None
        _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=_token_hash(token),
            account_id=account.id,
            expires_at=utcnow() + SESSION_LIFETIME,
        )
    )
    return token


async def account_of(
    session: AsyncSession, token: str, now: datetime | None = None
) -> Account | None:
    """The account a session token belongs to, unless it expired."""
    login = await session.get(LoginSession, _token_hash(token))
    if login is None or aware(login.expires_at) < (now or utcnow()):
        return None
    return await session.get(Account, login.account_id)


async def log_out(session: AsyncSession, token: str) -> None:
    """End a session."""
    await session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
