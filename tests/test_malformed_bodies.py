"""A body whose framing is broken is the client's error: a 400 problem, nothing logged.

Issue 12 review, finding 1: a chunked body with a bad chunk size, a chunk with no
closing CRLF, a control byte in a chunk extension, a size of ``-1`` or a NUL in a
trailer was a 500 on the public JSON routes and the VNeID form route, each with an
ERROR traceback in the log. Sent here exactly as the attacker sent them, to the
real server as ``make run`` serves it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import LiveServer, running_server, scratch_database
from tests.raw_http import exchange

#: Each body after ``Transfer-Encoding: chunked``, as the attacker sent it.
BODIES = {
    "chunk-size-not-hex": b"ZZ\r\nabc\r\n0\r\n\r\n",
    "chunk-without-crlf": b"2\r\n{}XX0\r\n\r\n",
    "control-byte-in-extension": b"2;a\x01b\r\n{}\r\n0\r\n\r\n",
    "chunk-size-negative": b"-1\r\n{}\r\n0\r\n\r\n",
    "nul-in-trailer": b"2\r\n{}\r\n0\r\nX-Note: a\x00b\r\n\r\n",
}
ROUTES = {
    "/api/v1/transcripts/verify": b"application/json",
    "/api/v1/auth/vneid/start": b"application/json",
    "/vneid/token": b"application/x-www-form-urlencoded",
}
TITLES = {"vi": "Nội dung yêu cầu sai khuôn dạng", "en": "Malformed request body"}


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory) -> Iterator[LiveServer]:
    with (
        scratch_database(database_url, tmp_path_factory.mktemp("bodies")) as url,
        running_server(url) as live,
    ):
        yield live


def _request(path: str, media_type: bytes, body: bytes, language: str) -> bytes:
    return (
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: " + media_type + b"\r\n"
        b"Accept-Language: " + language.encode() + b"\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + body
    )


@pytest.mark.real_sessions
@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES)
def test_a_malformed_chunked_body_is_a_400_problem_and_logs_no_error(
    server: LiveServer, path: str, body: bytes
):
    for language, title in TITLES.items():
        logged = server.log.stat().st_size

        answer = exchange(server.url, _request(path, ROUTES[path], body, language))

        assert answer.status == 400, answer
        problem = answer.problem()
        assert problem["type"].endswith("/problems/malformed-body")
        assert problem["title"] == title
        assert problem["detail"]
        assert answer.headers["content-language"] == language
        with server.log.open("rb") as log:
            log.seek(logged)
            written = log.read()
        assert b"Traceback" not in written, written.decode(errors="replace")
        assert b"ERROR" not in written, written.decode(errors="replace")


@pytest.mark.real_sessions
def test_a_body_too_large_to_buffer_whose_framing_breaks_later_is_a_400_too(
    server: LiveServer,
):
    """Read by a thread (it is over ``SERVER_BODY_BUFFER``), not by the event loop."""
    size = 3 * 1024 * 1024 // 2
    body = b"%x\r\n" % size + b" " * size + b"XX0\r\n\r\n"
    logged = server.log.stat().st_size

    answer = exchange(
        server.url,
        _request("/api/v1/transcripts/verify", b"application/json", body, "en"),
    )

    assert answer.status == 400, answer
    assert answer.problem()["title"] == TITLES["en"]
    with server.log.open("rb") as log:
        log.seek(logged)
        assert b"Traceback" not in log.read()
