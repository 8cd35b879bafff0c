"""The instants a JWT states (RFC 7519 NumericDate), read without trusting them:
a number of seconds, finite, never a boolean (``True`` is an ``int`` in Python,
and ``NaN`` passes every comparison of a freshness check)."""

from __future__ import annotations

import math
import time
from typing import Any, TypeGuard


def is_numeric_date(value: Any) -> TypeGuard[int | float]:
    """Whether ``value`` is a NumericDate."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def is_recent(value: Any, window_seconds: float, now: float | None = None) -> bool:
    """Whether ``value`` is a NumericDate within ``window_seconds`` of now,
    either way (clock skew)."""
    now = time.time() if now is None else now
    return is_numeric_date(value) and abs(now - value) <= window_seconds
