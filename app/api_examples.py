"""The examples of ``/openapi.json``: real answers recorded from the test suite.

``tools/record_openapi_examples.py`` writes ``openapi_examples.json`` beside this
module (``make examples``); this module hands them to the OpenAPI plugin. An
operation's examples are keyed by ``METHOD /path``: each answer's body by status
and media type, and the body of a request answered with a success. The problems are keyed by
status alone, for the shared error responses.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Final

_FILE: Final = Path(__file__).with_name("openapi_examples.json")


@functools.cache
def _recorded() -> dict[str, Any]:
    if not _FILE.exists():  # pragma: no cover - a checkout always has it
        return {"operations": {}, "problems": {}}
    recorded: dict[str, Any] = json.loads(_FILE.read_text(encoding="utf-8"))
    return recorded


def answer(operation: str, status: str, media_type: str) -> Any | None:
    """The recorded body of ``operation``'s ``status`` answer in ``media_type``."""
    recorded = _recorded()["operations"].get(operation, {})
    return recorded.get("responses", {}).get(status, {}).get(media_type)


def request_body(operation: str, media_type: str) -> Any | None:
    """The body of a request in ``media_type`` that ``operation`` answered with a
    success (form fields by name; a file by its name)."""
    recorded = _recorded()["operations"].get(operation, {})
    return recorded.get("requests", {}).get(media_type)


def problem(status: int) -> Any | None:
    """A recorded problem with HTTP ``status``, for the shared error response."""
    return _recorded()["problems"].get(str(status))
