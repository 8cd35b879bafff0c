"""Behind nginx, the client's address is the one the proxy saw, and only then.

Throttles, rate limits and the audit log key on ``request.remote_addr``. With
``PROXY_HOPS=1`` (nginx in front) it comes from the proxy's ``X-Forwarded-For``;
without (the default) the header is ignored, so no client can choose its address.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from app.audit import AuditEvent
from app.extensions import db
from tests.conftest import make_app
from tests.demo_ids import CLINIC, CUC
from tests.problems import assert_problem

CLIENT = "203.0.113.7"


@pytest.fixture(scope="session")
def proxied_app(database_url: str, app: Flask) -> Flask:
    """The application as deployed behind one reverse proxy."""
    return make_app(database_url, PROXY_HOPS=1)


@pytest.fixture
def clinic(auth_headers, citizen, organisation) -> dict[str, str]:
    return auth_headers(citizen(CUC), org=organisation(CLINIC), role="doctor")


def _redeem_from_behind_the_proxy(application: Flask, clinic: dict[str, str]):
    """A wrong share code, as nginx on 127.0.0.1 forwards it for CLIENT."""
    response = application.test_client().post(
        "/api/v1/share-codes/WRONG234/redeem",
        headers={**clinic, "X-Forwarded-For": CLIENT},
        environ_overrides={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert_problem(response, 404, "share-code-invalid")
    return db.session.scalar(
        sa.select(AuditEvent.ip)
        .where(AuditEvent.action == "consent.share_code.redeem")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def test_behind_a_proxy_the_forwarded_address_is_the_client(proxied_app, clinic):
    assert _redeem_from_behind_the_proxy(proxied_app, clinic) == CLIENT


def test_without_a_proxy_a_forwarded_address_is_ignored(app, clinic):
    assert _redeem_from_behind_the_proxy(app, clinic) == "127.0.0.1"
