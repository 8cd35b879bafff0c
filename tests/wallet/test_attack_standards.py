"""Standards conformance: claim paths in type metadata / issuer metadata, key proofs."""

from jwcrypto.jwk import JWK

from tests.wallet.test_authorization_code import _code, _push, _redeem


class PathError(Exception):
    pass


def select(credential, path):
    """SD-JWT VC draft, 'Processing of path' (and OpenID4VCI 1.0 Appendix C) verbatim."""
    selected = [credential]
    for component in path:
        if isinstance(component, str):
            if any(not isinstance(e, dict) for e in selected):
                raise PathError(f"{path}: {component!r} applied to a non-object")
            selected = [e[component] for e in selected if component in e]
        elif component is None:
            if any(not isinstance(e, list) for e in selected):
                raise PathError(f"{path}: null applied to a non-array")
            selected = [x for e in selected for x in e]
        else:
            if any(not isinstance(e, list) for e in selected):
                raise PathError(f"{path}: index applied to a non-array")
            selected = [e[component] for e in selected if component < len(e)]
    return selected


def test_every_claim_path_of_the_transcripts_type_metadata_processes(
    client, holder, transcript_offer
):
    [added] = holder.accept_offer(
        transcript_offer["deep_link"], transcript_offer["tx_code"]
    )
    type_metadata = client.get("/vct/hoc-ba/v1").get_json()
    issuer_metadata = client.get("/.well-known/openid-credential-issuer").get_json()
    paths = [c["path"] for c in type_metadata["claims"]] + [
        c["path"]
        for c in issuer_metadata["credential_configurations_supported"][
            "hoc_ba_sd_jwt"
        ]["credential_metadata"]["claims"]
    ]
    errors = []
    for path in paths:
        try:
            select(added.claims, path)  # every disclosure: the credential as issued
        except PathError as error:
            errors.append(str(error))
    assert errors == [], (
        "claim metadata processing fails, so a conforming holder/verifier MUST reject the credential"
    )


def test_a_key_proof_without_iss_is_accepted_in_the_authorization_code_flow(
    app, http, holder, transcript
):
    """OpenID4VCI 1.0 Appendix F.1: 'iss: OPTIONAL' (client_id of the client)."""
    verifier, code = _code(app, http, _push(http))
    token = _redeem(http, code, verifier).json()
    nonce = http.post("/oid4vci/nonce").json()["c_nonce"]
    proof = holder.key_proof(
        JWK.generate(kty="EC", crv="P-256"), "http://localhost", nonce, client_id=None
    )
    answer = http.post(
        "/oid4vci/credential",
        json={
            "credential_identifier": token["authorization_details"][0][
                "credential_identifiers"
            ][0],
            "proofs": {"jwt": [proof]},
        },
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert answer.status_code == 200


def test_a_key_proof_naming_the_client_is_accepted_when_the_wallet_sent_its_client_id(
    http, holder, transcript_offer
):
    """OpenID4VCI 1.0 §6.1 / Appendix F.1: a wallet MAY send client_id in the
    pre-authorized token request (non-anonymous); its proof's iss is then that
    client_id. The server ignores the client_id and then refuses the proof."""
    offer = http.get(transcript_offer["credential_offer_uri"]).json()
    grant = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    token = http.post(
        "/oid4vci/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": grant["pre-authorized_code"],
            "tx_code": transcript_offer["tx_code"],
            "client_id": "congdan-wallet",
        },
    ).json()
    nonce = http.post("/oid4vci/nonce").json()["c_nonce"]
    proof = holder.key_proof(
        JWK.generate(kty="EC", crv="P-256"),
        "http://localhost",
        nonce,
        client_id="congdan-wallet",
    )
    answer = http.post(
        "/oid4vci/credential",
        json={
            "credential_identifier": token["authorization_details"][0][
                "credential_identifiers"
            ][0],
            "proofs": {"jwt": [proof]},
        },
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert answer.status_code == 200
