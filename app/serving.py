"""The gunicorn worker: threads that only ever see requests that have fully arrived.

gunicorn's ``gthread`` worker gives a connection to a thread as soon as its first
byte arrives, and the thread then waits for the rest of the request with no
deadline: as many half-sent requests as there are threads stall the worker. It
also lingers up to 2 s on the event loop itself after each ``Connection: close``
answer, so a few clients that never close delay every other connection.

This worker reads the request head, and a body of up to ``SERVER_BODY_BUFFER``
bytes, in its event loop, as a buffering proxy would, and hands the request to a
thread only once it is all in memory. A head must arrive within
``SERVER_HEADER_TIMEOUT`` seconds of the connection (or of the request's first
byte on a kept-alive one), and a body may pause at most ``SERVER_BODY_TIMEOUT``
seconds between two reads; otherwise the connection is closed, with a 408 when
part of a request came. Larger bodies (uploads), chunked ones and those behind
``Expect: 100-continue`` are read by the thread, whose socket gives up after
``SERVER_BODY_TIMEOUT`` without progress (a 408 problem). Closing lingers in the
event loop, never blocking it. README ("Serving") says what a slow client can
still do, and why production puts nginx in front.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import selectors
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker
from werkzeug.exceptions import RequestTimeout

from app import i18n
from app.errors import PROBLEM_MIMETYPE, PROBLEM_TYPE_BASE

_HEAD_END = re.compile(rb"\n\r?\n")
#: After a ``Connection: close`` answer, how long unread input is drained (RFC 9112 §9.6).
_LINGER_SECONDS = 2.0
_LINGER_MAX_BYTES = 65536


def _timeout_response() -> bytes:
    """The 408 problem sent when a request stops arriving (in Vietnamese, the default)."""
    body = json.dumps(
        {
            "type": f"{PROBLEM_TYPE_BASE}request-timeout",
            "title": i18n.MESSAGES["request-timeout.title"][0],
            "status": 408,
            "detail": i18n.MESSAGES["request-timeout.detail"][0],
        },
        ensure_ascii=False,
    ).encode()
    head = (
        "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
        f"Content-Type: {PROBLEM_MIMETYPE}\r\nContent-Language: vi\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


_TIMEOUT_RESPONSE = _timeout_response()


def _setting(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


class _PatientSocket(socket.socket):
    """A socket whose blocking mode waits at most ``patience`` seconds per operation."""

    __slots__ = ("patience",)
    patience: float

    @classmethod
    def adopt(cls, sock: socket.socket, patience: float) -> _PatientSocket:
        """Take over ``sock``'s descriptor."""
        adopted = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        adopted.patience = patience
        return adopted

    def setblocking(self, flag: bool) -> None:
        """Block with the timeout, never forever (gunicorn calls this per request)."""
        if flag:
            self.settimeout(self.patience)
        else:
            super().setblocking(False)


class _PatientConn(TConn):  # type: ignore[misc]  # gunicorn ships no types
    """A connection whose graceful close is left to the event loop."""

    def __init__(self, worker: RequestBufferingWorker, *args: Any) -> None:
        super().__init__(*args)
        self.worker = worker
        self.arrived = b""

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
    expected: int | None = None


