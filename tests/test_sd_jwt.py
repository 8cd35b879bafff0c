"""SD-JWT (RFC 9901) as the kernel issues and verifies it, the holder side played
by the IETF reference library (sd-jwt) wherever a holder acts."""

from __future__ import annotations

import base64
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jws
from joserfc.jwk import ECKey
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder

from app import sd_jwt
from app.sd_jwt import Hidden, SdJwtError

AUDIENCE, NONCE = "redirect_uri:https://verifier.example/response", "n-0S6_WzA2Mj"


@pytest.fixture(scope="module")
def issuer_key() -> ECKey:
    return ECKey.generate_key("P-256", auto_kid=True)


@pytest.fixture(scope="module")
def holder_key() -> JWK:
    return JWK.generate(kty="EC", crv="P-256")


def _claims(holder_key: JWK, **more) -> dict:
    return {
        "iss": "https://issuer.example",
        "vct": "https://issuer.example/vct",
        "cnf": {"jwk": json.loads(holder_key.export_public())},
        "grade": 9,
        "full_name": Hidden("Bình"),
        "year_results": Hidden({"average": Hidden(8.4), "conduct": Hidden("Tốt")}),
        "languages": [Hidden("vi"), "en"],
        **more,
    }


def _issue(issuer_key, claims, header=None) -> str:
    issued, _ = sd_jwt.issue(claims, issuer_key, header or {"typ": "dc+sd-jwt"})
    return issued


def _present(issued, holder_key, disclose, aud=AUDIENCE, nonce=NONCE) -> str:
    holder = SDJWTHolder(issued)
    holder.create_presentation(
        disclose, nonce=nonce, aud=aud, holder_key=holder_key, sign_alg="ES256"
    )
    return str(holder.sd_jwt_presentation)


def _verify(issuer_key, presentation, **kwargs):
    return sd_jwt.verify_presentation(
        presentation,
        lambda header, payload: issuer_key,
        audience=AUDIENCE,
        nonce=NONCE,
        **kwargs,
    )


def test_what_was_disclosed_and_only_that(issuer_key, holder_key):
    issued = _issue(issuer_key, _claims(holder_key))
    presented = _present(
        issued, holder_key, {"year_results": {"average": True}, "languages": [True]}
    )
    verified = _verify(issuer_key, presented)
    assert verified.claims["year_results"] == {"average": 8.4}
    assert verified.claims["languages"] == ["vi", "en"]
    assert "full_name" not in verified.claims
    assert sorted(verified.disclosed, key=str) == sorted(
        [("year_results",), ("year_results", "average"), ("languages", None)], key=str
    )


def test_a_hidden_value_must_be_a_member_or_an_element(issuer_key):
    with pytest.raises(TypeError):
        sd_jwt.conceal({"a": [Hidden(Hidden(1))]})
    with pytest.raises(ValueError, match="reserved"):
        sd_jwt.conceal({"_sd": Hidden(1)})


def test_decoys_hide_how_many_claims_are_hidden():
    for hidden in range(1, 9):
        payload, disclosures = sd_jwt.conceal(
            {f"c{i}": Hidden(i) for i in range(hidden)}
        )
        assert len(disclosures) == hidden
        assert len(payload["_sd"]) % 4 == 0
        assert len(payload["_sd"]) > hidden
        assert payload["_sd"] == sorted(payload["_sd"])


def _resign(issuer_key, issued: str, change) -> str:
    token, *rest = issued.split("~")
    header, payload, _ = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    head = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    head, decoded = change(head, decoded)
    signed = jws.serialize_compact(head, json.dumps(decoded).encode(), issuer_key)
    return "~".join([signed, *rest])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h, p: ({**h, "typ": "JWT"}, p), "wrong-type"),
        (lambda h, p: (h, {**p, "_sd_alg": "sha-512"}), "wrong-algorithm"),
        (lambda h, p: (h, {**p, "exp": int(time.time()) - 1}), "expired"),
        (lambda h, p: (h, {**p, "nbf": int(time.time()) + 3600}), "not-yet-valid"),
        (lambda h, p: (h, {**p, "exp": "tomorrow"}), "malformed"),
        (lambda h, p: (h, {k: v for k, v in p.items() if k != "cnf"}), "no-holder-key"),
        (lambda h, p: (h, {**p, "cnf": {"jwk": {"kty": "EC"}}}), "no-holder-key"),
        (lambda h, p: (h, {**p, "nested": {"_sd": "not-a-list"}}), "malformed"),
        (lambda h, p: (h, {**p, "nested": {"_sd": p["_sd"][:1]}}), "digest-reused"),
    ],
)
def test_a_credential_the_issuer_should_not_have_signed_is_refused(
    issuer_key, holder_key, change, reason
):
    issued = _resign(issuer_key, _issue(issuer_key, _claims(holder_key)), change)
    presented = _present(issued, holder_key, {"full_name": True})
    with pytest.raises(SdJwtError) as refused:
        _verify(issuer_key, presented)
    assert refused.value.reason == reason


