"""`make bench`: N simulated people chat with the widget API at once, for a bounded time; then the
same people send the same messages straight to Rasa (`/webhooks/rest/webhook`, same model, same
concurrency) for comparison. Prints throughput, p50/p95/p99 latency, errors and lost messages of
both, and the full-stack/raw-Rasa ratios; the last line is one JSON object.

A person: 2-4 questions typed in English, Nepali or romanized Nepali (tests/eval/heldout.csv,
each person one script), a tap on a reply's button now and then (the button's payload, as the
widget sends it), and for some a request for a counsellor at the end, after which the widget
polls for counsellor messages once. Between messages a person reads and types (think time).

Targets: `embedded` (default) starts the default stack (SQLite, one app process, one Rasa) on
the ports below; `multi` starts the production shape (PostgreSQL in fresh databases, Redis, two
app processes on one address, two Rasa workers); a URL measures an already-running stack (pass
its Rasa worker(s) with --rasa-url). A stack the benchmark starts has the per-IP rate limit
lifted, since every simulated person comes from 127.0.0.1; a running stack keeps its limits and
each 429 counts as an error.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.launcher import (
    PGUSER,
    Stack,
    drop_database,
    ensure_database,
    multi_settings,
    running_stack,
)
from core.rasa_client import worker_order, worker_urls
from core.settings import PROJECT_ROOT, Settings

HELDOUT = PROJECT_ROOT / "tests" / "eval" / "heldout.csv"
HANDOFF_TEXTS = {
    "en": "I want to talk to a counsellor",
    "ne": "म परामर्शदातासँग कुरा गर्न चाहन्छु",
    "ne-Latn": "ma counsellor sanga kura garna chahanchu",
}
NO_LIMIT = "1000000"


@dataclass(frozen=True)
class Step:
    """One thing a person does: type a question, tap a button of the last reply, or ask for a
    counsellor."""

    kind: str  # "ask", "tap" or "handoff"
    text: str = ""
    lang: str = "en"


@dataclass
class Tally:
    """What one phase measured."""

    messages: int = 0
    errors: int = 0
    lost: int = 0
    fallbacks: int = 0
    polls: int = 0
    people: int = 0
    seconds: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)
    latencies_by_kind: dict[str, list[float]] = field(default_factory=dict)  # ask, tap, handoff

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    def summary(self) -> dict[str, Any]:
        ordered = sorted(ms for values in self.latencies_by_kind.values() for ms in values)

        return {
            "messages": self.messages,
            "people": self.people,
            "seconds": round(self.seconds, 1),
            "throughput": round(self.messages / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": round(statistics.median(ordered), 1) if ordered else 0.0,
            "p95_ms": percentile(ordered, 95),
            "p99_ms": percentile(ordered, 99),
            "errors": self.errors,
            "lost": self.lost,
            "fallbacks": self.fallbacks,
            "polls": self.polls,
            "error_kinds": self.error_kinds,
            "p95_ms_by_kind": {
                kind: {"messages": len(values), "p95_ms": percentile(sorted(values), 95)}
                for kind, values in sorted(self.latencies_by_kind.items())
            },
        }


def percentile(ordered: list[float], p: float) -> float:
    """The p-th percentile of sorted values (0 when there are none)."""
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)


def read_questions(path: Path = HELDOUT) -> list[tuple[str, str]]:
    """(text, script) of every held-out question."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["lang"]) for row in csv.DictReader(handle)]


def person_script(
    rng: random.Random, questions: list[tuple[str, str]], handoff_share: float
) -> list[Step]:
    """One person's visit: 2-4 questions in one script, maybe button taps, maybe a handoff."""
    lang = rng.choice(["en", "ne", "ne-Latn"])
    own = [q for q in questions if q[1] == lang] or questions
    steps: list[Step] = []
    for _ in range(rng.randint(2, 4)):
        text, script = rng.choice(own)
        steps.append(Step("ask", text, script))
        if rng.random() < 0.4:
            steps.append(Step("tap", lang=script))
    if rng.random() < handoff_share:
        steps.append(Step("handoff", HANDOFF_TEXTS[lang], lang))
    return steps


def fallback_texts() -> set[str]:
    """The safe replies the app gives when Rasa fails, in both languages."""
    from core.i18n import Translator

    translator = Translator(PROJECT_ROOT / "locales")
    return {translator.text(lang, "fallback.service_unavailable") for lang in ("en", "ne")}


Send = Callable[
    [httpx.AsyncClient, str, Step, list[dict[str, str]]], Awaitable[list[dict[str, Any]] | None]
]