class _StallGuardedInput:
    """``wsgi.input`` whose timeouts are the client's fault: 408, not 500."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _guard(self, read: Callable[..., bytes], *args: Any) -> bytes:
        try:
            return read(*args)
        except TimeoutError as error:
            raise RequestTimeout() from error

    def read(self, *args: Any) -> bytes:
        return self._guard(self._stream.read, *args)

    def readline(self, *args: Any) -> bytes:
        return self._guard(self._stream.readline, *args)

    def readlines(self, *args: Any) -> list[bytes]:
        try:
            return list(self._stream.readlines(*args))
        except TimeoutError as error:
            raise RequestTimeout() from error

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


def _stall_guarded(wsgi: Callable[..., Iterable[bytes]]) -> Callable[..., Any]:
    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"] = _StallGuardedInput(environ["wsgi.input"])
        return wsgi(environ, start_response)

    return application


def body_length(head: bytes, buffer_limit: int) -> int | None:
    """How many body bytes to wait for in the loop; ``None`` leaves the body to a thread.

    A thread takes over for a chunked body, ``Expect: 100-continue`` (the client
    waits for an answer first), a body over ``buffer_limit``, and anything unclear,
    which gunicorn's own parser then refuses.
    """
    lengths: set[bytes] = set()
    for line in head.split(b"\n")[1:]:
        name, colon, value = line.partition(b":")
        if not colon:
            continue
        name = name.strip().lower()
        if name in (b"transfer-encoding", b"expect"):
            return None
        if name == b"content-length":
            lengths.add(value.strip())
    if not lengths:
        return 0
    (length,) = lengths if len(lengths) == 1 else (b"",)
    if not length.isdigit() or int(length) > buffer_limit:
        return None
    return int(length)


class RequestBufferingWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no types
    """``gthread``, but a thread gets a request only once it has arrived."""

    wsgi: Callable[..., Iterable[bytes]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = _setting("SERVER_HEADER_TIMEOUT", 10.0)
        self.body_timeout = _setting("SERVER_BODY_TIMEOUT", 30.0)
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
        self.wsgi = _stall_guarded(self.wsgi)

    def accept(self, listener: Any) -> None:
        """Accept a connection and wait, in the loop, for its first request."""
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        sock = _PatientSocket.adopt(client, self.body_timeout)
        conn = _PatientConn(self, self.cfg, sock, address, listener.getsockname())
        self.enqueue_req(conn)

    def enqueue_req(self, conn: _PatientConn) -> None:
        """Collect the next request of ``conn`` in the loop before any thread sees it."""
        leftover = conn.parser.unreader.take_buffered() if conn.parser else b""
        arrival = _Arrival(conn, time.monotonic() + self.header_timeout)
        arrival.data += leftover
        conn.sock.setblocking(False)
        if self._complete(arrival):
            self._hand_over(arrival)
            return
        self.arrivals[conn] = arrival
        self.poller.register(
            conn.sock, selectors.EVENT_READ, partial(self._on_readable, arrival)
        )

    def handle(self, conn: _PatientConn) -> Any:
        """Serve the request that arrived (in a thread)."""
        conn.init()
        conn.parser.unreader.unread(conn.arrived)
        conn.arrived = b""
        return super().handle(conn)

    def _on_readable(self, arrival: _Arrival, _sock: Any) -> None:
        try:
            chunk = arrival.conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._give_up(arrival, answer=False)
            return
        arrival.data += chunk
        if arrival.expected is not None:
            arrival.deadline = time.monotonic() + self.body_timeout
        if self._complete(arrival):
            self.poller.unregister(arrival.conn.sock)
            del self.arrivals[arrival.conn]
            self._hand_over(arrival)

    def _complete(self, arrival: _Arrival) -> bool:
        """Whether the request is in (or past what the loop should hold)."""
        if arrival.expected is None:
            # Rescan only the new bytes, and the 3 before them where an end may begin.
            end = _HEAD_END.search(arrival.data, max(arrival.scanned - 3, 0))
            arrival.scanned = len(arrival.data)
            if end is None:
                # Too long a line or head: gunicorn's parser answers 400/431.
                line_limit = self.cfg.limit_request_line + 2
                return len(arrival.data) > self.head_limit or (
                    len(arrival.data) > line_limit
                    and b"\n" not in arrival.data[:line_limit]
                )
            length = body_length(bytes(arrival.data[: end.start()]), self.body_buffer)
            if length is None:
                return True
            arrival.expected = end.end() + length
            arrival.deadline = time.monotonic() + self.body_timeout
        return len(arrival.data) >= arrival.expected

    def _hand_over(self, arrival: _Arrival) -> None:
        arrival.conn.arrived = bytes(arrival.data)
        arrival.conn.data_ready = True  # gthread's own wait for a first byte is moot
        super().enqueue_req(arrival.conn)

    def _give_up(self, arrival: _Arrival, *, answer: bool) -> None:
        conn = arrival.conn
        self.arrivals.pop(conn, None)
        self._unregister(conn)
        if answer:
            with contextlib.suppress(OSError):
                conn.sock.send(_TIMEOUT_RESPONSE)
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
            self._give_up(arrival, answer=bool(arrival.data))
        for conn in [c for c, (d, _) in self.lingering.items() if d <= now]:
            self._close_lingering(conn)