def test_a_disclosed_name_that_clashes_with_a_shown_claim_is_refused(
    issuer_key, holder_key
):
    # Build one by hand: a shown claim and a disclosure of the same name.
    claims = _claims(holder_key)
    claims["full_name"] = "shown"
    payload, _ = sd_jwt.conceal(claims)
    salt = base64.urlsafe_b64encode(b"s" * 16).rstrip(b"=").decode()
    clash = (
        base64.urlsafe_b64encode(json.dumps([salt, "full_name", "hidden"]).encode())
        .rstrip(b"=")
        .decode()
    )
    payload["_sd"] = sorted([*payload["_sd"], sd_jwt.digest(clash)])
    token = jws.serialize_compact(
        {"alg": "ES256", "typ": "dc+sd-jwt"}, json.dumps(payload).encode(), issuer_key
    )
    issued = f"{token}~{clash}~"
    with pytest.raises(SdJwtError) as refused:
        _verify(issuer_key, _present(issued, holder_key, {"full_name": True}))
    assert refused.value.reason == "malformed"


def test_an_unsigned_or_unknown_issuer_is_refused(issuer_key, holder_key):
    issued = _issue(issuer_key, _claims(holder_key))
    presented = _present(issued, holder_key, {})
    with pytest.raises(SdJwtError) as unknown:
        sd_jwt.verify_presentation(
            presented, lambda h, p: None, audience=AUDIENCE, nonce=NONCE
        )
    assert unknown.value.reason == "unknown-issuer"
    other = ECKey.generate_key("P-256")
    with pytest.raises(SdJwtError) as forged:
        _verify(other, presented)
    assert forged.value.reason == "bad-signature"
    token, rest = presented.split("~", 1)
    header = (
        base64.urlsafe_b64encode(b'{"alg":"none","typ":"dc+sd-jwt"}')
        .rstrip(b"=")
        .decode()
    )
    unsigned = ".".join([header, token.split(".")[1], ""]) + "~" + rest
    with pytest.raises(SdJwtError) as none:
        _verify(issuer_key, unsigned)
    assert none.value.reason in ("wrong-algorithm", "malformed")


def test_a_key_binding_must_be_fresh_and_for_this_request(issuer_key, holder_key):
    issued = _issue(issuer_key, _claims(holder_key))
    with pytest.raises(SdJwtError) as other_audience:
        _verify(
            issuer_key,
            _present(issued, holder_key, {}, aud="redirect_uri:https://other.example"),
        )
    assert other_audience.value.reason == "wrong-audience"
    with pytest.raises(SdJwtError) as other_nonce:
        _verify(issuer_key, _present(issued, holder_key, {}, nonce="old"))
    assert other_nonce.value.reason == "wrong-nonce"
    later = time.time() + sd_jwt.KEY_BINDING_WINDOW_SECONDS + 60
    with pytest.raises(SdJwtError) as stale:
        _verify(issuer_key, _present(issued, holder_key, {}), now=later)
    # The credential itself has no exp: only the key binding is stale.
    assert stale.value.reason == "stale"


def test_the_same_disclosure_twice_is_refused(issuer_key, holder_key):
    presented = _present(
        _issue(issuer_key, _claims(holder_key)), holder_key, {"full_name": True}
    )
    token, disclosure, kb = presented.split("~")
    with pytest.raises(SdJwtError) as twice:
        _verify(issuer_key, "~".join([token, disclosure, disclosure, kb]))
    assert twice.value.reason == "malformed"


@pytest.mark.parametrize(
    "presentation",
    [
        "",
        "~",
        "a.b.c",
        "a.b.c~~",
        "a.b.c~x~",
        "x" * 70_000 + "~",
        "..~..",
        "é.é.é~é",
        "a~b~c~d",
    ],
)
def test_malformed_presentations_are_refused_as_such(issuer_key, presentation):
    with pytest.raises(SdJwtError):
        _verify(issuer_key, presentation)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='ab.~_-=éAZ09{}"[]:,', max_size=200))
def test_no_input_raises_anything_but_a_refusal(presentation):
    key = ECKey.generate_key("P-256")
    with pytest.raises(SdJwtError):
        sd_jwt.verify_presentation(
            presentation, lambda h, p: key, audience=AUDIENCE, nonce=NONCE
        )
