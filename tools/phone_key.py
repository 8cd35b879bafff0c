"""A phone's key for the README's walkthroughs, where curl plays the phone.

The API binds its tokens to a key the phone makes (DPoP, RFC 9449), so every call
carries a fresh proof signed by it::

    python -m tools.phone_key new > key.json              # a P-256 private JWK
    python -m tools.phone_key proof key.json GET URL [ACCESS_TOKEN]

``proof`` prints a proof for that method and URL (and token, whose hash it binds).
A real phone keeps its key in its secure hardware and never prints it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from joserfc import jwt
from joserfc.jwk import ECKey


def proof(
    key: ECKey, method: str, url: str, token: str | None = None, **changes: Any
) -> str:
    """A DPoP proof of ``key`` for ``method`` ``url`` (and ``token``);
    ``changes`` replace its claims (the tests' wrong proofs)."""
    parts = urlsplit(url)
    claims: dict[str, Any] = {
        "jti": uuid.uuid4().hex,
        "htm": method.upper(),
        "htu": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        "iat": int(time.time()),
    }
    if token:
        digest = hashlib.sha256(token.encode()).digest()
        claims["ath"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    claims.update(changes)
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    return jwt.encode(header, claims, key)


def main(argv: list[str]) -> int:
    """``new`` or ``proof KEYFILE METHOD URL [TOKEN]``; prints the result."""
    if argv[:1] == ["new"]:
        key = ECKey.generate_key("P-256", private=True)
        print(json.dumps(key.as_dict(private=True)))
        return 0
    if argv[:1] == ["proof"] and len(argv) in (4, 5):
        key = ECKey.import_key(json.loads(Path(argv[1]).read_text()))
        print(proof(key, argv[2], argv[3], argv[4] if len(argv) == 5 else None))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
