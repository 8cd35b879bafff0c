"""Property: whatever is pasted into the public verifier, signed or not, the answer is
a verification report (200) or a problem (4xx), and a failed check stops the pipeline.

Inputs are the demo credential with one member replaced by arbitrary JSON, removed,
or joined by a new one — re-signed with the school's own keys or sent under the
original signature — plus arbitrary JSON payloads and JWT-looking strings.
FUZZ_EXAMPLES raises the number of examples for a longer run.
"""

from __future__ import annotations

import base64
import copy
import json
import os
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jws

from school_records import credentials
from tests.problems import assert_problem
from tests.school_records.helpers import demo_transcript

#: Left out of `make test-fast`: fuzzing: hypothesis generates credentials by the hundred.
pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
PROBLEMS = {
    None, "MALFORMED", "INVALID_SIGNATURE", "MALFORMED_VALUE", "CREDENTIAL_NOT_YET_VALID",
    "KEY_RETIRED", "KEY_MALFORMED", "KEY_NOT_YET_CREATED", "KEY_WITHDRAWN",
    "STATUS_LIST_NOT_FOUND", "STATUS_LIST_SIGNATURE_ERROR",
    "STATUS_LIST_MALFORMED", "STATUS_LIST_ISSUER_MISMATCH", "STATUS_PURPOSE_MISMATCH",
    "STATUS_INDEX_OUT_OF_RANGE", "CREDENTIAL_REVOKED", "CREDENTIAL_SUSPENDED",
    "ISSUER_NOT_REGISTERED", "GRADES_INCONSISTENT",
}  # fmt: skip

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["-1", "1000000000", "0", "", "x", "Tốt", "8.5", "urn:uuid:0"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every member path of a JSON value, the value itself first."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def mutated(credential: dict[str, Any], data: st.DataObject) -> Any:
    changed = copy.deepcopy(credential)
    path = data.draw(st.sampled_from(paths(changed)[1:]), label="path")
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    action = data.draw(st.sampled_from(["replace", "remove", "add"]), label="action")
    if action == "remove":
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[data.draw(st.text(max_size=12), label="key")] = data.draw(JSON)
    else:
        parent[path[-1]] = data.draw(JSON, label="value")
    return changed


def encode(value: Any) -> str:
    raw = json.dumps(value, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed(school_id, value: Any, header: Any = None) -> str:
    """``value`` under ``header`` (any JSON; default the school's own), signed ES256
    with the school's active key — by hand, so no library refuses odd headers."""
    row, key = credentials.signing_key(school_id)
    protected = (
        {"alg": "ES256", "kid": row.kid, "typ": "vc+jwt"} if header is None else header
    )
    signing_input = f"{encode(protected)}.{encode(value)}"
    r, s = utils.decode_dss_signature(
        key.private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    )
    signature = base64.urlsafe_b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    return f"{signing_input}.{signature.rstrip(b'=').decode()}"


def assert_answer(response) -> None:
    if response.status_code != 200:
        assert 400 <= response.status_code < 500, response.get_data(as_text=True)
        assert_problem(response, response.status_code, None)
        return
    report = response.get_json()
    checks = report["checks"]
    assert {c["problem"] for c in checks} <= PROBLEMS
    assert all(c["message"] for c in checks)
    failed = [i for i, c in enumerate(checks) if c["status"] == "failure"]
    if failed and checks[failed[0]]["phase"] == "cryptographic":
        assert all(c["status"] == "skipped" for c in checks[failed[0] + 1 :])
        assert report["signed_content"] is None
    assert report["verified"] == (
        not failed and all(c["status"] == "success" for c in checks)
    )


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@FUZZ
@given(data=st.data(), mode=st.sampled_from(["both-signed", "signed", "unsigned"]))
def test_a_changed_credential_gets_a_report_or_a_problem(client, citizen, data, mode):
    transcript = demo_transcript(citizen)
    credential = credentials.build_credential(transcript, "Lê Văn Dũng")
    credential["homeroomProof"]["jws"] = transcript.homeroom_proof
    changed = mutated(credential, data)
    proof = changed.get("homeroomProof")
    if mode == "both-signed" and isinstance(proof, dict):
        # The teacher signs whatever the subject became, so later phases see it.
        row, key = credentials.signing_key(
            transcript.school_id, transcript.homeroom_teacher_id
        )
        proof["jws"] = jws.serialize_compact(
            {"alg": "ES256", "kid": row.kid, "typ": "hocba-homeroom+jws"},
            credentials.canonical(changed.get("credentialSubject")),
            key,
        )
    if mode != "unsigned":
        token = signed(transcript.school_id, changed)
    else:
        header, _, signature = transcript.credential.split(".")
        token = f"{header}.{encode(changed)}.{signature}"
    response = client.post("/api/v1/transcripts/verify", json={"credential": token})
    assert_answer(response)
    if mode == "unsigned":
        assert response.get_json()["verified"] is False


@FUZZ
@given(
    payload=JSON,
    header=st.one_of(
        st.none(),
        JSON,
        st.dictionaries(st.sampled_from(["alg", "kid", "typ", "cty", "crit"]), JSON),
    ),
)
def test_any_json_signed_or_not_gets_a_report_or_a_problem(
    client, citizen, payload, header
):
    school_id = demo_transcript(citizen).school_id
    for token in (
        signed(school_id, payload, header),
        f"{encode(header)}.{encode(payload)}.AAAA",
    ):
        assert_answer(
            client.post("/api/v1/transcripts/verify", json={"credential": token})
        )


@FUZZ
@given(
    token=st.one_of(
        st.text(max_size=200),
        st.lists(st.text(B64URL, max_size=60), min_size=1, max_size=5).map(".".join),
    )
)
def test_any_string_gets_a_report_or_a_problem(client, token):
    response = client.post("/api/v1/transcripts/verify", json={"credential": token})
    assert_answer(response)
