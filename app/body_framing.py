"""Where a request body ends, found as its bytes arrive in the serving worker's event
loop: after ``Content-Length`` bytes, or at the end of its chunked framing.

The worker (:mod:`app.serving`) hands a request to a thread only once this says
the body is all in.
"""

from __future__ import annotations

import re

from gunicorn.http.body import CHUNK_EXT_RE

_BARE_LF = re.compile(rb"(?<!\r)\n")
_HEX = frozenset(b"0123456789abcdefABCDEF")


class FramingError(Exception):
    """A chunked body's framing is broken (answered from the loop with a 400)."""


class LengthFraming:
    """A body of ``Content-Length`` bytes (none when a request gives no length)."""

    def __init__(self, start: int, length: int) -> None:
        self.start, self.stop = start, start + length

    def end(self, data: bytearray) -> int | None:
        """Where the body ends in ``data``, once it has all arrived."""
        return self.stop if len(data) >= self.stop else None

    def held(self, data: bytearray) -> int:
        """How many bytes collecting the body takes."""
        return self.stop - self.start


class ChunkedFraming:
    """Where a chunked body ends (RFC 9112 §7.1), followed as its bytes arrive.

    The rules are those of gunicorn's ``ChunkedReader``, so that what the loop
    takes for a whole body is exactly what the thread's parser reads: a size in
    hex digits, extensions of tokens and quoted strings (no bare CR), CRLF after
    each chunk's data, trailer fields ending with an empty line and no bare LF.
    A trailer field's content is left to that parser (a 400 problem in the
    thread). Each byte is scanned once, so a body sent a byte at a time costs no
    more than one sent at once.
    """

    def __init__(self, start: int, *, line_limit: int, trailer_limit: int) -> None:
        self.start = start
        self.line_limit, self.trailer_limit = line_limit, trailer_limit
        self.pos = start  # where the next size line, chunk or trailer section begins
        self.scanned = start  # how far from ``pos`` a terminator was looked for
        self.data_left: int | None = None  # of the chunk in hand; None: at a size line
        self.trailers = False
        self.done: int | None = None

    def end(self, data: bytearray) -> int | None:
        """Where the body ends in ``data``, once it has all arrived.

        :raise FramingError: the framing is broken.
        """
        while self.done is None:
            if self.trailers:
                self.done = self._trailer_end(data)
                if self.done is None:
                    return None
            elif self.data_left is not None:
                crlf = self.pos + self.data_left
                if len(data) < crlf + 2:
                    return None
                if data[crlf : crlf + 2] != b"\r\n":
                    raise FramingError()
                self.pos = self.scanned = crlf + 2
                self.data_left = None
            elif not self._size_line(data):
                return None
        return self.done

    def held(self, data: bytearray) -> int:
        """How many bytes collecting the body takes, as far as its framing says."""
        chunk_end = self.pos + (self.data_left or 0) + 2
        return max(len(data), chunk_end) - self.start

    def _size_line(self, data: bytearray) -> bool:
        eol = data.find(b"\r\n", max(self.scanned - 1, self.pos))
        if eol < 0:
            self.scanned = len(data)
            if len(data) - self.pos > self.line_limit:
                raise FramingError()
            return False
        size, semicolon, extension = bytes(data[self.pos : eol]).partition(b";")
        if semicolon:
            if b"\r" in extension or not CHUNK_EXT_RE.fullmatch(b";" + extension):
                raise FramingError()
            size = size.rstrip(b" \t")
        if not size or not _HEX.issuperset(size):
            raise FramingError()
        self.pos = self.scanned = eol + 2
        length = int(size, 16)
        if length:
            self.data_left = length
        else:
            self.trailers = True
        return True

    def _trailer_end(self, data: bytearray) -> int | None:
        if data[self.pos : self.pos + 2] == b"\r\n":
            return self.pos + 2
        from_ = max(self.scanned - 3, self.pos)
        end = data.find(b"\r\n\r\n", from_)
        if end >= 0:
            return end + 4
        self.scanned = len(data)
        if len(data) - self.pos > self.trailer_limit or _BARE_LF.search(data, from_):
            raise FramingError()
        return None


Framing = LengthFraming | ChunkedFraming
