"""Two instances behind nginx, one database, one Redis, one worker (bench/cluster.py):
they behave as one service, and it survives a killed worker and a Redis restart.

"On one … on the other" means the instances' own ports; the proxy's round robin is
used where it does not matter which answers.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from app import outbox
from app.extensions import db
from bench.cluster import Cluster, cluster
from bench.fake_providers import SMS_KEYS, FakeProviders, Providers
from notifications.models import Notification
from tests import phone
from tests.conftest import (
    KEYS_DIR,
    TEST_CLIENT_SECRET,
    TEST_SECRET,
    LiveServer,
    find_citizen,
    live_auth,
    make_app,
    scratch_database,
)
from tests.demo_ids import AN, CLINIC, CUC, HAI
from tests.identity.oidc import form_step

pytestmark = [pytest.mark.slow, pytest.mark.real_sessions, pytest.mark.cluster]

VERIFY_LIMIT = 5


@pytest.fixture(scope="module")
def providers() -> Iterator[Providers]:
    fakes = FakeProviders()
    yield fakes.state
    fakes.close()


@pytest.fixture(scope="module")
def running(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, providers: Providers
) -> Iterator[tuple[Cluster, LiveServer]]:
    """The cluster, and the test's own app on its database (to mint tokens, read rows)."""
    workdir = tmp_path_factory.mktemp("cluster")
    settings: dict[str, Any] = {
        "VNEID_KEYS_FILE": str(KEYS_DIR / "vneid_keys.json"),
        "API_KEYS_FILE": str(KEYS_DIR / "api_keys.json"),
        "VNEID_CLIENT_SECRET": TEST_CLIENT_SECRET,
        "VERIFY_RATE_LIMIT": f"{VERIFY_LIMIT}/minute",
        # Hash cost is irrelevant here and dominates seeding (as in every test app).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SMS_GATEWAY_URL": f"{providers.url}/sms",
        "SMS_GATEWAY_API_KEY": SMS_KEYS[0],
        "SMS_GATEWAY_SECRET_KEY": SMS_KEYS[1],
        "JOBS_LEASE_SECONDS": 4,
        # Every consent request here must be texted once: no allowance in the way.
        "SMS_PER_CITIZEN_PER_DAY": 1_000_000,
        "SMS_SPACING_SECONDS": 0,
        "JOBS_REDELIVER_SECONDS": 3,
    }
    with (
        scratch_database(database_url, workdir) as url,
        cluster(
            url, workdir, settings=settings, secret_key=TEST_SECRET
        ) as running_cluster,
    ):
        app = make_app(
            url,
            BASE_URL=running_cluster.url,
            REDIS_URL=running_cluster.redis_url,
            JOBS_BROKER_URL="",
            **settings,
        )
        try:
            yield (
                running_cluster,
                LiveServer(running_cluster.url, app, workdir / "x.log"),
            )
        finally:
            with app.app_context():
                db.engine.dispose()


def eventually(check: Callable[[], Any], seconds: float = 45) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("did not happen in time")


def consent_request_body(subject_id: str) -> dict[str, Any]:
    return {
        "subject_id": subject_id,
        "purpose": "CAREMGT",
        "categories": ["immunizations"],
        "data_from": "2020-01-01",
        "data_to": "2026-01-01",
        "valid_until": "2027-06-01T00:00:00Z",
        "access_mode": "view",
    }


class AsPhone(httpx.Auth):
    """The phone's token and proofs, the proof for the public URL (the proxy's)
    whichever instance the request is sent to directly, as nginx would pass it."""

    def __init__(self, auth: phone.PhoneAuth, public: str) -> None:
        self.auth, self.public = auth, public

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        url = urlsplit(str(request.url))
        public = f"{self.public}{url.path}" + (f"?{url.query}" if url.query else "")
        request.headers.update(
            phone.signed_headers(request.method, public, self.auth.token, self.auth.key)
        )
        yield request


def as_phone(server: LiveServer, national_id: str, *org: str) -> AsPhone:
    """A citizen's (or staff member's) phone, for any instance."""
    return AsPhone(live_auth(server, national_id, *org), server.url)


