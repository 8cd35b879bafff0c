"""HTTP/1.1 over a bare socket: for requests no HTTP client library would send."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any


def connect(url: str, first_bytes: bytes = b"", timeout: float = 60) -> socket.socket:
    """Open a connection to ``url``'s host and port and send ``first_bytes``."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    if first_bytes:
        sock.sendall(first_bytes)
    return sock


def until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends before it closes the connection."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    finally:
        sock.close()
    return received


@dataclass(frozen=True)
class Answer:
    """A final response: status, headers (lower-case names), body; 1xx before it."""

    status: int
    headers: dict[str, str]
    body: bytes
    interim: tuple[int, ...] = ()

    def problem(self) -> dict[str, Any]:
        """The body as an RFC 9457 problem, checking its media type."""
        assert self.headers.get("content-type") == "application/problem+json", self
        problem: dict[str, Any] = json.loads(self.body)
        assert problem["status"] == self.status
        return problem


def parse_answer(raw: bytes) -> Answer:
    """The first final response in ``raw`` (interim 1xx answers are listed apart)."""
    interim: list[int] = []
    while True:
        head, separator, rest = raw.partition(b"\r\n\r\n")
        assert separator, raw[:200]
        status_line, *lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        headers = {
            name.strip().lower(): value.strip()
            for name, value in (line.split(":", 1) for line in lines)
        }
        if status >= 200:
            length = int(headers.get("content-length", len(rest)))
            return Answer(status, headers, rest[:length], tuple(interim))
        interim.append(status)
        raw = rest


def exchange(url: str, request: bytes, timeout: float = 10) -> Answer:
    """Send ``request`` on a new connection; the answer, read until the server closes."""
    return parse_answer(until_closed(connect(url, request, timeout)))
