"""Slow and stalled clients against the real server, served as ``make run`` serves it.

Issue 12, finding 4: two half-sent requests stalled ``make run`` (two sync workers).
Here more half-sent requests than the server has threads, of every kind a slow
client makes, are open at once; a normal request is still answered, and each
half-sent one is closed once it is overdue. The review of that fix (finding 2)
stalled it again with chunked bodies and ``Expect: 100-continue``, each sending a
little every 5 s: those are collected by the event loop too, within a deadline for
the whole body.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator

import httpx2 as httpx
import pytest

from tests.conftest import LiveServer, running_server, scratch_database
from tests.raw_http import connect as _connect
from tests.raw_http import parse_answer
from tests.raw_http import until_closed as _until_closed

#: Left out of `make test-fast`: starts gunicorn and feeds it slow clients.
pytestmark = pytest.mark.slow

#: One worker, so every slow client lands on it (with two, the kernel may hand all of
#: them to one worker and the other answers regardless).
WORKERS, THREADS = 1, 4
#: Of each kind, three times as many as the server has threads.
N = 3 * WORKERS * THREADS
TIMEOUT = 3
#: Bodies up to this size are collected before a thread sees them; larger ones not.
BODY_BUFFER = 4096


#: The whole body of a request must arrive within this many seconds of its head.
DEADLINE = 6


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory) -> Iterator[LiveServer]:
    """The served app, with short head and body timeouts so the test is quick."""
    settings = {
        "WORKERS": str(WORKERS),
        "THREADS": str(THREADS),
        "SERVER_HEADER_TIMEOUT": str(TIMEOUT),
        "SERVER_BODY_TIMEOUT": str(TIMEOUT),
        "SERVER_BODY_DEADLINE": str(DEADLINE),
        "SERVER_BODY_BUFFER": str(BODY_BUFFER),
    }
    with (
        scratch_database(database_url, tmp_path_factory.mktemp("slow")) as url,
        running_server(url, server_env=settings) as live,
    ):
        yield live


@pytest.mark.real_sessions
def test_half_sent_requests_do_not_stall_the_server(server: LiveServer):
    host = server.url.removeprefix("http://").encode()
    # A head that never ends (slowloris).
    heads = [
        _connect(server.url, b"GET /livez HTTP/1.1\r\nHost: " + host + b"\r\nX-A: ")
        for _ in range(N)
    ]
    # A body that trickles in, a byte every half second.
    trickled = [
        _connect(
            server.url,
            b"POST /api/v1/transcripts/verify HTTP/1.1\r\nHost: " + host + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
        )
        for _ in range(N)
    ]
    # A whole request asking to close, from a client that then never closes.
    lingering = [
        _connect(
            server.url,
            b"GET /livez HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n",
        )
        for _ in range(N)
    ]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.5):
            for sock in trickled:
                sock.sendall(b" ")

    trickler = threading.Thread(target=trickle)
    trickler.start()
    try:
        time.sleep(1.0)  # every slow client is connected and under way
        with httpx.Client(base_url=server.url, timeout=30) as normal:
            assert normal.get("/healthz").json() == {
                "status": "ok",
                "database": "ok",
            }
            organisations = normal.get("/api/v1/organisations")
            assert organisations.status_code == 200
            assert organisations.json()["items"]
            # Slow clients of the kinds above are still being waited for, not dropped.
            verified = normal.post("/api/v1/transcripts/verify", json={})
            assert verified.status_code == 422
    finally:
        stop.set()
        trickler.join()

    for sock in heads + trickled:
        answer = _until_closed(sock)
        assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer[:80]
        assert b"problems/request-timeout" in answer
    for sock in lingering:
        answer = _until_closed(sock)
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer[:80]


@pytest.mark.real_sessions
def test_a_large_body_that_stalls_is_a_408_problem(server: LiveServer):
    """A body too large to collect first is read by a thread, which gives up."""
    host = server.url.removeprefix("http://").encode()
    sock = _connect(
        server.url,
        b"POST /api/v1/transcripts/verify HTTP/1.1\r\nHost: " + host + b"\r\n"
        b"Accept-Language: en\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(4 * BODY_BUFFER).encode() + b"\r\n\r\n{",
    )

    answer = _until_closed(sock)

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), head
    assert b"application/problem+json" in head
    problem = json.loads(body)
    assert problem["type"].endswith("/problems/request-timeout")
    assert problem["title"] == "Request timeout"
    assert problem["status"] == 408


#: The review's attack: 10 slow clients each sending a little every 5 s (well within
#: the 30 s pause a body may take). It stalled ``make run``'s 2 workers of 4 threads;
#: here one worker takes them all, as above, so that it stalls every time.
REVIEW_CLIENTS, REVIEW_INTERVAL, REVIEW_DEADLINE = 10, 5.0, 8
SLOW_BODIES = {
    "chunked": (
        b"Transfer-Encoding: chunked\r\n\r\n1\r\n \r\n",
        b"1\r\n \r\n",
    ),
    "expect-100-continue": (
        b"Expect: 100-continue\r\nContent-Length: 100000\r\n\r\n",
        b" ",
    ),
}


@pytest.fixture(scope="module")
def review_server(database_url: str, tmp_path_factory) -> Iterator[LiveServer]:
    """Served with ``make run``'s timeouts (a 30 s pause), and a short body deadline."""
    settings = {
        "WORKERS": str(WORKERS),
        "THREADS": str(THREADS),
        "SERVER_BODY_DEADLINE": str(REVIEW_DEADLINE),
    }
    with (
        scratch_database(database_url, tmp_path_factory.mktemp("review")) as url,
        running_server(url, server_env=settings) as live,
    ):
        yield live


