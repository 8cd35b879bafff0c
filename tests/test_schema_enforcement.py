"""Issue 12, finding 8: what the OpenAPI document says is what the API enforces.

A body the document requires must be there (an empty ``POST …/revoke`` revoked a
consent), a JSON body must be JSON, a boolean is ``true`` or ``false`` (``0`` was
taken for ``false``), and every HTTP error — the framework's and the server's
own, such as 414 — is a problem.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import werkzeug.exceptions
from flask import Flask

from app.blueprint import BODY_REQUIRED_ERROR
from app.errors import PROBLEM_MIMETYPE
from app.extensions import db
from consent.models import ConsentArtefact
from tests.conftest import KEYS_DIR, TEST_SECRET, _free_port, make_app
from tests.consent.helpers import Parties, grant
from tests.demo_ids import AN, CLINIC, CUC
from tests.problems import PROBLEM_TYPE_BASE, assert_problem


@pytest.fixture
def parties(citizen, organisation, auth_headers) -> Parties:
    return Parties(citizen, organisation, auth_headers)


def test_revoking_a_consent_with_no_body_is_422_and_it_stays_granted(
    client, parties, citizen
):
    artefact = grant(client, parties, citizen(AN).id)
    response = client.post(
        f"/api/v1/consents/{artefact['id']}/revoke",
        headers={**parties.stepped_up(AN), "Accept-Language": "en"},
    )
    body = assert_problem(response, 422, "validation-failed")
    assert body["errors"] == {"_schema": [BODY_REQUIRED_ERROR]}
    db.session.expire_all()
    kept = db.session.get(ConsentArtefact, uuid.UUID(artefact["id"]))
    assert kept.effective_status.value == "granted"
    # An empty object is a body: the reason is optional.
    revoked = client.post(
        f"/api/v1/consents/{artefact['id']}/revoke",
        json={},
        headers=parties.stepped_up(AN),
    )
    assert revoked.status_code == 200
    assert revoked.get_json()["status"] == "revoked"


def test_a_json_body_sent_as_another_media_type_is_415(client, parties, citizen):
    artefact = grant(client, parties, citizen(AN).id)
    response = client.post(
        f"/api/v1/consents/{artefact['id']}/revoke",
        data='{"reason": "Thôi"}',
        content_type="text/plain",
        headers=parties.stepped_up(AN),
    )
    assert_problem(response, 415, "unsupported-media-type")
    db.session.expire_all()
    assert db.session.get(ConsentArtefact, uuid.UUID(artefact["id"])).revoked_at is None


@pytest.mark.parametrize("value", [0, 1, "true", "false", "yes"])
def test_a_boolean_is_true_or_false_and_nothing_else(
    client, citizen, organisation, auth_headers, value
):
    clinic = auth_headers(citizen(CUC), org=organisation(CLINIC), role="doctor")
    response = client.post(
        f"/api/v1/citizens/{citizen(AN).id}/health-book/allergies",
        json={
            "record_date": "2026-11-20",
            "substance": "Penicillin",
            "category": "medication",
            "criticality": "high",
            "sensitive": value,
        },
        headers={**clinic, "Accept-Language": "en"},
    )
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert errors["sensitive"] == ["Not a valid boolean."]


@pytest.mark.parametrize(("flag", "status"), [("true", 200), ("1", 422), ("yes", 422)])
def test_a_query_flag_is_true_or_false(client, citizen, auth_headers, flag, status):
    response = client.get(
        f"/api/v1/notifications?unread={flag}", headers=auth_headers(citizen(AN))
    )
    assert response.status_code == status


def _problem_probe_app(database_url: str) -> Flask:
    application = make_app(database_url)

    @application.route("/_raise/<int:status>")
    def _raise(status: int) -> None:
        werkzeug.exceptions.abort(status)

    return application


#: Every error status werkzeug can raise, with the slug it is published under.
HTTP_ERRORS = {
    cls.code: cls
    for cls in vars(werkzeug.exceptions).values()
    if isinstance(cls, type)
    and issubclass(cls, werkzeug.exceptions.HTTPException)
    and (cls.code or 0) >= 400
}
SLUGS = {414: "uri-too-long", 431: "header-fields-too-large", 416: "range-not-satisfiable",
         411: "length-required", 501: "not-implemented", 405: "method-not-allowed",
         413: "payload-too-large", 415: "unsupported-media-type"}  # fmt: skip


@pytest.fixture(scope="module")
def raising_client(database_url, app):
    return _problem_probe_app(database_url).test_client()


@pytest.mark.parametrize("status", sorted(HTTP_ERRORS))
def test_every_http_error_the_framework_raises_is_a_problem(raising_client, status):
    response = raising_client.get(
        f"/_raise/{status}", headers={"Accept-Language": "vi"}
    )
    body = assert_problem(response, status, SLUGS.get(status))
    if status in SLUGS:
        assert not body["title"].isascii()  # Vietnamese, not the reason phrase


def _raw_request(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.lower(): value.strip()
        for name, value in (line.split(":", 1) for line in header_lines)
    }
    return int(status_line.split()[1]), headers, body


@pytest.fixture(scope="module")
def gunicorn_port(tmp_path_factory) -> int:
    port = _free_port()
    database = tmp_path_factory.mktemp("gunicorn") / "app.db"
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": TEST_SECRET,
        "VNEID_CLIENT_SECRET": "test-gunicorn-errors-client-secret",
        "CONGDAN_VNEID_KEYS_FILE": str(KEYS_DIR / "vneid_keys.json"),
        "CONGDAN_API_KEYS_FILE": str(KEYS_DIR / "api_keys.json"),
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "1"]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [*command, "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            status, _, _ = _raw_request(port, b"GET /livez HTTP/1.0\r\n\r\n")
            if status == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.2)
    yield port
    server.terminate()
    server.wait(timeout=20)


@pytest.mark.slow  # starts gunicorn
@pytest.mark.parametrize(
    ("request_bytes", "status", "slug"),
    [
        (b"GET /api/v1/organisations?x=" + b"a" * 5000 + b" HTTP/1.1\r\n"
         b"Host: localhost\r\n\r\n", 414, "uri-too-long"),
        (b"GET /livez HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 9000
         + b"\r\n\r\n", 431, "header-fields-too-large"),
        (b"GET /livez HTTP/1.1\r\nHost: localhost\r\n"
         + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n",
         431, "header-fields-too-large"),
        (b"GARBAGE\r\n\r\n", 400, "bad-request"),
    ],
    ids=["uri-too-long", "header-too-large", "too-many-headers", "bad-request-line"],
)  # fmt: skip
def test_gunicorns_own_refusals_are_problems_too(
    gunicorn_port, request_bytes, status, slug
):
    got, headers, body = _raw_request(gunicorn_port, request_bytes)
    assert got == status
    assert headers["content-type"] == PROBLEM_MIMETYPE
    problem = json.loads(body)
    assert problem["type"] == PROBLEM_TYPE_BASE + slug
    assert problem["status"] == status
    assert problem["title"]