def widget_sender(base_url: str, tally: Tally, fallbacks: set[str]) -> Send:
    """A step through the widget API: POST /api/messages (replies come back with it)."""

    async def send(
        client: httpx.AsyncClient, person: str, step: Step, buttons: list[dict[str, str]]
    ) -> list[dict[str, Any]] | None:
        body: dict[str, Any] = {"conversation_id": person}
        if step.kind == "tap":
            body["payload"] = buttons[0]["payload"]
        else:
            body["text"] = step.text
        body["client_key"] = f"{person[:16]}{tally.messages:08d}"
        response = await client.post(f"{base_url}/api/messages", json=body)
        if response.status_code != 200:
            tally.error(f"http_{response.status_code}")
            return None
        replies: list[dict[str, Any]] = response.json().get("replies") or []
        tally.fallbacks += sum(1 for r in replies if r.get("text") in fallbacks)
        return replies

    return send


def rasa_sender(workers: list[str], tally: Tally) -> Send:
    """The same step straight to Rasa's REST channel, on the worker the app would pick."""

    async def send(
        client: httpx.AsyncClient, person: str, step: Step, buttons: list[dict[str, str]]
    ) -> list[dict[str, Any]] | None:
        message = buttons[0]["payload"] if step.kind == "tap" else step.text
        lang = "en" if step.lang == "en" else "ne"
        worker = workers[worker_order(person, len(workers))[0]]
        response = await client.post(
            f"{worker}/webhooks/rest/webhook",
            json={
                "sender": person,
                "message": message,
                "metadata": {"lang": lang, "channel": "web"},
            },
        )
        if response.status_code != 200:
            tally.error(f"http_{response.status_code}")
            return None
        return [r for r in response.json() if r.get("text")]

    return send


async def visit(
    client: httpx.AsyncClient,
    send: Send,
    steps: list[Step],
    person: str,
    tally: Tally,
    deadline: float,
    rng: random.Random,
    think: tuple[float, float],
    poll_url: str | None,
    arriving: bool = False,
) -> None:
    """One person's visit, step by step, thinking between messages; stops at the deadline.
    People `arriving` at the start of a round come in spread over one think time."""
    buttons: list[dict[str, str]] = []
    tally.people += 1
    for number, step in enumerate(steps):
        pause = rng.uniform(0, think[1]) if arriving and number == 0 else rng.uniform(*think)
        await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))
        if time.monotonic() >= deadline:
            return
        if step.kind == "tap" and not buttons:
            continue
        tally.messages += 1
        began = time.perf_counter()
        try:
            replies = await send(client, person, step, buttons)
        except httpx.HTTPError as error:
            tally.error(type(error).__name__)
            replies = None
        if replies is None or not replies:
            tally.lost += 1  # the person's message got no answer
            return
        latency_ms = (time.perf_counter() - began) * 1000
        buttons = [b for r in replies for b in r.get("buttons") or [] if b.get("payload")]
        queued = any(r.get("sender", "bot") == "system" for r in replies)
        kind = "handoff" if queued else step.kind
        tally.latencies_by_kind.setdefault(kind, []).append(latency_ms)
        if step.kind == "handoff" or queued:
            # Asked for a counsellor (or the app queued them: a crisis, or not understood twice):
            # the bot now stays quiet, and the person waits.
            if poll_url:  # the widget then polls for the counsellor's messages
                tally.polls += 1
                try:
                    polled = await client.get(f"{poll_url}/api/conversations/{person}/messages")
                    if polled.status_code != 200:
                        tally.error(f"poll_{polled.status_code}")
                except httpx.HTTPError as error:
                    tally.error(f"poll_{type(error).__name__}")
            return


async def run_phase(
    send: Send,
    tally: Tally,
    people: int,
    duration: float,
    seed: int,
    think: tuple[float, float],
    handoff_share: float,
    poll_url: str | None,
    phase: str,
    round_number: int = 0,
) -> Tally:
    """`people` simulated people at once for `duration` seconds: each visits, then another
    person takes their place, until time is up; visits in flight finish their current message."""
    questions = read_questions()
    deadline = time.monotonic() + duration
    limits = httpx.Limits(max_connections=people + 10, max_keepalive_connections=people + 10)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def slot(index: int) -> None:
            visit_number = 0
            while time.monotonic() < deadline:
                key = f"{seed}-{round_number}-{index}-{visit_number}"
                rng = random.Random(key)
                steps = person_script(rng, questions, handoff_share)
                # the same script in both phases, but a conversation of its own in each
                person = f"{random.Random(f'{phase}-{key}').getrandbits(128):032x}"
                await visit(
                    client,
                    send,
                    steps,
                    person,
                    tally,
                    deadline,
                    rng,
                    think,
                    poll_url,
                    arriving=visit_number == 0,
                )
                visit_number += 1

        began = time.monotonic()
        await asyncio.gather(*(slot(i) for i in range(people)))
        tally.seconds += time.monotonic() - began
    return tally


