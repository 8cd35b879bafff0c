"""``flask seed-demo`` creates exactly DESIGN.md's demo accounts, and only once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.security import check_password_hash

from app.db import Base
from app.extensions import db
from identity.demo import DEMO_PASSWORD
from identity.models import Citizen, Guardianship, Membership
from identity.policies import is_guardian_of
from tests.conftest import make_app

DESIGN_ACCOUNTS = {
    "074095000101": ("Nguyễn Văn An", 2, None),
    "074314000102": ("Nguyễn Thị Bình", 1, None),
    "074190000103": ("Trần Thị Cúc", 2, ("74012", "doctor")),
    "074088000104": ("Lê Văn Dũng", 2, ("74718001", "teacher")),
    "074180000105": ("Phạm Thị Em", 2, ("74718001", "principal")),
    "074092000106": ("Võ Văn Phúc", 2, ("000.25.37.H57", "officer")),
    "074185000107": ("Đặng Thị Giang", 2, ("000.00.46.H57", "analyst")),
    "074099000108": ("Huỳnh Văn Hải", 1, None),
}


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    tables = {}
    for table in Base.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table)).all()
        tables[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


@pytest.fixture
def empty_app(scratch_database_url) -> Iterator[Flask]:
    """An application on a migrated database that holds nothing yet."""
    application = make_app(scratch_database_url)
    with application.app_context():
        flask_migrate.upgrade()
        yield application
        db.session.remove()
        db.engine.dispose()


def run_seed(app) -> str:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.real_sessions
def test_seed_on_empty_database_creates_exactly_the_design_accounts(empty_app):
    run_seed(empty_app)

    citizens = db.session.scalars(sa.select(Citizen)).all()
    assert {c.national_id: (c.full_name, c.loa) for c in citizens} == {
        number: (name, loa) for number, (name, loa, _) in DESIGN_ACCOUNTS.items()
    }
    memberships = {
        (m.citizen.national_id, m.organisation.code, m.role.value)
        for m in db.session.scalars(sa.select(Membership))
    }
    assert memberships == {
        (number, *membership)
        for number, (_, _, membership) in DESIGN_ACCOUNTS.items()
        if membership
    }


@pytest.mark.real_sessions
def test_seed_twice_changes_nothing(empty_app):
    run_seed(empty_app)
    first = snapshot()
    run_seed(empty_app)
    assert snapshot() == first


def test_demo_passwords_and_guardianship(citizen):
    an, binh, hai = (
        citizen("074095000101"),
        citizen("074314000102"),
        citizen("074099000108"),
    )
    assert check_password_hash(an.password_hash, DEMO_PASSWORD)
    assert binh.password_hash is None  # under 14: no login of her own
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Guardianship)) == 1
    today = binh.birth_date.replace(year=2026)
    assert is_guardian_of(an.id, binh.id, today)
    assert not is_guardian_of(hai.id, binh.id, today)
    assert not is_guardian_of(an.id, binh.id, binh.guardianship_ends_on)


def test_seeding_again_on_another_port_registers_that_address_too(app, monkeypatch):
    """make run PORT=5077, then PORT=5078 on the same clone: logins work on both."""
    from identity.demo import _congdan_app
    from identity.vneid import clients

    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:5078")
    with app.app_context():
        _congdan_app()
        client = clients.query_client(app.config["VNEID_CLIENT_ID"])
        assert "http://127.0.0.1:5078/callback" in client.redirect_uris
        assert "http://localhost/callback" in client.redirect_uris  # still kept
        assert "http://127.0.0.1:5078/callback" in client.post_logout_redirect_uris
        assert client.backchannel_logout_uri == (
            "http://127.0.0.1:5078/api/v1/auth/vneid/backchannel-logout"
        )
