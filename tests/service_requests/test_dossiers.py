"""Filing a dossier: the form, the documents (uploads and once-only reuse), the
receipt code, who may see it, and the agency's queue."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from consent.models import AccessEvent
from service_requests import calendar
from service_requests.models import Dossier, Upload
from tests.demo_ids import AN, BINH, HAI, PHUC, POLICE, RESIDENCE, TRANSFER, WARD
from tests.problems import assert_problem
from tests.service_requests import pdfs
from tests.service_requests.test_workflow import NEEDS

MZ_EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)


def test_a_filed_dossier_has_a_receipt_code_a_due_date_and_its_history(shop):
    dossier = shop.submit()
    assert re.fullmatch(r"000\.25\.37\.H57-\d{6}-\d{5}", dossier["receipt_code"])
    assert dossier["status"] == 1
    assert dossier["status_name"] == "Mới đăng ký"
    assert dossier["form"]["capital_vnd"] == 50_000_000
    assert dossier["due_date"] >= dossier["clock_start"]
    assert dossier["overdue"] is False
    assert [d["source"] for d in dossier["documents"]] == ["identity", "upload"]
    assert [
        (h["from_status"], h["to_status"], h["action"]) for h in dossier["history"]
    ] == [(None, 1, "submit")]
    second = shop.submit()
    assert int(second["receipt_code"][-5:]) == int(dossier["receipt_code"][-5:]) + 1


def test_the_form_is_checked_field_by_field_and_nothing_is_kept(shop):
    body = shop.business_body()
    body["form"].update(capital_vnd="nhiều", colour="xanh")
    del body["form"]["business_name"]
    body["documents"] = body["documents"][:1]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Dossier))
    response = shop.client.post(
        "/api/v1/dossiers",
        json=body,
        headers={**shop.as_citizen(), "Accept-Language": "en"},
    )
    errors = assert_problem(response, 422, "validation-failed")["errors"]
    assert errors["form.capital_vnd"] == ["Not a valid number."]
    assert errors["form.colour"] == ["Unknown field."]
    assert errors["form.business_name"] == ["Missing data for required field."]
    assert errors["documents"] == ["Required documents missing: premises_document."]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == before
    vietnamese = shop.client.post(
        "/api/v1/dossiers", json=body, headers=shop.as_citizen()
    )
    assert vietnamese.get_json()["errors"]["form.capital_vnd"] == [
        "Không phải số hợp lệ."
    ]


def test_an_unknown_procedure_is_named(shop):
    response = shop.client.post(
        "/api/v1/dossiers",
        json={"procedure_code": "9.999999"},
        headers=shop.as_citizen(),
    )
    assert (
        "procedure_code" in assert_problem(response, 422, "validation-failed")["errors"]
    )


def test_a_retried_submission_creates_one_dossier(shop):
    body = shop.business_body()
    headers = {**shop.as_citizen(), "Idempotency-Key": "dossier-retry-1"}
    first = shop.client.post("/api/v1/dossiers", json=body, headers=headers)
    again = shop.client.post("/api/v1/dossiers", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["receipt_code"] == first.get_json()["receipt_code"]
    mine = db.session.scalar(
        sa.select(sa.func.count()).where(
            Dossier.receipt_code == first.get_json()["receipt_code"]
        )
    )
    assert mine == 1


def test_reusing_my_childs_transcript_instead_of_an_upload(shop, citizen):
    binh = citizen(BINH)
    transcript = shop.client.get(
        f"/api/v1/citizens/{binh.id}/transcripts", headers=shop.as_citizen()
    ).get_json()["items"][0]["id"]
    letter = shop.upload().get_json()["id"]
    response = shop.client.post(
        "/api/v1/dossiers",
        json={
            "procedure_code": TRANSFER,
            "form": {
                "pupil_full_name": binh.full_name,
                "current_school": "THCS Chánh Nghĩa",
                "receiving_school": "THCS Phú Cường",
                "grade": 7,
                "reason": "Chuyển nơi ở",
            },
            "documents": [
                {
                    "code": "transcript",
                    "reference": {"kind": "transcript", "id": transcript},
                },
                {"code": "transfer_application", "upload_id": letter},
            ],
        },
        headers=shop.as_citizen(),
    )
    assert response.status_code == 201, response.get_json()
    reused = response.get_json()["documents"][0]
    assert (reused["source"], reused["subject_id"]) == ("transcript", str(binh.id))

    # The ward's officer reads it; Bình's access log (seen by An) says so.
    dossier = response.get_json()["id"]
    read = shop.client.get(
        f"/api/v1/dossiers/{dossier}/documents/{reused['id']}", headers=shop.officer()
    ).get_json()
    assert (read["in_force"], read["unchanged"]) == (True, True)
    assert read["data"]["credential"].count(".") == 2
    event = db.session.scalars(
        sa.select(AccessEvent)
        .where(AccessEvent.subject_id == binh.id)
        .order_by(AccessEvent.at)
    ).all()[-1]
    assert (event.basis.value, event.category, event.outcome) == (
        "dossier",
        "transcripts",
        "permit",
    )
    # An reads it too, as Bình's guardian: decided (and logged) like any read of his.
    mine = shop.client.get(
        f"/api/v1/dossiers/{dossier}/documents/{reused['id']}",
        headers=shop.as_citizen(),
    )
    assert mine.get_json()["unchanged"] is True
    last = db.session.scalars(
        sa.select(AccessEvent)
        .where(AccessEvent.subject_id == binh.id)
        .order_by(AccessEvent.at)
    ).all()[-1]
    assert (last.basis.value, last.actor_id) == ("guardian", shop.citizen(AN).id)


def test_another_citizens_records_cannot_be_reused(shop, citizen):
    body = shop.business_body(HAI)
    body["documents"][0]["reference"]["id"] = str(citizen(AN).id)
    foreign = shop.client.post(
        "/api/v1/dossiers", json=body, headers=shop.as_citizen(HAI)
    )
    errors = assert_problem(foreign, 422, "validation-failed")["errors"]
    assert errors == {
        "documents.0.reference.id": [
            "Không có dữ liệu số nào của bạn hoặc của con bạn có mã này."
        ]
    }
    body["documents"][0]["reference"]["id"] = str(uuid.uuid4())
    unknown = shop.client.post(
        "/api/v1/dossiers", json=body, headers=shop.as_citizen(HAI)
    )
    assert assert_problem(unknown, 422, "validation-failed")["errors"] == errors


def test_someone_elses_upload_cannot_be_attached(shop):
    body = shop.business_body(AN)
    body["documents"][0]["reference"]["id"] = str(shop.citizen(HAI).id)
    stolen = shop.client.post(
        "/api/v1/dossiers", json=body, headers=shop.as_citizen(HAI)
    )
    assert (
        "documents.1.upload_id"
        in assert_problem(stolen, 422, "validation-failed")["errors"]
    )


def test_an_upload_is_judged_by_its_content(shop):
    renamed = shop.upload(content=MZ_EXECUTABLE, name="giay-to.pdf")
    assert assert_problem(renamed, 422, "validation-failed")["errors"] == {
        "file": ["Chỉ chấp nhận tệp PDF, JPEG và PNG."]
    }
    scripted = shop.upload(
        content=b"%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (x) >> >>\n%%EOF\n",
        name="don.pdf",
    )
    assert "file" in assert_problem(scripted, 422, "validation-failed")["errors"]
    big = shop.upload(content=b"%PDF-1.7\n" + bytes(10 * 1024 * 1024) + b"\n%%EOF\n")
    assert "file" in assert_problem(big, 422, "validation-failed")["errors"]
    pdf = shop.upload(content=pdfs.classic(pdfs.document()), name="don.pdf")
    assert pdf.status_code == 201
    assert pdf.get_json()["media_type"] == "application/pdf"
    image = shop.upload(name="../../etc/ảnh chụp.png").get_json()
    assert (image["media_type"], image["filename"]) == ("image/png", "ảnh chụp.png")
    assert len(image["sha256"]) == 64
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Upload)
            .where(Upload.filename == "giay-to.pdf")
        )
        == 0
    )


def test_an_upload_is_served_only_to_the_dossiers_parties(shop):
    dossier = shop.submit()
    upload = dossier["documents"][1]
    url = f"/api/v1/dossiers/{dossier['id']}/documents/{upload['id']}"
    for headers in (shop.as_citizen(), shop.officer()):
        response = shop.client.get(url, headers=headers)
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert_problem(shop.client.get(url, headers=shop.as_citizen(HAI)), 404, "not-found")
    assert_problem(shop.client.get(url, headers=shop.officer(POLICE)), 404, "not-found")


def test_only_the_parties_see_a_dossier(shop, citizen, auth_headers):
    dossier = shop.submit()["id"]
    assert shop.read(dossier).status_code == 200
    assert shop.read(dossier, shop.officer()).status_code == 200
    assert_problem(shop.read(dossier, shop.as_citizen(HAI)), 404, "not-found")
    # Phúc as a citizen, not acting for his ward, is a stranger to it.
    assert_problem(shop.read(dossier, auth_headers(citizen(PHUC))), 404, "not-found")
    mine = shop.client.get("/api/v1/dossiers", headers=shop.as_citizen(HAI)).get_json()
    assert dossier not in [d["id"] for d in mine["items"]]


def test_the_queue_is_the_agencys_and_filters(shop, organisation):
    filed = shop.submit()["id"]
    ward = organisation(WARD).id
    queue = f"/api/v1/agencies/{ward}/dossiers"
    new = shop.client.get(queue, query_string={"status": 1}, headers=shop.officer())
    assert filed in [d["id"] for d in new.get_json()["items"]]
    assert all(d["status"] == 1 for d in new.get_json()["items"])
    by_procedure = shop.client.get(
        queue, query_string={"procedure": RESIDENCE}, headers=shop.officer()
    ).get_json()["items"]
    assert by_procedure == []
    assert_problem(shop.client.get(queue, headers=shop.as_citizen()), 403, "forbidden")
    assert_problem(
        shop.client.get(
            f"/api/v1/agencies/{organisation(POLICE).id}/dossiers",
            headers=shop.officer(),
        ),
        403,
        "forbidden",
    )


def test_overdue_is_derived_and_filterable(shop, organisation):
    late = shop.submit()["id"]
    on_time = shop.submit()["id"]
    dossier = db.session.get(Dossier, uuid.UUID(late))
    dossier.due_at = utcnow() - timedelta(hours=1)  # its due moment has passed
    db.session.flush()
    assert shop.read(late).get_json()["overdue"] is True
    assert shop.read(on_time).get_json()["overdue"] is False
    queue = f"/api/v1/agencies/{organisation(WARD).id}/dossiers"
    overdue = shop.client.get(
        queue, query_string={"overdue": "true"}, headers=shop.officer()
    ).get_json()["items"]
    assert late in [d["id"] for d in overdue]
    assert on_time not in [d["id"] for d in overdue]


def test_the_queue_filter_and_the_overdue_flag_agree(shop, organisation):
    """The filter is SQL and the flag Python: the same rule, judged on each kind."""
    past = utcnow() - timedelta(hours=1)
    cases = {
        "late": ([2, 4], {"due_at": past}),
        "paused_in_time": (
            [2, 5],
            {"due_at": past, "paused_at": past - timedelta(hours=1)},
        ),
        "paused_late": (
            [2, 5],
            {"due_at": past - timedelta(hours=2), "paused_at": past},
        ),
        "finished_late": ([2, 4, 9], {"due_at": past - timedelta(days=1)}),
        "refused_past_due": ([3], {"due_at": past}),
        "in_time": ([2, 4], {}),
    }
    ids = {}
    for name, (steps, dates) in cases.items():
        dossier = shop.submit()["id"]
        for step in steps:
            shop.move(dossier, step, **NEEDS.get(step, {}))
        record = db.session.get(Dossier, uuid.UUID(dossier))
        for column, value in dates.items():
            setattr(record, column, value)
        ids[name] = dossier
    db.session.flush()
    queue = f"/api/v1/agencies/{organisation(WARD).id}/dossiers"
    listed = {
        flag: {
            line["id"]: line["overdue"]
            for line in shop.client.get(
                queue,
                query_string={"overdue": flag, "limit": 100},
                headers=shop.officer(),
            ).get_json()["items"]
        }
        for flag in ("true", "false")
    }
    overdue = {name for name, dossier in ids.items() if dossier in listed["true"]}
    assert overdue == {"late", "paused_late", "finished_late"}
    for name, dossier in ids.items():
        flag = "true" if name in overdue else "false"
        assert listed[flag][dossier] is (flag == "true"), name
        assert dossier not in listed["false" if flag == "true" else "true"], name


def test_one_apology_with_a_later_date_before_the_due_date(shop):
    dossier = shop.submit()
    url = f"/api/v1/dossiers/{dossier['id']}/apology"
    earlier = shop.client.post(
        url,
        json={"reason": "Cần xác minh thêm", "new_due_date": dossier["clock_start"]},
        headers=shop.officer(),
    )
    assert "new_due_date" in assert_problem(earlier, 422, "validation-failed")["errors"]
    later = (utcnow() + timedelta(days=30)).date().isoformat()
    first = shop.client.post(
        url,
        json={"reason": "Cần xác minh thêm", "new_due_date": later},
        headers=shop.officer(),
    )
    assert first.status_code == 200
    assert (first.get_json()["due_date"], first.get_json()["apology_due_date"]) == (
        later,
        later,
    )
    assert first.get_json()["statutory_due_date"] == dossier["due_date"]
    second = shop.client.post(
        url, json={"reason": "Lần nữa", "new_due_date": later}, headers=shop.officer()
    )
    assert assert_problem(second, 409, "dossier-apology-refused")["apologised"] is True
    citizen = shop.client.post(
        url,
        json={"reason": "Tôi xin lỗi", "new_due_date": later},
        headers=shop.as_citizen(),
    )
    assert_problem(citizen, 403, "forbidden")


def test_a_pause_after_an_apology_moves_the_apologised_date(shop):
    dossier = shop.submit()["id"]
    shop.move(dossier, 2)
    apology_day = (utcnow() + timedelta(days=30)).date()
    apologised = shop.client.post(
        f"/api/v1/dossiers/{dossier}/apology",
        json={"reason": "Cần xác minh thêm", "new_due_date": apology_day.isoformat()},
        headers=shop.officer(),
    ).get_json()
    assert apologised["due_date"] == apology_day.isoformat()
    shop.move(dossier, 5, reason="Thiếu", checklist=["Hợp đồng thuê"])
    # The supplement request was made three working days ago.
    today = calendar.local(utcnow()).date()
    started = today - timedelta(days=1)
    while calendar.working_days_after(started, today) < 3:
        started -= timedelta(days=1)
    record = db.session.get(Dossier, uuid.UUID(dossier))
    record.paused_at = datetime.combine(started, time(9), tzinfo=calendar.TIMEZONE)
    record.pauses[-1].started_at = record.paused_at
    db.session.flush()
    shop.client.post(
        f"/api/v1/dossiers/{dossier}/supplements",
        json={"note": "Đã bổ sung"},
        headers=shop.as_citizen(),
    )

    resumed = shop.move(dossier, 4).get_json()
    moved = calendar.add_working_days(apology_day, 3).isoformat()
    assert (resumed["apology_due_date"], resumed["due_date"]) == (moved, moved)
    statutory = date.fromisoformat(resumed["statutory_due_date"])
    assert record.target_due_at == calendar.closing_time(
        calendar.add_working_days(statutory, 3)
    )


def test_no_apology_once_the_dossier_is_overdue(shop):
    dossier = shop.submit()
    db.session.get(Dossier, uuid.UUID(dossier["id"])).due_at = utcnow() - timedelta(
        minutes=1
    )
    db.session.flush()
    late = shop.client.post(
        f"/api/v1/dossiers/{dossier['id']}/apology",
        json={
            "reason": "Xin lỗi",
            "new_due_date": (utcnow() + timedelta(days=9)).date().isoformat(),
        },
        headers=shop.officer(),
    )
    assert assert_problem(late, 409, "dossier-apology-refused")["apologised"] is False


def test_a_supplement_pauses_the_clock(shop):
    dossier = shop.submit()["id"]
    shop.move(dossier, 2)
    paused = shop.move(
        dossier, 5, reason="Thiếu", checklist=["Hợp đồng thuê"]
    ).get_json()
    assert (paused["paused"], paused["supplement_requests"]) == (True, 1)
    assert paused["supplement_checklist"] == ["Hợp đồng thuê"]
    upload = shop.upload().get_json()["id"]
    sent = shop.client.post(
        f"/api/v1/dossiers/{dossier}/supplements",
        json={"documents": [{"code": "premises_document", "upload_id": upload}]},
        headers=shop.as_citizen(),
    ).get_json()
    assert sent["supplement_submitted_at"]
    assert sent["documents"][-1]["in_supplement"] is True
    resumed = shop.move(dossier, 4).get_json()
    assert resumed["paused"] is False
    # Same-day pause: no working day spent, the due date stays.
    assert resumed["due_date"] == paused["due_date"]


def test_the_receipt_slip_once_received(shop):
    dossier = shop.submit()["id"]
    url = f"/api/v1/dossiers/{dossier}/receipt"
    assert_problem(
        shop.client.get(url, headers=shop.as_citizen()), 409, "dossier-not-received"
    )
    shop.move(dossier, 2)
    slip = shop.client.get(url, headers=shop.as_citizen())
    assert slip.mimetype == "application/pdf"
    assert slip.data.startswith(b"%PDF")
    assert slip.headers["X-Content-Type-Options"] == "nosniff"
    assert_problem(shop.client.get(url, headers=shop.as_citizen(HAI)), 404, "not-found")


def test_the_catalogue_describes_six_procedures(client):
    procedures = client.get("/api/v1/procedures").get_json()["items"]
    assert len(procedures) >= 6
    assert {p["sector_en"] for p in procedures} >= {
        "Civil status",
        "Residence",
        "Education",
        "Health insurance",
        "Household businesses",
        "Construction",
    }
    transfer = client.get(f"/api/v1/procedures/{TRANSFER}").get_json()
    assert transfer["deadline_working_days"] == 3
    assert {f["datatype"] for f in transfer["fields"]} <= {
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
    }
    assert transfer["documents"][0]["sources"] == ["transcript", "upload"]
    assert_problem(client.get("/api/v1/procedures/0.000000"), 404, "not-found")
