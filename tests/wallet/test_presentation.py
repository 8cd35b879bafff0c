"""Presenting to a verifier (OpenID4VP 1.0, DCQL, direct_post): a high school
asks only for the grade, the year's average and conduct; the reference wallet
(the IETF sd-jwt library) shows only those; every forgery and replay is refused."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

from app import sd_jwt
from app.extensions import db
from consent.models import AccessEvent, Basis
from identity.models import Role
from school_records import publishing
from tests import factories
from tests.demo_ids import AN, BINH, CLINIC, CUC, EM, HAI, SCHOOL, WARD
from tests.problems import assert_problem
from tests.wallet.conftest import admission
from wallet.holder import WalletError, claims_to_disclose
from wallet.models import PresentationRequest

ASKED = [["grade"], ["year_results", "average"], ["year_results", "conduct"]]


def _params(request_link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request_link).query).items()}


def _present(credential, request_link, paths=ASKED, key=None) -> tuple[str, dict]:
    """A presentation the sd-jwt library makes for a request, and the request."""
    params = _params(request_link)
    holder = SDJWTHolder(credential.sd_jwt)
    holder.create_presentation(
        claims_to_disclose(paths),
        nonce=params["nonce"],
        aud=params["client_id"],
        holder_key=key or JWK(**credential.key),
        sign_alg="ES256",
    )
    return holder.sd_jwt_presentation, params


def _post(http, params, presentation, state=None):
    return http.post(
        params["response_uri"],
        data={
            "vp_token": json.dumps({"hoc_ba": [presentation]}),
            "state": state or params["state"],
        },
    )


def _outcome(made) -> PresentationRequest:
    found = db.session.get(PresentationRequest, uuid.UUID(made["id"]))
    db.session.refresh(found)
    return found


def test_a_high_school_sees_only_the_grade_average_and_conduct(
    holder, stored, ask, client, verifier_headers
):
    made = ask()
    assert made["request_link"].startswith("openid4vp://?")
    params = _params(made["request_link"])
    assert params["response_type"] == "vp_token"
    assert params["response_mode"] == "direct_post"
    assert params["client_id"] == f"redirect_uri:{params['response_uri']}"
    assert holder.present(made["request_link"]) == {}
    found = _outcome(made)
    assert found.outcome == "verified"
    [credential] = found.result["credentials"]
    assert credential["claims"] == {
        "school": {"name": "Trường THCS Chánh Nghĩa", "code": SCHOOL},
        "school_year": "2025-2026",
        "grade": 6,
        "regulation": "TT22/2021/TT-BGDĐT",
        "subjects": {},
        "year_results": {
            "average": stored.claims["year_results"]["average"],
            "conduct": "Tốt",
        },
    }
    assert sorted(credential["disclosed"]) == [
        ["year_results"],
        ["year_results", "average"],
        ["year_results", "conduct"],
    ]
    [check] = found.result["checks"]
    assert check["met"] is (stored.claims["year_results"]["average"] >= 8.0)
    # The API answers the same to the verifier.
    read = client.get(
        f"/api/v1/verifier/requests/{made['id']}", headers=verifier_headers
    )
    assert read.get_json()["outcome"] == "verified"


def test_the_verifier_reads_the_outcome_and_others_do_not(
    holder, stored, ask, client, verifier_headers, auth_headers, citizen, organisation
):
    made = ask()
    pending = client.get(
        f"/api/v1/verifier/requests/{made['id']}", headers=verifier_headers
    )
    assert pending.get_json()["outcome"] is None
    holder.present(made["request_link"])
    read = client.get(
        f"/api/v1/verifier/requests/{made['id']}", headers=verifier_headers
    )
    assert read.get_json()["outcome"] == "verified"
    assert "full_name" not in json.dumps(read.get_json())
    other = factories.school(grades=(10, 12))
    other_principal = factories.staff(other, Role.PRINCIPAL)
    elsewhere = client.get(
        f"/api/v1/verifier/requests/{made['id']}",
        headers=auth_headers(other_principal, org=other, role="principal"),
    )
    assert_problem(elsewhere, 404, "not-found")


def test_the_page_shows_only_what_was_disclosed(holder, stored, ask, client):
    made = ask()
    waiting = client.get(made["page_url"].removeprefix("http://localhost"))
    assert waiting.status_code == 200
    assert "<svg" in waiting.text
    outcome = urlsplit(made["page_url"])
    asked = f"{outcome.path}/outcome?{outcome.query}"
    assert client.get(asked).get_json() == {"answered": False}
    holder.present(made["request_link"])
    page = client.get(made["page_url"].removeprefix("http://localhost") + "&lang=vi")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    text = page.text
    assert "Đã xác thực" in text
    assert "Trường THCS Chánh Nghĩa" in text
    assert "Điểm trung bình các môn cả năm" in text
    assert "Tốt" in text
    average = f"{stored.claims['year_results']['average']:g}".replace(".", ",")
    assert average in text
    for withheld in ("Nguyễn Thị Bình", stored.claims["birthdate"], "Toán", "lên lớp"):
        assert withheld not in text
    assert client.get(asked).get_json() == {"answered": True}
    assert client.get(f"{outcome.path}/outcome?key=wrong").status_code == 404


def test_the_page_needs_its_key(ask, client):
    made = ask()
    path = urlsplit(made["page_url"]).path
    assert client.get(path + "?key=wrong").status_code == 404
    assert client.get(path).status_code == 404


def test_the_citizen_sees_that_the_school_read_it(
    holder, stored, ask, citizen, verifier_school
):
    holder.present(ask()["request_link"])
    [event] = db.session.scalars(
        sa.select(AccessEvent).where(
            AccessEvent.subject_id == citizen(BINH).id,
            AccessEvent.basis == Basis.PRESENTATION,
        )
    ).all()
    assert event.org_id == verifier_school[0].id
    assert event.category == "transcripts"


def test_the_reference_library_verifies_the_presentation_too(stored, ask):
    """Interoperability, the other way round: the presentation the library made
    from CongDan's credential verifies in the library's own verifier, with the
    school's key from its JWT VC Issuer Metadata."""
    made = ask()
    presentation, params = _present(stored, made["request_link"])
    verified = SDJWTVerifier(
        presentation,
        lambda iss, header: JWK(**_issuer_key(iss, header)),
        expected_aud=params["client_id"],
        expected_nonce=params["nonce"],
    ).get_verified_payload()
    assert verified["year_results"] == {
        "average": stored.claims["year_results"]["average"],
        "conduct": "Tốt",
    }
    assert "full_name" not in verified


