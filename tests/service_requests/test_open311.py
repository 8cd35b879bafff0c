"""The Open311 GeoReport v2 facade, judged by a client written from the spec.

Each scenario runs in JSON and in XML: the spec defines both, and civic tools in the
wild use both. The client (tests/judges/georeport_client.py) knows only the spec.
"""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as SafeElementTree

from service_requests import georeport
from tests.demo_ids import CLINIC, CUC, HAI, POLICE, RESIDENCE, TRANSFER
from tests.judges.georeport_client import (
    REQUEST_FIELDS,
    SERVICE_FIELDS,
    GeoReportClient,
    GeoReportError,
)
from tests.service_requests.test_workflow import NEEDS

BASE = "/open311/v2"
ATTRIBUTES = {"content": ["permanent", "history"], "purpose": "Bổ sung hồ sơ xin việc"}
HERE = {"lat": 10.98, "long": 106.65}


@pytest.fixture(params=["json", "xml"])
def geo(request, client):
    """A spec-written client in each format, with a registered application's key."""
    key = georeport.issue_key("Ứng dụng phản ánh hiện trường")
    return GeoReportClient(client, BASE, request.param, api_key=key)


def test_services_and_their_attributes(geo):
    services = geo.services()
    assert all(set(service) == SERVICE_FIELDS for service in services)
    transfer = next(s for s in services if s["service_code"] == TRANSFER)
    assert transfer["service_name"] == "Chuyển trường đối với học sinh trung học cơ sở"
    assert (transfer["type"], transfer["metadata"]) == ("batch", True)

    definition = geo.service_definition(RESIDENCE)
    content = definition["attributes"][0]
    assert (
        content["code"],
        content["datatype"],
        content["required"],
        content["order"],
    ) == (
        "content",
        "multivaluelist",
        True,
        1,
    )
    assert {"key": "permanent", "name": "Nơi thường trú"} in content["values"]

    with pytest.raises(GeoReportError) as missing:
        geo.service_definition("0.0")
    assert missing.value.status == 404
    assert [code for code, _ in missing.value.errors] == [404]


def test_the_same_answers_in_json_and_xml(client, shop):
    as_json, as_xml = (GeoReportClient(client, BASE, fmt) for fmt in ("json", "xml"))
    assert as_json.services() == as_xml.services()
    assert as_json.service_definition(RESIDENCE) == as_xml.service_definition(RESIDENCE)
    shop.submit()
    officer = shop.officer()
    assert as_json.requests(officer) == as_xml.requests(officer)


def test_a_request_keeps_its_location_and_is_followed_open_then_closed(geo, shop):
    [created] = geo.post_request(
        RESIDENCE,
        ATTRIBUTES,
        shop.as_citizen(HAI),
        **HERE,
        address_string="Số 5 Yersin",
    )
    receipt = created["service_request_id"]
    assert receipt.startswith(f"{POLICE}-")
    assert created["service_notice"].startswith("Hẹn trả kết quả")

    [mine] = geo.requests(shop.as_citizen(HAI))
    assert set(mine) == REQUEST_FIELDS
    assert (mine["service_request_id"], mine["status"]) == (receipt, "open")
    assert (mine["lat"], mine["long"], mine["address"]) == (
        10.98,
        106.65,
        "Số 5 Yersin",
    )
    assert mine["agency_responsible"] == "Công an phường Phú Cường"
    assert mine["expected_datetime"]

    # A dossier that was returned is closed; its agency sees it so.
    dossier = shop.submit()["id"]
    for step in (2, 4, 9, 10):
        shop.move(dossier, step, **NEEDS.get(step, {}))
    code = shop.read(dossier).get_json()["receipt_code"]
    [closed] = geo.request(code, shop.as_citizen())
    assert closed["status"] == "closed"
    assert closed["status_notes"].startswith("Đã trả kết quả")
    agency = geo.requests(shop.officer(), status="closed")
    assert code in [r["service_request_id"] for r in agency]


def test_public_lists_answer_without_a_token_and_name_no_one(geo, shop):
    [created] = geo.post_request(
        RESIDENCE, ATTRIBUTES, shop.as_citizen(HAI), **HERE, address_id="BD-PC-0005"
    )
    receipt = created["service_request_id"]
    listed = {r["service_request_id"]: r for r in geo.requests()}
    [one] = geo.request(receipt)
    [seen_by_another] = geo.request(receipt, shop.as_citizen())
    for public in (listed[receipt], one, seen_by_another):
        assert set(public) == REQUEST_FIELDS
        assert public["status"] == "open"
        assert (public["lat"], public["long"], public["address_id"]) == (
            None,
            None,
            None,
        )
        assert public["status_notes"] == "Mới đăng ký"


@pytest.mark.parametrize(
    ("location", "field"),
    [({}, "location"), ({"lat": 10.98}, "long"), ({"lat": 91, "long": 106}, "lat")],
)
def test_a_request_needs_a_location(geo, shop, location, field):
    with pytest.raises(GeoReportError) as refused:
        geo.post_request(RESIDENCE, ATTRIBUTES, shop.as_citizen(HAI), **location)
    assert refused.value.status == 400
    assert [d.split(":")[0] for _, d in refused.value.errors] == [field]


