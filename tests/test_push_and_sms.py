"""Notifications reach people: FCM, Web Push and SMS, through the outbox, judged by
local fakes of the providers (tests/fake_providers.py) on a real port.

Jobs run in-process here (no broker): a request's notifications are delivered
right after it commits, so each test reads the providers' records after the call.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app import outbox, queue
from app.extensions import db
from bench.fake_providers import Providers
from identity.models import Citizen
from notifications.models import Device, Notification
from tests.conftest import Clock
from tests.consent.helpers import Parties, ask
from tests.demo_ids import AN, HAI

FCM_TOKEN = "fcm-token-of-an-android-phone-0001"
#: A browser's keys: a P-256 point and a 16-byte secret (base64url).
VALID_KEYS = {
    "p256dh": "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U",
    "auth": "tBHItJI5svbpez7KI4CCXg",
}


@pytest.fixture
def parties(citizen, organisation, auth_headers) -> Parties:
    return Parties(citizen, organisation, auth_headers)


def register_phone(
    client, headers: dict[str, str], token: str = FCM_TOKEN
) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/devices",
        json={"platform": "android", "token": token, "label": "Pixel 8"},
        headers=headers,
    )
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def personal_data(who: Citizen) -> list[str]:
    return [who.national_id, who.full_name, *who.full_name.split()[-1:]]


def test_a_consent_request_reaches_the_phone_and_by_sms_without_personal_data(
    client, citizen, parties: Parties, providers: Providers
) -> None:
    an = citizen(AN)
    register_phone(client, parties.as_citizen(AN))

    ask(client, parties.clinic(), str(an.id))

    [push] = providers.fcm_messages
    assert push["token"] == FCM_TOKEN
    assert push["notification"]["title"] == (
        "Phòng khám Đa khoa Thủ Dầu Một đề nghị truy cập dữ liệu"
    )
    assert push["notification"]["body"] == "Mở ứng dụng CongDan để xem chi tiết."
    assert push["data"]["kind"] == "consent_requested"
    notification = db.session.get(
        Notification, uuid.UUID(push["data"]["notification_id"])
    )
    assert notification is not None
    assert notification.citizen_id == an.id
    # What must not be missed also goes by text, without diacritics.
    [text] = providers.texts_to(an.phone)
    assert text == (
        "Phong kham Da khoa Thu Dau Mot de nghi truy cap du lieu. "
        "Mo ung dung CongDan de xem chi tiet."
    )
    shown = json.dumps([push, text], ensure_ascii=False)
    for secret in personal_data(an):
        assert secret not in shown


def test_an_ordinary_notice_is_pushed_to_a_phone_and_texted_to_who_has_none(
    app: Flask, client, citizen, parties: Parties, providers: Providers
) -> None:
    an, hai = citizen(AN), citizen(HAI)
    register_phone(client, parties.as_citizen(AN))
    hai.phone = "0909000111"
    db.session.flush()
    with app.test_request_context():
        from app.unit_of_work import transaction
        from notifications.inbox import notify_citizen

        with transaction():
            notify_citizen(an.id, "consent_denied", request_id="x")
            notify_citizen(hai.id, "consent_denied", request_id="y")

    assert [m["token"] for m in providers.fcm_messages] == [FCM_TOKEN]
    assert providers.texts_to(an.phone) == []
    assert providers.texts_to("0909000111") == [
        "Yeu cau truy cap du lieu da bi tu choi. Mo ung dung CongDan de xem chi tiet."
    ]


def notify(app: Flask, who: Citizen, kind: str = "consent_denied", **data: Any) -> None:
    from app.unit_of_work import transaction
    from notifications.inbox import notify_citizen

    with app.test_request_context(), transaction():
        notify_citizen(who.id, kind, **data)


def set_preferences(client, headers, **changes: Any) -> dict[str, Any]:
    body = {"push": True, "sms": True, "quiet_hours": None, "language": "vi"} | changes
    answer = client.put("/api/v1/notifications/preferences", json=body, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_preferences_turn_channels_off_and_choose_the_language(
    app: Flask, client, citizen, parties: Parties, providers: Providers
) -> None:
    an = citizen(AN)
    headers = parties.as_citizen(AN)
    register_phone(client, headers)
    assert client.get(
        "/api/v1/notifications/preferences", headers=headers
    ).get_json() == {
        "push": True,
        "sms": True,
        "quiet_hours": None,
        "language": "vi",
    }

    set_preferences(client, headers, push=False, sms=False)
    notify(app, an, "emergency_access", org="X")
    assert providers.fcm_messages == []
    assert providers.texts == []

    set_preferences(client, headers, language="en")
    notify(app, an, "emergency_access", org="X")
    [push] = providers.fcm_messages
    assert push["notification"] == {
        "title": "Emergency access to health data",
        "body": "Open the CongDan app for details.",
    }
    assert providers.texts_to(an.phone) == [
        "Emergency access to health data. Open the CongDan app for details."
    ]


def test_quiet_hours_hold_everything_until_they_end(
    app: Flask, client, citizen, parties: Parties, providers: Providers, clock: Clock
) -> None:
    an = citizen(AN)
    headers = parties.as_citizen(AN)
    register_phone(client, headers)
    set_preferences(client, headers, quiet_hours={"start": "22:00", "end": "06:30"})

    # 23:15 in Ho Chi Minh City is 16:15 UTC.
    clock.at(datetime(2026, 12, 7, 16, 15, tzinfo=UTC))
    notify(app, an, "emergency_access", org="X")
    assert providers.fcm_messages == []
    assert providers.texts == []

    clock.at(datetime(2026, 12, 7, 23, 29, tzinfo=UTC))  # 06:29 local
    with app.app_context():
        queue.tick(app)
    assert providers.fcm_messages == []

    clock.at(datetime(2026, 12, 7, 23, 30, 1, tzinfo=UTC))  # 06:30 local
    with app.app_context():
        queue.tick(app)
    assert len(providers.fcm_messages) == 1
    assert len(providers.texts_to(an.phone)) == 1


def test_a_token_the_provider_says_is_gone_removes_the_device(
    app: Flask, client, citizen, parties: Parties, providers: Providers
) -> None:
    an = citizen(AN)
    device = register_phone(
        client, parties.as_citizen(AN), token="uninstalled-app-token-0001"
    )
    providers.gone.add("uninstalled-app-token-0001")

    notify(app, an)

    assert db.session.get(Device, uuid.UUID(device["id"])) is None
    assert providers.fcm_messages == []


def send_messages(kind: str, of: Citizen | None = None) -> list[outbox.OutboxMessage]:
    """The sends in state ``kind`` (of notifications to ``of``)."""
    statement = (
        sa.select(outbox.OutboxMessage)
        .where(outbox.OutboxMessage.job == "notifications.send")
        .where(outbox.OutboxMessage.state == kind)
        .execution_options(populate_existing=True)
    )
    found = list(db.session.scalars(statement))
    if of is None:
        return found
    theirs = {
        str(n)
        for n in db.session.scalars(
            sa.select(Notification.id).where(Notification.citizen_id == of.id)
        )
    }
    return [m for m in found if m.payload["notification_id"] in theirs]


def test_a_busy_provider_is_retried_with_backoff_and_delivers_once(
    app: Flask, client, citizen, parties: Parties, providers: Providers, clock: Clock
) -> None:
    an = citizen(AN)
    register_phone(client, parties.as_citizen(AN))
    providers.busy[FCM_TOKEN] = 2
    start = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    clock.at(start)
    notify(app, an)
    assert providers.fcm_messages == []

    for seconds in (11, 40):  # after 10 s, then after 20 s more
        clock.at(start + timedelta(seconds=seconds))
        with app.app_context():
            queue.tick(app)
    assert len(providers.fcm_messages) == 1

    clock.at(start + timedelta(hours=2))
    with app.app_context():
        queue.tick(app)
    assert len(providers.fcm_messages) == 1


def test_a_refused_text_is_a_dead_letter_operators_see(
    app: Flask, citizen, providers: Providers
) -> None:
    hai = citizen(HAI)
    hai.phone = "0909000222"
    db.session.flush()
    providers.sms_codes = ["104"]  # the brandname is not registered

    notify(app, hai)

    [dead] = send_messages(outbox.DEAD)
    assert dead.attempts == 1
    listed = app.test_cli_runner().invoke(args=["notifications", "failed"])
    assert listed.exit_code == 0, listed.output
    assert f"{dead.id}  sms  consent_denied  attempts=1  error=GaveUp" in listed.output
    assert hai.phone not in listed.output
    assert hai.full_name not in listed.output


def test_a_text_sent_again_after_a_lost_answer_is_dropped_by_the_gateway(
    app: Flask, citizen, providers: Providers
) -> None:
    hai = citizen(HAI)
    hai.phone = "0909000333"
    db.session.flush()
    notify(app, hai)
    [done] = send_messages(outbox.DONE, of=hai)
    # As if the worker died after the gateway took it: the job runs again.
    done.state = outbox.PENDING
    db.session.flush()
    with app.app_context():
        queue.tick(app)

    assert send_messages(outbox.DONE, of=hai) == [done]
    assert len(providers.texts_to("0909000333")) == 1
    assert len(providers.seen_request_ids) == 1


def test_a_browser_gets_an_encrypted_push_signed_with_the_published_key(
    app: Flask, client, citizen, parties: Parties, providers: Providers
) -> None:
    key = client.get("/api/v1/devices/web-push-key")
    assert key.status_code == 200
    providers.vapid_public_key = key.get_json()["public_key"]
    browser = providers.new_browser()
    answer = client.post(
        "/api/v1/devices",
        json={"platform": "web", "subscription": browser.subscription()},
        headers=parties.as_citizen(AN),
    )
    assert answer.status_code == 201, answer.get_json()

    notify(app, citizen(AN), "transcript_published", school="Trường THCS Chánh Nghĩa")

    [push] = browser.received
    assert push["payload"]["title"] == "Trường THCS Chánh Nghĩa đã cấp học bạ số mới"
    assert push["payload"]["data"]["kind"] == "transcript_published"
    assert push["topic"] == push["payload"]["data"]["notification_id"].replace("-", "")


def test_devices_are_the_citizens_own(
    client, citizen, parties: Parties, providers
) -> None:
    an_headers, hai_headers = parties.as_citizen(AN), parties.as_citizen(HAI)
    first = client.post(
        "/api/v1/devices",
        json={"platform": "ios", "token": "ios-fcm-token-000000001"},
        headers=an_headers,
    )
    assert first.status_code == 201
    again = client.post(
        "/api/v1/devices",
        json={"platform": "ios", "token": "ios-fcm-token-000000001"},
        headers=an_headers,
    )
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    listed = client.get("/api/v1/devices", headers=an_headers).get_json()
    assert listed["next_cursor"] is None
    assert [d["id"] for d in listed["items"]] == [first.get_json()["id"]]
    assert "ios-fcm-token" not in json.dumps(listed)

    device_id = first.get_json()["id"]
    assert (
        client.delete(f"/api/v1/devices/{device_id}", headers=hai_headers).status_code
        == 404
    )
    assert client.get("/api/v1/devices", headers=hai_headers).get_json()["items"] == []
    # The phone changes hands: Hải registers the same token, An no longer has it.
    moved = client.post(
        "/api/v1/devices",
        json={"platform": "ios", "token": "ios-fcm-token-000000001"},
        headers=hai_headers,
    )
    assert moved.status_code == 201
    assert client.get("/api/v1/devices", headers=an_headers).get_json()["items"] == []
    assert (
        client.delete(
            f"/api/v1/devices/{moved.get_json()['id']}", headers=hai_headers
        ).status_code
        == 204
    )


def test_staff_acting_for_an_organisation_have_no_devices_or_preferences(
    client, parties: Parties
) -> None:
    staff = parties.clinic()
    for method, path, body in (
        ("get", "/api/v1/devices", None),
        ("post", "/api/v1/devices", {"platform": "android", "token": FCM_TOKEN}),
        ("get", "/api/v1/notifications/preferences", None),
    ):
        answer = getattr(client, method)(path, json=body, headers=staff)
        assert answer.status_code == 403, (path, answer.get_json())
    assert client.get("/api/v1/devices").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": "android"}, "token"),
        ({"platform": "web", "token": FCM_TOKEN}, "subscription"),
        ({"platform": "symbian", "token": FCM_TOKEN}, "platform"),
        (
            {
                "platform": "web",
                "subscription": {
                    "endpoint": "http://10.0.0.5:6379/",
                    "keys": VALID_KEYS,
                },
            },
            "subscription.endpoint",
        ),
    ],
)
def test_a_device_that_cannot_be_reached_is_refused_with_field_messages(
    client, parties: Parties, body: dict[str, Any], field: str
) -> None:
    answer = client.post("/api/v1/devices", json=body, headers=parties.as_citizen(AN))
    assert answer.status_code == 422
    assert answer.content_type == "application/problem+json"
    assert field in answer.get_json()["errors"]


@pytest.mark.parametrize(
    "changes",
    [
        {"language": "fr"},
        {"quiet_hours": {"start": "25:00", "end": "06:00"}},
        {"quiet_hours": {"start": "22:00"}},
        {"push": "yes"},
    ],
)
def test_preferences_refuse_what_they_cannot_mean(
    client, parties: Parties, changes: dict[str, Any]
) -> None:
    body = {"push": True, "sms": True, "quiet_hours": None, "language": "vi"} | changes
    answer = client.put(
        "/api/v1/notifications/preferences", json=body, headers=parties.as_citizen(AN)
    )
    assert answer.status_code == 422, answer.get_json()
    assert answer.content_type == "application/problem+json"


def test_unconfigured_channels_are_skipped_not_failed(app: Flask, citizen) -> None:
    an = citizen(AN)
    before = {m.id for m in send_messages(outbox.DONE, of=an)}
    notify(app, an, "emergency_access", org="X")
    assert send_messages(outbox.DEAD, of=an) == []
    new = [m for m in send_messages(outbox.DONE, of=an) if m.id not in before]
    assert [m.payload["channel"] for m in new] == ["sms"]


def test_a_delivery_that_waited_its_turn_is_not_refused_by_its_predecessors_clock(
    app: Flask, citizen, providers: Providers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two deliveries at once: the second waits on the first's lock, and finds a
    text dated after its own start. Without spacing that is no reason to refuse."""
    from app.db import utcnow
    from notifications.delivery import LOCAL_TIME, texting_allowed
    from notifications.models import TextsSent

    monkeypatch.setitem(app.config, "SMS_SPACING_SECONDS", 0)
    an = citizen(AN)
    later = utcnow() + timedelta(seconds=1)
    db.session.add(
        TextsSent(
            citizen_id=an.id,
            day=later.astimezone(LOCAL_TIME).date(),
            kind="dossier_status",
            count=1,
            last_at=later,
        )
    )
    db.session.flush()
    with app.test_request_context():
        assert texting_allowed(an.id, "dossier_status") is True