def _issuer_key(iss, header):
    from school_records import keys

    school_id = uuid.UUID(iss.rsplit("/", 1)[-1])
    return next(
        k for k in keys.issuer_jwks(school_id)["keys"] if k["kid"] == header["kid"]
    )


def test_the_wallet_can_decline(holder, stored, ask):
    made = ask()
    holder.present(made["request_link"], confirm=lambda shown: False)
    found = _outcome(made)
    assert found.outcome == "refused"
    assert found.result == {"error": "access_denied"}


def test_the_wallet_shows_what_it_will_share_before_it_does(holder, stored, ask):
    seen = {}
    holder.present(
        ask()["request_link"], confirm=lambda shown: seen.update(shown) or True
    )
    assert seen == {
        "hoc_ba": {
            "grade": [6],
            "year_results.average": [stored.claims["year_results"]["average"]],
            "year_results.conduct": ["Tốt"],
        }
    }


# -- attacks --------------------------------------------------------------------


def test_a_presentation_replayed_to_another_verifier_is_refused(
    http, stored, ask, verifier_school
):
    first = ask()
    presentation, _ = _present(stored, first["request_link"])
    other = factories.school(grades=(10, 12))
    other_principal = factories.staff(other, Role.PRINCIPAL)
    second = ask(where=other, principal=other_principal)
    second_params = _params(second["request_link"])
    replayed = _post(http, second_params, presentation)
    assert replayed.status_code == 400
    assert replayed.json()["reason"] == "wrong-audience"
    assert _outcome(second).outcome == "rejected"


def test_a_presentation_with_an_old_nonce_is_refused(http, stored, ask):
    first = ask()
    presentation, params = _present(stored, first["request_link"])
    assert _post(http, params, presentation).status_code == 200
    second = ask()
    replayed = _post(http, _params(second["request_link"]), presentation)
    assert replayed.status_code == 400
    assert replayed.json()["reason"] == "wrong-nonce"


def test_a_request_takes_one_answer(http, stored, ask):
    made = ask()
    presentation, params = _present(stored, made["request_link"])
    assert _post(http, params, presentation).status_code == 200
    again = _post(http, params, presentation)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"
    assert _outcome(made).outcome == "verified"


def _kb_jwt(key: JWK, aud: str, nonce: str, presented: str) -> str:
    claims = {
        "aud": aud,
        "nonce": nonce,
        "iat": int(time.time()),
        "sd_hash": sd_jwt.digest(presented),
    }
    signed = JWS(json.dumps(claims))
    signed.add_signature(
        key, alg="ES256", protected=json.dumps({"alg": "ES256", "typ": "kb+jwt"})
    )
    return str(signed.serialize(compact=True))


