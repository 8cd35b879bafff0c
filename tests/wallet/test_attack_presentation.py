"""Attacks on the verifier (OpenID4VP + SD-JWT VC)."""

import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS

from app import sd_jwt
from app.extensions import db
from consent.models import AccessEvent, Basis
from identity.models import Role
from school_records import keys
from tests import factories
from tests.demo_ids import AN
from wallet.models import PresentationRequest

BHYT_VCT = "http://localhost/vct/bhyt/v1"
HOC_BA_VCT = "http://localhost/vct/hoc-ba/v1"


def _params(link):
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


def _outcome(made):
    found = db.session.get(PresentationRequest, uuid.UUID(made["id"]))
    db.session.refresh(found)
    return found


def _kb(key: JWK, aud, nonce, presented, iat=None, header=None):
    claims = {
        "aud": aud,
        "nonce": nonce,
        "iat": iat or int(time.time()),
        "sd_hash": sd_jwt.digest(presented),
    }
    s = JWS(json.dumps(claims))
    s.add_signature(
        key,
        alg="ES256",
        protected=json.dumps(header or {"alg": "ES256", "typ": "kb+jwt"}),
    )
    return s.serialize(compact=True)


def _present_forged(http, made, query_id, claims, signing_key, kid, disclose_all=True):
    """Sign ``claims`` (with Hidden values) as an issuer, then present every
    disclosure with a fresh holder key, for ``made``."""
    holder = JWK.generate(kty="EC", crv="P-256")
    claims = {**claims, "cnf": {"jwk": json.loads(holder.export_public())}}
    issued, _ = sd_jwt.issue(claims, signing_key, {"typ": "dc+sd-jwt", "kid": kid})
    params = _params(made["request_link"])
    presented = issued if disclose_all else issued.split("~")[0] + "~"
    presentation = presented + _kb(
        holder, params["client_id"], params["nonce"], presented
    )
    return http.post(
        params["response_uri"],
        data={
            "vp_token": json.dumps({query_id: [presentation]}),
            "state": params["state"],
        },
    )


# -- 1. a card shown without its number: read, not logged ---------------------


def test_a_card_read_by_a_clinic_is_in_the_citizens_access_log(
    http, holder, card_offer, clinic_ask, citizen
):
    holder.accept_offer(card_offer["deep_link"], card_offer["tx_code"])
    made = clinic_ask([["full_name"], ["birthdate"], ["valid_to"]])
    assert holder.present(made["request_link"]) == {}
    found = _outcome(made)
    assert found.outcome == "verified"
    shown = found.result["credentials"][0]["claims"]
    assert shown["full_name"] == citizen(AN).full_name  # the clinic read An's data
    logged = db.session.scalars(
        sa.select(AccessEvent).where(
            AccessEvent.subject_id == citizen(AN).id,
            AccessEvent.basis == Basis.PRESENTATION,
        )
    ).all()
    assert logged, (
        "An's name, birth date and card dates were read by the clinic; his access log says nothing"
    )


# -- 2. a school signs a BHYT card ---------------------------------------------


def test_a_school_cannot_issue_bhyt_cards(http, clinic_ask, client):
    made = clinic_ask([["full_name"], ["bhyt_number"]])
    school = factories.school(name="Trường THCS Bất Kỳ")
    row, key = keys.signing_key(school.id)
    response = _present_forged(
        http,
        made,
        "card",
        {
            "iss": f"http://localhost/api/v1/schools/{school.id}",
            "vct": BHYT_VCT,
            "iat": int(time.time()),
            "full_name": sd_jwt.Hidden("Người Không Có Thẻ"),
            "bhyt_number": sd_jwt.Hidden("9999999999"),
        },
        key,
        row.kid,
    )
    found = _outcome(made)
    page = client.get(made["page_url"].removeprefix("http://localhost") + "&lang=en")
    assert response.status_code == 400
    assert found.outcome == "rejected"
    assert response.json()["reason"] == "wrong-issuer"
    assert "electronic health book" not in page.text


# -- what held --------------------------------------------------------------------


