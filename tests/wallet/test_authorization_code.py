"""The authorization code flow: the wallet pushes its request (PAR) with PKCE,
the citizen logs in with VNeID at level 2, the wallet redeems the code."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.demo_ids import AN, PHUC
from tests.identity.oidc import browser, sign_in
from wallet.records import identifier
from wallet.types import BHYT, HOC_BA

REDIRECT = "http://127.0.0.1:8765/callback"


def _through_vneid(app, who=AN):
    """A browser that logs ``who`` in at VNeID and answers where it ends up."""

    def open_browser(url: str) -> str:
        b = browser(app)
        to_vneid = b.get(url)
        assert to_vneid.status_code == 302, to_vneid.text
        back = sign_in(b, to_vneid.headers["Location"], who)
        assert back.status_code == 302, back.text[:300]
        assert back.headers["Location"].startswith("http://localhost/oid4vci/callback?")
        to_wallet = b.get(back.headers["Location"])
        assert to_wallet.status_code == 302, to_wallet.text
        return str(to_wallet.headers["Location"])

    return open_browser


def test_a_guardian_adds_every_transcript_he_may_through_vneid(
    app, holder, transcript, citizen
):
    added = holder.authorize(
        "http://localhost", HOC_BA.configuration_id, REDIRECT, _through_vneid(app)
    )
    assert [c.claims["full_name"] for c in added] == ["Nguyễn Thị Bình"]
    assert added[0].claims["school_year"] == transcript.school_year


def test_a_card_through_vneid(app, holder, citizen, cards_in_force):
    added = holder.authorize(
        "http://localhost", BHYT.configuration_id, REDIRECT, _through_vneid(app)
    )
    assert sorted(c.claims["bhyt_number"] for c in added) == [
        "0123456789",
        "7400314102",
    ]


def test_a_level_one_account_gets_no_code(app, http):
    # Phúc's account has no second factor: VNeID, asked for level 2, refuses to
    # go on, and the browser never comes back with a code.
    _, pushed = _push(http)
    b = browser(app)
    to_vneid = b.get(
        "http://localhost/oid4vci/authorize?"
        + urlencode(
            {"client_id": "congdan-wallet", "request_uri": pushed.json()["request_uri"]}
        )
    )
    assert "acr_values=urn%3Avneid%3Aloa%3A2" in to_vneid.headers["Location"]
    stopped = sign_in(b, to_vneid.headers["Location"], PHUC)
    assert stopped.status_code == 403
    assert "mức 2" in stopped.text


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _push(http, **changes):
    verifier, challenge = _pkce()
    form = {
        "client_id": "congdan-wallet",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": HOC_BA.scope,
        "state": "s-1",
        **changes,
    }
    return verifier, http.post(
        "/oid4vci/par", data={k: v for k, v in form.items() if v is not None}
    )


def _code(app, http, verifier_and_pushed):
    verifier, pushed = verifier_and_pushed
    assert pushed.status_code == 201, pushed.text
    url = "/oid4vci/authorize?" + urlencode(
        {"client_id": "congdan-wallet", "request_uri": pushed.json()["request_uri"]}
    )
    landed = _through_vneid(app)(f"http://localhost{url}")
    answer = {k: v[0] for k, v in parse_qs(urlsplit(landed).query).items()}
    assert answer["state"] == "s-1"
    assert answer["iss"] == "http://localhost"
    return verifier, answer["code"]


def _redeem(http, code, verifier, **changes):
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REDIRECT,
        "client_id": "congdan-wallet",
        **changes,
    }
    return http.post("/oid4vci/token", data=form)


def test_the_code_is_redeemed_once_with_its_verifier(app, http, transcript):
    verifier, code = _code(app, http, _push(http))
    wrong = _redeem(http, code, _pkce()[0])
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    redeemed = _redeem(http, code, verifier)
    assert redeemed.status_code == 200
    assert redeemed.json()["authorization_details"] == [
        {
            "type": "openid_credential",
            "credential_configuration_id": HOC_BA.configuration_id,
            "credential_identifiers": [identifier(HOC_BA, transcript.id)],
        }
    ]
    again = _redeem(http, code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_the_code_is_for_its_client_and_redirect_uri(app, http):
    verifier, code = _code(app, http, _push(http))
    moved = _redeem(http, code, verifier, redirect_uri="http://127.0.0.1:9/callback")
    assert moved.json()["error"] == "invalid_grant"


def test_a_pushed_request_is_opened_once(app, http):
    _, pushed = _push(http)
    url = "http://localhost/oid4vci/authorize?" + urlencode(
        {"client_id": "congdan-wallet", "request_uri": pushed.json()["request_uri"]}
    )
    b = browser(app)
    assert b.get(url).status_code == 302
    again = b.get(url)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"


def test_the_authorize_endpoint_reads_only_pushed_requests(http):
    refused = http.get(
        "/oid4vci/authorize",
        params={
            "client_id": "congdan-wallet",
            "response_type": "code",
            "redirect_uri": REDIRECT,
        },
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"client_id": "someone-else"}, "invalid_client"),
        ({"redirect_uri": "https://attacker.example/callback"}, "invalid_request"),
        (
            {"redirect_uri": "http://127.0.0.1.attacker.example:80/callback"},
            "invalid_request",
        ),
        ({"redirect_uri": "http://127.0.0.1:8765/elsewhere"}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"response_type": "token"}, "invalid_request"),
        ({"scope": "openid"}, "invalid_request"),
        ({"authorization_details": '[{"type": "other"}]'}, "invalid_request"),
        ({"authorization_details": "not json"}, "invalid_request"),
    ],
)
def test_a_pushed_request_must_be_a_wallets_pkce_code_request(http, changes, error):
    _, refused = _push(http, **changes)
    assert refused.status_code in (400, 401)
    assert refused.json()["error"] == error


def test_authorization_details_ask_for_a_configuration(app, http, transcript):
    details = f'[{{"type": "openid_credential", "credential_configuration_id": "{HOC_BA.configuration_id}"}}]'
    verifier, code = _code(
        app, http, _push(http, scope=None, authorization_details=details)
    )
    assert _redeem(http, code, verifier).status_code == 200


def test_a_callback_without_a_pending_login_is_refused(http):
    refused = http.get("/oid4vci/callback", params={"state": "nobody", "code": "x"})
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"