def _name(disclosure: str) -> str:
    import base64

    decoded = json.loads(
        base64.urlsafe_b64decode(disclosure + "=" * (-len(disclosure) % 4))
    )
    return str(decoded[1])


def test_disclosures_swapped_between_two_credentials_are_refused(
    http, holder, stored, ask, make_offer, transcript
):
    """The holder of credential A puts a disclosure of credential B (another
    issuance, a better average) in A's presentation and signs the key binding
    with A's own key: the disclosure is not one of A's digests."""
    from wallet.records import identifier
    from wallet.types import HOC_BA

    other_offer = make_offer(identifier(HOC_BA, transcript.id)).get_json()
    [other] = holder.accept_offer(other_offer["deep_link"], other_offer["tx_code"])
    made = ask()
    params = _params(made["request_link"])
    token, *own = _present(stored, made["request_link"])[0].split("~")[:-1]
    theirs = _present(other, made["request_link"])[0].split("~")[1:-1]
    # A's year_results object, B's average inside it.
    swapped = [d for d in own if _name(d) != "average"] + [
        d for d in theirs if _name(d) == "average"
    ]
    presented = "~".join([token, *swapped, ""])
    forged = presented + _kb_jwt(
        JWK(**stored.key), params["client_id"], params["nonce"], presented
    )
    refused = _post(http, params, forged)
    assert refused.status_code == 400
    assert refused.json()["reason"] == "foreign-disclosure"


def test_a_disclosure_made_up_by_the_holder_is_refused(http, stored, ask):
    import base64

    made = ask()
    params = _params(made["request_link"])
    token, *own = _present(stored, made["request_link"])[0].split("~")[:-1]
    invented = (
        base64.urlsafe_b64encode(json.dumps(["salt", "average", 9.9]).encode())
        .rstrip(b"=")
        .decode()
    )
    kept = [d for d in own if _name(d) != "average"]
    presented = "~".join([token, *kept, invented, ""])
    forged = presented + _kb_jwt(
        JWK(**stored.key), params["client_id"], params["nonce"], presented
    )
    refused = _post(http, params, forged)
    assert refused.json()["reason"] == "foreign-disclosure"


def test_a_key_binding_signed_by_another_key_is_refused(http, stored, ask):
    made = ask()
    presentation, params = _present(
        stored, made["request_link"], key=JWK.generate(kty="EC", crv="P-256")
    )
    refused = _post(http, params, presentation)
    assert refused.status_code == 400
    assert refused.json()["reason"] == "bad-signature"


def test_a_presentation_without_key_binding_is_refused(http, stored, ask):
    made = ask()
    params = _params(made["request_link"])
    holder = SDJWTHolder(stored.sd_jwt)
    holder.create_presentation(claims_to_disclose(ASKED))  # no nonce, no audience
    refused = _post(http, params, holder.sd_jwt_presentation)
    assert refused.json()["reason"] == "no-key-binding"


def test_a_key_binding_over_other_disclosures_is_refused(http, stored, ask):
    made = ask()
    presentation, params = _present(stored, made["request_link"])
    token, *disclosures, kb = presentation.split("~")
    # One disclosure dropped after the holder signed over all of them.
    cut = "~".join([token, *disclosures[:-1], kb])
    refused = _post(http, params, cut)
    assert refused.json()["reason"] == "wrong-sd-hash"


@pytest.mark.parametrize(
    ("suspend", "reason"), [(False, "revoked"), (True, "suspended")]
)
def test_a_revoked_or_suspended_transcript_is_refused(
    http, stored, ask, transcript, citizen, organisation, suspend, reason
):
    principal = factories.acting(citizen(EM), organisation(SCHOOL), Role.PRINCIPAL)
    if suspend:
        publishing.set_suspended(principal, transcript.id, True, "Đang xác minh")
    else:
        publishing.revoke(principal, transcript.id, "Sai điểm")
    made = ask()
    presentation, params = _present(stored, made["request_link"])
    refused = _post(http, params, presentation)
    assert refused.status_code == 400
    assert refused.json()["reason"] == reason


def test_a_credential_that_does_not_show_what_was_asked_is_refused(http, stored, ask):
    made = ask()
    presentation, params = _present(
        stored, made["request_link"], paths=[["year_results", "average"]]
    )
    refused = _post(http, params, presentation)
    assert refused.json()["reason"] == "claim-missing"


def test_a_credential_of_another_grade_than_asked_is_refused(http, holder, stored, ask):
    made = ask(admission(grade=9))
    # The wallet itself finds nothing that answers, and says so.
    with pytest.raises(WalletError):
        holder.present(made["request_link"])
    assert _outcome(made).outcome == "refused"
    # A wallet that sends it anyway is refused by the verifier.
    again = ask(admission(grade=9))
    presentation, params = _present(stored, again["request_link"])
    assert _post(http, params, presentation).json()["reason"] == "claim-value"


