"""A reference holder: a small wallet that speaks to any OpenID4VCI issuer and
OpenID4VP verifier over HTTP, as a phone's wallet would.

It knows CongDan only through the standards: it reads the issuer's metadata,
redeems offers (pre-authorized code and PIN) or runs the authorization code
flow with PAR and PKCE, proves a key of its own for each credential, checks
what it receives and keeps it; asked by a verifier, it discloses only the
claims the DCQL query names. The SD-JWT work is the IETF reference library's
(``sd-jwt``) and the keys are ``jwcrypto``'s — none of CongDan's own SD-JWT
code — so the tests that drive it check CongDan against independent code.
``flask wallet`` is its command line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2 as httpx
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


class WalletError(Exception):
    """What the wallet refuses, or an issuer or verifier answered with an error."""


@dataclass
class StoredCredential:
    """A credential in the wallet, with the private key it is bound to."""

    id: str
    issuer: str
    configuration_id: str
    vct: str
    sd_jwt: str
    key: dict[str, Any]
    #: Every claim, as the wallet read it with all its disclosures.
    claims: dict[str, Any]
    added_at: int = field(default_factory=lambda: int(time.time()))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _well_known(url: str, name: str) -> str:
    """``url`` with ``/.well-known/<name>`` between its host and path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/.well-known/{name}{parts.path.rstrip('/')}"


