"""The conversation state machine: who answers the user — the bot or a counsellor.

    bot ──request──▶ waiting ──claim──▶ with_counsellor ──resolve──▶ resolved ──resume──▶ bot
     │                  │                     ▲   │
     │                  └──cancel / timeout──▶ bot │ transfer (to another counsellor)
     └────────────takeover─────────────────────┘   ┘

Every transition is a function; TRANSITIONS is the single table they all consult.
"""

from __future__ import annotations

from enum import StrEnum

from core.errors import SahayatriError


class State(StrEnum):
    """Who holds the conversation."""

    BOT = "bot"
    WAITING = "waiting"
    WITH_COUNSELLOR = "with_counsellor"
    RESOLVED = "resolved"


class InvalidTransition(SahayatriError):
    """The event does not apply in the conversation's current state."""


TRANSITIONS: dict[tuple[State, str], State] = {
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


def _move(state: str, event: str) -> State:
    try:
        return TRANSITIONS[(State(state), event)]
    except (KeyError, ValueError):
        raise InvalidTransition(f"cannot {event} a conversation in state {state!r}") from None


def request_counsellor(state: str) -> State:
    """The user asks for a person, is in danger, or was not understood twice."""
    return _move(state, "request")


def claim(state: str) -> State:
    """A counsellor takes a waiting conversation."""
    return _move(state, "claim")


def cancel(state: str) -> State:
    """The user no longer wants to wait."""
    return _move(state, "cancel")


def time_out(state: str) -> State:
    """Nobody claimed the conversation in time: back to the bot."""
    return _move(state, "timeout")


def take_over(state: str) -> State:
    """A counsellor joins a live bot conversation."""
    return _move(state, "takeover")


def transfer(state: str) -> State:
    """The conversation moves to another counsellor."""
    return _move(state, "transfer")


def resolve(state: str) -> State:
    """The counsellor closes the conversation."""
    return _move(state, "resolve")


def resume_bot(state: str) -> State:
    """The bot answers again after a resolved handoff."""
    return _move(state, "resume")


def bot_answers(state: str) -> bool:
    """Whether Rasa may answer the user in this state."""
    return State(state) in (State.BOT, State.RESOLVED)
