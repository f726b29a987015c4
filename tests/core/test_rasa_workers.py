"""Several Rasa workers: each sender sticks to one, and moves on only when it is down."""

from __future__ import annotations

import socket

import httpx

from core.rasa_client import RasaClient, worker_order, worker_urls

WORKERS = "http://127.0.0.1:25005, http://127.0.0.1:25006/"


def test_a_setting_names_one_or_several_workers() -> None:
    assert worker_urls("http://127.0.0.1:5005") == ["http://127.0.0.1:5005"]
    assert worker_urls(WORKERS) == ["http://127.0.0.1:25005", "http://127.0.0.1:25006"]


def test_each_sender_always_gets_the_same_worker_and_senders_spread() -> None:
    senders = [f"{n:032x}" for n in range(200)]
    firsts = [worker_order(sender, 2)[0] for sender in senders]
    assert firsts == [worker_order(sender, 2)[0] for sender in senders], "stable across calls"
    assert 60 < firsts.count(0) < 140, "both workers get a fair share"
    assert sorted(worker_order("abc", 3)) == [0, 1, 2]


async def test_messages_go_to_the_senders_worker_and_fail_over_when_it_is_down() -> None:
    seen: list[str] = []
    down: set[str] = set()

    def rasa(request: httpx.Request) -> httpx.Response:
        origin = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        if origin in down:
            raise httpx.ConnectError("refused", request=request)
        seen.append(origin)
        return httpx.Response(200, json=[{"text": "hi"}])

    client = RasaClient(WORKERS, "t", "http://127.0.0.1:25055", 5, httpx.MockTransport(rasa))
    sender = "0" * 32
    own = client.workers[worker_order(sender, 2)[0]]
    for _ in range(3):
        await client.send(sender, "hello", {})
    assert seen == [own] * 3
    down.add(own)
    await client.send(sender, "hello", {})
    assert seen[-1] != own, "the other worker takes over while the sender's worker is down"
    await client.close()


async def test_status_names_a_worker_that_is_down() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = RasaClient(f"http://127.0.0.1:{closed_port}", "t", "http://127.0.0.1:1", 1)
    try:
        await client.status()
    except Exception as error:
        assert str(closed_port) in str(error)
    else:
        raise AssertionError("a worker that is down must be reported")
    finally:
        await client.close()


async def test_pausing_asks_rasa_not_to_send_the_whole_tracker_back() -> None:
    asked: list[httpx.Request] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200, json={"sender_id": "x", "events": None})

    client = RasaClient(WORKERS, "secret", "http://127.0.0.1:25055", 5, httpx.MockTransport(rasa))
    await client.add_events("0" * 32, [{"event": "pause"}])
    await client.close()
    assert asked[0].url.path == f"/conversations/{'0' * 32}/tracker/events"
    assert asked[0].url.params["include_events"] == "NONE"
    assert asked[0].url.params["token"] == "secret"
