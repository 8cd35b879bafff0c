"""Schools as did:web issuers: credentials a generic verifier can check.

A school's issuer identifier is ``did:web:{host}:api:v1:schools:{id}``, whose DID
document lists its keys; a credential's ``kid`` is the DID URL of the key that
signed it and ``iss`` the DID. The independent judge (did-jwt resolving did:web
with web-did-resolver, from npm) runs against a live server over TLS.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.db import utcnow
from app.extensions import db
from school_records import credentials, keys, verification
from school_records.models import SchoolKey, Transcript
from tests.conftest import running_server
from tests.demo_ids import CLINIC, SCHOOL
from tests.school_records.helpers import demo_transcript
from tests.school_records.test_school_keys import header, jwks_of, minted, payload
from tests.school_records.test_verifier_input import post

JUDGES = Path(__file__).resolve().parents[1] / "judges"


def test_a_credential_names_its_school_by_did_and_its_key_by_did_url(
    client, citizen, organisation
):
    transcript = demo_transcript(citizen)
    school = organisation(SCHOOL)
    did = f"did:web:localhost:api:v1:schools:{school.id}"
    claims = payload(transcript.credential)
    assert claims["issuer"] == {"id": did, "name": school.name, "code": school.code}
    assert claims["iss"] == did
    kid = header(transcript.credential)["kid"]
    assert kid.startswith(f"{did}#")
    # The teacher's key is in the school's JWKS, not in its DID document.
    assert claims["homeroomProof"]["verificationMethod"].startswith(
        f"http://localhost/api/v1/schools/{school.id}/jwks#"
    )

    document = client.get(f"/api/v1/schools/{school.id}/did.json")
    assert document.status_code == 200
    assert document.mimetype == "application/did+json"
    body = document.get_json()
    assert body["id"] == did
    assert body["alsoKnownAs"] == [f"http://localhost/api/v1/schools/{school.id}"]
    assert kid in body["assertionMethod"]
    methods = {method["id"]: method for method in body["verificationMethod"]}
    published = {
        key["kid"]: key
        for key in client.get(f"/api/v1/schools/{school.id}/jwks").get_json()["keys"]
    }
    school_keys = {kid for kid, key in published.items() if key["holder"] == "school"}
    assert {m.removeprefix(f"{did}#") for m in methods} == school_keys
    signing = methods[kid]
    assert signing["type"] == "JsonWebKey2020"
    assert signing["controller"] == did
    local = kid.removeprefix(f"{did}#")
    assert signing["publicKeyJwk"] == {
        name: published[local][name] for name in ("kty", "crv", "x", "y")
    }
    assert post(client, transcript.credential)["verified"] is True


def test_a_withdrawn_key_asserts_nothing_and_only_schools_have_did_documents(
    client, citizen, organisation
):
    transcript = demo_transcript(citizen)
    school = organisation(SCHOOL)
    kid = header(transcript.credential)["kid"].rpartition("#")[2]
    keys.withdraw(kid, utcnow())
    db.session.flush()
    body = client.get(f"/api/v1/schools/{school.id}/did.json").get_json()
    assert not any(method.endswith(kid) for method in body["assertionMethod"])
    assert not any(m["id"].endswith(kid) for m in body["verificationMethod"])
    clinic = organisation(CLINIC)
    assert client.get(f"/api/v1/schools/{clinic.id}/did.json").status_code == 404


def test_a_credential_issued_before_did_web_still_verifies(
    client, citizen, school, organisation
):
    old = issued_before_did_web(citizen, school, organisation(SCHOOL))
    assert "#" not in header(old)["kid"]
    assert "iss" not in payload(old)
    report = post(client, old)
    assert report["verified"] is True, report


def issued_before_did_web(citizen, school, registered) -> str:
    """The demo transcript as a credential was issued before did:web: the
    school's URL as issuer, a bare thumbprint ``kid``, no ``iss``."""
    transcript = demo_transcript(citizen)
    row = db.session.scalar(
        db.select(SchoolKey).where(
            SchoolKey.school_id == school.id,
            SchoolKey.holder_id.is_(None),
            SchoolKey.retired_at.is_(None),
        )
    )
    url = credentials.issuer_id(school.id)
    proof = payload(transcript.credential)["homeroomProof"]
    teacher_kid = proof["verificationMethod"].rpartition("#")[2]
    return minted(
        school.id,
        row,
        issuer={"id": url, "name": registered.name, "code": registered.code},
        homeroomProof={**proof, "verificationMethod": f"{url}/jwks#{teacher_kid}"},
    )


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, for a TLS test server."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.slow  # starts gunicorn (with TLS) and Node
@pytest.mark.real_sessions
def test_a_generic_verifier_resolves_the_school_by_did_web(
    scratch_database_url, tmp_path
):
    cert, key = _self_signed(tmp_path)
    # did:web resolves over https only. The buffering worker speaks plain HTTP (a
    # proxy terminates TLS in the documented deployment): gunicorn's own gthread
    # serves TLS here; what is judged is the application's answers.
    tls = {
        "GUNICORN_CMD_ARGS": f"--certfile {cert} --keyfile {key} --worker-class gthread"
    }
    with running_server(scratch_database_url, server_env=tls, scheme="https") as server:
        with server.app.app_context():
            # Issued as this server issues: its DID names its https host and port.
            transcript = db.session.scalar(db.select(Transcript))
            assert transcript is not None
            credential = credentials.build_credential(transcript, "Lê Văn Dũng")
            token = credentials.sign_credential(transcript.school_id, credential)
            db.session.rollback()
        node = shutil.which("node")
        assert node, "Node.js is needed for the judges (README, Standards)"
        judged = subprocess.run(  # noqa: S603 - our script, our arguments
            [node, str(JUDGES / "verify_vc_jwt.mjs"), token],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={"PATH": "/usr/bin:/bin", "NODE_EXTRA_CA_CERTS": str(cert)},
        )
    assert judged.returncode == 0, judged.stderr
    verdict = json.loads(judged.stdout)
    did = verdict["issuer"]
    assert did.startswith("did:web:127.0.0.1%3A")
    assert verdict["signer"] == header(token)["kid"]
    assert verdict["payload"]["issuer"]["id"] == did