async def warm_up(send: Send, count: int = 10) -> None:
    """A few messages before measuring: Rasa's first predictions are slow."""
    async with httpx.AsyncClient(timeout=60) as client:
        for n in range(count):
            try:
                await send(client, f"{n:032x}", Step("ask", "What is a labour permit?"), [])
            except httpx.HTTPError:
                await asyncio.sleep(1)


async def unanswered_in_database(database_url: str) -> int:
    """User messages the app stored that have no stored reply and are not waiting for a
    counsellor: lost on the server side."""
    from sqlalchemy import text

    from core.db import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text(
                    "select count(*) from messages m join conversations c on c.id = m.conversation_id"
                    " where m.sender = 'user' and c.state = 'bot'"
                    " and not exists (select 1 from messages r where r.reply_to = m.id)"
                )
            )
    finally:
        await engine.dispose()
    return int(found or 0)


@contextmanager
def started(target: str, args: argparse.Namespace) -> Iterator[Stack]:
    """Start the embedded or multi stack for the run, per-IP limit lifted; clean up after."""
    os.environ["SAHAYATRI_MESSAGES_PER_MINUTE_PER_IP"] = NO_LIMIT
    var = Path(tempfile.mkdtemp(prefix=f"sahayatri-bench-{target}-"))
    common = {
        "port": args.port,
        "public_url": f"http://127.0.0.1:{args.port}",
        "action_server_url": f"http://127.0.0.1:{args.actions_port}",
        "messages_per_minute_per_ip": int(NO_LIMIT),
        "log_level": "WARNING",
    }
    if target == "embedded":
        settings = Settings(
            **common,
            database_url=f"sqlite+aiosqlite:///{var / 'app.db'}",
            rasa_url=f"http://127.0.0.1:{args.rasa_ports[0]}",
            rasa_tracker_url=f"sqlite+aiosqlite:///{var / 'rasa-tracker.db'}",
            redis_url="",
        )
        with running_stack(settings, var) as stack:
            yield stack
        return
    database = f"postgresql+asyncpg://{PGUSER}@127.0.0.1:5432/sahayatri_bench"
    settings = multi_settings(
        **common,
        database_url=database,
        rasa_tracker_url=f"{database}_rasa",
        rasa_url=",".join(f"http://127.0.0.1:{port}" for port in args.rasa_ports),
    )
    for url in (settings.database_url, settings.rasa_tracker_url):
        ensure_database(url, fresh=True)
    try:
        with running_stack(settings, var, app_processes=2) as stack:
            yield stack
    finally:
        for url in (settings.database_url, settings.rasa_tracker_url):
            drop_database(url)


def app_time(process_urls: list[str]) -> dict[str, float | None]:
    """The app's own share, from every app process's /metrics: mean time handling a message
    minus the Rasa call inside it, and mean time answering Rasa's NLG calls (both phases)."""
    sums: dict[str, float] = {}
    for url in process_urls:
        text = httpx.get(f"{url}/metrics", timeout=10).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name.endswith(("_seconds_sum", "_seconds_count")):
                    sums[sample.name] = sums.get(sample.name, 0.0) + sample.value

    def mean_ms(name: str) -> float | None:
        count = sums.get(f"sahayatri_{name}_seconds_count", 0.0)
        return 1000 * sums[f"sahayatri_{name}_seconds_sum"] / count if count else None

    handling, rasa, nlg = mean_ms("message_handling"), mean_ms("rasa_call"), mean_ms("nlg")
    return {
        "app_own_ms": round(handling - rasa, 1) if handling and rasa else None,
        "nlg_ms": round(nlg, 1) if nlg else None,
    }


def ratio(full: float, raw: float) -> float | None:
    return round(full / raw, 2) if raw else None


def report(name: str, figures: dict[str, Any]) -> None:
    print(
        f"[bench] {name:<10} {figures['messages']:>6} messages from {figures['people']} people in "
        f"{figures['seconds']} s: {figures['throughput']} msg/s, p50 {figures['p50_ms']} ms, "
        f"p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms, errors {figures['errors']} "
        f"{figures['error_kinds'] or ''}, lost {figures['lost']}, safe replies {figures['fallbacks']}"
    )