def _checked(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = {}
        raise WalletError(
            f"{response.request.method} {response.request.url}: {response.status_code} "
            f"{body.get('error', '')} {body.get('error_description', '')}".strip()
        )
    found = response.json()
    if not isinstance(found, dict):
        raise WalletError(f"{response.request.url} did not answer a JSON object")
    return found


def claims_to_disclose(paths: list[list[Any]]) -> dict[str, Any]:
    """The ``sd-jwt`` library's disclosure selection for DCQL claim paths."""
    selection: dict[str, Any] = {}
    for path in paths:
        node = selection
        for position, component in enumerate(path):
            last = position == len(path) - 1
            if not isinstance(component, str):
                raise WalletError("this wallet discloses object members only")
            if last:
                node[component] = True
            else:
                child = node.get(component)
                node = (
                    node.setdefault(component, {})
                    if not isinstance(child, dict)
                    else child
                )
    return selection


def _select(claims: Any, path: list[Any]) -> list[Any]:
    found = [claims]
    for component in path:
        found = [
            node[component]
            for node in found
            if isinstance(node, dict)
            and isinstance(component, str)
            and component in node
        ]
    return found


class Wallet:
    """A wallet over ``http`` (an ``httpx`` client), keeping its credentials in
    ``store`` (a JSON file, mode 0600) or in memory."""

    def __init__(
        self,
        http: httpx.Client,
        store: Path | None = None,
        client_id: str = "congdan-wallet",
    ) -> None:
        self.http = http
        self.store = store
        self.client_id = client_id
        self.credentials: list[StoredCredential] = []
        if store is not None and store.exists():
            self.credentials = [
                StoredCredential(**entry) for entry in json.loads(store.read_text())
            ]

    def _save(self) -> None:
        if self.store is None:
            return
        self.store.touch(mode=0o600, exist_ok=True)
        self.store.write_text(
            json.dumps([asdict(c) for c in self.credentials], ensure_ascii=False)
        )

    # -- issuance ------------------------------------------------------------------

    def _issuer_metadata(self, issuer: str) -> dict[str, Any]:
        found = _checked(self.http.get(_well_known(issuer, "openid-credential-issuer")))
        if found.get("credential_issuer") != issuer:
            raise WalletError("the issuer's metadata names another issuer")
        return dict(found)

    def _server_metadata(self, issuer_metadata: dict[str, Any]) -> dict[str, Any]:
        server = (
            issuer_metadata.get("authorization_servers")
            or [issuer_metadata["credential_issuer"]]
        )[0]
        found = _checked(
            self.http.get(_well_known(server, "oauth-authorization-server"))
        )
        if found.get("issuer") != server:
            raise WalletError(
                "the authorization server's metadata names another issuer"
            )
        return dict(found)

    def accept_offer(self, link: str, tx_code: str | None) -> list[StoredCredential]:
        """Redeem a credential offer (a link or its QR code's text) with the PIN."""
        query = parse_qs(urlsplit(link).query)
        if "credential_offer_uri" in query:
            offer = _checked(self.http.get(query["credential_offer_uri"][0]))
        elif "credential_offer" in query:
            offer = json.loads(query["credential_offer"][0])
        else:
            raise WalletError("not a credential offer")
        issuer = self._issuer_metadata(offer["credential_issuer"])
        server = self._server_metadata(issuer)
        grant = offer.get("grants", {}).get(PRE_AUTHORIZED)
        if grant is None:
            raise WalletError("the offer has no pre-authorized code")
        form = {
            "grant_type": PRE_AUTHORIZED,
            "pre-authorized_code": grant["pre-authorized_code"],
        }
        if "tx_code" in grant:
            if not tx_code:
                raise WalletError("this offer needs its transaction code (PIN)")
            form["tx_code"] = tx_code
        token = self._token(server, form)
        return self._fetch_all(issuer, token, client_id=None)

    def authorize(
        self,
        issuer_url: str,
        configuration_id: str,
        redirect_uri: str,
        open_browser: Callable[[str], str],
    ) -> list[StoredCredential]:
        """Run the authorization code flow (PAR, PKCE) for a configuration.

        :param open_browser: opens the authorization URL where the citizen logs
            in, and answers the URL the browser was finally sent to.
        """
        issuer = self._issuer_metadata(issuer_url)
        server = self._server_metadata(issuer)
        verifier = secrets.token_urlsafe(48)
        challenge = _b64url(hashlib.sha256(verifier.encode()).digest())
        state = secrets.token_urlsafe(16)
        pushed = _checked(
            self.http.post(
                server["pushed_authorization_request_endpoint"],
                data={
                    "client_id": self.client_id,
                    "response_type": "code",
                    "redirect_uri": redirect_uri,
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                    "scope": issuer["credential_configurations_supported"][
                        configuration_id
                    ]["scope"],
                    "state": state,
                },
            )
        )
        landed = open_browser(
            f"{server['authorization_endpoint']}?"
            + urlencode(
                {"client_id": self.client_id, "request_uri": pushed["request_uri"]}
            )
        )
        answer = {k: v[0] for k, v in parse_qs(urlsplit(landed).query).items()}
        if answer.get("state") != state:
            raise WalletError("the authorization response is for another request")
        if answer.get("iss") != server["issuer"]:
            raise WalletError("the authorization response names another issuer")
        if "code" not in answer:
            raise WalletError(f"authorization refused: {answer.get('error')}")
        token = self._token(
            server,
            {
                "grant_type": "authorization_code",
                "code": answer["code"],
                "code_verifier": verifier,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
            },
        )
        return self._fetch_all(issuer, token, client_id=self.client_id)

    def _fetch_all(
        self, issuer: dict[str, Any], token: dict[str, Any], client_id: str | None
    ) -> list[StoredCredential]:
        fetched = []
        for detail in token.get("authorization_details", []):
            for identifier in detail["credential_identifiers"]:
                fetched.append(
                    self._fetch(
                        issuer,
                        token,
                        detail["credential_configuration_id"],
                        identifier,
                        client_id,
                    )
                )
        self.credentials += fetched
        self._save()
        return fetched

    def _dpop(
        self, key: JWK, method: str, url: str, access_token: str | None = None
    ) -> str:
        """A DPoP proof (RFC 9449) of ``key`` for one request."""
        claims: dict[str, Any] = {
            "htm": method,
            "htu": url.split("?")[0],
            "iat": int(time.time()),
            "jti": secrets.token_urlsafe(16),
        }
        if access_token is not None:
            claims["ath"] = _b64url(hashlib.sha256(access_token.encode()).digest())
        proof = JWS(json.dumps(claims))
        header = {
            "typ": "dpop+jwt",
            "alg": "ES256",
            "jwk": json.loads(key.export_public()),
        }
        proof.add_signature(key, alg="ES256", protected=json.dumps(header))
        return str(proof.serialize(compact=True))

    def _token(self, server: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
        """A token bound to a fresh DPoP key of this wallet (kept with it)."""
        key = JWK.generate(kty="EC", crv="P-256")
        endpoint = server["token_endpoint"]
        token = _checked(
            self.http.post(
                endpoint, data=form, headers={"DPoP": self._dpop(key, "POST", endpoint)}
            )
        )
        if token.get("token_type") != "DPoP":
            raise WalletError("the issuer did not bind the token to the wallet's key")
        return {**token, "dpop_key": key}

    def key_proof(
        self, key: JWK, audience: str, nonce: str | None, client_id: str | None = None
    ) -> str:
        """A ``jwt`` proof of ``key`` for the issuer ``audience``."""
        claims: dict[str, Any] = {"aud": audience, "iat": int(time.time())}
        if nonce is not None:
            claims["nonce"] = nonce
        if client_id is not None:
            claims["iss"] = client_id
        proof = JWS(json.dumps(claims))
        header = {
            "typ": "openid4vci-proof+jwt",
            "alg": "ES256",
            "jwk": json.loads(key.export_public()),
        }
        proof.add_signature(key, alg="ES256", protected=json.dumps(header))
        return str(proof.serialize(compact=True))

    def _fetch(
        self,
        issuer: dict[str, Any],
        token: dict[str, Any],
        configuration_id: str,
        identifier: str,
        client_id: str | None,
    ) -> StoredCredential:
        nonce = _checked(self.http.post(issuer["nonce_endpoint"]))["c_nonce"]
        key = JWK.generate(kty="EC", crv="P-256")
        proof = self.key_proof(key, issuer["credential_issuer"], nonce, client_id)
        answer = _checked(
            self.http.post(
                issuer["credential_endpoint"],
                json={"credential_identifier": identifier, "proofs": {"jwt": [proof]}},
                headers={
                    "Authorization": f"DPoP {token['access_token']}",
                    "DPoP": self._dpop(
                        token["dpop_key"],
                        "POST",
                        issuer["credential_endpoint"],
                        token["access_token"],
                    ),
                },
            )
        )
        credential = answer["credentials"][0]["credential"]
        claims = self.read(credential)
        configuration = issuer["credential_configurations_supported"][configuration_id]
        if claims.get("vct") != configuration["vct"]:
            raise WalletError("the credential is not of the type offered")
        if claims.get("cnf", {}).get("jwk") != json.loads(key.export_public()):
            raise WalletError("the credential is not bound to this wallet's key")
        return StoredCredential(
            id=secrets.token_hex(8),
            issuer=issuer["credential_issuer"],
            configuration_id=configuration_id,
            vct=configuration["vct"],
            sd_jwt=credential,
            key=json.loads(key.export_private()),
            claims=claims,
        )

    def issuer_key(self, iss: str, header: dict[str, Any]) -> JWK:
        """The key of ``iss`` named by ``header`` (JWT VC Issuer Metadata)."""
        found = _checked(self.http.get(_well_known(iss, "jwt-vc-issuer")))
        if found.get("issuer") != iss:
            raise WalletError("the issuer metadata names another issuer")
        jwks = found.get("jwks") or _checked(self.http.get(found["jwks_uri"]))
        for entry in jwks["keys"]:
            if entry.get("kid") == header.get("kid"):
                return JWK(**entry)
        raise WalletError("the issuer publishes no such key")

    def read(self, credential: str) -> dict[str, Any]:
        """A received SD-JWT VC checked (the issuer's signature, by the keys its
        metadata publishes) and read with all its disclosures."""
        verified = SDJWTVerifier(
            credential + ("" if credential.endswith("~") else "~"), self.issuer_key
        )
        claims: dict[str, Any] = verified.get_verified_payload()
        return claims

    # -- presentation --------------------------------------------------------------

    def present(
        self, link: str, confirm: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> dict[str, Any]:
        """Answer a verifier's request (an ``openid4vp://`` link): for each DCQL
        credential query, the first matching credential, disclosing only the
        claims asked for. ``confirm`` sees what would be shown and may refuse.
        """
        params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        if (
            params.get("response_type") != "vp_token"
            or params.get("response_mode") != "direct_post"
        ):
            raise WalletError(
                "this wallet answers vp_token requests by direct_post only"
            )
        client_id, response_uri = params["client_id"], params["response_uri"]
        if client_id != f"redirect_uri:{response_uri}":
            raise WalletError("the client_id is not the response URI it names")
        query = json.loads(params["dcql_query"])
        vp_token: dict[str, list[str]] = {}
        shown: dict[str, Any] = {}
        for credential_query in query["credentials"]:
            paths = [claim["path"] for claim in credential_query.get("claims", [])]
            match = self._matching(credential_query)
            if match is None:
                self.http.post(
                    response_uri,
                    data={"error": "access_denied", "state": params.get("state", "")},
                )
                raise WalletError(f"no credential answers {credential_query['id']}")
            holder = SDJWTHolder(match.sd_jwt)
            holder.create_presentation(
                claims_to_disclose(paths),
                nonce=params["nonce"],
                aud=client_id,
                holder_key=JWK(**match.key),
                sign_alg="ES256",
            )
            vp_token[credential_query["id"]] = [holder.sd_jwt_presentation]
            shown[credential_query["id"]] = {
                ".".join(map(str, path)): _select(match.claims, path) for path in paths
            }
        if not confirm(shown):
            return _checked(
                self.http.post(
                    response_uri,
                    data={"error": "access_denied", "state": params.get("state", "")},
                )
            )
        return _checked(
            self.http.post(
                response_uri,
                data={
                    "vp_token": json.dumps(vp_token),
                    "state": params.get("state", ""),
                },
            )
        )

    def _matching(self, credential_query: dict[str, Any]) -> StoredCredential | None:
        wanted = credential_query.get("meta", {}).get("vct_values", [])
        for credential in reversed(self.credentials):
            if credential.vct not in wanted:
                continue
            answers = all(
                (found := _select(credential.claims, claim["path"]))
                and ("values" not in claim or any(v in claim["values"] for v in found))
                for claim in credential_query.get("claims", [])
            )
            if answers:
                return credential
        return None


def store_path() -> Path:
    """Where ``flask wallet`` keeps its credentials (``CONGDAN_WALLET``)."""
    return Path(os.environ.get("CONGDAN_WALLET", Path.home() / ".congdan-wallet.json"))
