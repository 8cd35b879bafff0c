"""Issuing credentials to a wallet (OpenID4VCI 1.0, SD-JWT VC), judged by the
reference holder: the IETF sd-jwt library reads and verifies what CongDan
issues, and every request the wallet makes is the standard's."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder

from app.date_fields import LOCAL_TIMEZONE, local_today
from app.extensions import db
from consent.models import AccessEvent, Basis
from health_book.models import HealthProfile
from identity.models import Role
from school_records import publishing
from tests import factories
from tests.demo_ids import AN, BINH, EM, HAI, SCHOOL
from tests.problems import assert_problem
from tests.wallet.conftest import CARD_VALID_TO, redeem
from wallet.holder import WalletError
from wallet.models import CredentialOffer
from wallet.records import identifier
from wallet.types import BHYT, HOC_BA


def test_a_guardian_adds_his_daughters_transcript_to_a_wallet(
    holder, transcript_offer, transcript
):
    [added] = holder.accept_offer(
        transcript_offer["deep_link"], transcript_offer["tx_code"]
    )
    # The library verified the school's signature (JWT VC Issuer Metadata) and
    # read every disclosure.
    assert added.configuration_id == HOC_BA.configuration_id
    claims = added.claims
    assert claims["vct"] == "http://localhost/vct/hoc-ba/v1"
    assert claims["iss"] == f"http://localhost/api/v1/schools/{transcript.school_id}"
    assert claims["full_name"] == "Nguyễn Thị Bình"
    assert claims["grade"] == 6
    assert claims["school_year"] == "2025-2026"
    assert claims["year_results"]["conduct"] == "Tốt"
    assert claims["year_results"]["average"] == pytest.approx(8.3, abs=1.5)
    assert set(claims["subjects"]) == {
        s["code"] for s in transcript.content["subjects"]
    }
    assert claims["status"]["status_list"] == {
        "idx": transcript.status_list_index,
        "uri": f"http://localhost/api/v1/schools/{transcript.school_id}/token-status-list",
    }
    assert claims["cnf"]["jwk"]["crv"] == "P-256"
    assert "d" not in claims["cnf"]["jwk"]


def _midnight(birthdate: str, years: int) -> int:
    born = date.fromisoformat(birthdate)
    return int(
        datetime.combine(
            born.replace(year=born.year + years), time(), LOCAL_TIMEZONE
        ).timestamp()
    )


def test_only_the_school_year_and_grade_are_shown_without_disclosures(
    holder, transcript_offer
):
    [added] = holder.accept_offer(
        transcript_offer["deep_link"], transcript_offer["tx_code"]
    )
    signed = SDJWTHolder(added.sd_jwt).sd_jwt_payload
    shown = {name for name in signed if not name.startswith("_")}
    assert shown == {
        "iss", "iat", "exp", "vct", "cnf", "status", "school", "school_year", "grade", "regulation",
        "subjects",
    }  # fmt: skip
    # Each subject is itself a digest: none is named until disclosed.
    assert set(signed["subjects"]) == {"_sd"}
    # A guardian's copy ends when the child turns 14 and acts for herself.
    assert signed["exp"] == _midnight(added.claims["birthdate"], years=14)
    # Decoys: the digests outnumber the hidden claims.
    assert len(signed["_sd"]) % 4 == 0
    assert len(signed["_sd"]) > 5


def test_the_average_of_the_year_is_the_mean_of_the_scored_subjects(
    holder, transcript_offer, transcript
):
    [added] = holder.accept_offer(
        transcript_offer["deep_link"], transcript_offer["tx_code"]
    )
    scored = [
        s["year_average"]
        for s in transcript.content["subjects"]
        if s["assessment"] == "scored"
    ]
    assert added.claims["year_results"]["average"] == round(
        sum(scored) / len(scored) + 1e-9, 1
    )


def test_a_citizen_adds_his_bhyt_card(holder, card_offer):
    [added] = holder.accept_offer(card_offer["deep_link"], card_offer["tx_code"])
    claims = added.claims
    assert claims["vct"] == "http://localhost/vct/bhyt/v1"
    assert claims["iss"] == "http://localhost"
    assert claims["bhyt_number"] == "0123456789"
    assert claims["valid_to"] == CARD_VALID_TO.isoformat()
    # The card's credential ends with the card (the midnight after, in Vietnam).
    midnight = datetime.combine(
        CARD_VALID_TO + timedelta(days=1), time(), LOCAL_TIMEZONE
    )
    assert claims["exp"] == int(midnight.timestamp())
    assert "status" not in claims


def test_a_card_credential_lives_at_most_a_year(
    holder, make_offer, citizen, cards_in_force
):
    """The API's keys stay published 400 days after they retire: nothing they
    sign may need them longer."""
    profile = db.session.scalar(
        sa.select(HealthProfile).where(
            HealthProfile.citizen_id == citizen(AN).id,
            HealthProfile.superseded_at.is_(None),
        )
    )
    profile.bhyt_valid_to = local_today() + timedelta(days=3 * 365)
    db.session.flush()
    offer = make_offer(identifier(BHYT, citizen(AN).id)).get_json()
    [added] = holder.accept_offer(offer["deep_link"], offer["tx_code"])
    assert added.claims["exp"] - added.claims["iat"] == 365 * 86_400


def test_an_expired_card_is_not_offered(make_offer, citizen):
    # The demo's cards end on 2026-12-31: a day later, An's has run out.
    profile = db.session.scalar(
        sa.select(HealthProfile).where(
            HealthProfile.citizen_id == citizen(AN).id,
            HealthProfile.superseded_at.is_(None),
        )
    )
    profile.bhyt_valid_to = local_today() - timedelta(days=1)
    db.session.flush()
    assert make_offer(identifier(BHYT, citizen(AN).id)).status_code == 404


def test_the_offer_is_fetched_by_reference_and_needs_the_pin(client, transcript_offer):
    assert transcript_offer["deep_link"].startswith(
        "openid-credential-offer://?credential_offer_uri="
    )
    assert (
        transcript_offer["qr_svg"].startswith("<?xml")
        or "<svg" in transcript_offer["qr_svg"]
    )
    assert len(transcript_offer["tx_code"]) == 6
    assert transcript_offer["tx_code"].isdigit()
    offer = client.get(transcript_offer["credential_offer_uri"])
    assert offer.headers["Cache-Control"] == "no-store"
    body = offer.get_json()
    assert body["credential_issuer"] == "http://localhost"
    assert body["credential_configuration_ids"] == [HOC_BA.configuration_id]
    grant = body["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert grant["tx_code"]["length"] == 6
    assert grant["tx_code"]["input_mode"] == "numeric"
    # Only a digest of the code and of the PIN is kept.
    row = db.session.get(CredentialOffer, uuid.UUID(transcript_offer["id"]))
    assert grant["pre-authorized_code"] not in (row.code_digest, row.code_encrypted)
    assert transcript_offer["tx_code"] not in row.tx_code_digest


def test_an_offer_is_redeemed_once(http, transcript_offer):
    grant = http.get(transcript_offer["credential_offer_uri"]).json()["grants"][
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ]
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        "pre-authorized_code": grant["pre-authorized_code"],
        "tx_code": transcript_offer["tx_code"],
    }
    first = http.post("/oid4vci/token", data=form)
    assert first.status_code == 200
    assert first.json()["token_type"] == "Bearer"
    assert first.headers["Cache-Control"] == "no-store"
    again = http.post("/oid4vci/token", data=form)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    # The offer is gone from where the wallet fetched it.
    assert http.get(transcript_offer["credential_offer_uri"]).status_code == 404


def test_a_wrong_pin_is_refused_and_five_spend_the_offer(http, transcript_offer):
    right = transcript_offer["tx_code"]
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for attempt in range(1, 6):
        refused = redeem(http, transcript_offer, tx_code=wrong)
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
        row = db.session.get(CredentialOffer, uuid.UUID(transcript_offer["id"]))
        db.session.refresh(row)
        assert row.failed_attempts == attempt
    spent = redeem(http, transcript_offer, tx_code=right)
    assert spent.status_code == 400
    assert spent.json()["error"] == "invalid_grant"


def test_an_offer_without_its_pin_is_an_invalid_request(http, transcript_offer):
    refused = redeem(http, transcript_offer, tx_code=None)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"
    # For the wallet's developer, in English (the problem's detail is the caller's).
    assert refused.json()["error_description"] == (
        "This offer needs its transaction code (tx_code)."
    )
    assert refused.headers["Content-Type"] == "application/json"
    assert refused.json()["error_description"].isascii()


def test_an_unknown_grant_type_is_refused(http):
    refused = http.post("/oid4vci/token", data={"grant_type": "password"})
    assert refused.status_code == 400
    assert refused.json()["error"] == "unsupported_grant_type"


def test_a_stranger_cannot_offer_a_childs_transcript(make_offer, transcript):
    refused = make_offer(identifier(HOC_BA, transcript.id), who=HAI)
    assert_problem(refused, 404, "not-found")


def test_a_guardian_cannot_offer_once_the_child_is_fourteen(
    make_offer, transcript, clock, citizen
):
    # Bình, born in 2014, turns 14 in 2028: from then on she acts for herself.
    clock.at(datetime(citizen(BINH).birth_date.year + 14, 12, 31, tzinfo=UTC))
    refused = make_offer(identifier(HOC_BA, transcript.id))
    assert refused.status_code == 404


def test_an_offer_needs_a_recent_level_two_login(make_offer, transcript, citizen):
    refused = make_offer(identifier(HOC_BA, transcript.id), acr="urn:vneid:loa:1")
    assert_problem(refused, 401, "insufficient-user-authentication")


def test_an_organisation_cannot_offer_a_citizens_credential(
    client, transcript, citizen, organisation, auth_headers
):
    refused = client.post(
        "/api/v1/wallet/offers",
        json={"credential_identifier": identifier(HOC_BA, transcript.id)},
        headers=auth_headers(citizen(EM), org=organisation(SCHOOL), role="principal"),
    )
    assert_problem(refused, 403, "forbidden")


def test_a_revoked_transcript_is_not_offered(
    make_offer, transcript, citizen, organisation
):
    principal = factories.acting(citizen(EM), organisation(SCHOOL), Role.PRINCIPAL)
    publishing.revoke(principal, transcript.id, "Sai điểm môn Toán")
    assert make_offer(identifier(HOC_BA, transcript.id)).status_code == 404


def test_the_list_of_what_i_may_add_holds_mine_and_my_childs(
    client, citizen, auth_headers, transcript, cards_in_force
):
    listed = client.get("/api/v1/wallet/credentials", headers=auth_headers(citizen(AN)))
    assert listed.status_code == 200
    identifiers = {item["identifier"] for item in listed.get_json()["items"]}
    assert identifiers == {
        identifier(HOC_BA, transcript.id),
        identifier(BHYT, citizen(AN).id),
        identifier(BHYT, citizen(BINH).id),
    }
    stranger = client.get(
        "/api/v1/wallet/credentials", headers=auth_headers(citizen(HAI))
    )
    assert stranger.get_json()["items"] == []


def test_a_guardians_credential_is_in_the_childs_access_log(
    holder, transcript_offer, citizen
):
    holder.accept_offer(transcript_offer["deep_link"], transcript_offer["tx_code"])
    logged = db.session.scalars(
        sa.select(AccessEvent).where(
            AccessEvent.subject_id == citizen(BINH).id,
            AccessEvent.actor_id == citizen(AN).id,
            AccessEvent.action == "export",
        )
    ).all()
    assert [(e.basis, e.category, e.outcome) for e in logged] == [
        (Basis.GUARDIAN, "transcripts", "permit")
    ]


def test_a_transcript_revoked_after_the_offer_is_not_issued(
    holder, transcript_offer, transcript, citizen, organisation
):
    principal = factories.acting(citizen(EM), organisation(SCHOOL), Role.PRINCIPAL)
    publishing.revoke(principal, transcript.id, "Sai điểm môn Toán")
    with pytest.raises(WalletError, match="credential_request_denied"):
        holder.accept_offer(transcript_offer["deep_link"], transcript_offer["tx_code"])


# -- the credential endpoint and the key proof ---------------------------------


def _nonce(http):
    return http.post("/oid4vci/nonce").json()["c_nonce"]


def _ask(http, holder, token, proof=None, **body):
    access, chosen = token
    if proof is None:
        proof = holder.key_proof(
            JWK.generate(kty="EC", crv="P-256"), "http://localhost", _nonce(http)
        )
    request = {"credential_identifier": chosen, "proofs": {"jwt": [proof]}, **body}
    return http.post(
        "/oid4vci/credential",
        json=request,
        headers={"Authorization": f"Bearer {access}"},
    )


def test_the_credential_is_bound_to_the_proven_key(http, holder, token):
    key = JWK.generate(kty="EC", crv="P-256")
    answer = _ask(
        http, holder, token, holder.key_proof(key, "http://localhost", _nonce(http))
    )
    assert answer.status_code == 200
    credential = answer.json()["credentials"][0]["credential"]
    claims = holder.read(credential)
    assert claims["cnf"]["jwk"] == json.loads(key.export_public())


def test_each_credential_of_a_token_is_issued_once(http, holder, token):
    assert _ask(http, holder, token).status_code == 200
    again = _ask(http, holder, token)
    assert again.status_code == 400
    assert again.json()["error"] == "credential_request_denied"


def test_a_proof_for_another_issuer_is_refused(http, holder, token):
    proof = holder.key_proof(
        JWK.generate(kty="EC", crv="P-256"), "https://issuer.example", _nonce(http)
    )
    refused = _ask(http, holder, token, proof)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_proof"


def test_a_nonce_is_used_once(
    http, holder, token, transcript_offer, make_offer, transcript
):
    nonce = _nonce(http)
    first = holder.key_proof(
        JWK.generate(kty="EC", crv="P-256"), "http://localhost", nonce
    )
    assert _ask(http, holder, token, first).status_code == 200
    # Another token, the same nonce: refused.
    other = make_offer(identifier(HOC_BA, transcript.id)).get_json()
    second_token = redeem(http, other).json()
    replayed = holder.key_proof(
        JWK.generate(kty="EC", crv="P-256"), "http://localhost", nonce
    )
    refused = _ask(
        http,
        holder,
        (second_token["access_token"], identifier(HOC_BA, transcript.id)),
        replayed,
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_nonce"


def test_a_nonce_not_made_here_is_refused(http, holder, token):
    proof = holder.key_proof(
        JWK.generate(kty="EC", crv="P-256"), "http://localhost", "123.abc.def"
    )
    refused = _ask(http, holder, token, proof)
    assert refused.json()["error"] == "invalid_nonce"


def test_a_proof_without_a_nonce_is_refused(http, holder, token):
    proof = holder.key_proof(
        JWK.generate(kty="EC", crv="P-256"), "http://localhost", None
    )
    assert _ask(http, holder, token, proof).json()["error"] == "invalid_nonce"


def test_a_proof_signed_by_another_key_than_it_names_is_refused(http, holder, token):
    named, signer = (
        JWK.generate(kty="EC", crv="P-256"),
        JWK.generate(kty="EC", crv="P-256"),
    )
    forged = holder.key_proof(signer, "http://localhost", _nonce(http))
    header, payload, signature = forged.split(".")
    import base64

    decoded = json.loads(base64.urlsafe_b64decode(header + "=="))
    decoded["jwk"] = json.loads(named.export_public())
    swapped = (
        base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    )
    refused = _ask(http, holder, token, f"{swapped}.{payload}.{signature}")
    assert refused.json()["error"] == "invalid_proof"


def test_a_proof_without_a_proof_type_is_refused(http, holder, token):
    assert _ask(http, holder, token, "not-a-jwt").json()["error"] == "invalid_proof"
    access, chosen = token
    missing = http.post(
        "/oid4vci/credential",
        json={"credential_identifier": chosen},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert missing.json()["error"] == "invalid_proof"


def test_a_credential_of_another_record_is_not_in_the_token(
    http, holder, token, citizen
):
    refused = _ask(
        http, holder, token, credential_identifier=identifier(BHYT, citizen(AN).id)
    )
    assert refused.json()["error"] == "unknown_credential_identifier"


def test_the_credential_endpoint_needs_theredeem(http, holder, token):
    refused = _ask(http, holder, ("not-a-token", token[1]))
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


# -- tokens bound to the wallet's key (DPoP, RFC 9449) ---------------------------------


@pytest.fixture
def bound(http, holder, transcript_offer):
    """A token of the offer bound to a DPoP key of the wallet."""
    grant = http.get(transcript_offer["credential_offer_uri"]).json()["grants"][
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ]
    key = JWK.generate(kty="EC", crv="P-256")
    answer = http.post(
        "/oid4vci/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": grant["pre-authorized_code"],
            "tx_code": transcript_offer["tx_code"],
        },
        headers={"DPoP": holder._dpop(key, "POST", "http://localhost/oid4vci/token")},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "DPoP"
    [detail] = answer.json()["authorization_details"]
    return answer.json()["access_token"], detail["credential_identifiers"][0], key


def _ask_bound(http, holder, access, chosen, headers):
    proof = holder.key_proof(
        JWK.generate(kty="EC", crv="P-256"), "http://localhost", _nonce(http)
    )
    return http.post(
        "/oid4vci/credential",
        json={"credential_identifier": chosen, "proofs": {"jwt": [proof]}},
        headers=headers,
    )


def test_a_bound_token_needs_a_proof_of_its_key(http, holder, bound):
    access, chosen, key = bound
    url = "http://localhost/oid4vci/credential"
    as_bearer = _ask_bound(
        http, holder, access, chosen, {"Authorization": f"Bearer {access}"}
    )
    assert as_bearer.status_code == 401
    assert as_bearer.json()["error"] == "invalid_token"
    no_proof = _ask_bound(
        http, holder, access, chosen, {"Authorization": f"DPoP {access}"}
    )
    assert no_proof.status_code == 401
    assert no_proof.json()["error"] == "invalid_dpop_proof"
    assert no_proof.headers["WWW-Authenticate"].startswith("DPoP")
    other = JWK.generate(kty="EC", crv="P-256")
    stolen = _ask_bound(
        http, holder, access, chosen,
        {"Authorization": f"DPoP {access}", "DPoP": holder._dpop(other, "POST", url, access)},
    )  # fmt: skip
    assert stolen.json()["error"] == "invalid_dpop_proof"
    proof = holder._dpop(key, "POST", url, access)
    good = _ask_bound(
        http, holder, access, chosen, {"Authorization": f"DPoP {access}", "DPoP": proof}
    )
    assert good.status_code == 200, good.text
    replayed = _ask_bound(
        http, holder, access, chosen, {"Authorization": f"DPoP {access}", "DPoP": proof}
    )
    assert replayed.json()["error"] == "invalid_dpop_proof"


def test_an_unbound_token_is_not_accepted_as_dpop(http, holder, token):
    access, chosen = token
    refused = _ask_bound(
        http, holder, access, chosen, {"Authorization": f"DPoP {access}"}
    )
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"


def test_a_bad_dpop_proof_at_the_token_endpoint_is_refused(http, transcript_offer):
    grant = http.get(transcript_offer["credential_offer_uri"]).json()["grants"][
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ]
    refused = http.post(
        "/oid4vci/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": grant["pre-authorized_code"],
            "tx_code": transcript_offer["tx_code"],
        },
        headers={"DPoP": "not.a.proof"},
    )
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_dpop_proof"
    # The offer is not spent by a refused request.
    assert http.get(transcript_offer["credential_offer_uri"]).status_code == 200
