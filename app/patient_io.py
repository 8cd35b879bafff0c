"""Reading a slow client without waiting on it for ever: a socket whose reads give
up after a pause or at a deadline, and a ``wsgi.input`` that answers such a failure
as the client's (408, or 400 for a body gunicorn cannot read), never as a 500.

Used by the serving worker (:mod:`app.serving`) for bodies too large to collect in
its event loop, which a thread then reads.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

from gunicorn.http.errors import NoMoreData, ParseException
from werkzeug.exceptions import RequestTimeout

from app.errors import MalformedBody

_T = TypeVar("_T")


class PatientSocket(socket.socket):
    """A socket whose blocking mode waits at most ``patience`` seconds per operation,
    and whose reads give up at ``deadline`` (when one is set) whatever the pauses."""

    __slots__ = ("deadline", "patience")
    patience: float
    deadline: float | None

    @classmethod
    def adopt(cls, sock: socket.socket, patience: float) -> PatientSocket:
        """Take over ``sock``'s descriptor."""
        adopted = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        adopted.patience = patience
        adopted.deadline = None
        return adopted

    def setblocking(self, flag: bool) -> None:
        """Block with the timeout, never forever (gunicorn calls this per request)."""
        if flag:
            self.settimeout(self.patience)
        else:
            super().setblocking(False)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """Read, blocking no later than the deadline (gunicorn reads bodies so)."""
        timeout = self.gettimeout()
        if self.deadline is None or timeout == 0.0:  # the event loop's own reads
            return super().recv(bufsize, flags)
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request is overdue")
        if timeout is not None and timeout <= left:
            return super().recv(bufsize, flags)
        self.settimeout(left)
        try:
            return super().recv(bufsize, flags)
        finally:
            self.settimeout(timeout)


class _Body(Protocol):
    """gunicorn's request body (``gunicorn.http.body.Body``), as read here."""

    def read(self, size: int | None = ...) -> bytes: ...
    def readline(self, size: int | None = ...) -> bytes: ...
    def readlines(self, size: int | None = ...) -> list[bytes]: ...


class StallGuardedInput:
    """``wsgi.input`` whose failures are the client's fault, answered as such.

    A body that stops arriving, or is still arriving at its deadline, is a 408;
    one that gunicorn cannot read (a bad chunk size or extension, a chunk without
    its CRLF, a malformed trailer, an early end) a 400 ``malformed-body``. Neither
    is a 500 with a logged traceback, whoever reads the body (the JSON parse at the
    edge, a form, an upload).
    """

    def __init__(self, stream: _Body) -> None:
        self._stream = stream

    def _guard(self, read: Callable[..., _T], *args: Any) -> _T:
        try:
            return read(*args)
        except TimeoutError as error:
            raise RequestTimeout() from error
        except (ParseException, NoMoreData) as error:
            raise MalformedBody() from error

    def read(self, *args: Any) -> bytes:
        return self._guard(self._stream.read, *args)

    def readline(self, *args: Any) -> bytes:
        return self._guard(self._stream.readline, *args)

    def readlines(self, *args: Any) -> list[bytes]:
        return self._guard(lambda: list(self._stream.readlines(*args)))

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


def stall_guarded(wsgi: Callable[..., Iterable[bytes]]) -> Callable[..., Any]:
    """``wsgi`` reading its body through :class:`StallGuardedInput`."""

    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"] = StallGuardedInput(environ["wsgi.input"])
        return wsgi(environ, start_response)

    return application
