"""The national status table: every allowed move, and a sample of the forbidden."""

from __future__ import annotations

from typing import Any

import pytest

from app.extensions import db
from service_requests import workflow
from service_requests.models import DossierStatus as S
from service_requests.workflow import TRANSITIONS, Party
from tests.demo_ids import AN, HAI, POLICE
from tests.problems import assert_problem

#: What each target needs in the body.
NEEDS: dict[int, dict[str, Any]] = {
    3: {"reason": "Hồ sơ không thuộc thẩm quyền."},
    5: {"reason": "Thiếu giấy tờ.", "checklist": ["Bản sao hợp đồng thuê nhà"]},
    6: {"fee_vnd": 100_000},
    8: {"reason": "Quá hạn bổ sung."},
    9: {"result": "Giấy chứng nhận số 01/HKD"},
    10: {"delivery": "online"},
}
#: How to bring a new dossier to a status (officer moves after submission).
ROUTES: dict[S, list[int]] = {
    S.SUBMITTED: [],
    S.RECEIVED: [2],
    S.PROCESSING: [2, 4],
    S.FEE_REQUESTED: [2, 4, 6],
    S.PROCESSED: [2, 4, 9],
    S.RESULT_RETURNED: [2, 4, 9, 10],
    S.NOT_RECEIVED: [3],
    S.STOPPED: [2, 4, 8],
}


OFF, APP = Party.OFFICER, Party.APPLICANT
#: The national table (reference/records_services.md, C2), written out rather than
#: read back from the code under test: (from, to) -> (action, party, needs reason).
#: 6 -> 4 is missing on purpose: only the payment callback ends a fee request.
EXPECTED: dict[tuple[int, int], tuple[str, Party, bool]] = {
    (1, 2): ("receive", OFF, False),
    (1, 3): ("refuse", OFF, True),
    (1, 5): ("request_supplement", OFF, True),
    (2, 4): ("start_processing", OFF, False),
    (2, 5): ("request_supplement", OFF, True),
    (4, 5): ("request_supplement", OFF, True),
    (4, 6): ("request_fee", OFF, False),
    (4, 8): ("stop", OFF, True),
    (4, 9): ("complete", OFF, False),
    (5, 2): ("accept_supplement", OFF, False),
    (5, 4): ("accept_supplement", OFF, False),
    (5, 8): ("stop", OFF, True),
    (9, 10): ("return_result", OFF, False),
    (1, 7): ("withdraw", APP, False),
    (2, 7): ("withdraw", APP, False),
    (4, 7): ("withdraw", APP, False),
    (5, 7): ("withdraw", APP, False),
    (6, 7): ("withdraw", APP, False),
}


def test_the_transition_table_is_the_national_one():
    actual = {
        (int(source), int(target)): (move.action, move.party, move.needs_reason)
        for (source, target), move in TRANSITIONS.items()
    }
    assert actual == EXPECTED
    for source in S:
        for target in S:
            found = workflow.move(source, target)
            assert (found is not None) == ((int(source), int(target)) in EXPECTED)


def bring(shop, to: S, *, received: bool = True) -> str:
    dossier = shop.submit()["id"]
    route = ROUTES.get(to, [2, 5] if received else [5])
    for step in route:
        response = shop.move(dossier, step, **NEEDS.get(step, {}))
        assert response.status_code == 200, response.get_json()
    return dossier


def supplement(shop, dossier: str) -> None:
    response = shop.client.post(
        f"/api/v1/dossiers/{dossier}/supplements",
        json={"note": "Đã bổ sung"},
        headers=shop.as_citizen(),
    )
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    ("source", "target"),
    sorted(TRANSITIONS, key=lambda pair: (int(pair[0]), int(pair[1]))),
)
def test_every_allowed_transition(shop, source, target):
    move = TRANSITIONS[(source, target)]
    dossier = bring(shop, source, received=target != S.RECEIVED)
    if (
        source == S.SUPPLEMENT_REQUESTED
        and target != S.STOPPED
        and move.party == Party.OFFICER
    ):
        supplement(shop, dossier)
    before = shop.read(dossier).get_json()["history"]
    headers = shop.as_citizen() if move.party == Party.APPLICANT else shop.officer()
    response = shop.move(dossier, int(target), headers, **NEEDS.get(int(target), {}))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == int(target)
    last = body["history"][-1]
    assert len(body["history"]) == len(before) + 1
    assert (last["from_status"], last["to_status"], last["action"]) == (
        int(source),
        int(target),
        move.action,
    )


@pytest.mark.parametrize(
    ("source", "target"), [(10, 4), (3, 2), (1, 9), (5, 9), (8, 4)]
)
def test_forbidden_transitions_are_409_and_change_nothing(shop, source, target):
    dossier = bring(shop, S(source))
    before = shop.read(dossier).get_json()
    response = shop.move(dossier, target, **NEEDS.get(target, {}))
    problem = assert_problem(response, 409, "dossier-transition-not-allowed")
    assert problem["current_status"] == source
    after = shop.read(dossier).get_json()
    assert after["history"] == before["history"]
    assert after["status"] == source


