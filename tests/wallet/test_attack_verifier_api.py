"""Odd presentation requests from a verifier (DCQL shapes, ids, paths, values,
checks): each refused with a 4xx, or harmless."""

import copy

import pytest

from tests.wallet.conftest import admission

VCT = "http://localhost/vct/hoc-ba/v1"


def _mut(f):
    body = admission()
    f(body)
    return body


CASES = {
    "claim_sets": lambda b: b["dcql_query"]["credentials"][0].update(
        claim_sets=[["a"]]
    ),
    "trusted_authorities": lambda b: b["dcql_query"]["credentials"][0].update(
        trusted_authorities=[{"type": "aki", "values": ["x"]}]
    ),
    "credential_sets": lambda b: b["dcql_query"].update(
        credential_sets=[{"options": [["hoc_ba"]]}]
    ),
    "path-int": lambda b: b["dcql_query"]["credentials"][0]["claims"].append(
        {"path": ["subjects", 0]}
    ),
    "path-empty": lambda b: b["dcql_query"]["credentials"][0]["claims"].append(
        {"path": []}
    ),
    "path-nul": lambda b: b["dcql_query"]["credentials"][0]["claims"].append(
        {"path": ["a\u0000"]}
    ),
    "values-float": lambda b: b["dcql_query"]["credentials"][0]["claims"][0].update(
        values=[6.0]
    ),
    "values-null": lambda b: b["dcql_query"]["credentials"][0]["claims"][0].update(
        values=[None]
    ),
    "values-empty": lambda b: b["dcql_query"]["credentials"][0]["claims"][0].update(
        values=[]
    ),
    "claims-empty": lambda b: b["dcql_query"]["credentials"][0].update(claims=[]),
    "claims-null": lambda b: b["dcql_query"]["credentials"][0].update(claims=None),
    "meta-null": lambda b: b["dcql_query"]["credentials"][0].update(meta=None),
    "vct-mixed": lambda b: b["dcql_query"]["credentials"][0]["meta"].update(
        vct_values=[VCT, "http://localhost/vct/bhyt/v1"]
    ),
    "check-min-huge": lambda b: b["checks"][0].update(minimum="1e999"),
    "check-min-nan": lambda b: b["checks"][0].update(minimum="NaN"),
    "check-min-neg": lambda b: b["checks"][0].update(minimum="-1"),
    "check-path-null": lambda b: b["checks"][0].update(path=["year_results", None]),
    "purpose-html": lambda b: b.update(purpose="<script>alert(1)</script>"),
    "purpose-rtl": lambda b: b.update(purpose="a\u202eb"),
    "two-queries-same-id": lambda b: b["dcql_query"]["credentials"].append(
        copy.deepcopy(b["dcql_query"]["credentials"][0])
    ),
    "claim-ids-dup": lambda b: [
        c.update(id="x") for c in b["dcql_query"]["credentials"][0]["claims"]
    ],
    "dup-paths": lambda b: b["dcql_query"]["credentials"][0]["claims"].append(
        {"path": ["grade"]}
    ),
    "format-mso": lambda b: b["dcql_query"]["credentials"][0].update(format="mso_mdoc"),
    "id-unicode": lambda b: b["dcql_query"]["credentials"][0].update(id="hóc"),
    "checks-null": lambda b: b.update(checks=None),
    "checks-bad-query": lambda b: b["checks"][0].update(query_id="nope"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_odd_requests_are_4xx(client, verifier_headers, case):
    body = _mut(CASES[case])
    r = client.post("/api/v1/verifier/requests", json=body, headers=verifier_headers)
    assert r.status_code < 500
