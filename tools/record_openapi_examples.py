"""Record the OpenAPI document's examples from the test suite's own requests.

A pytest plugin (``make examples``: the fast suite on SQLite with ``-p
tools.record_openapi_examples``). Every request a test makes through Flask is
seen when it finishes; the first answer of each operation and status, and the
body that asked for it when the answer was a success, become that operation's
examples, and the first problem of each status the example of the shared error
response. They are written to ``app/openapi_examples.json``, which
``app.api_examples`` puts into ``/openapi.json``.

Examples are real answers, made anonymous and short: a person's name, national id,
phone and address become placeholders of the same shape ("Nguyễn Văn A",
"000000000000") wherever a field names them, and so do the demo population's
wherever they appear in text; birth dates keep only their year (a national id
spells out its holder's birth year and sex, so no part of one is kept); receipt
codes get a fixed day. The public document must show nothing the authorization
matrix calls another's data. Lists keep their first two items and long strings
(tokens, signatures) their head and tail.
``tests/test_openapi.py`` checks each against its documented schema, so an example
that no longer matches its body fails the suite; record them again then.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Final

import pytest
from flask import Response, current_app, request, request_finished

from identity import demo

#: Where ``app.api_examples`` reads them.
TARGET: Final = Path(__file__).resolve().parent.parent / "app" / "openapi_examples.json"
_RULE_VARIABLE: Final = re.compile(r"<(?:[^<:]+:)?([^<>]+)>")
_KEEP_ITEMS: Final = 2
_KEEP_CHARS: Final = 120
#: Bodies that are not JSON are kept as text when they are text and short.
_TEXT_TYPES: Final = (
    "text/xml",
    "application/xml",
    "application/vc+jwt",
    "application/statuslist+jwt",
    "text/plain",
)
_MAX_TEXT: Final = 4000
#: Fields whose values are credentials, even a test's: never in the examples (tokens
#: are cut short enough to be useless).
_SECRET_FIELDS: Final = frozenset(
    {"api_key", "client_secret", "otpauth_uri", "password", "recovery_code",
     "recovery_codes", "secret"}
)  # fmt: skip

_RECEIPT_DAY: Final = re.compile(r"(\d{3}\.\d{2}\.\d{2}\.[A-Z0-9.]+)-\d{6}-(\d{5})")


#: Fields that hold a person's name, wherever they are.
_NAME_FIELDS: Final = frozenset(
    {"full_name", "pupil_name", "homeroom_teacher_name", "teacher_name",
     "principal_name", "patient_name"}
)  # fmt: skip
#: Dates of a person's life: only the year is kept.
_DATE_FIELDS: Final = frozenset({"birth_date", "birthDate", "guardianship_ends_on"})
#: A body with one of these is a person's: its ``address`` is theirs.
_PERSON_FIELDS: Final = frozenset({"national_id", "birth_date", "full_name"})
_NAME: Final = "Nguyễn Văn A"
_NATIONAL_ID: Final = "000000000000"
_PHONE: Final = "+84900000000"
_ADDRESS: Final = "Số 1 đường Mẫu, phường Phú Cường, TP. Thủ Dầu Một, Bình Dương"
_YEAR: Final = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _placeholders() -> tuple[dict[str, str], dict[str, str]]:
    """(substring -> placeholder, whole value -> placeholder) for the demo's people."""
    within: dict[str, str] = {}
    whole: dict[str, str] = {}
    for index, (national_id, name, born, _sex, phone, *_) in enumerate(
        demo.CITIZENS, start=1
    ):
        *family, given = name.split()
        initial = given[0].upper() if given[0] != "Đ" else "D"
        within[name] = " ".join([*family, initial])
        whole[given] = initial  # a FHIR name's given part, on its own
        within[national_id] = f"{index:012d}"
        within[born.isoformat()] = f"{born.year}-01-01"
        if phone:
            within[phone[1:]] = f"9000000{index:02d}"
    within[demo.AN_ADDRESS] = _ADDRESS
    return within, whole


_WITHIN, _WHOLE = _placeholders()
_operations: dict[str, dict[str, Any]] = {}
_problems: dict[str, Any] = {}