def proof_key_login(key: Any, public: str) -> httpx.Auth:
    """The login call's proof, for the public URL."""

    class Login(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
            path = urlsplit(str(request.url)).path
            request.headers["DPoP"] = phone.proof(
                key, request.method, f"{public}{path}"
            )
            yield request

    return Login()


def citizen_id(server: LiveServer, national_id: str) -> str:
    with server.app.app_context():
        found = str(find_citizen(national_id).id)
        db.session.remove()
    return found


def test_the_login_throttle_counts_guesses_on_every_instance(running) -> None:
    cluster_, _ = running
    a, b = cluster_.instances
    browsers = []
    for base in (a, b):
        http = httpx.Client(base_url=base, timeout=20)
        started = http.post(
            "/api/v1/auth/vneid/start",
            json={
                "redirect_uri": f"{cluster_.url}/callback",
                "code_challenge": create_s256_code_challenge("v" * 64),
            },
        ).json()
        url = urlsplit(started["authorization_url"])
        path = f"{url.path}?{url.query}"
        browsers.append((http, path, http.get(path)))

    statuses = []
    for guess in range(7):
        http, path, page = browsers[guess % 2]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:300]
        page = http.post(
            path,
            data={"csrf_token": token[1], "step": "password", "national_id": HAI,
                  "password": f"wrong-{guess}"},
        )  # fmt: skip
        browsers[guess % 2] = (http, path, page)
        statuses.append(page.status_code)
    for http, _, _ in browsers:
        http.close()
    # Five free failures between both instances, then both make the guesser wait.
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]


def test_a_rate_limit_counts_requests_on_every_instance(running) -> None:
    cluster_, _ = running
    statuses = [
        httpx.post(
            f"{cluster_.instances[n % 2]}/api/v1/transcripts/verify",
            json={"credential": "not-a-credential"},
            timeout=20,
        ).status_code
        for n in range(VERIFY_LIMIT + 2)
    ]
    assert 429 not in statuses[:VERIFY_LIMIT]
    assert statuses[VERIFY_LIMIT:] == [429, 429]


def test_a_logout_on_one_instance_holds_on_the_other(running) -> None:
    cluster_, server = running
    a, b = cluster_.instances
    an = as_phone(server, AN)
    assert httpx.get(f"{b}/api/v1/me", auth=an, timeout=20).status_code == 200
    assert httpx.post(f"{a}/api/v1/auth/logout", auth=an, timeout=20).status_code == 204
    refused = httpx.get(f"{b}/api/v1/me", auth=an, timeout=20)
    assert refused.status_code == 401


