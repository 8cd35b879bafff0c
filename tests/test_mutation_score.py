"""`make mutate`'s score: mutmut's result lines counted per module."""

from tools.mutation_score import tally


def test_results_are_counted_per_module_for_functions_and_methods():
    counts = tally(
        [
            "    consent.policies.x_scope_of__mutmut_1: killed",
            "    consent.policies.xǁRecordScopeǁallows__mutmut_2: survived",
            "    service_requests.deadlines.x_initial_due__mutmut_7: timeout",
            "    service_requests.deadlines.x_initial_due__mutmut_8: no tests",
            "a line that is not a result",
        ]
    )
    assert counts == {
        "consent.policies": {"killed": 1, "survived": 1},
        "service_requests.deadlines": {"timeout": 1, "no tests": 1},
    }