def _shorten(value: Any) -> Any:
    """``value`` with lists cut to their first items and long strings elided."""
    if isinstance(value, dict):
        person = not _PERSON_FIELDS.isdisjoint(value)
        return {key: _field(key, item, person) for key, item in value.items()}
    if isinstance(value, list):
        return [_shorten(item) for item in value[:_KEEP_ITEMS]]
    if isinstance(value, str):
        value = _anonymous(value)
        if len(value) > _KEEP_CHARS:
            return f"{value[:60]}…{value[-20:]}"
    return value


def _field(key: str, value: Any, person: bool) -> Any:
    """One field of a body, made anonymous by what its name says it holds."""
    if key in _SECRET_FIELDS:
        return _withheld(value)
    if isinstance(value, str):
        if key in _NAME_FIELDS:
            return _NAME
        if key == "national_id":
            return _NATIONAL_ID
        if key == "phone":
            return _PHONE
        if key in _DATE_FIELDS and _YEAR.match(value):
            return f"{value[:4]}-01-01"
        if key == "address" and person:
            return _ADDRESS
    return _shorten(value)


def _anonymous(text: str) -> str:
    """``text`` with the demo's people replaced by placeholders of the same shape."""
    if text in _WHOLE:
        return _WHOLE[text]
    for real, placeholder in _WITHIN.items():
        if real in text:
            text = text.replace(real, placeholder)
    return _RECEIPT_DAY.sub(r"\1-250101-\2", text)


def _withheld(value: Any) -> Any:
    return ["…"] if isinstance(value, list) else "…"


def _body(mimetype: str, data: bytes, parsed: Any) -> Any | None:
    """The example of one body, or None when it is not worth showing."""
    if parsed is not None:
        return _shorten(parsed)
    if mimetype in _TEXT_TYPES and len(data) <= _MAX_TEXT:
        try:
            return _anonymous(data.decode())
        except UnicodeDecodeError:
            return None
    return None


def _request_body() -> Any | None:
    """The body of the request being answered, as its example (files by name)."""
    if request.mimetype == "application/json":
        asked = request.get_json(silent=True)
        return None if asked is None else _shorten(asked)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields: dict[str, Any] = _shorten(request.form.to_dict())
        fields.update({name: part.filename for name, part in request.files.items()})
        return fields or None
    return None


def _record(sender: Any, response: Response, **_: Any) -> None:
    """Keep the first answer of each operation, status and media type.

    Connected to Flask's ``request_finished``: it runs inside the request.
    """
    if request.url_rule is None or response.direct_passthrough:
        return
    documented = current_app.extensions["flask-smorest"]["blp_name_to_api"]
    if request.blueprint not in documented:
        return  # the docs themselves, or a route a test added
    path = _RULE_VARIABLE.sub(r"{\1}", request.url_rule.rule)
    operation = _operations.setdefault(f"{request.method} {path}", {})
    if response.status_code < 300:
        asked = _request_body()
        if asked is not None:
            operation.setdefault("requests", {}).setdefault(request.mimetype, asked)
    media_type = response.mimetype or ""
    answers = operation.setdefault("responses", {}).setdefault(
        str(response.status_code), {}
    )
    if media_type in answers:
        return
    answer = _body(
        media_type,
        response.get_data(),
        response.get_json(silent=True) if response.is_json else None,
    )
    if answer is None:
        return
    answers[media_type] = answer
    if media_type == "application/problem+json":
        _problems.setdefault(str(response.status_code), answer)


def pytest_configure(config: pytest.Config) -> None:
    """Listen to every Flask application the tests make."""
    request_finished.connect(_record)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write what was recorded, in a stable order (only after a green run)."""
    request_finished.disconnect(_record)
    if exitstatus != 0:
        return
    for operation in _operations.values():
        operation["responses"] = {
            status: dict(sorted(answers.items()))
            for status, answers in sorted(operation.get("responses", {}).items())
            if answers
        }
    document = {
        "operations": {key: _operations[key] for key in sorted(_operations)},
        "problems": dict(sorted(_problems.items())),
    }
    TARGET.write_text(
        json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    )
