"""Shared fixtures: one migrated database per run, one rolled-back transaction per test.

The database comes from ``TEST_DATABASE_URL`` (``make test`` runs the suite once on
SQLite and once on PostgreSQL); without it, a fresh SQLite file. The schema is built
by the real migrations, and the demo data is seeded once and committed, so every test
starts from the same state: the demo population of DESIGN.md and nothing else.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import flask_migrate
import httpx2 as httpx
import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm
from werkzeug.datastructures import Headers

from app import create_app
from app.db import utcnow
from app.demo import seed_demo_data
from app.extensions import db
from app.unit_of_work import begin_writing, transaction
from bench.fake_providers import Providers
from identity.login.models import TokenFamily
from identity.models import Citizen, Organisation
from tests import phone

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256-signing"
TEST_CLIENT_SECRET = "test-congdan-app-client-secret"
#: Signing keys of every test app: generated once per run, outside the repository.
KEYS_DIR = Path(tempfile.mkdtemp(prefix="congdan-test-keys-"))
ROOT = Path(__file__).resolve().parent.parent
#: gunicorn as `make run` starts it (run from ROOT).
GUNICORN = (sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py")


#: A module whose every test is slow says so on a line of its own.
_SLOW_MODULE = re.compile(r"^pytestmark = pytest\.mark\.slow\b", re.MULTILINE)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under ``-m "not slow"`` (``make test-fast``), do not even import a module
    marked slow as a whole: none of its tests would run, and building the fuzzer's
    cases alone takes seconds of collection."""
    if config.option.markexpr.strip() != "not slow" or collection_path.suffix != ".py":
        return None
    if _SLOW_MODULE.search(collection_path.read_text(encoding="utf-8")):
        return True
    return None


def _reset_database(url: str) -> None:
    """Start from an empty schema: drop whatever an earlier run left behind."""
    if not url.startswith("postgresql"):
        return
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of the database this run uses."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'congdan-test.db'}"


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """The configuration of a test application against ``database_url``."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": TEST_SECRET,
        "BASE_URL": "http://localhost",
        "VNEID_CLIENT_SECRET": TEST_CLIENT_SECRET,
        "VNEID_KEYS_FILE": str(KEYS_DIR / "vneid_keys.json"),
        "API_KEYS_FILE": str(KEYS_DIR / "api_keys.json"),
        # Hash cost is irrelevant to what the tests prove and dominates seeding.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Tests verify from one address far faster than any person would.
        "VERIFY_RATE_LIMIT": "10000/minute",
        "UPLOAD_RATE_LIMIT": "10000/hour",
        "WALLET_RATE_LIMIT": "10000/minute",
        "WALLET_OFFER_RATE_LIMIT": "10000/hour",
        # Tests change organisations and the catalogue and read them at once.
        "PUBLIC_CACHE_SECONDS": 0,
        # Throttle counters roll back with each test; Redis tests ask for Redis.
        "THROTTLE_STORAGE_URI": "database",
        # Jobs run in-process after each commit; a test ticks when it needs to.
        "JOBS_BROKER_URL": "",
        "JOBS_TICK_SECONDS": 0,
    }
    config.update(overrides)
    return config


class ArrangedFirstClient(FlaskClient):
    """A test client that commits what the test arranged before each request.

    In production the rows a request meets were committed before it came; a test
    arranges them in its own (rolled-back) transaction. Committing them first
    means a request that fails and rolls back its unit of work takes back only
    its own work, never the test's arrangement.

    The client is also the test phone: it signs a DPoP proof (``tests.phone``)
    for each request that presents ``Authorization: DPoP <token>`` without one,
    with the token's key (or, for a token from a real login, the client's own), and
    for the login and refresh calls, which bind tokens to the client's key.
    """

    _PROVED_WITHOUT_TOKEN = ("/api/v1/auth/vneid", "/api/v1/auth/refresh")

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            db.session.commit()
        if args and isinstance(args[0], str):
            self._sign(args[0], kwargs)
        return super().open(*args, **kwargs)

    @property
    def phone_key(self) -> Any:
        """This client's own key, made at its first login."""
        if not hasattr(self, "_phone_key"):
            self._phone_key = phone.new_key()
        return self._phone_key

    def _sign(self, path: str, kwargs: dict[str, Any]) -> None:
        headers = Headers(kwargs.get("headers") or {})
        if headers.get("X-Test-Phone") == "silent":  # a test sends no proof
            del headers["X-Test-Phone"]
            kwargs["headers"] = headers
            return
        if "DPoP" in headers:
            return
        method = kwargs.get("method", "GET")
        url = phone.TEST_BASE_URL + path.split("?")[0]
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme == "DPoP" and token:
            key = phone.key_of(token) or self.phone_key
            headers["DPoP"] = phone.proof(key, method, url, token)
        elif path.split("?")[0] in self._PROVED_WITHOUT_TOKEN and not scheme:
            headers["DPoP"] = phone.proof(self.phone_key, method, url)
        else:
            return
        kwargs["headers"] = headers


