"""Slow and stalled clients against the real server, served as ``make run`` serves it.

Issue 12, finding 4: two half-sent requests stalled ``make run`` (two sync workers).
Here more half-sent requests than the server has threads, of every kind a slow
client makes, are open at once; a normal request is still answered, and each
half-sent one is closed once it is overdue.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx2 as httpx
import pytest

from tests.conftest import LiveServer, running_server

#: One worker, so every slow client lands on it (with two, the kernel may hand all of
#: them to one worker and the other answers regardless).
WORKERS, THREADS = 1, 4
#: Of each kind, three times as many as the server has threads.
N = 3 * WORKERS * THREADS
TIMEOUT = 3
#: Bodies up to this size are collected before a thread sees them; larger ones not.
BODY_BUFFER = 4096


@pytest.fixture
def server(scratch_database_url: str) -> Iterator[LiveServer]:
    """The served app, with short head and body timeouts so the test is quick."""
    settings = {
        "WORKERS": str(WORKERS),
        "THREADS": str(THREADS),
        "SERVER_HEADER_TIMEOUT": str(TIMEOUT),
        "SERVER_BODY_TIMEOUT": str(TIMEOUT),
        "SERVER_BODY_BUFFER": str(BODY_BUFFER),
    }
    with running_server(scratch_database_url, server_env=settings) as live:
        yield live


def _connect(url: str, first_bytes: bytes) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60)
    sock.sendall(first_bytes)
    return sock


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends before it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    sock.close()
    return received


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
