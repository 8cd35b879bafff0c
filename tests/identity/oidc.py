"""Drive the provider like a browser and a relying party would (test helpers)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pyotp
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from flask import Flask

from app.extensions import db
from identity.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from identity.totp import TotpCredential
from tests.conftest import TEST_CLIENT_SECRET, find_citizen
from tests.demo_ids import AN

#: Phúc, the ward officer, is level 2 with no second factor: his logins stay level 1.
CONGDAN_APP = "congdan-app"
BROWSER_CALLBACK = "http://localhost/callback"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_STEP = re.compile(r'name="step" value="([a-z]+)"')


def browser(app: Flask) -> httpx.Client:
    """A cookie-keeping client that talks to ``app`` in-process."""
    return httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://localhost"
    )


def relying_party(
    app: Flask,
    client_id: str = CONGDAN_APP,
    secret: str | None = TEST_CLIENT_SECRET,
    redirect_uri: str = BROWSER_CALLBACK,
    scope: str = "openid profile national_id",
) -> OAuth2Client:
    """Authlib's own OAuth 2.0 client, pointed at the provider in-process."""
    return OAuth2Client(
        client_id=client_id,
        client_secret=secret,
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
        redirect_uri=redirect_uri,
        scope=scope,
        code_challenge_method="S256",
        transport=httpx.WSGITransport(app=app),
    )


@dataclass
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    verifier: str


def authorization_request(rp: OAuth2Client, **params: str) -> AuthorizationRequest:
    """Build an authorization URL with PKCE S256 and a nonce."""
    verifier = generate_token(64)
    nonce = generate_token(24)
    url, state = rp.create_authorization_url(
        "http://localhost/vneid/authorize",
        code_verifier=verifier,
        nonce=nonce,
        **params,
    )
    return AuthorizationRequest(url=url, state=state, nonce=nonce, verifier=verifier)


def form_step(page: httpx.Response) -> str | None:
    """Which step an HTML page of the flow shows (password, otp, consent)."""
    found = _STEP.search(page.text)
    return found.group(1) if found else None


def submit(
    b: httpx.Client, url: str, page: httpx.Response, **fields: object
) -> httpx.Response:
    """Post a form of ``page`` back to the authorization URL with its CSRF token."""
    token = _CSRF.search(page.text)
    assert token, page.text
    data = {"csrf_token": token.group(1), **fields}
    return b.post(url, data=data)


def next_otp(national_id: str, secret: str = DEMO_TOTP_SECRET) -> str:
    """A code the account has not used yet (later than its last accepted step)."""
    citizen = find_citizen(national_id)
    credential = db.session.get(TotpCredential, citizen.id)
    totp = pyotp.TOTP(secret)
    step = totp.timecode(__import__("datetime").datetime.now())
    if credential is not None:
        db.session.refresh(credential)
        if credential.last_used_step is not None:
            step = max(step, credential.last_used_step + 1)
    return totp.generate_otp(step)


def sign_in(
    b: httpx.Client,
    url: str,
    national_id: str = AN,
    password: str = DEMO_PASSWORD,
    *,
    otp: str | None = None,
    confirm: bool = True,
    exclude: tuple[str, ...] = (),
) -> httpx.Response:
    """Go through login, second factor and consent; return the final response."""
    page = b.get(url)
    if form_step(page) == "password":
        page = submit(
            b, url, page, step="password", national_id=national_id, password=password
        )
    if form_step(page) == "otp":
        page = submit(b, url, page, step="otp", otp=otp or next_otp(national_id))
    if form_step(page) == "consent":
        choice = {"confirm": "yes"} if confirm else {"deny": "yes"}
        page = submit(b, url, page, step="consent", exclude=list(exclude), **choice)
    return page


def redirect_params(response: httpx.Response) -> dict[str, str]:
    """The query parameters of a redirect's Location."""
    assert response.status_code == 302, (response.status_code, response.text[:500])
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return {key: values[0] for key, values in query.items()}


def unique_client_id() -> str:
    return f"test-client-{uuid.uuid4().hex[:8]}"
