"""The gunicorn worker: threads that only ever see requests that have fully arrived.

gunicorn's ``gthread`` worker gives a connection to a thread as soon as its first
byte arrives, and the thread then waits for the rest of the request with no
deadline: as many half-sent requests as there are threads stall the worker. It
also lingers up to 2 s on the event loop itself after each ``Connection: close``
answer, so a few clients that never close delay every other connection.

This worker collects each request in its event loop, as a buffering proxy would,
and hands it to a thread only once it is all in memory: the head, then a body of
up to ``SERVER_BODY_BUFFER`` bytes, whether its length is given or it is chunked.
The head is read by gunicorn's own parser, so the loop and the thread agree on
where the body ends; a chunked body's framing is followed as it arrives, by
gunicorn's rules (:mod:`app.body_framing`), and broken framing is answered from
the loop with a 400 ``malformed-body`` problem. ``Expect: 100-continue`` is
answered from the loop too, and the body then collected like any other.

A head must arrive within ``SERVER_HEADER_TIMEOUT`` seconds of the connection (or
of the request's first byte on a kept-alive one). A body may pause at most
``SERVER_BODY_TIMEOUT`` seconds between two reads, and must be complete within
``SERVER_BODY_DEADLINE`` seconds of its head, however steadily it trickles.
Otherwise the connection is closed, with a 408 problem when part of a request
came. A body larger than the buffer (an upload) is read by the thread, under the
same pause and deadline: its socket gives up (a 408 problem). Closing lingers in
the event loop, never blocking it. README ("Serving") says what a slow client can
still do, and why production puts nginx in front.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import re
import selectors
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn.http.body import ChunkedReader
from gunicorn.http.errors import NoMoreData
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader
from gunicorn.workers.gthread import TConn, ThreadWorker

from app import i18n
from app.body_framing import ChunkedFraming, Framing, FramingError, LengthFraming
from app.http_errors import server_answer
from app.patient_io import PatientSocket, stall_guarded

_HEAD_END = re.compile(rb"\n\r?\n")
#: After a ``Connection: close`` answer, how long unread input is drained (RFC 9112 §9.6).
_LINGER_SECONDS = 2.0
_LINGER_MAX_BYTES = 65536
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def _setting(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


class _PatientConn(TConn):  # type: ignore[misc]  # gunicorn ships no types
    """A connection whose graceful close is left to the event loop."""

    def __init__(self, worker: RequestBufferingWorker, *args: Any) -> None:
        super().__init__(*args)
        self.worker = worker
        self.arrived = b""
        #: The loop answered ``Expect: 100-continue`` for the request in hand.
        self.continued = False

    def close(self, graceful: bool = False) -> None:
        """Close; a graceful close drains the peer's input without blocking."""
        if graceful:
            self.worker.linger(self)
        else:
            super().close()


@dataclass(eq=False)
class _Arrival:
    """A request still arriving: the bytes so far and when it must be complete."""

    conn: _PatientConn
    deadline: float
    data: bytearray = field(default_factory=bytearray)
    scanned: int = 0
    #: Set once the head is in: how the body is framed, and when it must be in.
    framing: Framing | None = None
    body_deadline: float = math.inf
    language: str = i18n.DEFAULT_LANGUAGE


class RequestBufferingWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no types
    """``gthread``, but a thread gets a request only once it has arrived."""

    wsgi: Callable[..., Iterable[bytes]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = _setting("SERVER_HEADER_TIMEOUT", 10.0)
        self.body_timeout = _setting("SERVER_BODY_TIMEOUT", 30.0)
        self.body_deadline = _setting("SERVER_BODY_DEADLINE", 60.0)
        self.body_buffer = int(_setting("SERVER_BODY_BUFFER", 1024 * 1024))
        self.head_limit: int = (
            self.cfg.limit_request_line
            + self.cfg.limit_request_fields * (self.cfg.limit_request_field_size + 2)
            + 4
        )
        self.arrivals: dict[_PatientConn, _Arrival] = {}
        self.lingering: dict[_PatientConn, tuple[float, int]] = {}

    def load_wsgi(self) -> None:
        """Load the application, its input guarded against stalled clients."""
        super().load_wsgi()
        self.wsgi = stall_guarded(self.wsgi)

    def accept(self, listener: Any) -> None:
        """Accept a connection and wait, in the loop, for its first request."""
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        sock = PatientSocket.adopt(client, self.body_timeout)
        conn = _PatientConn(self, self.cfg, sock, address, listener.getsockname())
        self.enqueue_req(conn)

    def enqueue_req(self, conn: _PatientConn) -> None:
        """Collect the next request of ``conn`` in the loop before any thread sees it."""
        leftover = conn.parser.unreader.take_buffered() if conn.parser else b""
        arrival = _Arrival(conn, time.monotonic() + self.header_timeout)
        arrival.data += leftover
        conn.sock.setblocking(False)
        conn.sock.deadline = None
        self._proceed(arrival)

    def handle(self, conn: _PatientConn) -> Any:
        """Serve the request that arrived (in a thread)."""
        conn.init()
        conn.parser.unreader.unread(conn.arrived)
        conn.arrived = b""
        return super().handle(conn)

    def handle_request(self, req: Any, conn: _PatientConn) -> Any:
        """Serve one request (in a thread); ``100 Continue`` was sent at most once."""
        if conn.continued:
            # gunicorn would send it again: req._expected_100_continue is its flag.
            req._expected_100_continue = False
            conn.continued = False
        return super().handle_request(req, conn)

    def _on_readable(self, arrival: _Arrival, _sock: Any) -> None:
        try:
            chunk = arrival.conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._give_up(arrival, answer=None)
            return
        arrival.data += chunk
        if arrival.framing is not None:
            arrival.deadline = min(
                time.monotonic() + self.body_timeout, arrival.body_deadline
            )
        self._proceed(arrival)

    def _proceed(self, arrival: _Arrival) -> None:
        """Hand ``arrival`` to a thread, refuse it, or wait for more of it."""
        conn = arrival.conn
        try:
            ready = self._ready(arrival)
        except FramingError:
            self._give_up(arrival, answer=(400, "malformed-body"))
            return
        if ready:
            if self.arrivals.pop(conn, None) is not None:
                self._unregister(conn)
            self._hand_over(arrival)
        elif conn not in self.arrivals:
            self.arrivals[conn] = arrival
            self.poller.register(
                conn.sock, selectors.EVENT_READ, partial(self._on_readable, arrival)
            )

    def _ready(self, arrival: _Arrival) -> bool:
        """Whether a thread takes ``arrival`` now: it has arrived, gunicorn's parser
        will refuse its head, or its body is too large to collect here.

        :raise FramingError: a chunked body's framing is broken.
        """
        if arrival.framing is None:
            # Rescan only the new bytes, and the 3 before them where an end may begin.
            end = _HEAD_END.search(arrival.data, max(arrival.scanned - 3, 0))
            arrival.scanned = len(arrival.data)
            if end is None or not self._read_head(arrival):
                return self._head_too_long(arrival.data)
            if arrival.framing is None:  # refused: the thread's parser answers
                return True
        framing = arrival.framing
        if framing.end(arrival.data) is not None:
            return True
        return framing.held(arrival.data) > self.body_buffer

    def _head_too_long(self, data: bytearray) -> bool:
        """A head past gunicorn's limits: its parser answers 400/431 (in a thread)."""
        line_limit = self.cfg.limit_request_line + 2
        return len(data) > self.head_limit or (
            len(data) > line_limit and b"\n" not in data[:line_limit]
        )

    def _read_head(self, arrival: _Arrival) -> bool:
        """Read the head as gunicorn's parser will; ``False`` if that needs more.

        Sets how the body is framed (left ``None`` when the parser refuses the
        head: it answers that in the thread, reading no body), and answers
        ``Expect: 100-continue`` when the body is to be collected here.
        """
        conn = arrival.conn
        number = conn.parser.req_count + 1 if conn.parser else 1
        unreader = IterUnreader([bytes(arrival.data)])
        try:
            request = Request(self.cfg, unreader, conn.client, number)
        except (NoMoreData, StopIteration):
            return False
        except Exception:  # any other refusal is for the thread's parser to answer
            return True
        start = len(arrival.data) - len(unreader.take_buffered())
        reader = request.body.reader
        arrival.framing = (
            ChunkedFraming(
                start,
                line_limit=reader.limit_chunk_size_line,
                trailer_limit=reader.limit_trailer_section,
            )
            if isinstance(reader, ChunkedReader)
            else LengthFraming(start, reader.length)
        )
        arrival.language = i18n.language_for(
            ", ".join(v for name, v in request.headers if name == "ACCEPT-LANGUAGE")
            or None
        )
        now = time.monotonic()
        arrival.body_deadline = now + self.body_deadline
        arrival.deadline = min(now + self.body_timeout, arrival.body_deadline)
        if (
            request._expected_100_continue
            and len(arrival.data) == start  # the client waits for an answer
            and arrival.framing.held(arrival.data) <= self.body_buffer
        ):
            with contextlib.suppress(OSError):
                conn.sock.send(_CONTINUE)
                conn.continued = True
        return True

    def _hand_over(self, arrival: _Arrival) -> None:
        conn = arrival.conn
        conn.arrived = bytes(arrival.data)
        conn.data_ready = True  # gthread's own wait for a first byte is moot
        if arrival.framing is not None:
            # What is left of the body (when too large to collect) is read by the
            # thread, by the same deadline.
            conn.sock.deadline = arrival.body_deadline
        super().enqueue_req(conn)

    def _give_up(self, arrival: _Arrival, *, answer: tuple[int, str] | None) -> None:
        """Close ``arrival``'s connection, answering ``(status, slug)`` first."""
        conn = arrival.conn
        self.arrivals.pop(conn, None)
        self._unregister(conn)
        if answer:
            with contextlib.suppress(OSError):
                conn.sock.send(server_answer(*answer, lang=arrival.language))
        self.nr_conns -= 1
        self.linger(conn)

    def linger(self, conn: _PatientConn) -> None:
        """Half-close, then drain the peer's input from the loop for a moment."""
        try:
            conn.sock.shutdown(socket.SHUT_WR)
            conn.sock.setblocking(False)
            self.poller.register(
                conn.sock, selectors.EVENT_READ, partial(self._on_linger, conn)
            )
        except (OSError, ValueError, KeyError):
            conn.sock.close()
            return
        self.lingering[conn] = (time.monotonic() + _LINGER_SECONDS, 0)

    def _on_linger(self, conn: _PatientConn, _sock: Any) -> None:
        deadline, drained = self.lingering[conn]
        try:
            chunk = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        drained += len(chunk)
        if not chunk or drained >= _LINGER_MAX_BYTES:
            self._close_lingering(conn)
        else:
            self.lingering[conn] = (deadline, drained)

    def _close_lingering(self, conn: _PatientConn) -> None:
        del self.lingering[conn]
        self._unregister(conn)
        conn.sock.close()

    def _unregister(self, conn: _PatientConn) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)

    def murder_pending(self) -> None:
        """Also close requests that did not arrive in time and finished lingers."""
        super().murder_pending()
        now = time.monotonic()
        for arrival in [a for a in self.arrivals.values() if a.deadline <= now]:
            timeout = (408, "request-timeout") if arrival.data else None
            self._give_up(arrival, answer=timeout)
        for conn in [c for c, (d, _) in self.lingering.items() if d <= now]:
            self._close_lingering(conn)