def migrate_and_seed(application: Flask) -> None:
    """Bring ``application``'s database to the latest revision, holding the demo."""
    with application.app_context():
        flask_migrate.upgrade()
        # As flask seed-demo does: the demo's notifications are delivered (to
        # nobody: no devices, no gateway) once committed, not left for a test.
        with transaction():
            seed_demo_data()
        db.session.remove()


def make_app(database_url: str, **overrides: Any) -> Flask:
    """Build an application for tests against ``database_url``."""
    application = create_app(app_config(database_url, **overrides))
    application.test_client_class = ArrangedFirstClient
    return application


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The application, on a freshly migrated database holding the demo data."""
    _reset_database(database_url)
    application = make_app(database_url)
    migrate_and_seed(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(
    app: Flask, request: pytest.FixtureRequest
) -> Iterator[orm.scoped_session[orm.Session] | None]:
    """Run the test inside a transaction that is rolled back afterwards.

    Application code may commit freely: with ``create_savepoint`` its commits only
    release savepoints inside the outer transaction. Tests marked ``real_sessions``
    get the application's own sessions instead (and clean up after themselves).
    """
    if request.node.get_closest_marker("real_sessions"):
        yield None
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = orm.scoped_session(
            orm.sessionmaker(
                bind=connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
            ),
            scopefunc=_app_ctx_id,
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@contextlib.contextmanager
def scratch_database(database_url: str, directory: Path) -> Iterator[str]:
    """An empty database of the run's kind that nothing else uses, until the block ends.

    SQLite: a file in ``directory``; PostgreSQL: a database created beside the run's.
    """
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{directory / 'scratch.db'}"
        return
    name = f"congdan_scratch_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield database_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def scratch_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the run's kind that no other test uses."""
    with scratch_database(database_url, tmp_path) as url:
        yield url


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    """A running service: its URL and the application behind it."""

    url: str
    app: Flask
    #: What gunicorn wrote (its error log).
    log: Path


