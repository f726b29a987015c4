"""The transition table of the conversation state machine, cell by cell."""

from __future__ import annotations

import itertools

import pytest

from core import handoff
from core.handoff import InvalidTransition, State

EVENTS = {
    "request": handoff.request_counsellor,
    "claim": handoff.claim,
    "cancel": handoff.cancel,
    "timeout": handoff.time_out,
    "takeover": handoff.take_over,
    "transfer": handoff.transfer,
    "resolve": handoff.resolve,
    "resume": handoff.resume_bot,
}
EXPECTED = {
    (State.BOT, "request"): State.WAITING,
    (State.WAITING, "request"): State.WAITING,
    (State.WAITING, "claim"): State.WITH_COUNSELLOR,
    (State.WAITING, "cancel"): State.BOT,
    (State.WAITING, "timeout"): State.BOT,
    (State.BOT, "takeover"): State.WITH_COUNSELLOR,
    (State.WITH_COUNSELLOR, "transfer"): State.WITH_COUNSELLOR,
    (State.WITH_COUNSELLOR, "resolve"): State.RESOLVED,
    (State.RESOLVED, "resume"): State.BOT,
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(State, EVENTS)))
def test_every_state_and_event(state: State, event: str) -> None:
    if (state, event) in EXPECTED:
        assert EVENTS[event](state) == EXPECTED[(state, event)]
    else:
        with pytest.raises(InvalidTransition):
            EVENTS[event](state)


def test_the_bot_never_answers_while_a_counsellor_holds_or_is_awaited() -> None:
    assert [s for s in State if handoff.bot_answers(s)] == [State.BOT, State.RESOLVED]


def test_an_unknown_state_is_refused() -> None:
    with pytest.raises(InvalidTransition):
        handoff.claim("limbo")
