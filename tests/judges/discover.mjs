// Discovers an authorization server the way openid-client does, and prints what it
// found as JSON: `node discover.mjs <issuer> <oidc|oauth2>`.
// "oauth2" is RFC 8414: /.well-known/oauth-authorization-server inserted before the
// issuer's path; "oidc" is OpenID Connect Discovery: /.well-known/openid-configuration
// appended to it. openid-client checks that the document's issuer is the one asked.
import * as client from "openid-client";

const [issuer, algorithm] = process.argv.slice(2);
const config = await client.discovery(new URL(issuer), "congdan-judge", undefined, undefined, {
  algorithm,
  execute: [client.allowInsecureRequests],
});
process.stdout.write(JSON.stringify(config.serverMetadata()));