def test_filing_needs_a_live_api_key(geo, shop, app):
    anonymous = GeoReportClient(geo.http, BASE, geo.fmt)
    forged = GeoReportClient(geo.http, BASE, geo.fmt, api_key="not-issued")
    for application in (anonymous, forged):
        with pytest.raises(GeoReportError) as refused:
            application.post_request(RESIDENCE, ATTRIBUTES, shop.as_citizen(), **HERE)
        assert (refused.value.status, refused.value.errors[0][0]) == (403, 403)

    runner = app.test_cli_runner()
    key = runner.invoke(args=["open311", "issue-key", "Zalo mini app"]).output.strip()
    issued = GeoReportClient(geo.http, BASE, geo.fmt, api_key=key)
    assert issued.post_request(RESIDENCE, ATTRIBUTES, shop.as_citizen(), **HERE)
    revoked = runner.invoke(args=["open311", "revoke-key", "Zalo mini app"])
    assert revoked.output.strip() == "Revoked 1 key(s) of Zalo mini app."
    with pytest.raises(GeoReportError) as after:
        issued.post_request(RESIDENCE, ATTRIBUTES, shop.as_citizen(), **HERE)
    assert after.value.status == 403


def test_every_error_under_the_facade_is_georeports(geo, shop):
    """Field errors, authentication, unknown paths: the spec's errors, never a 500
    or an RFC 9457 problem."""
    with pytest.raises(GeoReportError) as fields:
        geo.post_request(RESIDENCE, {}, shop.as_citizen(), **HERE)
    assert fields.value.status == 400
    described = sorted(d.split(":")[0] for _, d in fields.value.errors)
    assert described == ["form.content", "form.purpose"]
    with pytest.raises(GeoReportError) as unknown:
        geo.post_request("x", ATTRIBUTES, shop.as_citizen(), **HERE)
    assert unknown.value.errors[0][1].startswith("service_code:")
    with pytest.raises(GeoReportError) as no_token:
        geo.post_request(RESIDENCE, ATTRIBUTES, **HERE)
    assert no_token.value.status == 401
    with pytest.raises(GeoReportError) as no_route:
        geo.service_definition("a/b")
    assert no_route.value.status == 404


def test_jurisdiction_id_is_checked(app, client, shop):
    wrong = GeoReportClient(client, BASE, "json", jurisdiction_id="hanoi.gov.vn")
    with pytest.raises(GeoReportError) as unknown:
        wrong.services()
    assert unknown.value.status == 404
    right = GeoReportClient(client, BASE, "xml", jurisdiction_id="binhduong.gov.vn")
    assert right.services()

    app.config["OPEN311_JURISDICTIONS"] = [
        "binhduong.gov.vn",
        "thuduc.hochiminhcity.gov.vn",
    ]
    try:
        with pytest.raises(GeoReportError) as required:
            GeoReportClient(client, BASE, "json").services()
        assert required.value.status == 400
        assert right.services()
    finally:
        app.config["OPEN311_JURISDICTIONS"] = ["binhduong.gov.vn"]


# Attack, 2026-12-06 -----------------------------------------------------------


def test_a_noncharacter_is_refused_so_no_xml_feed_breaks(geo, shop):
    """U+FFFF in an address was stored, and every XML list that showed it was no
    longer XML; a control character in a parameter's name broke an error's XML."""
    with pytest.raises(GeoReportError) as refused:
        geo.post_request(
            RESIDENCE,
            ATTRIBUTES,
            shop.as_citizen(HAI),
            **HERE,
            address_string="Tổ 3\uffff",
        )
    assert refused.value.status == 400
    assert refused.value.errors[0][1].startswith("address_string:")
    answer = geo.http.get("/open311/v2/requests.xml?a%01b=1")
    assert answer.status_code == 400
    errors = SafeElementTree.fromstring(answer.get_data())
    assert [e.tag for e in errors] == ["error"]


def test_open311_filters_are_checked_not_ignored(geo, shop):
    too_many = ",".join(f"000.00.00.H00-250101-{n:05}" for n in range(101))
    for query in (
        {"status": "foo"},
        {"stauts": "open"},
        {"service_request_id": too_many},
    ):
        with pytest.raises(GeoReportError) as refused:
            geo.requests(shop.as_citizen(HAI), **query)
        assert refused.value.status == 400
    mixed = geo.http.post(
        "/open311/v2/requests.json?jurisdiction_id=binhduong.gov.vn",
        data={
            "jurisdiction_id": "evil",
            "service_code": RESIDENCE,
            "api_key": geo.api_key,
        },
        headers=shop.as_citizen(HAI),
    )
    assert mixed.status_code == 400


def test_staff_of_a_clinic_get_the_public_view(
    geo, shop, auth_headers, citizen, organisation
):
    doctor = auth_headers(citizen(CUC), org=organisation(CLINIC), role="doctor")
    [created] = geo.post_request(RESIDENCE, ATTRIBUTES, shop.as_citizen(HAI), **HERE)
    [seen] = geo.request(created["service_request_id"], doctor)
    assert (seen["lat"], seen["address"]) == (None, None)
    listed = geo.requests(doctor)
    assert created["service_request_id"] in [r["service_request_id"] for r in listed]