def test_the_did_document_lists_only_keys_that_may_have_issued(
    client, citizen, organisation
):
    """Attack (2026-12-06): a generic verifier that does not ask for the proof
    purpose (did-jwt's default) accepted credentials signed by a withdrawn school
    key or a teacher's key, both listed as the school's verification methods."""
    transcript = demo_transcript(citizen)
    school = organisation(SCHOOL)
    kid = header(transcript.credential)["kid"].rpartition("#")[2]
    teacher_kid = payload(transcript.credential)["homeroomProof"]["jws"]
    teacher_kid = header(teacher_kid)["kid"]
    keys.withdraw(kid, utcnow())
    db.session.flush()
    body = client.get(f"/api/v1/schools/{school.id}/did.json").get_json()
    listed = {m["id"].rpartition("#")[2] for m in body["verificationMethod"]}
    assert kid not in listed
    assert teacher_kid not in listed
    assert set(body["assertionMethod"]) == {m["id"] for m in body["verificationMethod"]}


def test_an_old_credential_verifies_offline_against_lists_signed_since(
    client, citizen, school, organisation
):
    """Attack (2026-12-06): status lists are signed with a DID URL kid since; a
    credential naming the school's URL then failed STATUS_LIST_SIGNATURE_ERROR
    offline (online it passed)."""
    old = issued_before_did_web(citizen, school, organisation(SCHOOL))
    url = credentials.issuer_id(school.id)
    claims = payload(old)
    offline = verification.CachedResolver(
        jwks={url: jwks_of(client, url)},
        lists={
            e["statusListCredential"]: client.get(
                e["statusListCredential"].removeprefix("http://localhost")
            ).get_data(as_text=True)
            for e in claims["credentialStatus"]
        },
        registry={url},
    )
    report = verification.verify(old, offline)
    assert [c.problem for c in report.checks if c.status == "failure"] == []
    assert report.verified


def test_an_offline_registry_of_urls_matches_their_scheme_exactly(
    client, citizen, school
):
    """A school registered by its https URL is not the same issuer as its http URL
    (before did:web the match was exact; a DID stands for its location)."""
    demo_transcript(citizen)
    url = credentials.issuer_id(school.id)  # http://localhost/…
    secure = url.replace("http://", "https://", 1)
    resolver = verification.CachedResolver(registry={secure})
    assert not resolver.is_registered(url)
    assert resolver.is_registered(secure)
    assert resolver.is_registered(credentials.issuer_did(school.id))
