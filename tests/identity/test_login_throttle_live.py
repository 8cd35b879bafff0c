"""Wrong and right passwords at once against a real server, throttled through Redis.

Attackers hammer two accounts with wrong passwords from their own addresses (real
loopback addresses, 127.0.0.x, as the server sees them) while the owners sign in:
from a new address they get in at once; after a typo of their own, within the
account's documented short delay. Nobody is locked out, and no guess gets through.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx2 as httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client

from app.extensions import db
from identity.demo import DEMO_PASSWORD
from tests.conftest import (
    REDIS_TEST_URL,
    TEST_CLIENT_SECRET,
    LiveServer,
    running_server,
)
from tests.demo_ids import AN, PHUC
from tests.identity.oidc import form_step, next_otp

#: Left out of `make test-fast`: starts gunicorn and guesses passwords against it.
pytestmark = pytest.mark.slow

#: Short caps so the test runs in seconds; the claims hold for any caps.
ACCOUNT_MAX_DELAY = 2
ATTACK_SECONDS = 4.0


@pytest.fixture
def redis_live_server(
    scratch_database_url: str, redis_prefix: str
) -> Iterator[LiveServer]:
    """The service on a real port, its throttle in Redis under a fresh prefix."""
    with running_server(
        scratch_database_url,
        THROTTLE_STORAGE_URI=REDIS_TEST_URL,
        THROTTLE_KEY_PREFIX=redis_prefix,
        THROTTLE_ACCOUNT_MAX_DELAY=ACCOUNT_MAX_DELAY,
        THROTTLE_MAX_DELAY=4,
    ) as server:
        yield server


@dataclass
class Tally:
    statuses: list[int] = field(default_factory=list)
    reached: list[str | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Browser:
    """A browser at ``address`` on the live server, through one authorization request."""

    def __init__(self, server: LiveServer, address: str) -> None:
        self.http = httpx.Client(
            base_url=server.url,
            transport=httpx.HTTPTransport(local_address=address),
            timeout=30,
        )
        rp = OAuth2Client(
            client_id="congdan-app",
            client_secret=TEST_CLIENT_SECRET,
            redirect_uri=f"{server.url}/callback",
            scope="openid profile",
            code_challenge_method="S256",
        )
        self.url, _ = rp.create_authorization_url(
            f"{server.url}/vneid/authorize",
            code_verifier=generate_token(64),
            nonce=generate_token(24),
        )
        self.page = self.http.get(self.url)

    def post(self, **fields: str) -> httpx.Response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.page.text)
        assert token, self.page.text[:300]
        self.page = self.http.post(self.url, data={"csrf_token": token[1], **fields})
        return self.page


@pytest.fixture
def browsers(redis_live_server: LiveServer) -> Iterator[Callable[[str], Browser]]:
    """Open browsers at an address (each closed after the test: keep-alive sockets)."""
    opened: list[Browser] = []

    def open_browser(address: str) -> Browser:
        browser = Browser(redis_live_server, address)
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.http.close()


def _attack(
    browser: Callable[[str], Browser], address: str, until: float, tally: Tally
) -> None:
    b = browser(address)
    n = 0
    while time.monotonic() < until:
        target = (AN, PHUC)[n % 2]
        n += 1
        page = b.post(step="password", national_id=target, password=f"guess-{n}")
        with tally.lock:
            tally.statuses.append(page.status_code)
            tally.reached.append(form_step(page))


def _sign_in(
    server: LiveServer, b: Browser, national_id: str
) -> tuple[str | None, list[int]]:
    """The right password (and code), retrying as ``Retry-After`` says."""
    statuses = []
    while True:
        page = b.post(step="password", national_id=national_id, password=DEMO_PASSWORD)
        statuses.append(page.status_code)
        if page.status_code != 429:
            break
        wait = int(page.headers["Retry-After"])
        assert wait <= ACCOUNT_MAX_DELAY, f"locked out for {wait} s"
        time.sleep(wait)
    if form_step(page) == "otp":
        with server.app.app_context():
            code = next_otp(national_id)
            db.session.remove()
        page = b.post(step="otp", otp=code)
        statuses.append(page.status_code)
    return form_step(page), statuses


@pytest.mark.real_sessions
def test_the_right_login_always_gets_through_while_attackers_guess(
    redis_live_server: LiveServer, browsers: Callable[[str], Browser]
):
    server = redis_live_server
    tally = Tally()
    until = time.monotonic() + ATTACK_SECONDS
    attackers = [
        threading.Thread(
            target=_attack, args=(browsers, f"127.0.0.{10 + i}", until, tally)
        )
        for i in range(6)
    ]
    for thread in attackers:
        thread.start()
    time.sleep(1.0)  # the attack is under way: the accounts have many failures

    # An, from a new address, with her code: in at once, never a 429.
    step, statuses = _sign_in(server, browsers("127.0.0.50"), AN)
    assert step == "consent", statuses
    assert 429 not in statuses

    # Cúc, again and again from another new address, while being guessed at.
    for _ in range(5):
        step, statuses = _sign_in(server, browsers("127.0.0.51"), PHUC)
        assert (step, statuses) == ("consent", [200])

    # A typo of her own first: then in within the account's short delay.
    typo = browsers("127.0.0.52")
    assert typo.post(step="password", national_id=PHUC, password="typo").status_code
    started = time.monotonic()
    step, statuses = _sign_in(server, typo, PHUC)
    assert step == "consent", statuses
    assert time.monotonic() - started <= ACCOUNT_MAX_DELAY + 2

    # An again, second code of the window, from an address that also typed wrong.
    again = browsers("127.0.0.53")
    again.post(step="password", national_id=AN, password="typo")
    step, statuses = _sign_in(server, again, AN)
    assert step == "consent", statuses

    for thread in attackers:
        thread.join()
    assert len(tally.statuses) > 20
    assert set(tally.statuses) <= {401, 429}
    assert set(tally.reached) <= {"password", None}
    assert 429 in tally.statuses
