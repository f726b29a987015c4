"""Every route × every role (and anonymous): who may use it is decided by where it lives.

The routes come from the app itself, so a route someone adds later is checked too, and a route
that fits no rule below fails the test until someone decides who may use it.
"""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from api.app import create_app
from core.settings import Settings
from tests.helpers.console import CSRF, add_account, sign_in
from tests.helpers.fake_rasa import answering, fake_rasa

ROLES = ("anonymous", "counsellor", "editor", "admin")
# Open to everyone: the widget and its chat API, the privacy notice, health, API docs, and the
# sign-in pages of the console, the editor and the admin dashboard (with their script/style).
PUBLIC = {
    "/",
    "/widget.js",
    "/privacy",
    "/health",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/init.js",
    "/docs/assets",
    "/console",
    "/console/console.js",
    "/console/console.css",
    "/console/login",
    "/editor/editor.js",
    "/editor/editor.css",
    "/editor/login",
    "/admin/admin.css",
}
PUBLIC_PREFIXES = ("/api/",)
# Machine callers with their own secret (Rasa's NLG token, Telegram's webhook secret): no
# account opens them.
MACHINE = {"/nlg", "/telegram/webhook"}
BY_PREFIX = {
    # The editor's page: its sign-in form for anyone, a polite 403 for a signed-in counsellor.
    "/editor": {"anonymous", "editor", "admin"},
    "/console/": {"counsellor", "admin"},
    "/editor/": {"editor", "admin"},
    "/admin/": {"admin"},
    "/admin": {"admin"},
}
# Allowed calls that would start something heavy or end the session the matrix uses; their
# refusals are still checked for every other role.
NOT_CALLED_WHEN_ALLOWED = {("POST", "/editor/api/retrain")}
STREAMS = re.compile(r"/events$")
PARAMS = {
    "conversation_id": "0" * 32,
    "revision_id": "999999",
    "question_id": "999999",
    "key": "labour_permit",
    "table": "activity",
}


def who_may(path: str) -> set[str] | None:
    """The roles that may use `path` ("anonymous" included when public); None: not classified."""
    if path in PUBLIC or path.startswith(PUBLIC_PREFIXES):
        return set(ROLES)
    if path in MACHINE:
        return set()
    for prefix, roles in BY_PREFIX.items():
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return roles
    return None


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PARAMS.get(m.group(1), "x"), path)


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves."""
    found = set()
    for context in iter_route_contexts(app.routes):
        for method in sorted(getattr(context, "methods", None) or {"GET"}):
            if method != "HEAD":
                found.add((method, context.path))
    return sorted(found, key=lambda route: (route[1], route[0]))


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")


async def call(client: httpx.AsyncClient, method: str, path: str) -> httpx.Response:
    if method == "GET":
        return await client.get(concrete(path))
    return await client.request(method, concrete(path), json={}, headers=CSRF)


async def test_every_route_for_every_role(settings: Settings) -> None:
    app = create_app(settings, rasa_transport=fake_rasa(answering("greet")))
    table = routes(app)
    unclassified = sorted({path for _method, path in table if who_may(path) is None})
    assert not unclassified, (
        f"decide who may use these routes (tests/api/{__name__}): {unclassified}"
    )
    assert len(table) > 40, "the matrix sees the routes of every router"

    failures: list[str] = []
    async with app.router.lifespan_context(app):
        clients = {role: client_of(app) for role in ROLES}
        for role in ROLES[1:]:
            await add_account(settings, f"user_{role}", role=role)
            await sign_in(clients[role], f"user_{role}", online=False)
        checked = 0
        for method, path in table:
            allowed = who_may(path) or set()
            for role, client in clients.items():
                if role in allowed and (
                    STREAMS.search(path) or (method, path) in NOT_CALLED_WHEN_ALLOWED
                ):
                    continue
                if path == "/docs/assets":
                    path = "/docs/assets/swagger-ui.css"
                if path.endswith("/logout") and role != "anonymous":
                    async with client_of(app) as once:  # logout ends a session of its own
                        await sign_in(once, f"user_{role}", online=False)
                        response = await call(once, method, path)
                else:
                    response = await call(client, method, path)
                checked += 1
                refused = response.status_code in (401, 403)
                if role in allowed and refused:
                    failures.append(f"{role} refused {method} {path}: {response.status_code}")
                elif role not in allowed and not (refused or path in MACHINE):
                    failures.append(f"{role} let into {method} {path}: {response.status_code}")
                elif path in MACHINE and response.status_code not in (401, 403, 404, 422):
                    failures.append(f"{role} reached {method} {path}: {response.status_code}")
                if response.status_code >= 500:
                    failures.append(f"{role} {method} {path}: {response.status_code}")
                if response.headers.get("x-content-type-options") != "nosniff":
                    failures.append(f"no security headers on {method} {path}")
        for client in clients.values():
            await client.aclose()
    assert not failures, "\n".join(failures)
    assert checked > 150


def test_the_rules_themselves() -> None:
    assert who_may("/console/api/queue") == {"counsellor", "admin"}
    assert who_may("/editor/api/topics") == {"editor", "admin"}
    assert who_may("/admin") == {"admin"} and who_may("/admin/audit") == {"admin"}
    assert who_may("/api/messages") == set(ROLES)
    assert who_may("/nlg") == set()
    assert who_may("/something/new") is None, "a new top-level route must be classified"