def test_an_officer_cannot_end_a_fee_request_without_the_payment(shop):
    dossier = bring(shop, S.FEE_REQUESTED)
    before = shop.read(dossier).get_json()
    problem = assert_problem(
        shop.move(dossier, 4), 409, "dossier-transition-not-allowed"
    )
    assert (problem["current_status"], problem["allowed"]) == (6, [])
    after = shop.read(dossier).get_json()
    assert (after["status"], after["fee_status"], after["paused"]) == (
        6,
        "pending",
        True,
    )
    assert after["history"] == before["history"]


@pytest.mark.parametrize(("source", "target"), [(1, 3), (2, 5), (4, 8)])
def test_refusal_supplement_and_stop_need_a_reason(shop, source, target):
    dossier = bring(shop, S(source))
    body = {key: value for key, value in NEEDS[target].items() if key != "reason"}
    problem = assert_problem(
        shop.move(dossier, target, **body), 422, "validation-failed"
    )
    assert "reason" in problem["errors"]
    assert shop.read(dossier).get_json()["status"] == source


def test_a_supplement_request_lists_what_is_missing(shop):
    dossier = bring(shop, S.RECEIVED)
    problem = assert_problem(
        shop.move(dossier, 5, reason="Thiếu giấy tờ"), 422, "validation-failed"
    )
    assert "checklist" in problem["errors"]


def test_moves_belong_to_their_party(shop, citizen, auth_headers):
    dossier = shop.submit()["id"]
    assert_problem(shop.move(dossier, 2, shop.as_citizen()), 403, "forbidden")
    assert_problem(shop.move(dossier, 7, shop.officer()), 403, "forbidden")
    assert_problem(shop.move(dossier, 2, shop.as_citizen(HAI)), 404, "not-found")
    police = auth_headers(
        citizen(AN), org=shop.organisation(POLICE), role="officer"
    )  # no such membership: the token is refused whatever the route
    assert_problem(shop.move(dossier, 2, police), 403, "membership-ended")
    assert shop.read(dossier).get_json()["status"] == 1


def test_a_supplement_must_arrive_before_processing_resumes(shop):
    dossier = bring(shop, S.SUPPLEMENT_REQUESTED)
    assert_problem(shop.move(dossier, 4), 409, "dossier-supplement-not-submitted")
    supplement(shop, dossier)
    # Received before the request, so it goes back to processing, not to 2.
    problem = assert_problem(
        shop.move(dossier, 2), 409, "dossier-transition-not-allowed"
    )
    assert problem["allowed"] == [4]
    resumed = shop.move(dossier, 4).get_json()
    assert resumed["status"] == 4
    assert resumed["paused"] is False


def test_fee_is_paid_exactly_then_refunded_on_withdrawal(shop):
    dossier = bring(shop, S.FEE_REQUESTED)
    pay = f"/api/v1/dossiers/{dossier}/payments"
    headers = shop.as_citizen()
    wrong = shop.client.post(pay, json={"amount": 90_000}, headers=headers)
    assert "amount" in assert_problem(wrong, 422, "validation-failed")["errors"]
    paid = shop.client.post(pay, json={"amount": 100_000}, headers=headers).get_json()
    assert (paid["status"], paid["fee_status"], paid["paused"]) == (4, "paid", False)
    again = shop.client.post(pay, json={"amount": 100_000}, headers=headers)
    assert_problem(again, 409, "dossier-no-fee-due")
    withdrawn = shop.move(dossier, 7, headers).get_json()
    assert (withdrawn["status"], withdrawn["fee_status"]) == (7, "refunded")


def test_every_move_is_announced_to_the_applicant(shop):
    dossier = bring(shop, S.PROCESSING)
    inbox = shop.client.get(
        "/api/v1/notifications", headers=shop.as_citizen(), query_string={"limit": 100}
    ).get_json()["items"]
    mine = [n for n in inbox if n["data"].get("dossier_id") == dossier]
    assert [n["data"]["status"] for n in mine] == [4, 2, 1]
    english = shop.client.get(
        "/api/v1/notifications", headers={**shop.as_citizen(), "Accept-Language": "en"}
    ).get_json()["items"][0]["text"]
    assert "Processing" in english


def test_a_moves_answer_shows_the_new_history_line_as_it_is_kept(shop):
    """Found by the OpenAPI examples' schema check: the answer was dumped before the
    event's row was written, so its ``at`` (a default set on insert) came back null
    whenever nothing in between made the session flush."""
    dossier = shop.submit()["id"]
    with db.session.no_autoflush:  # as when every lookup of the move hits a cache
        moved = shop.move(dossier, 2)
    assert moved.status_code == 200
    line = moved.get_json()["history"][-1]
    assert line["action"] == "receive"
    assert line["at"] is not None
    assert shop.read(dossier).get_json()["history"][-1] == line