@pytest.mark.real_sessions
@pytest.mark.parametrize("kind", SLOW_BODIES)
def test_slow_chunked_and_100_continue_bodies_do_not_stall_the_server(
    review_server: LiveServer, kind: str
):
    head_tail, dribble = SLOW_BODIES[kind]
    slow = [
        _connect(
            review_server.url,
            b"POST /api/v1/transcripts/verify HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\n" + head_tail,
        )
        for _ in range(REVIEW_CLIENTS)
    ]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(REVIEW_INTERVAL):
            for sock in slow:
                with contextlib.suppress(OSError):  # closed once overdue
                    sock.sendall(dribble)

    trickler = threading.Thread(target=trickle)
    trickler.start()
    try:
        started = time.monotonic()
        time.sleep(1.0)  # every slow client is connected and under way
        with httpx.Client(base_url=review_server.url, timeout=5) as probe:
            while time.monotonic() - started < REVIEW_DEADLINE - 1:
                organisations = probe.get("/api/v1/organisations")
                assert organisations.status_code == 200
                time.sleep(1.0)
        # A never-finishing body ends at the deadline, however steadily it trickles.
        for sock in slow:
            answer = parse_answer(_until_closed(sock))
            assert answer.status == 408, answer
            assert answer.problem()["type"].endswith("/problems/request-timeout")
            assert answer.interim == ((100,) if kind == "expect-100-continue" else ())
        assert time.monotonic() - started < REVIEW_DEADLINE + 4
    finally:
        stop.set()
        trickler.join()
        for sock in slow:
            sock.close()


@pytest.mark.real_sessions
def test_100_continue_is_answered_once_then_the_request(server: LiveServer):
    sock = _connect(
        server.url,
        b"POST /api/v1/transcripts/verify HTTP/1.1\r\nHost: x\r\n"
        b"Accept-Language: en\r\nContent-Type: application/json\r\n"
        b"Expect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n",
    )
    sock.settimeout(5)
    assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
    sock.sendall(b"{}")

    answer = parse_answer(_until_closed(sock))

    assert answer.interim == ()  # no second 100 from the thread
    assert answer.status == 422
    assert answer.problem()["title"] == "Validation failed"


@pytest.mark.real_sessions
def test_a_chunked_body_in_pieces_is_served_and_the_connection_reused(
    server: LiveServer,
):
    host = server.url.removeprefix("http://").encode()
    request = (
        b"POST /api/v1/transcripts/verify HTTP/1.1\r\nHost: " + host + b"\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    pieces = [b'1;note="a b"\r\n{', b"\r\n1\r", b"\n}\r\n0\r\n", b"X-Sum: 1\r\n\r\n"]
    sock = _connect(server.url, request)
    for piece in pieces:
        time.sleep(0.2)
        sock.sendall(piece)
    sock.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")

    received = _until_closed(sock)

    first = parse_answer(received)
    assert first.status == 422, first
    second = parse_answer(received[received.index(b"HTTP/1.1 200") :])
    assert second.status == 200


@pytest.mark.real_sessions
def test_a_large_chunked_body_that_never_ends_is_cut_at_the_deadline(
    server: LiveServer,
):
    """Larger than the buffer, it is read by a thread, but not for longer than that."""
    sock = _connect(
        server.url,
        b"POST /api/v1/transcripts/verify HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n" % (16 * BODY_BUFFER)
        + b" " * BODY_BUFFER,
    )
    stop = threading.Event()

    def trickle() -> None:  # well within the pause a body may take
        while not stop.wait(0.5):
            with contextlib.suppress(OSError):
                sock.sendall(b" ")

    trickler = threading.Thread(target=trickle)
    started = time.monotonic()
    trickler.start()
    try:
        sock.settimeout(DEADLINE + 10)
        answer = parse_answer(_until_closed(sock))
    finally:
        stop.set()
        trickler.join()

    assert answer.status == 408, answer
    assert answer.problem()["type"].endswith("/problems/request-timeout")
    assert time.monotonic() - started < DEADLINE + 3
