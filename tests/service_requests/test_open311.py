"""The Open311 GeoReport v2 facade: services, attributes, requests open or closed."""

from __future__ import annotations

from tests.demo_ids import HAI, POLICE, RESIDENCE, TRANSFER
from tests.problems import assert_problem
from tests.service_requests.test_workflow import NEEDS


def test_services_and_their_attributes(client):
    services = client.get("/open311/v2/services.json").get_json()
    transfer = next(s for s in services if s["service_code"] == TRANSFER)
    assert transfer["service_name"] == "Chuyển trường đối với học sinh trung học cơ sở"
    assert (transfer["type"], transfer["metadata"]) == ("batch", True)
    english = client.get(
        f"/open311/v2/services/{RESIDENCE}.json", headers={"Accept-Language": "en"}
    ).get_json()
    content = english["attributes"][0]
    assert (
        content["code"],
        content["datatype"],
        content["required"],
        content["order"],
    ) == ("content", "multivaluelist", True, 1)
    assert {"key": "permanent", "name": "Permanent residence"} in content["values"]
    assert_problem(client.get("/open311/v2/services/0.0.json"), 404, "not-found")


def test_post_a_request_then_follow_it_open_and_closed(shop):
    created = shop.client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": RESIDENCE,
            "attribute[content][]": ["permanent", "history"],
            "attribute[purpose]": "Bổ sung hồ sơ xin việc",
        },
        headers=shop.as_citizen(HAI),
    )
    assert created.status_code == 201, created.get_json()
    receipt = created.get_json()[0]["service_request_id"]
    assert receipt.startswith(f"{POLICE}-")
    mine = shop.client.get(
        "/open311/v2/requests.json", headers=shop.as_citizen(HAI)
    ).get_json()
    assert [(r["service_request_id"], r["status"]) for r in mine] == [(receipt, "open")]
    assert (
        shop.client.get(
            f"/open311/v2/requests/{receipt}.json", headers=shop.as_citizen()
        ).status_code
        == 404
    )  # An does not see Hải's request

    # A dossier that was returned is closed.
    dossier = shop.submit()["id"]
    for step in (2, 4, 9, 10):
        shop.move(dossier, step, **NEEDS.get(step, {}))
    code = shop.read(dossier).get_json()["receipt_code"]
    closed = shop.client.get(
        f"/open311/v2/requests/{code}.json", headers=shop.as_citizen()
    ).get_json()[0]
    assert closed["status"] == "closed"
    assert closed["status_notes"].startswith("Đã trả kết quả")
    agency = shop.client.get(
        "/open311/v2/requests.json",
        query_string={"status": "closed"},
        headers=shop.officer(),
    ).get_json()
    assert code in [r["service_request_id"] for r in agency]


def test_a_bad_request_is_a_problem_with_fields(shop):
    missing = shop.client.post(
        "/open311/v2/requests.json",
        data={"service_code": RESIDENCE},
        headers=shop.as_citizen(),
    )
    errors = assert_problem(missing, 422, "validation-failed")["errors"]
    assert set(errors) == {"form.content", "form.purpose"}
    unknown = shop.client.post(
        "/open311/v2/requests.json",
        data={"service_code": "x"},
        headers=shop.as_citizen(),
    )
    assert "service_code" in assert_problem(unknown, 422, "validation-failed")["errors"]
    assert_problem(shop.client.get("/open311/v2/requests.json"), 401, "unauthorized")
