"""Where the verifier finds keys and schools, given what anyone may hand it: a
JWKS out of form, an issuer it holds nothing for, a school's id spelt another
way (found by mutation testing: each guard could go and no test noticed)."""

from __future__ import annotations

import base64
import json

import pytest

from school_records.resolver import CachedResolver, DatabaseResolver
from tests.demo_ids import SCHOOL
from tests.school_records.helpers import demo_transcript


@pytest.mark.parametrize(
    "jwks",
    [
        ["not", "an", "object"],
        {"keys": None},
        {"keys": "abc"},
        {"keys": [1, None, {"kid": 7}]},
    ],
)
def test_a_cached_jwks_out_of_form_holds_no_key(jwks):
    resolver = CachedResolver(jwks={"https://school.example": jwks})
    assert resolver.issuer_key("https://school.example", "any") is None


def test_an_issuer_the_cache_holds_nothing_for_has_no_key():
    resolver = CachedResolver(jwks={"https://school.example": {"keys": []}})
    assert resolver.issuer_key("https://elsewhere.example", "any") is None
    assert resolver.is_registered("https://elsewhere.example") is False


def test_a_school_is_found_under_one_spelling_of_its_id_only(
    client, citizen, organisation
):
    token = demo_transcript(citizen).credential
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    issuer, kid = claims["issuer"]["id"], header["kid"].rpartition("#")[2]
    school_id = str(organisation(SCHOOL).id)
    assert school_id in issuer
    resolver = DatabaseResolver()
    assert resolver.is_registered(issuer)
    assert resolver.issuer_key(issuer, kid) is not None
    for other in (school_id.upper(), school_id.replace("-", ""), "{" + school_id + "}"):
        respelt = issuer.replace(school_id, other)
        assert resolver.is_registered(respelt) is False, other
        assert resolver.issuer_key(respelt, kid) is None, other
    status_url = claims["credentialStatus"][0]["statusListCredential"]
    assert resolver.status_list(status_url) is not None
    list_id = status_url.rsplit("/", 1)[1]
    assert resolver.status_list(status_url.replace(list_id, list_id.upper())) is None
    assert resolver.status_list("https://elsewhere.example/list") is None
