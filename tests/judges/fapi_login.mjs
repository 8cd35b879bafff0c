// Logs in to the provider as a FAPI 2.0 client, every step by openid-client (panva,
// OpenID-certified): discovery, a pushed authorization request, private_key_jwt,
// DPoP (with its nonce retries) and PKCE; then the code grant with the ID token
// checked, userinfo, a refresh and an introspection, all DPoP-bound.
//
//   node fapi_login.mjs <issuer> <client_id> <private JWK file> <redirect_uri> <scope> [claims JSON]
//
// Prints {"authorization_url": …} as one line, reads the redirect it ended at
// (the callback URL) as one line on stdin, then prints what it got as one line.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import * as client from "openid-client";

const [issuer, clientId, keyFile, redirectUri, scope, claims] = process.argv.slice(2);
const jwk = JSON.parse(readFileSync(keyFile, "utf8"));
const { kid, ...material } = jwk;
const signingKey = await crypto.subtle.importKey(
  "jwk",
  material,
  { name: "ECDSA", namedCurve: "P-256" },
  false,
  ["sign"],
);

const config = await client.discovery(
  new URL(issuer),
  clientId,
  { id_token_signed_response_alg: "ES256" },
  client.PrivateKeyJwt({ key: signingKey, kid }),
  { execute: [client.allowInsecureRequests] },
);
const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair("ES256"));

const verifier = client.randomPKCECodeVerifier();
const nonce = client.randomNonce();
const state = client.randomState();
const parameters = {
  redirect_uri: redirectUri,
  scope,
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: "S256",
  nonce,
  state,
};
if (claims) parameters.claims = claims;
const authorizationUrl = await client.buildAuthorizationUrlWithPAR(config, parameters, { DPoP });
process.stdout.write(`${JSON.stringify({ authorization_url: authorizationUrl.href })}\n`);

const lines = createInterface({ input: process.stdin });
const callback = await new Promise((resolve) => lines.once("line", resolve));
lines.close();

const tokens = await client.authorizationCodeGrant(
  config,
  new URL(callback),
  { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state, idTokenExpected: true },
  undefined,
  { DPoP },
);
const idToken = tokens.claims();
const userinfo = await client.fetchUserInfo(config, tokens.access_token, idToken.sub, { DPoP });
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP });
const introspection = await client.tokenIntrospection(config, refreshed.access_token);

process.stdout.write(
  `${JSON.stringify({
    token_type: tokens.token_type,
    access_token: refreshed.access_token,
    id_token_claims: idToken,
    userinfo,
    refreshed_token_type: refreshed.token_type,
    introspection,
  })}\n`,
);
