"""The `eval` command of DESIGN.md: a CSV of questions through the running stack, scored by topic."""

from __future__ import annotations

import asyncio
import csv
import json
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

CRISIS = "crisis"


@dataclass(frozen=True)
class Row:
    """One question with its script and the topic it should get."""

    text: str
    lang: str
    expected: str


@dataclass(frozen=True)
class Outcome:
    """What the stack answered to one row."""

    row: Row
    topic: str | None
    latency_ms: float


def read_rows(path: Path) -> list[Row]:
    """The rows of an evaluation CSV (header text,lang,expected)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [Row(r["text"], r["lang"], r["expected"]) for r in csv.DictReader(handle)]


async def ask(client: httpx.AsyncClient, row: Row) -> Outcome:
    """Send one row as a fresh conversation; the first reply's topic is the answer."""
    while True:
        began = time.perf_counter()
        response = await client.post("/api/messages", json={"text": row.text})
        latency = (time.perf_counter() - began) * 1000
        if response.status_code != 429:
            break
        # A running stack's rate limit: wait as told, the row is not a miss.
        await asyncio.sleep(float(response.headers.get("Retry-After", "5")))
    replies = response.json().get("replies") or [] if response.status_code == 200 else []
    return Outcome(row, replies[0].get("topic") if replies else None, latency)


async def run_all(base_url: str, rows: list[Row], concurrency: int = 4) -> list[Outcome]:
    """Every row through the stack, a few at a time."""
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def one(row: Row) -> Outcome:
            async with limit:
                return await ask(client, row)

        return list(await asyncio.gather(*(one(row) for row in rows)))


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """The JSON summary of the evaluation contract."""
    by_lang: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_lang[outcome.row.lang].append(outcome)
    crisis_rows = [o for o in outcomes if o.row.expected == CRISIS]
    other_rows = [o for o in outcomes if o.row.expected != CRISIS]
    latencies = [o.latency_ms for o in outcomes] or [0.0]
    return {
        "n": len(outcomes),
        "accuracy": accuracy(outcomes),
        "by_lang": {
            lang: {"n": len(items), "accuracy": accuracy(items)}
            for lang, items in sorted(by_lang.items())
        },
        "crisis": {
            "recall": ratio(sum(o.topic == CRISIS for o in crisis_rows), len(crisis_rows)),
            "false_alarm_rate": ratio(sum(o.topic == CRISIS for o in other_rows), len(other_rows)),
        },
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(percentile(latencies, 0.95), 1),
        },
    }


def ratio(part: int, whole: int) -> float:
    """part / whole rounded, 0 when there is nothing to divide."""
    return round(part / whole, 4) if whole else 0.0


def accuracy(outcomes: list[Outcome]) -> float:
    """Share of rows whose first reply carried the expected topic."""
    return ratio(sum(o.topic == o.row.expected for o in outcomes), len(outcomes))


def report_table(outcomes: list[Outcome]) -> str:
    """Per-topic precision and recall, and the most frequent confusions, as plain text."""
    expected = Counter(o.row.expected for o in outcomes)
    predicted = Counter(o.topic for o in outcomes)
    correct = Counter(o.row.expected for o in outcomes if o.topic == o.row.expected)
    lines = [f"{'topic':<24}{'n':>5}{'precision':>11}{'recall':>8}"]
    for topic in sorted(expected):
        precision = ratio(correct[topic], predicted[topic])
        recall = ratio(correct[topic], expected[topic])
        lines.append(f"{topic:<24}{expected[topic]:>5}{precision:>11.2f}{recall:>8.2f}")
    confusions = Counter((o.row.expected, o.topic) for o in outcomes if o.topic != o.row.expected)
    if confusions:
        lines += ["", "most frequent confusions (expected → answered: count)"]
        lines += [f"  {e} → {a}: {n}" for (e, a), n in confusions.most_common(15)]
    return "\n".join(lines)


def evaluate(base_url: str, path: Path) -> dict[str, Any]:
    """Run the file, print the table, and print the JSON summary as the last line."""
    outcomes = asyncio.run(run_all(base_url, read_rows(path)))
    print(report_table(outcomes))
    result = summary(outcomes)
    print(json.dumps(result, ensure_ascii=False))
    return result
