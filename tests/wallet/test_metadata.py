"""What wallets and verifiers discover, checked against the specifications'
required fields: OpenID4VCI 1.0 §12.2.4 and Appendix A.3 (credential issuer
metadata), RFC 8414 §2 with OpenID4VCI §12.3 and RFC 9126 §5 (the authorization
server), SD-JWT VC §5 and §6 (JWT VC issuer metadata, type metadata), and the
Token Status List (status list token)."""

from __future__ import annotations

import base64
import zlib
from urllib.parse import urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from identity.models import Role
from school_records import publishing, token_status
from school_records.credentials import bit_at
from tests import factories
from tests.demo_ids import EM, SCHOOL
from wallet.types import TYPES


def _missing(document: dict, required: tuple[str, ...]) -> list[str]:
    return [name for name in required if name not in document]


def _is_url(value: object) -> bool:
    parts = urlsplit(str(value))
    return (
        parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.fragment
    )


def test_the_credential_issuer_metadata_has_every_required_field(client):
    answer = client.get("/.well-known/openid-credential-issuer")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    metadata = answer.get_json()
    assert _missing(metadata, ("credential_issuer", "credential_endpoint", "credential_configurations_supported")) == []  # fmt: skip
    # §12.2.3: the identifier the well-known path was formed from, exactly.
    assert metadata["credential_issuer"] == "http://localhost"
    for name in ("credential_endpoint", "nonce_endpoint"):
        assert _is_url(metadata[name])
        assert metadata[name].startswith(metadata["credential_issuer"])
    assert all(_is_url(server) for server in metadata["authorization_servers"])
    locales = [d["locale"] for d in metadata["display"]]
    assert len(locales) == len(set(locales)) == 2
    configurations = metadata["credential_configurations_supported"]
    assert set(configurations) == {"hoc_ba_sd_jwt", "bhyt_sd_jwt"}
    for configuration in configurations.values():
        # §12.2.4 and Appendix A.3.2: format, and for dc+sd-jwt its vct.
        assert configuration["format"] == "dc+sd-jwt"
        assert isinstance(configuration["vct"], str)
        assert configuration["vct"]
        # Key binding asked, so proof types are given, each with its algorithms.
        assert configuration["cryptographic_binding_methods_supported"] == ["jwk"]
        proofs = configuration["proof_types_supported"]
        assert proofs == {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}}
        assert configuration["credential_signing_alg_values_supported"] == ["ES256"]
        display = configuration["credential_metadata"]["display"]
        assert {d["locale"] for d in display} == {"vi-VN", "en-US"}
        assert all(d["name"] for d in display)
        claims = configuration["credential_metadata"]["claims"]
        paths = [tuple(c["path"]) for c in claims]
        # §11.2.3: a claim is described once.
        assert len(paths) == len(set(paths))
        assert all(paths)


def test_the_authorization_server_metadata_has_every_required_field(client):
    metadata = client.get("/.well-known/oauth-authorization-server").get_json()
    # RFC 8414 §2: issuer, the endpoints its grants use, response types.
    assert _missing(metadata, ("issuer", "authorization_endpoint", "token_endpoint", "response_types_supported")) == []  # fmt: skip
    issuer = client.get("/.well-known/openid-credential-issuer").get_json()
    assert metadata["issuer"] in issuer["authorization_servers"]
    assert (
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
        in metadata["grant_types_supported"]
    )
    assert metadata["pre-authorized_grant_anonymous_access_supported"] is True
    assert metadata["require_pushed_authorization_requests"] is True
    assert _is_url(metadata["pushed_authorization_request_endpoint"])
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    # Each configuration's scope is one this server knows.
    scopes = {
        c["scope"] for c in issuer["credential_configurations_supported"].values()
    }
    assert scopes <= set(metadata["scopes_supported"])


@pytest.mark.parametrize("configuration_id", ["hoc_ba_sd_jwt", "bhyt_sd_jwt"])
def test_each_vct_url_serves_its_type_metadata(client, configuration_id):
    issuer = client.get("/.well-known/openid-credential-issuer").get_json()
    vct = issuer["credential_configurations_supported"][configuration_id]["vct"]
    answer = client.get(urlsplit(vct).path)
    assert answer.status_code == 200
    metadata = answer.get_json()
    # SD-JWT VC §6.3: the document's vct is the one it was fetched for.
    assert metadata["vct"] == vct
    for claim in metadata["claims"]:
        assert claim["path"]
        assert claim["sd"] in ("always", "never")
        # §6.5.2: one display entry per locale, each with its label.
        assert {d["locale"] for d in claim["display"]} == {"vi-VN", "en-US"}
        assert all(d["label"] for d in claim["display"])
    for entry in metadata["display"]:
        assert entry["name"]
        assert entry["locale"]
    assert client.get("/vct/nothing/v1").status_code == 404


