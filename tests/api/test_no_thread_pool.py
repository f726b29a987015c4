"""Every route and every dependency is a coroutine: FastAPI runs a plain `def` in a thread pool,
a thread hop per request that the benchmark showed as latency under load."""

from __future__ import annotations

import inspect

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from api.app import create_app
from core.settings import Settings
from tests.helpers.fake_rasa import answering, fake_rasa


def calls_of(dependant: Dependant) -> list[object]:
    """The callables FastAPI calls for a route: its dependencies, theirs, and so on."""
    found = [dependant.call] if dependant.call else []
    for sub in dependant.dependencies:
        found += calls_of(sub)
    return found


def api_routes(routes: list[BaseRoute]) -> list[APIRoute]:
    """Every API route, also inside included routers (FastAPI keeps those as routers)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (included := getattr(route, "original_router", None)) is not None:
            found += api_routes(included.routes)
    return found


def test_no_route_or_dependency_runs_in_the_thread_pool(settings: Settings) -> None:
    app = create_app(settings, rasa_transport=fake_rasa(answering("greet", "namaste")))
    routes = api_routes(app.routes)
    assert len(routes) > 20, "the routers are mounted"
    blocking = {
        f"{route.path}: {call.__qualname__}"  # type: ignore[attr-defined]
        for route in routes
        for call in calls_of(route.dependant)
        if not inspect.iscoroutinefunction(call)
    }
    assert not blocking, f"sync callables run in FastAPI's thread pool: {sorted(blocking)}"
