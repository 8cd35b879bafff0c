// Verifies a VC-JWT the way a generic verifier does, knowing nothing of CongDan:
// did-jwt checks the ES256 signature with the key its `kid` names in the issuer's
// DID document, which web-did-resolver fetches by did:web (https, as the method
// says). Prints {issuer, signer, payload} as JSON: `node verify_vc_jwt.mjs <jwt>`.
import { verifyJWT } from "did-jwt";
import { Resolver } from "did-resolver";
import { getResolver } from "web-did-resolver";

const [jwt] = process.argv.slice(2);
const resolver = new Resolver(getResolver());
const verified = await verifyJWT(jwt, { resolver, proofPurpose: "assertionMethod" });
process.stdout.write(
  JSON.stringify({ issuer: verified.issuer, signer: verified.signer.id, payload: verified.payload }),
);
