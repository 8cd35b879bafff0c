"""The event loop reads chunked framing exactly as gunicorn's parser does.

``app.serving`` collects a chunked body in the worker's event loop and then hands
the bytes to a thread, where gunicorn's own ``ChunkedReader`` reads them again.
If the two disagreed on where a body ends, a thread would wait on the socket for
bytes the loop thought were not coming (a stall), or read into the next request.
So, for arbitrary bodies fed to the loop a piece at a time, at every point:

* the loop finds an end exactly where gunicorn, given the same bytes, finishes
  reading (or where gunicorn refuses a trailer field, which it answers itself);
* the loop refuses exactly what gunicorn refuses on framing, without waiting;
* the loop waits exactly while gunicorn would read on.
"""

from __future__ import annotations

from typing import Any

from gunicorn.config import Config
from gunicorn.http.errors import (
    InvalidHeader,
    InvalidHeaderName,
    LimitRequestHeaders,
    ObsoleteFolding,
    ParseException,
)
from gunicorn.http.message import Request
from gunicorn.http.unreader import Unreader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.body_framing import ChunkedFraming, FramingError

HEAD = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
#: Small limits, so that arbitrary input reaches them.
CONFIG = Config()
CONFIG.set("limit_request_field_size", 64)
CONFIG.set("limit_request_fields", 4)
#: What gunicorn raises for trailer fields (their content, size or number) once the
#: framing is whole: answered by the thread (a 400 problem), nothing left to read.
TRAILER_FIELD_ERRORS = (
    InvalidHeader,
    InvalidHeaderName,
    LimitRequestHeaders,
    ObsoleteFolding,
)


class _StarvedError(Exception):
    """gunicorn asked for more bytes than have arrived."""


class _Arrived(Unreader):  # type: ignore[misc]
    def __init__(self, data: bytes) -> None:
        super().__init__()
        self.pending: bytes | None = data

    def chunk(self, size_hint: Any = None) -> bytes:
        if self.pending is None:
            raise _StarvedError()
        data, self.pending = self.pending, None
        return data


def _request(body: bytes) -> tuple[Request, _Arrived]:
    unreader = _Arrived(HEAD + body)
    return Request(CONFIG, unreader, ("127.0.0.1", 1)), unreader


def gunicorn_reading(body: bytes) -> tuple[str, Any]:
    """``("end", n)``, ``("refused", error)`` or ``("more", None)`` on ``body``."""
    request, unreader = _request(body)
    try:
        while request.body.read(65536):
            pass
    except _StarvedError:
        return "more", None
    except ParseException as error:
        return "refused", error
    return "end", len(body) - len(unreader.take_buffered())


def loop_framing() -> ChunkedFraming:
    reader = _request(b"")[0].body.reader
    return ChunkedFraming(
        0,
        line_limit=reader.limit_chunk_size_line,
        trailer_limit=reader.limit_trailer_section,
    )


def check_agreement(body: bytes, cuts: list[int]) -> None:
    framing, data = loop_framing(), bytearray()
    for cut in [*sorted(set(cuts)), len(body)]:
        data[:] = body[:cut]
        theirs, detail = gunicorn_reading(bytes(data))
        try:
            end = framing.end(data)
        except FramingError:
            assert theirs == "refused", (bytes(data), theirs, detail)
            return
        if end is None:
            assert theirs == "more", (bytes(data), theirs, detail)
        elif theirs == "end":
            assert end == detail, bytes(data)
            return
        else:
            assert theirs == "refused", (bytes(data), theirs, detail)
            assert isinstance(detail, TRAILER_FIELD_ERRORS), (bytes(data), detail)
            return


_token = st.sampled_from([b"a", b"name", b"x-y", b"1", b"!#$%&'*+-.^_`|~"])
_extension = st.one_of(
    st.builds(lambda n: b";" + n, _token),
    st.builds(lambda n, v: b";" + n + b"=" + v, _token, _token),
    st.builds(lambda n: b" ; " + n + b' = "q \\" \xff"', _token),
    st.sampled_from(
        [b";", b";a\x01b", b";a\rb", b';"', b"; a=b c", b";a=" + b"b" * 70]
    ),
)
_size_text = st.sampled_from(["{:x}", "{:X}", "0{:x}", "{:x} ", "{:x}\t"])


@st.composite
def _chunk(draw: st.DrawFn) -> bytes:
    data = draw(st.binary(min_size=1, max_size=20))
    size = draw(_size_text).format(len(data)).encode()
    if draw(st.booleans()) and not size.endswith((b" ", b"\t")):
        size += draw(_extension)
    return size + b"\r\n" + data + b"\r\n"


_trailer_line = st.one_of(
    st.sampled_from([b"X-Sum: 1", b"X-A: a\x00b", b"Bad Name: 1", b"X-B:", b" folded"]),
    st.just(b"X-Long: " + b"a" * 300),
    st.binary(max_size=30).map(lambda b: b.replace(b"\r\n", b"")),
)


@st.composite
def _chunked_body(draw: st.DrawFn) -> bytes:
    body = b"".join(draw(st.lists(_chunk(), max_size=4)))
    last = b"0" * draw(st.integers(1, 3))
    if draw(st.booleans()):
        last += draw(_extension)
    body += last + b"\r\n"
    body += b"".join(
        line + b"\r\n" for line in draw(st.lists(_trailer_line, max_size=3))
    )
    body += b"\r\n"
    return body + draw(st.sampled_from([b"", b"GET / HTTP/1.1\r\n\r\n"]))


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    body = bytearray(draw(_chunked_body()))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(body)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        piece = draw(
            st.sampled_from([b"\r", b"\n", b"\r\n", b" ", b"-", b"z", b"0", b";"])
        )
        if kind == "insert":
            body[at:at] = piece
        elif kind == "delete":
            del body[at : at + 1]
        elif kind == "replace":
            body[at : at + 1] = piece
        else:
            del body[at:]
    return bytes(body)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.one_of(_chunked_body(), _mutated(), st.binary(max_size=80)),
    cuts=st.lists(st.integers(0, 120), max_size=6),
)
def test_the_loop_reads_chunked_framing_as_gunicorn_does(body, cuts):
    check_agreement(body, cuts)


def test_the_reviewers_bodies_are_refused_by_both():
    for body in [
        b"ZZ\r\nabc\r\n0\r\n\r\n",
        b"2\r\n{}XX0\r\n\r\n",
        b"2;a\x01b\r\n{}\r\n0\r\n\r\n",
        b"-1\r\n{}\r\n0\r\n\r\n",
    ]:
        assert gunicorn_reading(body)[0] == "refused"
        check_agreement(body, [])


def test_a_body_sent_a_byte_at_a_time_is_read_as_a_whole():
    body = b"4;a=b\r\nabcd\r\n1\r\n}\r\n0\r\nX-Sum: 1\r\n\r\nGET /"
    check_agreement(body, list(range(len(body))))
    framing, data = loop_framing(), bytearray()
    for byte in body:
        data.append(byte)
        end = framing.end(data)
    assert end == len(body) - len(b"GET /")