def _wait_until_serving(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            # A TLS test server's certificate is its own: only "is it up?" is asked.
            answer = httpx.get(f"{url}/livez", timeout=2, verify=False)
            if answer.status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    pytest.fail(f"gunicorn did not serve {url}:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def running_server(
    database_url: str,
    server_env: Mapping[str, str] | None = None,
    scheme: str = "http",
    **overrides: Any,
) -> Iterator[LiveServer]:
    """Serve the app, migrated and seeded, on a free loopback port until the block ends.

    It is served as ``make run`` serves it: gunicorn with ``gunicorn.conf.py``, in a
    process of its own. ``server_env`` adds environment variables for gunicorn
    (``SERVER_HEADER_TIMEOUT`` …, or ``GUNICORN_CMD_ARGS`` with a certificate when
    ``scheme`` is https); ``overrides`` are application settings.
    """
    port = _free_port()
    base_url = f"{scheme}://127.0.0.1:{port}"
    config = app_config(database_url, BASE_URL=base_url, **overrides)
    app = create_app(config)
    migrate_and_seed(app)
    log = Path(tempfile.mkstemp(prefix="congdan-live-", suffix=".log")[1])
    env = {**os.environ, **(server_env or {}), "LIVE_SERVER_CONFIG": json.dumps(config)}
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [*GUNICORN, "--bind", f"127.0.0.1:{port}", "tests.live_wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(base_url, server, log)
        yield LiveServer(base_url, app, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        with app.app_context():
            db.engine.dispose()
        log.unlink(missing_ok=True)


@pytest.fixture
def live_server(scratch_database_url: str) -> Iterator[LiveServer]:
    """The service on a real port, on its own migrated and seeded database."""
    with running_server(scratch_database_url) as server:
        yield server


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the application."""
    return app.test_client()


@pytest.fixture(scope="session")
def probe_app(database_url: str, app: Flask) -> Flask:
    """A second application with the test-only probe routes and a 4 KiB body limit."""
    from tests import probe

    application = make_app(database_url, MAX_CONTENT_LENGTH=4096)
    probe.install(application)
    return application


@pytest.fixture
def probe(probe_app: Flask) -> FlaskClient:
    """A test client for the probe application."""
    return probe_app.test_client()


def find_citizen(national_id: str) -> Citizen:
    """The citizen with this national id (in the current app context's session)."""
    found = db.session.scalar(
        sa.select(Citizen).where(Citizen.national_id == national_id)
    )
    assert found is not None, national_id
    return found


def find_organisation(code: str) -> Organisation:
    """The organisation with this official code (in the current session)."""
    found = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
    assert found is not None, code
    return found


@pytest.fixture
def citizen(app: Flask) -> Callable[[str], Citizen]:
    """Look up a citizen (a demo one: tests.demo_ids) by national id."""
    return find_citizen


@pytest.fixture
def organisation(app: Flask) -> Callable[[str], Organisation]:
    """Look up an organisation (a demo one: tests.demo_ids) by official code."""
    return find_organisation


@pytest.fixture
def auth_headers(app: Flask) -> Callable[..., dict[str, str]]:
    """Build ``Authorization`` headers for a citizen, optionally acting for an org.

    The token belongs to a real token family, as every token the API issues does.
    """
    return token_headers


def token_headers(
    who: Citizen,
    *,
    org: Organisation | None = None,
    role: str | None = None,
    acr: str = "urn:vneid:loa:2",
    auth_time: datetime | None = None,
) -> dict[str, str]:
    """An access token of a real token family (flushed, not committed), bound to
    a key of the test phone, as ``Authorization: DPoP`` (the test client signs
    each request's proof; over httpx, use :class:`tests.phone.PhoneAuth`)."""
    key = phone.new_key()
    family = TokenFamily(
        citizen_id=who.id,
        acr=acr,
        auth_time=auth_time or utcnow(),
        dpop_jkt=key.thumbprint(),
    )
    db.session.add(family)
    db.session.flush()
    claims: dict[str, Any] = {
        "fam": str(family.id),
        "acr": acr,
        "auth_time": int(family.auth_time.timestamp()),
        "cnf": {"jkt": family.dpop_jkt},
    }
    if org is not None:
        claims.update(org=str(org.id), role=role)
    token = create_access_token(identity=str(who.id), additional_claims=claims)
    return {"Authorization": f"DPoP {token}"}


def live_auth(
    server: LiveServer,
    national_id: str,
    org_code: str | None = None,
    role: str | None = None,
) -> phone.PhoneAuth:
    """httpx authentication as a live server's citizen (acting for an organisation
    if given): the token, and a fresh DPoP proof of its key on each call."""
    with server.app.app_context(), transaction():
        # In line for SQLite's writer lock, as the server's own writers are.
        begin_writing()
        who = find_citizen(national_id)
        org = find_organisation(org_code) if org_code else None
        headers = token_headers(who, org=org, role=role)
    with server.app.app_context():
        db.session.remove()
    return phone.PhoneAuth(headers["Authorization"].removeprefix("DPoP "))


def random_uuid() -> uuid.UUID:
    """A UUID that names nothing in the database."""
    return uuid.uuid4()


#: Redis for the tests that need it; CI must have it (they fail there, never skip).
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix no other test or run uses on ``REDIS_TEST_URL``; cleaned up after."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        message = f"Redis is not reachable at {REDIS_TEST_URL}: {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    prefix = f"congdan-test:{uuid.uuid4().hex}:"
    yield prefix
    names = list(client.scan_iter(match=prefix + "*", count=1000))
    if names:
        client.delete(*names)
    client.close()


class Clock:
    """The application's clock (``app.db.utcnow``), set by the test.

    Every reading moves it on by a millisecond, so what happens in turn is dated
    in turn, as it would be in real time.
    """

    def __init__(self) -> None:
        self.moment: datetime | None = None

    def at(self, moment: datetime) -> None:
        """Read ``moment`` next (timezone-aware), then run on from it."""
        self.moment = moment

    @contextlib.contextmanager
    def on(self, moment: datetime) -> Iterator[None]:
        """Run the block from ``moment``, then go back to the time before it."""
        previous, self.moment = self.moment, moment
        try:
            yield
        finally:
            self.moment = previous

    def read(self, tz: tzinfo | None) -> datetime:
        if self.moment is None:
            return datetime.now(tz)
        moment, self.moment = self.moment, self.moment + timedelta(milliseconds=1)
        return moment.astimezone(tz)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Set the time every row of the application is dated by (real time until set).

    ``app.db.utcnow`` is what every service and column default reads; tokens and
    their expiry keep real time.
    """
    clock = Clock()

    class ClockedDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return clock.read(tz)

    # By the module: the name ``app.db`` is also the package's SQLAlchemy extension.
    monkeypatch.setattr(importlib.import_module("app.db"), "datetime", ClockedDatetime)
    return clock


@pytest.fixture
def providers(app: Flask, tmp_path: Path) -> Iterator[Providers]:
    """Local fakes of FCM, a push service and an SMS gateway (bench/fake_providers.py),
    and the application configured to deliver through them."""
    from bench.fake_providers import SMS_KEYS, FakeProviders

    fakes = FakeProviders()
    account = tmp_path / "service-account.json"
    account.write_text(json.dumps(fakes.state.service_account()))
    settings = {
        "FCM_SERVICE_ACCOUNT_FILE": str(account),
        "FCM_API_URL": fakes.state.url,
        "SMS_GATEWAY_URL": f"{fakes.state.url}/sms",
        "SMS_GATEWAY_API_KEY": SMS_KEYS[0],
        "SMS_GATEWAY_SECRET_KEY": SMS_KEYS[1],
        "WEBPUSH_ALLOWED_HOSTS": ["127.0.0.1"],
        "WEBPUSH_VAPID_KEY_FILE": str(tmp_path / "vapid.pem"),
    }
    before = {name: app.config[name] for name in settings}
    app.config.update(settings)
    app.extensions.pop("congdan.notification_channels", None)
    yield fakes.state
    app.config.update(before)
    app.extensions.pop("congdan.notification_channels", None)
    fakes.close()
