"""Authorization request parameters Authlib does not check, checked the same way
wherever a request arrives: at ``/authorize`` and when it is pushed (``/par``)."""

from __future__ import annotations

import re
from typing import Any

from authlib.oauth2.rfc6749 import InvalidRequestError

#: An RFC 7638 SHA-256 thumbprint, base64url without padding.
_THUMBPRINT = re.compile(r"[A-Za-z0-9_-]{43}")


def parse_max_age(raw: Any) -> int | None:
    """``max_age`` in seconds, if given.

    :raise InvalidRequestError: not a non-negative integer of at most 10 digits.
    """
    if raw is None:
        return None
    # ASCII digits only ("²".isdigit() holds), and few enough for int() and for
    # sense: ten digits are over three centuries.
    if not re.fullmatch(r"[0-9]{1,10}", str(raw)):
        raise InvalidRequestError(
            "'max_age' must be a non-negative integer of at most 10 digits."
        )
    return int(raw)


def check_dpop_jkt(raw: Any) -> None:
    """RFC 9449 §10: ``dpop_jkt`` is a key's SHA-256 thumbprint, if given.

    :raise InvalidRequestError: anything else.
    """
    if raw is not None and not _THUMBPRINT.fullmatch(str(raw)):
        raise InvalidRequestError("'dpop_jkt' must be a JWK SHA-256 thumbprint.")


def check(parameters: Any) -> None:
    """Check every parameter this module knows in ``parameters`` (a mapping)."""
    parse_max_age(parameters.get("max_age"))
    check_dpop_jkt(parameters.get("dpop_jkt"))