def test_a_teachers_key_cannot_sign_a_transcript(http, ask_school, transcript):
    made, school = ask_school
    teacher = factories.staff(school, Role.TEACHER)
    row, key = keys.signing_key(school.id, teacher.id)
    response = _present_forged(
        http, made, "hoc_ba", _transcript_claims(school, 6), key, row.kid
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "unknown-issuer"


def test_a_deregistered_school_is_not_trusted(http, ask_school):
    made, school = ask_school
    row, key = keys.signing_key(school.id)
    from app.db import utcnow

    school.deregistered_at = utcnow()
    db.session.flush()
    response = _present_forged(
        http, made, "hoc_ba", _transcript_claims(school, 6), key, row.kid
    )
    assert response.json()["reason"] == "unknown-issuer"


@pytest.mark.parametrize("idx", [-1, 10**9, 2**70, True, "0", 1.0])
def test_a_status_index_out_of_range_is_refused(http, ask_school, idx):
    made, school = ask_school
    row, key = keys.signing_key(school.id)
    claims = _transcript_claims(school, 6)
    claims["status"]["status_list"]["idx"] = idx
    response = _present_forged(http, made, "hoc_ba", claims, key, row.kid)
    assert response.status_code == 400
    assert response.json()["reason"] in ("status-unknown", "malformed")


def test_a_transcript_on_another_schools_status_list_is_refused(
    http, ask_school, transcript, citizen
):
    """School A's key signs a 'transcript' whose status entry is Binh's position
    on the demo school's list: it verifies, is never revoked with A's own list,
    and Binh's access log says the verifier read her transcript."""
    made, _ = ask_school
    school = factories.school(name="Trường A")
    row, key = keys.signing_key(school.id)
    claims = _transcript_claims(school, 6)
    claims["status"]["status_list"] = {
        "idx": transcript.status_list_index,
        "uri": f"http://localhost/api/v1/schools/{transcript.school_id}/token-status-list",
    }
    response = _present_forged(http, made, "hoc_ba", claims, key, row.kid)
    logged = db.session.scalars(
        sa.select(AccessEvent).where(
            AccessEvent.subject_id == transcript.pupil_id,
            AccessEvent.basis == Basis.PRESENTATION,
        )
    ).all()
    assert response.status_code == 400, (
        f"verified; access events logged for an unrelated pupil: {len(logged)}"
    )


def test_a_key_withdrawn_before_the_credential_was_issued_is_refused(http, ask_school):
    made, school = ask_school
    row, key = keys.signing_key(school.id)
    from app.db import utcnow

    row.retired_at = utcnow()
    row.withdrawn_since = row.created_at
    db.session.flush()
    response = _present_forged(
        http, made, "hoc_ba", _transcript_claims(school, 6), key, row.kid
    )
    assert response.json()["reason"] == "key-withdrawn"


def test_an_issuer_signed_with_another_schools_key_is_refused(http, ask_school):
    made, school = ask_school
    other = factories.school(name="Khác")
    row, key = keys.signing_key(other.id)
    response = _present_forged(
        http, made, "hoc_ba", _transcript_claims(school, 6), key, row.kid
    )
    assert response.json()["reason"] == "unknown-issuer"


@pytest.fixture
def ask_school(client, auth_headers, verifier_school):
    school, principal = verifier_school
    body = {
        "purpose": "x",
        "dcql_query": {
            "credentials": [
                {
                    "id": "hoc_ba",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [HOC_BA_VCT]},
                    "claims": [{"path": ["grade"]}],
                }
            ]
        },
    }
    made = client.post(
        "/api/v1/verifier/requests",
        json=body,
        headers=auth_headers(principal, org=school, role="principal"),
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json(), school


def _transcript_claims(school, grade):
    return {
        "iss": f"http://localhost/api/v1/schools/{school.id}",
        "vct": HOC_BA_VCT,
        "iat": int(time.time()),
        "status": {
            "status_list": {
                "idx": 0,
                "uri": f"http://localhost/api/v1/schools/{school.id}/token-status-list",
            }
        },
        "school": {"name": school.name, "code": school.code},
        "grade": grade,
        "full_name": sd_jwt.Hidden("X"),
    }
