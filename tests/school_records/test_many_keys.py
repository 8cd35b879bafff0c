"""A school with more than a thousand keys still has every credential verify, and a
verification reads only the keys it names (review of issue 12's fix, finding 1).

Transcripts are kept for life, so retired keys are never dropped: the JWKS of a
school that rotates often, or has many homeroom teachers, only grows.
"""

from __future__ import annotations

from typing import Any

import pytest
from joserfc.jwk import ECKey

from school_records import claims, credentials, keys, verification
from school_records.report import signed_content
from school_records.resolver import DatabaseResolver
from tests.school_records.helpers import demo_transcript
from tests.school_records.test_school_keys import jwks_of, kid_of, payload

ROTATIONS = 1000


class Counted:
    """How often the verifier imports a key and validates a published one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.imported = 0
        self.validated = 0
        import_key = ECKey.import_key
        load = claims.PublishedKeySchema.load

        def counted_import(*args: Any, **kwargs: Any) -> ECKey:
            self.imported += 1
            return import_key(*args, **kwargs)

        def counted_load(schema: Any, *args: Any, **kwargs: Any) -> Any:
            self.validated += 1
            return load(schema, *args, **kwargs)

        monkeypatch.setattr(ECKey, "import_key", counted_import)
        monkeypatch.setattr(claims.PublishedKeySchema, "load", counted_load)

    def reset(self) -> None:
        self.imported = self.validated = 0


@pytest.mark.slow  # makes a thousand keys
def test_a_school_with_1002_keys_still_verifies_what_it_issued(client, citizen, school):
    """The attack as made: 1000 rotations, then the demo credential, online and
    offline (it was ``cryptographic.signature: INVALID_SIGNATURE``, a forgery's
    report, once the JWKS held more than 1000 keys)."""
    token = demo_transcript(citizen).credential
    assert token is not None
    for _ in range(ROTATIONS):
        keys.rotate(school.id)
    jwks = client.get(f"/api/v1/schools/{school.id}/jwks").get_json()
    # The first school key and its homeroom teacher's, then one per rotation.
    assert len(jwks["keys"]) == ROTATIONS + 2
    issuer = credentials.issuer_id(school.id)
    offline = verification.CachedResolver(
        jwks={issuer: jwks},
        lists={
            e["statusListCredential"]: client.get(
                e["statusListCredential"].removeprefix("http://localhost")
            ).get_data(as_text=True)
            for e in payload(token)["credentialStatus"]
        },
        registry={issuer},
    )
    for resolver in (DatabaseResolver(), offline):
        report = verification.verify(token, resolver)
        assert [c.problem for c in report.checks if c.status == "failure"] == []
        assert report.verified
        assert signed_content(report) is not None


def test_verification_reads_only_the_keys_it_names(
    client, citizen, school, monkeypatch
):
    """Its cost does not grow with the number of keys the school has had."""
    token = demo_transcript(citizen).credential
    counted = Counted(monkeypatch)
    assert verification.verify(token, DatabaseResolver()).verified
    few = (counted.imported, counted.validated)
    for _ in range(50):
        keys.rotate(school.id)
    counted.reset()
    assert verification.verify(token, DatabaseResolver()).verified
    # The school's key and the homeroom teacher's: no more, however many there are.
    assert (counted.imported, counted.validated) == few == (2, 2)


def _offline(client, token: str, change_jwks) -> verification.CachedResolver:
    claims_ = payload(token)
    issuer = claims_["issuer"]["id"]
    jwks = jwks_of(client, issuer)
    change_jwks(jwks["keys"], kid_of(token))
    return verification.CachedResolver(
        jwks={issuer: jwks},
        lists={
            e["statusListCredential"]: client.get(
                e["statusListCredential"].removeprefix("http://localhost")
            ).get_data(as_text=True)
            for e in claims_["credentialStatus"]
        },
        registry={issuer},
    )


def test_a_malformed_key_the_credential_does_not_name_is_never_read(client, citizen):
    token = demo_transcript(citizen).credential

    def spoil_others(entries: list[dict[str, Any]], kid: str) -> None:
        entries.append({"kid": "other", "kty": "EC", "x": 5})
        entries.append("not a key")

    report = verification.verify(token, _offline(client, token, spoil_others))
    assert report.verified


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(
            lambda entries, kid: next(e for e in entries if e["kid"] == kid).update(
                x="not-a-coordinate"
            ),
            id="bad-coordinate",
        ),
        pytest.param(
            lambda entries, kid: next(e for e in entries if e["kid"] == kid).pop(
                "holder"
            ),
            id="no-holder",
        ),
        pytest.param(
            lambda entries, kid: entries.append(
                {**next(e for e in entries if e["kid"] == kid), "holder": "teacher"}
            ),
            id="kid-twice",
        ),
    ],
)
def test_a_malformed_published_key_is_reported_as_such_not_as_a_forgery(
    client, citizen, spoil
):
    token = demo_transcript(citizen).credential
    report = verification.verify(token, _offline(client, token, spoil))
    failed = [(c.id, c.problem) for c in report.checks if c.status == "failure"]
    assert failed == [("cryptographic.signature", "KEY_MALFORMED")]
    assert signed_content(report) is None
    message = next(c for c in report.checks if c.problem == "KEY_MALFORMED").message
    assert message.startswith("Khóa công khai mà học bạ chỉ tới không đúng định dạng")