def test_an_idempotency_key_replays_on_the_other_instance(running) -> None:
    cluster_, server = running
    a, b = cluster_.instances
    clinic = as_phone(server, CUC, CLINIC, "doctor")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = consent_request_body(citizen_id(server, HAI))
    first = httpx.post(
        f"{a}/api/v1/consent-requests", json=body, headers=key, auth=clinic, timeout=20
    )
    again = httpx.post(
        f"{b}/api/v1/consent-requests", json=body, headers=key, auth=clinic, timeout=20
    )
    assert first.status_code == 201, first.text
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_a_qr_sign_in_approved_through_one_instance_completes_on_the_other(
    running,
) -> None:
    cluster_, server = running
    a, b = cluster_.instances
    verifier = "q" * 64
    started = httpx.post(
        f"{a}/api/v1/auth/vneid/start",
        json={
            "redirect_uri": f"{cluster_.url}/callback",
            "code_challenge": create_s256_code_challenge(verifier),
        },
        timeout=20,
    ).json()
    url = urlsplit(started["authorization_url"])
    path = f"{url.path}?{url.query}"
    with httpx.Client(base_url=a, timeout=20) as browser:
        page = browser.get(path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        qr = browser.post(path, data={"csrf_token": token[1], "step": "qr"})
        code = re.search(r'id="qr-code">([A-Z]{4}-[A-Z]{4})<', qr.text)[1]

        approved = httpx.post(
            f"{b}/api/v1/auth/cross-device/{code}/approve",
            auth=as_phone(server, AN),
            timeout=20,
        )
        assert approved.status_code == 200, approved.text
        assert browser.get("/vneid/qr/status").json() == {"status": "approved"}
        page = browser.get(path)
        if form_step(page) == "consent":
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            page = browser.post(
                path, data={"csrf_token": token[1], "step": "consent", "confirm": "yes"}
            )
    assert page.status_code == 302, page.text[:300]
    params = {
        k: v[0] for k, v in parse_qs(urlsplit(page.headers["Location"]).query).items()
    }
    key = phone.new_key()
    tokens = httpx.post(
        f"{b}/api/v1/auth/vneid",
        json={
            "code": params["code"],
            "state": params["state"],
            "code_verifier": verifier,
        },
        auth=proof_key_login(key, cluster_.url),
        timeout=20,
    )
    assert tokens.status_code == 200, tokens.text
    me = httpx.get(
        f"{a}/api/v1/me",
        auth=AsPhone(phone.PhoneAuth(tokens.json()["access_token"], key), cluster_.url),
        timeout=20,
    )
    assert me.json()["profile"]["national_id"] == AN


def _references(server: LiveServer, request_id: str) -> set[str]:
    """The SMS references of the notifications a consent request caused."""
    import hashlib

    with server.app.app_context():
        notifications = db.session.scalars(
            sa.select(Notification).where(Notification.kind == "consent_requested")
        ).all()
        ids = [n.id for n in notifications if n.data.get("request_id") == request_id]
        db.session.remove()
    return {hashlib.sha256(f"{n}:sms".encode()).hexdigest()[:32] for n in ids}


def _texts_for(server: LiveServer, providers: Providers, request_id: str) -> list[str]:
    """The texts the gateway took for the consent request's notification to An."""
    references = _references(server, request_id)
    return [t["RequestId"] for t in providers.texts if t["RequestId"] in references]


def _drained(server: LiveServer) -> bool:
    """Whether every background job has run (the demo's backlog included)."""
    with server.app.app_context():
        waiting = db.session.scalar(
            sa.select(sa.func.count()).where(
                outbox.OutboxMessage.state.in_(
                    (outbox.PENDING, outbox.QUEUED, outbox.RUNNING)
                )
            )
        )
        db.session.remove()
    return waiting == 0


def test_a_worker_killed_mid_delivery_is_replaced_and_the_text_goes_once(
    running, providers: Providers
) -> None:
    cluster_, server = running
    clinic = as_phone(server, CUC, CLINIC, "doctor")
    # The gateway holds the request long enough for the worker to be killed while
    # it waits (however slow the machine), then takes it.
    eventually(lambda: _drained(server))  # only this request's text will be in flight
    providers.sms_delay = 10.0
    asked = httpx.post(
        f"{cluster_.url}/api/v1/consent-requests",
        json=consent_request_body(citizen_id(server, AN)),
        auth=clinic,
        timeout=20,
    )
    assert asked.status_code == 201, asked.text
    try:
        references = eventually(lambda: _references(server, asked.json()["id"]))
        eventually(lambda: any(providers.sms_arrivals[r] for r in references))
        cluster_.kill_worker()  # mid-way: the gateway has the request, no answer yet
    finally:
        providers.sms_delay = 0.0
        cluster_.start_worker()

    request_id = asked.json()["id"]
    texts = eventually(lambda: _texts_for(server, providers, request_id))
    time.sleep(6)  # past the lease and the redelivery: nothing more may come
    assert len(_texts_for(server, providers, request_id)) == 1 == len(texts)
    [reference] = texts
    assert providers.sms_arrivals[reference] == 2  # sent again by the new worker
    with server.app.app_context():
        dead = db.session.scalar(
            sa.select(sa.func.count()).where(outbox.OutboxMessage.state == outbox.DEAD)
        )
        db.session.remove()
    assert dead == 0


def test_a_redis_restart_loses_no_acknowledged_write_and_the_service_recovers(
    running, providers: Providers
) -> None:
    cluster_, server = running
    clinic = as_phone(server, CUC, CLINIC, "doctor")
    an_id = citizen_id(server, AN)

    def ask(base: str) -> httpx.Response:
        return httpx.post(
            f"{base}/api/v1/consent-requests",
            json=consent_request_body(an_id),
            auth=clinic,
            timeout=20,
        )

    acknowledged = [ask(cluster_.url).json()["id"] for _ in range(3)]
    cluster_.kill_redis()
    during = [ask(base) for base in cluster_.instances]
    # Redis is not where writes live: they are taken (or refused as a problem).
    assert all(r.status_code in (201, 503) for r in during), [r.text for r in during]
    acknowledged += [r.json()["id"] for r in during if r.status_code == 201]
    not_ready = httpx.get(f"{cluster_.instances[0]}/readyz", timeout=20)
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["redis"] == "failed"

    cluster_.start_redis()  # empty: whatever the queue held is gone
    eventually(
        lambda: httpx.get(f"{cluster_.url}/readyz", timeout=20).status_code == 200
    )
    acknowledged += [ask(base).json()["id"] for base in cluster_.instances]

    with server.app.app_context():
        from consent.models import ConsentRequest

        kept = {
            str(i)
            for i in db.session.scalars(
                sa.select(ConsentRequest.id).where(
                    ConsentRequest.id.in_([uuid.UUID(i) for i in acknowledged])
                )
            )
        }
        db.session.remove()
    assert kept == set(acknowledged)
    # Every one of them texted exactly once, the lost messages relayed again.
    for request_id in acknowledged:
        assert (
            len(eventually(lambda r=request_id: _texts_for(server, providers, r))) == 1
        )
    time.sleep(4)
    assert all(len(_texts_for(server, providers, r)) == 1 for r in acknowledged)
