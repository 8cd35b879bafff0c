"""An outside review of issue 18's slices (outbox, devices and pushes, logs): each
attack as the reviewer wrote it, failing before its fix."""

from __future__ import annotations

import base64
import io
import logging
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
import urllib3.util.connection as urllib3_connection
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from marshmallow import validate

from app import jobs, logs, outbox, queue
from app.config import WEB_PUSH_SERVICES
from app.extensions import db
from app.unit_of_work import transaction
from notifications.channels.fcm import _error as fcm_error
from notifications.models import Device
from notifications.schemas import DeviceInSchema
from tests.conftest import Clock
from tests.consent.helpers import Parties
from tests.demo_ids import AN


@pytest.fixture
def parties(citizen, organisation, auth_headers) -> Parties:
    return Parties(citizen, organisation, auth_headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def valid_keys() -> dict[str, str]:
    """A real browser's subscription keys (a P-256 point and a 16-byte secret)."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    return {"p256dh": _b64(point), "auth": _b64(bytes(range(16)))}


@pytest.fixture
def webpush(app: Flask, tmp_path: Path) -> Iterator[None]:
    """Web Push with the production allow-list and a VAPID key of this test."""
    settings = {
        "WEBPUSH_ALLOWED_HOSTS": list(WEB_PUSH_SERVICES),
        "WEBPUSH_VAPID_KEY_FILE": str(tmp_path / "vapid.pem"),
    }
    before = {name: app.config[name] for name in settings}
    app.config.update(settings)
    app.extensions.pop("congdan.notification_channels", None)
    yield
    app.config.update(before)
    app.extensions.pop("congdan.notification_channels", None)


def register_browser(
    client, headers, endpoint: str, keys: dict[str, str] | None = None
):
    return client.post(
        "/api/v1/devices",
        json={
            "platform": "web",
            "subscription": {"endpoint": endpoint, "keys": keys or valid_keys()},
        },
        headers=headers,
    )


def notify(app: Flask, citizen_id: uuid.UUID, kind: str = "consent_denied") -> None:
    from notifications.inbox import notify_citizen

    with app.test_request_context(), transaction():
        notify_citizen(citizen_id, kind)


# --- 1. SSRF: a backslash walks past is_push_service ------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://169.254.169.254\\.push.apple.com/latest/meta-data/",
        "https://postgres.internal\\.notify.windows.com/",
    ],
)
def test_a_push_endpoint_naming_another_host_is_refused(
    client, parties: Parties, webpush, endpoint: str
) -> None:
    answer = register_browser(client, parties.as_citizen(AN), endpoint)
    assert answer.status_code == 422, answer.get_json()


class _Recorder(BaseHTTPRequestHandler):
    def log_message(self, *_: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        if self.server.redirect_to:  # type: ignore[attr-defined]
            self.send_response(307)
            self.send_header("Location", self.server.redirect_to)  # type: ignore[attr-defined]
        else:
            self.send_response(404)  # the "internal service": 404 is Gone
        self.send_header("Content-Length", "0")
        self.end_headers()


def _server(redirect_to: str = "") -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen, server.redirect_to = [], redirect_to  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def store_browser(citizen_id: uuid.UUID, endpoint: str, keys: dict[str, str]) -> Device:
    """A device as one registered before a rule tightened would be kept."""
    import hashlib

    device = Device(
        id=uuid.uuid4(),
        citizen_id=citizen_id,
        platform="web",
        address=endpoint,
        address_digest=hashlib.sha256(endpoint.encode()).hexdigest(),
        keys=keys,
    )
    db.session.add(device)
    db.session.flush()
    return device


def sends_to(device: Device) -> list[outbox.OutboxMessage]:
    return [
        m
        for m in db.session.scalars(
            sa.select(outbox.OutboxMessage)
            .where(outbox.OutboxMessage.job == "notifications.send")
            .execution_options(populate_existing=True)
        )
        if m.payload["target"] == str(device.id)
    ]


def test_a_stored_endpoint_naming_another_host_is_never_posted_to(
    app: Flask, citizen, webpush, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected: list[tuple[str, int]] = []
    real_connect = urllib3_connection.create_connection

    def connect(address, *args, **kwargs):
        connected.append(address)
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(urllib3_connection, "create_connection", connect)
    an = citizen(AN)
    device = store_browser(an.id, "http://127.0.0.1\\.push.apple.com/x", valid_keys())

    notify(app, an.id)

    assert connected == []
    assert db.session.get(Device, device.id) is None  # forgotten, never posted to
    assert [m.state for m in sends_to(device)] == [outbox.DONE]


def test_a_push_service_that_redirects_is_not_followed(
    app: Flask, citizen, webpush, monkeypatch: pytest.MonkeyPatch
) -> None:
    internal = _server()
    attacker = _server(
        redirect_to=f"http://127.0.0.1:{internal.server_port}/admin/drop-everything"
    )
    monkeypatch.setitem(app.config, "WEBPUSH_ALLOWED_HOSTS", ["127.0.0.1"])
    app.extensions.pop("congdan.notification_channels", None)
    an = citizen(AN)
    device = store_browser(
        an.id, f"http://127.0.0.1:{attacker.server_port}/push/1", valid_keys()
    )
    try:
        notify(app, an.id)
    finally:
        for server in (internal, attacker):
            server.shutdown()
            server.server_close()
        app.extensions.pop("congdan.notification_channels", None)
    assert attacker.seen == ["/push/1"]
    assert internal.seen == []
    [send] = sends_to(device)
    assert (send.state, send.last_error) == (outbox.DEAD, "GaveUp")


# --- 2. Keys that can never be encrypted to ----------------------------------------


def test_a_subscription_whose_key_is_not_a_p256_point_is_refused(
    client, parties: Parties, webpush
) -> None:
    answer = register_browser(
        client,
        parties.as_citizen(AN),
        "https://fcm.googleapis.com/fcm/send/attack18",
        keys={"p256dh": "B" * 87, "auth": "A" * 22},
    )
    assert answer.status_code == 422, answer.get_json()


def test_a_push_that_can_never_be_encrypted_is_not_retried_as_a_busy_provider(
    app: Flask, client, citizen, parties: Parties, webpush
) -> None:
    an = citizen(AN)
    device = store_browser(
        an.id,
        "https://fcm.googleapis.com/fcm/send/attack18-bad-keys",
        {"p256dh": "B" * 87, "auth": "A" * 22},
    )
    notify(app, an.id)
    [send] = sends_to(device)
    # The device is forgotten at once, not retried 8 times over ~20 minutes.
    assert (send.state, send.attempts) == (outbox.DONE, 1)
    assert db.session.get(Device, device.id) is None


# --- 3. A token the schema takes that the column cannot hold -------------------------


def test_every_fcm_token_the_api_accepts_fits_the_address_column(
    client, parties: Parties
) -> None:
    [length] = [
        v.max
        for v in DeviceInSchema().fields["token"].validators
        if isinstance(v, validate.Length)
    ]
    column = Device.__table__.c.address.type.length
    answer = client.post(
        "/api/v1/devices",
        json={"platform": "android", "token": "t" * length},
        headers=parties.as_citizen(AN),
    )
    assert answer.status_code == 201, answer.get_json()
    assert length <= column


# --- 5. A runner whose lease ran out undoes the finish of the one that replaced it ----


def test_a_stale_runner_cannot_reopen_a_finished_message(
    app: Flask, clock: Clock
) -> None:
    runs: list[dict[str, Any]] = []
    jobs.add_job(app, "attack18.send", runs.append)
    try:
        start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
        clock.at(start)
        with app.test_request_context(), transaction():
            jobs.enqueue(
                "attack18.send",
                {},
                dedupe_key="attack18-lease",
                not_before=start + timedelta(minutes=1),
            )
        [message_id] = db.session.scalars(
            sa.select(outbox.OutboxMessage.id).where(
                outbox.OutboxMessage.dedupe_key == "attack18-lease"
            )
        )
        # Runner A claims it (jobs.run's first transaction) and calls the provider…
        clock.at(start + timedelta(minutes=1))
        with app.app_context(), transaction():
            assert outbox.claim(
                message_id, clock.read(UTC), lambda _: timedelta(minutes=2)
            )
        # …which holds it past the lease: runner B takes over and finishes.
        clock.at(start + timedelta(minutes=3, seconds=1))
        with app.app_context():
            assert jobs.run(message_id) == "done"
        # A's provider call now fails: jobs.run's except branch finds the message
        # no longer its own (attempt 1; B's was 2) and leaves it.
        with app.app_context(), transaction():
            assert outbox.held(message_id, 1) is None
        clock.at(start + timedelta(hours=1))
        with app.app_context():
            queue.tick(app)
        state = db.session.scalar(
            sa.select(outbox.OutboxMessage.state)
            .where(outbox.OutboxMessage.id == message_id)
            .execution_options(populate_existing=True)
        )
        assert state == outbox.DONE
        assert len(runs) == 1  # B's run only: a finished message never runs again
    finally:
        app.extensions["congdan.jobs"].pop("attack18.send")


# --- 6. A huge Retry-After from FCM breaks the retry bookkeeping --------------------


def test_a_huge_retry_after_is_a_retry_not_a_crash(app: Flask, clock: Clock) -> None:
    answer = httpx.Response(
        503, headers={"Retry-After": "999999999999999"}, json={"error": {}}
    )
    busy = fcm_error(answer)

    def job(_: dict[str, Any]) -> None:
        raise busy

    jobs.add_job(app, "attack18.fcm", job)
    try:
        start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
        clock.at(start)
        with app.test_request_context(), transaction():
            jobs.enqueue(
                "attack18.fcm",
                {},
                dedupe_key="attack18-retry-after",
                not_before=start + timedelta(minutes=1),
            )
        [message_id] = db.session.scalars(
            sa.select(outbox.OutboxMessage.id).where(
                outbox.OutboxMessage.dedupe_key == "attack18-retry-after"
            )
        )
        clock.at(start + timedelta(minutes=1))
        with app.app_context():
            outcome = jobs.run(message_id)  # OverflowError escapes today
        assert outcome in ("retry", "dead")
    finally:
        app.extensions["congdan.jobs"].pop("attack18.fcm")


# --- 7. A 500 writes the request path (a share code) into the logs ------------------


def test_a_500_does_not_log_the_share_code_of_its_path(
    app: Flask, client, parties: Parties, monkeypatch: pytest.MonkeyPatch
) -> None:
    import consent.share_codes

    def broken(_: str) -> str:  # stands for any fault on this route
        raise RuntimeError("fault")

    monkeypatch.setattr(consent.share_codes, "_digest", broken)
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logs.formatter("json"))
    logging.getLogger("app").addHandler(handler)
    try:
        answer = client.post(
            "/api/v1/share-codes/SECRET7Q/redeem", headers=parties.clinic()
        )
    finally:
        logging.getLogger("app").removeHandler(handler)
    assert answer.status_code == 500
    assert "SECRET7Q" not in written.getvalue()


# --- 8. Any clinic clerk can text-bomb a citizen at the province's cost ---------------

from tests.consent.helpers import ask  # noqa: E402


def test_repeated_consent_requests_do_not_text_the_citizen_each_time(
    client,
    citizen,
    parties: Parties,
    providers,
) -> None:
    an = citizen(AN)
    for _ in range(10):
        ask(client, parties.clinic(), str(an.id))
    texts = providers.texts_to(an.phone)
    assert len(texts) == 1  # the inbox holds all ten


def test_texts_to_a_citizen_stop_at_the_daily_allowance(
    app: Flask,
    citizen,
    providers,
    clock: Clock,
) -> None:
    an = citizen(AN)
    start = datetime(2027, 1, 5, 1, 0, tzinfo=UTC)  # 08:00 in Ho Chi Minh City
    for hour in range(8):
        clock.at(start + timedelta(hours=hour, minutes=1))
        notify(app, an.id, "emergency_access")
    assert (
        len(providers.texts_to(an.phone)) == app.config["SMS_PER_CITIZEN_PER_DAY"] == 5
    )
