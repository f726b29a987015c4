"""A fuzz run of the whole OpenAPI surface with schemathesis: no input may cause a 5xx.

Runs in-process against the ASGI app (fake Rasa), signed in as an admin so that the console,
editor and admin APIs are reached past their sign-in checks. Bounded: a fixed number of
examples per operation (about a minute on the project's 2-core machine).
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api.app import create_app
from core.accounts import create_account, log_in
from core.db import create_engine, migrate, session_factory, transaction
from core.settings import Settings
from tests.helpers.fake_rasa import answering, fake_rasa

PASSWORD = "correct horse battery staple"
# Not fuzzed: endless event streams, sign-outs (they would end the fuzzing session) and the
# editor's retraining (it starts a real Rasa training in the background).
SKIPPED = r"(/events$|/logout$|/api/retrain$)"


async def admin_session(database_url: str) -> str:
    """An admin account and a signed-in session token for it."""
    engine = create_engine(database_url)
    async with transaction(session_factory(engine)) as session:
        await create_account(session, "fuzzer", "Fuzzer", "admin", PASSWORD)
    async with transaction(session_factory(engine)) as session:
        token = await log_in(session, "fuzzer", PASSWORD)
    await engine.dispose()
    assert token
    return token


# Schemathesis reads the schema when this module is imported (its pytest fixture loader does not
# work with pytest 9), so the app and its throwaway database are made here.
FOLDER = Path(tempfile.mkdtemp(prefix="sahayatri-fuzz-"))
atexit.register(shutil.rmtree, FOLDER, True)  # after schemathesis stops the app (registered later)
DATABASE_URL = f"sqlite+aiosqlite:///{FOLDER / 'app.db'}"
APP = create_app(
    Settings(
        database_url=DATABASE_URL,
        nlg_token="nlg-test-token",
        rasa_token="rasa-test-token",
        rasa_timeout_seconds=2,
        rasa_tracker_url="",
        messages_per_minute_per_ip=100_000,
        messages_per_minute_per_conversation=100_000,
    ),
    rasa_transport=fake_rasa(answering("greet")),
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path_regex=SKIPPED)


@pytest.fixture(scope="module")
def admin_cookie() -> Iterator[str]:
    """Signed in as an admin: the console, editor and admin APIs are fuzzed past sign-in."""
    migrate(DATABASE_URL)
    yield f"sahayatri_session={asyncio.run(admin_session(DATABASE_URL))}"


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case, admin_cookie: str) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(
        headers={"Cookie": admin_cookie, "X-Requested-With": "sahayatri"},
        checks=[not_a_server_error],
    )