def test_what_the_transcript_type_never_hides(client):
    metadata = client.get(urlsplit(TYPES["hoc_ba_sd_jwt"].vct).path).get_json()
    never = {tuple(c["path"]) for c in metadata["claims"] if c["sd"] == "never"}
    assert {("school", "name"), ("school_year",), ("grade",)} <= never
    always = {tuple(c["path"]) for c in metadata["claims"] if c["sd"] == "always"}
    assert {("birthdate",), ("year_results", "average")} <= always
    # The subjects object is always there; each of its members is hidden.
    assert ("subjects",) in never


def test_a_schools_issuer_metadata_names_only_its_own_issuing_keys(
    client, organisation
):
    school = organisation(SCHOOL)
    metadata = client.get(
        f"/.well-known/jwt-vc-issuer/api/v1/schools/{school.id}"
    ).get_json()
    assert metadata["issuer"] == f"http://localhost/api/v1/schools/{school.id}"
    jwks = client.get(f"/api/v1/schools/{school.id}/jwks").get_json()
    teachers = {k["kid"] for k in jwks["keys"] if k["holder"] == "teacher"}
    published = {k["kid"] for k in metadata["jwks"]["keys"]}
    assert published
    assert not published & teachers
    assert all("d" not in k for k in metadata["jwks"]["keys"])
    assert (
        client.get(
            f"/.well-known/jwt-vc-issuer/api/v1/schools/{factories.clinic().id}"
        ).status_code
        == 404
    )


def test_the_card_issuers_metadata_is_the_apis_keys(client):
    metadata = client.get("/.well-known/jwt-vc-issuer").get_json()
    assert metadata["issuer"] == "http://localhost"
    assert metadata["jwks"] == client.get("/.well-known/jwks.json").get_json()


def _status_list(client, school_id):
    answer = client.get(f"/api/v1/schools/{school_id}/token-status-list")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/statuslist+jwt"
    metadata = client.get(
        f"/.well-known/jwt-vc-issuer/api/v1/schools/{school_id}"
    ).get_json()
    token = jwt.decode(
        answer.get_data(as_text=True), KeySet.import_key_set(metadata["jwks"])
    )
    assert token.header["typ"] == "statuslist+jwt"
    claims = token.claims
    assert (
        claims["sub"]
        == f"http://localhost/api/v1/schools/{school_id}/token-status-list"
    )
    assert claims["iss"] == metadata["issuer"]
    assert claims["exp"] > claims["iat"]
    assert claims["ttl"] > 0
    lst = claims["status_list"]["lst"]
    assert claims["status_list"]["bits"] == 2
    return zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))


def _value(packed: bytes, index: int) -> int:
    # The draft's own reading: index i is bits 2·(i mod 4) of byte i div 4.
    return packed[index // 4] >> (2 * (index % 4)) & 0b11


def test_the_token_status_list_follows_revocation_and_suspension(
    client, citizen, organisation, transcript
):
    school = organisation(SCHOOL)
    index = transcript.status_list_index
    assert _value(_status_list(client, school.id), index) == 0
    principal = factories.acting(citizen(EM), school, Role.PRINCIPAL)
    publishing.set_suspended(principal, transcript.id, True, "Đang xác minh")
    assert _value(_status_list(client, school.id), index) == 2
    publishing.set_suspended(principal, transcript.id, False, None)
    publishing.revoke(principal, transcript.id, "Sai điểm")
    assert _value(_status_list(client, school.id), index) == 1


def test_the_token_list_holds_what_the_bitstring_lists_hold():
    """Every position, every combination: revoked wins over suspended."""
    revoked = bytes([0b1010_0000, 0b0000_0001])
    suspended = bytes([0b0110_0000, 0b1000_0001])
    packed = token_status.pack(revoked, suspended)
    assert len(packed) == 4
    for index in range(16):
        gone, held = bit_at(revoked, index), bit_at(suspended, index)
        expected = 1 if gone else (2 if held else 0)
        assert token_status.status_at(packed, index) == expected, index
    with pytest.raises(ValueError, match="outside"):
        token_status.status_at(packed, 16)


def test_a_school_without_lists_reads_all_valid(client):
    school = factories.school()
    packed = _status_list(client, school.id)
    assert len(packed) * 4 == 131_072
    assert set(packed) == {0}
