"""Public, slowly changing answers are sent again for a while, then built anew."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.extensions import db
from service_requests.models import Procedure
from tests.demo_ids import CLINIC, SCHOOL


def test_the_catalogue_is_sent_again_for_its_time_then_anew(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_SECONDS", 30)
    first = client.get("/api/v1/procedures")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=30"

    procedure = db.session.scalars(
        sa.select(Procedure).order_by(Procedure.code)
    ).first()
    procedure.name = "Thủ tục đã đổi tên"
    db.session.flush()
    again = client.get("/api/v1/procedures")
    assert again.get_data() == first.get_data()  # within its 30 s

    monkeypatch.setitem(app.config, "PUBLIC_CACHE_SECONDS", 0)
    anew = client.get("/api/v1/procedures")
    assert "Thủ tục đã đổi tên" in anew.get_data(as_text=True)


def test_organisations_are_kept_per_query(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_SECONDS", 30)
    clinics = client.get("/api/v1/organisations?kind=clinic").get_json()["items"]
    schools = client.get("/api/v1/organisations?kind=school").get_json()["items"]
    assert {o["kind"] for o in clinics} == {"clinic"}
    assert {o["kind"] for o in schools} == {"school"}


def test_a_kept_answer_is_sent_as_any_other_json_answer(app, client, monkeypatch):
    """Compact, keys sorted, UTF-8: what jsonify sends, byte for byte."""
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_SECONDS", 30)
    body = client.get("/api/v1/procedures").get_data(as_text=True)
    assert (
        body
        == json.dumps(
            json.loads(body), separators=(",", ":"), sort_keys=True, ensure_ascii=False
        )
        + "\n"
    )


def test_a_schools_keys_are_kept_like_any_public_answer(
    app, client, monkeypatch, organisation
):
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_SECONDS", 30)
    url = f"/api/v1/schools/{organisation(SCHOOL).id}/jwks"
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=30"
    assert first.get_json()["keys"]
    assert client.get(url).get_data() == first.get_data()
    stranger = f"/api/v1/schools/{organisation(CLINIC).id}/jwks"
    for _ in range(2):  # a refusal is never kept
        assert client.get(stranger).status_code == 404