async def measure(
    base_url: str, workers: list[str], args: argparse.Namespace, database: str | None
) -> dict[str, Any]:
    """Both phases against a running stack; the summary as a dict."""
    think = (args.think_min, args.think_max)
    fallbacks = fallback_texts()
    full_tally, raw_tally = Tally(), Tally()
    widget = widget_sender(base_url, full_tally, fallbacks)
    raw_send = rasa_sender(workers, raw_tally)
    await warm_up(widget_sender(base_url, Tally(), fallbacks))
    await warm_up(rasa_sender(workers, Tally()))
    rounds = args.rounds or max(1, round(args.duration / 60))
    print(
        f"[bench] {args.people} people; {rounds} round(s) of {args.duration / rounds:.0f} s through"
        f" the widget API at {base_url}, each followed by {args.raw_duration / rounds:.0f} s"
        f" straight to Rasa at {', '.join(workers)} (interleaved, so that other load on the"
        " machine weighs on both alike)"
    )
    for number in range(rounds):
        for send, tally, seconds, poll, phase in (
            (widget, full_tally, args.duration, base_url, "full"),
            (raw_send, raw_tally, args.raw_duration, None, "raw"),
        ):
            await run_phase(
                send,
                tally,
                args.people,
                seconds / rounds,
                args.seed,
                think,
                args.handoff_share,
                poll,
                phase,
                number,
            )
            print(f"[bench] round {number + 1} {phase}: {tally.messages} messages so far")
    full = full_tally.summary()
    if database:
        full["stored_unanswered"] = await unanswered_in_database(database)
    report("full stack", full)
    raw = raw_tally.summary()
    report("raw Rasa", raw)
    return {
        "target": args.target,
        **{k: full[k] for k in ("throughput", "p50_ms", "p95_ms", "p99_ms", "errors", "lost")},
        **{
            k: v
            for k, v in full.items()
            if k not in ("throughput", "p50_ms", "p95_ms", "p99_ms", "errors", "lost")
        },
        "raw_rasa": raw,
        "p50_ratio": ratio(full["p50_ms"], raw["p50_ms"]),
        "p95_ratio": ratio(full["p95_ms"], raw["p95_ms"]),
        "p99_ratio": ratio(full["p99_ms"], raw["p99_ms"]),
        "throughput_ratio": ratio(full["throughput"], raw["throughput"]),
        "think_seconds": [args.think_min, args.think_max],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=200, help="simulated people at once (200)")
    parser.add_argument(
        "--duration", type=float, default=120, help="seconds of the full-stack phase (120)"
    )
    parser.add_argument(
        "--raw-duration", type=float, help="seconds of the raw-Rasa phase (as --duration)"
    )
    parser.add_argument(
        "--target",
        default="embedded",
        help="embedded (default), multi, or the URL of a running stack",
    )
    parser.add_argument(
        "--rasa-url",
        default="http://127.0.0.1:5005",
        help="Rasa worker(s) of a running stack, comma-separated",
    )
    parser.add_argument(
        "--port", type=int, default=28000, help="public port of a stack the benchmark starts"
    )
    parser.add_argument(
        "--rasa-ports", default="25005,25006", help="Rasa worker ports of a started stack"
    )
    parser.add_argument("--actions-port", type=int, default=25055)
    parser.add_argument(
        "--think-min", type=float, default=15.0, help="seconds a person reads and types, at least"
    )
    parser.add_argument("--think-max", type=float, default=45.0, help="... and at most")
    parser.add_argument(
        "--handoff-share", type=float, default=0.1, help="share of people who ask for a counsellor"
    )
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--rounds",
        type=int,
        help="alternations full stack / raw Rasa (one per minute of --duration)",
    )
    args = parser.parse_args(argv)
    args.raw_duration = args.raw_duration or args.duration
    args.rasa_ports = [int(p) for p in args.rasa_ports.split(",")]
    if args.target in ("embedded", "multi"):
        with started(args.target, args) as stack:
            workers = worker_urls(stack.settings.rasa_url)
            print(
                f"[bench] started {args.target}: {', '.join(sorted(stack.processes))}; per-IP limit lifted"
            )
            summary = asyncio.run(
                measure(stack.settings.public_url, workers, args, stack.settings.database_url)
            )
            summary.update(app_time(stack.app_urls[1:] or stack.app_urls))
            print(
                f"[bench] the app's own time per message (mean, beside the Rasa call):"
                f" {summary['app_own_ms']} ms; per NLG call from Rasa: {summary['nlg_ms']} ms"
            )
    else:
        summary = asyncio.run(
            measure(args.target.rstrip("/"), worker_urls(args.rasa_url), args, None)
        )
    print(
        f"[bench] ratios full stack / raw Rasa: p50 {summary['p50_ratio']}, p95 {summary['p95_ratio']}, "
        f"p99 {summary['p99_ratio']}, throughput {summary['throughput_ratio']}"
    )
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if summary["lost"] == 0 and summary["raw_rasa"]["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