def test_an_expired_request_takes_no_answer(http, stored, ask):
    made = ask()
    found = _outcome(made)
    found.expires_at = found.created_at
    db.session.flush()
    presentation, params = _present(stored, made["request_link"])
    refused = _post(http, params, presentation)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"


def test_a_malformed_answer_is_refused_not_a_crash(http, ask):
    made = ask()
    params = _params(made["request_link"])
    for vp_token in (
        "not json",
        "[]",
        '{"hoc_ba": "x"}',
        '{"hoc_ba": ["a~b"]}',
        '{"other": ["x"]}',
    ):
        fresh = _params(ask()["request_link"])
        refused = http.post(
            fresh["response_uri"], data={"vp_token": vp_token, "state": fresh["state"]}
        )
        assert refused.status_code == 400, vp_token
        assert refused.json()["error"] == "invalid_request"
    assert params


# -- who may ask ---------------------------------------------------------------------


def test_only_a_school_or_clinic_may_ask(client, auth_headers, citizen, organisation):
    as_citizen = client.post(
        "/api/v1/verifier/requests", json=admission(), headers=auth_headers(citizen(AN))
    )
    assert_problem(as_citizen, 403, "not-a-verifier")
    officer = factories.staff(organisation(WARD), Role.OFFICER)
    as_agency = client.post(
        "/api/v1/verifier/requests",
        json=admission(),
        headers=auth_headers(officer, org=organisation(WARD), role="officer"),
    )
    assert_problem(as_agency, 403, "not-a-verifier")


def test_a_query_for_a_type_not_issued_here_is_refused(ask, client, verifier_headers):
    body = admission()
    body["dcql_query"]["credentials"][0]["meta"]["vct_values"] = [
        "https://example.org/pid"
    ]
    refused = client.post(
        "/api/v1/verifier/requests", json=body, headers=verifier_headers
    )
    assert_problem(refused, 422, "validation-failed")


def test_a_check_must_test_a_claim_the_query_asks_for(client, verifier_headers):
    body = admission()
    body["checks"][0]["path"] = ["subjects", "TOAN", "year_average"]
    refused = client.post(
        "/api/v1/verifier/requests", json=body, headers=verifier_headers
    )
    assert_problem(refused, 422, "validation-failed")


def test_a_stranger_is_not_a_verifier(client, auth_headers, citizen):
    refused = client.post(
        "/api/v1/verifier/requests",
        json=admission(),
        headers=auth_headers(citizen(HAI)),
    )
    assert refused.status_code == 403


def test_a_clinic_checks_a_bhyt_card_and_sees_nothing_else(
    holder, card_offer, client, citizen, organisation, auth_headers
):
    [card] = holder.accept_offer(card_offer["deep_link"], card_offer["tx_code"])
    made = client.post(
        "/api/v1/verifier/requests",
        json={
            "purpose": "Khám bệnh có BHYT",
            "dcql_query": {
                "credentials": [
                    {
                        "id": "bhyt",
                        "format": "dc+sd-jwt",
                        "meta": {"vct_values": ["http://localhost/vct/bhyt/v1"]},
                        "claims": [{"path": ["bhyt_number"]}, {"path": ["valid_to"]}],
                    }
                ]
            },
        },
        headers=auth_headers(citizen(CUC), org=organisation(CLINIC), role="doctor"),
    ).get_json()
    holder.present(made["request_link"])
    found = _outcome(made)
    assert found.outcome == "verified"
    [shown] = found.result["credentials"]
    assert shown["issuer"] == "http://localhost"
    assert shown["claims"] == {
        "bhyt_number": "0123456789",
        "valid_to": card.claims["valid_to"],
    }
    [event] = db.session.scalars(
        sa.select(AccessEvent).where(
            AccessEvent.subject_id == citizen(AN).id,
            AccessEvent.basis == Basis.PRESENTATION,
        )
    ).all()
    assert event.org_id == organisation(CLINIC).id
    assert event.category == "observations"


def test_a_credential_signed_by_a_withdrawn_key_is_refused_as_such(http, stored, ask):
    """The school says its key was compromised from before it signed: the
    credential is refused, and the page says why (not "unknown issuer")."""
    import base64
    from datetime import timedelta

    from app.db import utcnow
    from school_records import keys

    header = stored.sd_jwt.split(".")[0]
    kid = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    keys.withdraw(kid, utcnow() - timedelta(hours=1))
    made = ask()
    presentation, params = _present(stored, made["request_link"])
    refused = _post(http, params, presentation)
    assert refused.status_code == 400
    assert refused.json()["reason"] == "key-withdrawn"
