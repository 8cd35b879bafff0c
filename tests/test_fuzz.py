"""API fuzzing: schemathesis drives every documented operation with generated input.

As a citizen and as clinic staff, each operation gets a bounded number of
generated requests (valid and invalid). No answer may be a server error; each must
match the documented status codes, content types, headers and response schemas;
input the schema forbids must be refused.

One check is left out: "schema-valid input accepted". Business rules refuse
schema-valid input by design (an unknown procedure code, a cursor this server did
not sign, a national id whose digits contradict the birth date) with a 422 that
names the field.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import make_app
from tests.demo_ids import AN, CLINIC, CUC

#: Left out of `make test-fast`: fuzzing: schemathesis sends generated requests to every operation.
pytestmark = pytest.mark.slow

#: Generated requests per operation and caller; FUZZ_EXAMPLES raises it for a longer run.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


#: The document comes from an app of its own (it needs no database); the calls go
#: to the test app, on the migrated and seeded database.
schema = schemathesis.openapi.from_wsgi("/openapi.json", make_app("sqlite://"))


BUSINESS_RULES = [positive_data_acceptance]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_as_a_citizen(app, case, citizen, auth_headers):
    case.call_and_validate(
        app=app, headers=auth_headers(citizen(AN)), excluded_checks=BUSINESS_RULES
    )


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_operation_as_clinic_staff(
    app, case, citizen, organisation, auth_headers
):
    staff = auth_headers(citizen(CUC), org=organisation(CLINIC), role="doctor")
    case.call_and_validate(app=app, headers=staff, excluded_checks=BUSINESS_RULES)
