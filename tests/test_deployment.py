"""A deployment is data: a second province is a directory, not a change of code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from app.deployment import DEFAULT_DIR
from app.extensions import db
from identity.models import Organisation
from service_requests.models import Procedure
from tests.conftest import make_app


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Procedure)),
    )


def test_loading_the_deployment_again_changes_nothing(app):
    before = _counts()
    result = app.test_cli_runner().invoke(args=["deployment", "load"])

    assert result.exit_code == 0, result.output
    assert result.output == "Loaded 4 organisations, 6 procedures.\n"
    assert _counts() == before


def _second_province(directory: Path) -> Path:
    """Another province: its own name, problem types, agency and one procedure."""
    shutil.copytree(DEFAULT_DIR, directory)
    (directory / "province.json").write_text(
        json.dumps(
            {
                "name": "Đồng Nai",
                "name_en": "Dong Nai",
                "problem_type_base": "https://dichvucong.dongnai.gov.vn/problems/",
            }
        )
    )
    agency = {
        "code": "000.00.30.H26",
        "name": "UBND phường Trấn Biên",
        "name_en": "Tran Bien Ward People's Committee",
        "kind": "agency",
        "sector": "public_administration",
        "address": "Phường Trấn Biên, Đồng Nai",
    }
    (directory / "organisations.json").write_text(json.dumps([agency]))
    birth = json.loads((directory / "procedures.json").read_text())[0]
    birth["agency"] = agency["code"]
    (directory / "procedures.json").write_text(json.dumps([birth]))
    return directory


@pytest.mark.real_sessions
def test_a_second_province_is_a_directory(scratch_database_url, tmp_path):
    province = _second_province(tmp_path / "dong-nai")
    app = make_app(scratch_database_url, DEPLOYMENT_DIR=str(province))
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        # (the suite's own application is current in every test: push this one)
        loaded = app.test_cli_runner().invoke(args=["deployment", "load"])
    client = app.test_client()

    assert loaded.output == "Loaded 1 organisations, 1 procedures.\n"
    procedures = client.get("/api/v1/procedures").get_json()["items"]
    assert [(p["code"], p["agency_code"]) for p in procedures] == [
        ("1.001193", "000.00.30.H26")
    ]
    missing = client.get("/api/v1/nowhere").get_json()
    assert missing["type"] == "https://dichvucong.dongnai.gov.vn/problems/not-found"
    assert app.config["PROVINCE_NAME"] == "Đồng Nai"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.real_sessions
def test_a_broken_file_is_refused_and_loads_nothing(scratch_database_url, tmp_path):
    province = _second_province(tmp_path / "broken")
    procedures = json.loads((province / "procedures.json").read_text())
    procedures[0]["deadline_working_days"] = "mười"
    (province / "procedures.json").write_text(json.dumps(procedures))
    app = make_app(scratch_database_url, DEPLOYMENT_DIR=str(province))
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        result = app.test_cli_runner().invoke(args=["deployment", "load"])

    assert result.exit_code == 1
    assert "procedures.json" in result.output
    assert "deadline_working_days" in result.output
    with app.app_context():
        assert _counts() == (0, 0)  # the organisations it read first rolled back
        db.session.remove()
        db.engine.dispose()
